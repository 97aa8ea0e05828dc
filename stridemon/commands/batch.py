"""stridemon batch PATH... --out results.parquet: analyse every run under the paths on Dask.

Every recording, CSV or FIT file found under the paths (folders are searched recursively; files
named on the command line are always tried) is analysed as ``stridemon analyze`` does, on a
``dask.distributed`` cluster: a local one of N worker *processes* by default (``--workers N``,
the machine's cores), an existing scheduler with ``--scheduler ADDRESS`` (docs/team.md), or in
this process with ``--workers 0`` (no Dask). One row per run goes to a Parquet file (schema:
:data:`ROW_SCHEMA`, docs/team.md); with ``--steps DIR`` every step and stride also goes to a
Parquet dataset partitioned by run (``DIR/steps/run_id=…/``, ``DIR/strides/run_id=…/``).

A file that cannot be analysed is a row with its ``error``; it never ends the batch. Re-running
with the same ``--out`` re-uses the rows of runs whose file (content digest of the file and its
sidecar, as the session cache computes it) and analysis code (the session cache's code
fingerprint plus the modules that make the analyze document) are unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stridemon.errors import InputError, OutputError, StridemonError

HELP = "analyse many runs on Dask (local or a cluster): one Parquet row per run, optionally every step"

log = logging.getLogger(__name__)

# Files a folder search picks up (files named on the command line are always tried).
BATCH_SUFFIXES = (".csv", ".smrec", ".stridemon", ".fit")
INFRA_ERROR_PREFIX = "batch:"  # a worker died or the cluster went away: retried on the next run

# Summary figures as columns (the full summary is also kept, as JSON, in summary_json).
_INT_KEYS = ("steps", "strides", "left_steps", "right_steps", "gaps", "skipped_nan_rows", "skipped_bad_rows")
_FLOAT_KEYS = (
    "duration_s",
    "cadence_spm_median",
    "cadence_spm_p25",
    "cadence_spm_p75",
    "rotation_deg_median",
    "rotation_deg_p90",
    "rotation_cm_median",
    "step_time_asymmetry_pct",
    "contact_ms_median",
    "vertical_oscillation_cm_median",
    "braking_mps_median",
    "impact_g_median",
    "pelvic_drop_deg_median",
    "contact_time_asymmetry_pct",
    "duty_factor_median",
    "tilt_range_deg_median",
)
STEP_COLUMNS = (
    ("t", "float64"),
    ("side", "string"),
    ("cadence_spm", "float64"),
    ("contact_ms", "float64"),
    ("vertical_oscillation_cm", "float64"),
    ("braking_mps", "float64"),
    ("impact_g", "float64"),
    ("pelvic_drop_deg", "float64"),
)
STRIDE_COLUMNS = (
    ("t", "float64"),
    ("end", "float64"),
    ("side", "string"),
    ("rotation_deg", "float64"),
    ("rotation_cm", "float64"),
    ("tilt_range_deg", "float64"),
)


def _schema():
    import pyarrow as pa

    fields = [
        pa.field("path", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("file_name", pa.string()),
        pa.field("format", pa.string()),
        pa.field("runner", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("device", pa.string()),
        pa.field("start_time", pa.timestamp("us", tz="UTC")),
        pa.field("start_source", pa.string()),
        *[pa.field(k, pa.int64()) for k in _INT_KEYS],
        *[pa.field(k, pa.float64()) for k in _FLOAT_KEYS],
        pa.field("forward_axis_sensor", pa.list_(pa.float64())),
        pa.field("summary_json", pa.string()),
        pa.field("warnings", pa.list_(pa.string())),
        pa.field("error", pa.string()),
        pa.field("file_size", pa.int64()),
        pa.field("file_digest", pa.string()),
        pa.field("code_fingerprint", pa.string()),
        pa.field("analysed_at", pa.timestamp("us", tz="UTC")),
        pa.field("analysis_s", pa.float64()),
    ]
    return pa.schema(fields)


ROW_COLUMNS = (
    "path run_id file_name format runner tags device start_time start_source".split()
    + list(_INT_KEYS)
    + list(_FLOAT_KEYS)
    + "forward_axis_sensor summary_json warnings error".split()
    + "file_size file_digest code_fingerprint analysed_at analysis_s".split()
)


# -- what each worker runs ------------------------------------------------------------------------
def analyze_one(path: str, with_tables: bool = False) -> dict[str, Any]:
    """Analyse one file as ``stridemon analyze`` does: ``{"row": {...}, "steps": [...], "strides": [...]}``.

    Never raises: a file that cannot be analysed gives a row with ``error`` set."""
    from stridemon.fitexport import analyze_file

    t0 = time.perf_counter()
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    row.update(path=path, run_id=run_id(path), file_name=os.path.basename(path), tags=[], warnings=[])
    out: dict[str, Any] = {"row": row, "steps": None, "strides": None}
    try:
        run = analyze_file(path)
    except StridemonError as e:
        row["error"] = str(e)
    except Exception as e:  # one file must never end the batch (MemoryError, a reader's bug, ...)
        log.debug("analysing %s failed", path, exc_info=True)
        row["error"] = f"{path}: cannot analyse ({type(e).__name__}: {e})"[:2000]
    else:
        s = run.document["summary"]
        meta = run.meta
        row.update(
            format=run.family,
            runner=meta.runner,
            tags=list(meta.tags),
            device=run.device,
            start_time=None if run.start_unix_s is None else datetime.fromtimestamp(run.start_unix_s, UTC),
            start_source=run.start_source,
            forward_axis_sensor=s.get("forward_axis_sensor"),
            summary_json=json.dumps(s, allow_nan=False, sort_keys=True),
            warnings=[str(w) for w in run.warnings][:1000],
            error=None if run.samples else f"{path}: no samples",
        )
        for k in _INT_KEYS:
            v = s.get(k)
            row[k] = int(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
        for k in _FLOAT_KEYS:
            v = s.get(k)
            row[k] = float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
        iqr = s.get("cadence_spm_iqr") or [None, None]
        row["cadence_spm_p25"], row["cadence_spm_p75"] = iqr[0], iqr[1]
        if with_tables:
            out["steps"] = run.document["steps"]
            out["strides"] = run.document["strides"]
    row["analysed_at"] = datetime.now(UTC)
    row["analysis_s"] = round(time.perf_counter() - t0, 4)
    return out


def run_id(path: str) -> str:
    """A run's partition key in the steps dataset: a short hash of its absolute path."""
    return hashlib.blake2b(os.path.abspath(path).encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()


def code_fingerprint() -> str:
    """The session cache's code fingerprint (stridemon.coach.library) plus the code that makes the
    analyze document and the rows here (sinks/summary.py, fitexport.py, this module)."""
    import stridemon
    from stridemon.coach.library import code_fingerprint as library_fingerprint

    root = Path(stridemon.__file__).parent
    h = hashlib.sha256(library_fingerprint().encode())
    for f in (root / "sinks" / "summary.py", root / "fitexport.py", Path(__file__)):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:16]


# -- finding the runs -----------------------------------------------------------------------------
def find_runs(paths: Sequence[str | os.PathLike], suffixes: Iterable[str] = BATCH_SUFFIXES) -> list[str]:
    """Run files under ``paths`` (folders recursively, hidden entries skipped), sorted, each once."""
    from stridemon.coach.library import SESSION_SUFFIXES

    sfx = tuple({s.lower() for s in (*suffixes, *SESSION_SUFFIXES)})
    found: dict[str, None] = {}
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise InputError(f"{p}: no such file or folder")
        if p.is_file():
            found[str(p)] = None
            continue
        for dirpath, dirnames, filenames in os.walk(p):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if not name.startswith(".") and name.lower().endswith(sfx):
                    found[os.path.join(dirpath, name)] = None
    seen: set[str] = set()
    out = []
    for f in found:
        key = os.path.realpath(f)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return sorted(out)


# -- the batch ------------------------------------------------------------------------------------
def _digest(path: str) -> tuple[int | None, str | None]:
    from stridemon.coach.library import content_digest

    try:
        return os.stat(path).st_size, content_digest(Path(path))
    except OSError:
        return None, None


def _previous_rows(out: Path) -> dict[str, dict[str, Any]]:
    """Rows of an earlier batch written to ``out``, by path ({} if none or unreadable)."""
    if not out.exists():
        return {}
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(out)
    except Exception as e:  # a damaged or foreign file: analyse everything again
        log.warning("%s: earlier results unreadable (%s); analysing every run", out, type(e).__name__)
        return {}
    if not set(ROW_COLUMNS) <= set(table.column_names):
        return {}
    return {r["path"]: r for r in table.select(list(ROW_COLUMNS)).to_pylist()}


def _write_rows(out: Path, rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=_schema())
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp)
        os.replace(tmp, out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{out}: cannot write the results ({e.strerror or e})") from None


def _partition(steps_dir: Path, kind: str, rid: str) -> Path:
    return steps_dir / kind / f"run_id={rid}" / "part-0.parquet"


def _write_tables(steps_dir: Path, rid: str, steps: list[dict], strides: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    for kind, rows, cols in (("steps", steps, STEP_COLUMNS), ("strides", strides, STRIDE_COLUMNS)):
        schema = pa.schema([pa.field(n, pa.string() if t == "string" else pa.float64()) for n, t in cols])
        table = pa.Table.from_pylist([{n: r.get(n) for n, _ in cols} for r in rows], schema=schema)
        dst = _partition(steps_dir, kind, rid)
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".part-0.tmp{os.getpid()}")
        try:
            pq.write_table(table, tmp)
            os.replace(tmp, dst)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise OutputError(f"{dst}: cannot write ({e.strerror or e})") from None


def _reusable(prev: dict[str, Any] | None, digest: str | None, fp: str, steps_dir: Path | None) -> bool:
    if prev is None or digest is None or prev.get("file_digest") != digest or prev.get("code_fingerprint") != fp:
        return False
    err = prev.get("error")
    if err is not None:
        return not str(err).startswith(INFRA_ERROR_PREFIX)
    if steps_dir is not None:
        rid = prev.get("run_id") or ""
        return _partition(steps_dir, "steps", rid).exists() and _partition(steps_dir, "strides", rid).exists()
    return True


def run_batch(
    paths: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    steps_dir: str | os.PathLike | None = None,
    force: bool = False,
    on_start: Callable[[dict[str, Any]], None] | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    cluster_kwargs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Analyse every run under ``paths`` and write ``out`` (and ``steps_dir``); a JSON-able report.

    ``workers``: local Dask worker processes (default: the CPU count; 0 = in this process, no
    Dask); ``scheduler``: an existing Dask scheduler's address instead. ``on_start(info)`` gets
    the number of runs and the dashboard's address before any work; ``on_done(row)`` is called
    as each run finishes. ``force``: analyse again even what is unchanged."""
    t_start = time.perf_counter()
    out = Path(out)
    steps_path = Path(steps_dir) if steps_dir is not None else None
    files = find_runs(paths)
    fp = code_fingerprint()
    prev = {} if force else _previous_rows(out)
    stamps = {f: _digest(f) for f in files}
    reused, todo = [], []
    for f in files:
        p = prev.get(f)
        if _reusable(p, stamps[f][1], fp, steps_path):
            reused.append(p)
        else:
            todo.append(f)
    info: dict[str, Any] = {"runs": len(files), "to_analyse": len(todo), "reused": len(reused), "dashboard": None}
    results: dict[str, dict[str, Any]] = {r["path"]: r for r in reused}

    def finish(res: dict[str, Any]) -> None:
        row = res["row"]
        size, digest = stamps.get(row["path"], (None, None))
        row.update(file_size=size, file_digest=digest, code_fingerprint=fp)
        if steps_path is not None and row["error"] is None and res.get("steps") is not None:
            _write_tables(steps_path, row["run_id"], res["steps"], res["strides"])
        results[row["path"]] = row
        if on_done is not None:
            on_done(row)

    with_tables = steps_path is not None
    if not todo:
        info["mode"] = "nothing to analyse"
        if on_start:
            on_start(info)
    elif scheduler is None and workers == 0:
        info["mode"] = "in-process"
        if on_start:
            on_start(info)
        for f in todo:
            finish(analyze_one(f, with_tables))
    else:
        _run_on_dask(todo, with_tables, workers, scheduler, info, on_start, finish, cluster_kwargs or {})
    rows = [results[f] for f in files]
    _write_rows(out, rows)
    failed = [r for r in rows if r["error"] is not None]
    return {
        "out": str(out),
        "steps_dir": None if steps_path is None else str(steps_path),
        "runs": len(rows),
        "analysed": len(todo),
        "reused": len(reused),
        "failed": len(failed),
        "errors": [{"path": r["path"], "error": r["error"]} for r in failed],
        "mode": info.get("mode"),
        "workers": info.get("workers"),
        "dashboard": info.get("dashboard"),
        "seconds": round(time.perf_counter() - t_start, 3),
    }


def _bokeh_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


def _run_on_dask(
    todo: list[str],
    with_tables: bool,
    workers: int | None,
    scheduler: str | None,
    info: dict[str, Any],
    on_start: Callable[[dict[str, Any]], None] | None,
    finish: Callable[[dict[str, Any]], None],
    cluster_kwargs: dict[str, Any],
) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError(
            "stridemon batch needs Dask: pip install 'stridemon[team]' (or use --workers 0 to run in this process)"
        ) from None
    if logging.getLogger().getEffectiveLevel() >= logging.WARNING:  # Dask's INFO lines only with -v
        for name in ("distributed", "bokeh", "tornado"):
            logging.getLogger(name).setLevel(logging.WARNING)
    cluster = None
    try:
        if scheduler is not None:
            try:
                client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as e:
                raise InputError(
                    f"{scheduler}: no Dask scheduler answers there ({type(e).__name__}); start one with "
                    "`dask scheduler` and workers with `dask worker ADDRESS`"
                ) from None
            info["mode"] = f"scheduler {scheduler}"
            info["workers"] = len(client.scheduler_info().get("workers", {}))
        else:
            n = workers if workers else (os.cpu_count() or 1)
            kw = {
                "n_workers": n,
                "threads_per_worker": 1,
                "processes": True,
                "host": "127.0.0.1",
                "dashboard_address": ":0",  # a free port on the cluster's host (loopback)
                "silence_logs": logging.ERROR,
            }
            kw.update(cluster_kwargs)
            cluster = LocalCluster(**kw)
            client = Client(cluster)
            info["mode"] = "local cluster"
            info["workers"] = n
        try:
            info["dashboard"] = client.dashboard_link if (scheduler is not None or _bokeh_available()) else None
        except Exception:
            info["dashboard"] = None
        if on_start:
            on_start(info)
        with client:
            futures = client.map(analyze_one, todo, with_tables=with_tables, pure=False)
            where = {f.key: p for f, p in zip(futures, todo, strict=True)}
            for fut in as_completed(futures):
                try:
                    res = fut.result()
                except Exception as e:  # the worker died (KilledWorker), the cluster went away, ...
                    p = where[fut.key]
                    res = {"row": {**dict.fromkeys(ROW_COLUMNS), "path": p, "run_id": run_id(p)}}
                    res["row"].update(
                        file_name=os.path.basename(p),
                        tags=[],
                        warnings=[],
                        analysed_at=datetime.now(UTC),
                        error=f"{INFRA_ERROR_PREFIX} {p}: not analysed ({type(e).__name__}: {e})"[:2000],
                    )
                finish(res)
                fut.release()
    finally:
        if cluster is not None:
            cluster.close()


# -- the command ----------------------------------------------------------------------------------
def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="run files or folders (searched recursively)")
    p.add_argument("--out", required=True, metavar="RESULTS.parquet", help="Parquet file: one row per run")
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="local Dask worker processes (default: one per CPU core; 0: no Dask, in this process)",
    )
    g.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--steps", metavar="DIR", help="also write every step and stride: a Parquet dataset by run")
    p.add_argument("--force", action="store_true", help="analyse every run again, even those unchanged")
    p.add_argument("--json", action="store_true", help="no progress; print a JSON summary on stdout")


def run(args: argparse.Namespace) -> int:
    from stridemon.progress import progress_bar

    if args.workers is not None and args.workers < 0:
        raise InputError("--workers must be 0 (in this process) or more")
    bar = progress_bar(None, "analysing", json_mode=args.json)
    state = {"n": 0}

    def on_start(info: dict[str, Any]) -> None:
        if args.json:
            return
        dash = info.get("dashboard")
        where = info.get("mode") or ""
        if info.get("workers"):
            where += f", {info['workers']} worker(s)"
        print(
            f"stridemon batch: {info['runs']} run(s), {info['to_analyse']} to analyse, {info['reused']} unchanged"
            + (f" ({where})" if info["to_analyse"] else ""),
            file=sys.stderr,
        )
        if info["to_analyse"] and info.get("mode") not in ("in-process", None):
            print(
                f"  Dask dashboard: {dash}"
                if dash
                else "  Dask dashboard: not available (pip install 'bokeh>=3.1' for it)",
                file=sys.stderr,
            )
        bar.total = info["to_analyse"]
        bar.__enter__()

    def on_done(row: dict[str, Any]) -> None:
        state["n"] += 1
        bar.advance(text=row.get("file_name") or "")
        if row.get("error") and not args.json:
            bar.print(f"  error: {_one_line(row['error'])}")

    try:
        report = run_batch(
            args.paths,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            steps_dir=args.steps,
            force=args.force,
            on_start=on_start,
            on_done=on_done,
        )
    finally:
        bar.close()
    if args.json:
        sys.stdout.write(json.dumps(report, allow_nan=False) + "\n")
        return 0
    print(
        f"{report['out']}: {report['runs']} run(s) — {report['analysed']} analysed, {report['reused']} unchanged, "
        f"{report['failed']} with an error ({report['seconds']:.1f} s)"
    )
    if report["steps_dir"]:
        print(f"{report['steps_dir']}: steps/ and strides/, Parquet partitioned by run_id")
    return 0


def _one_line(text: str) -> str:
    from stridemon.textsafe import clean_text

    return clean_text(text, 300)
