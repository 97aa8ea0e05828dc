"""The session library: analyse run files with their metadata, and list a folder of them.

A run file is anything ``open_file_source`` reads (today the plain IMU CSV). Its metadata comes
from the source when it carries some (the native recording: ``source.metadata`` or
``source.info.extra["metadata"]``, a dict with the keys of :class:`RunMeta`) or else from a JSON
sidecar ``<file>.meta.json`` with the same keys::

    {"runner": "Ana", "tags": ["fresh"], "notes": "...", "target_cadence_spm": 172,
     "rotation_budget_deg": 10, "device": "WT901BLE67", "markers": [{"t_s": 300, "label": "lap 2"}]}

Nothing here raises for a damaged file: the returned :class:`RunData` has ``error`` set, so a
comparison or a listing can show it next to the good runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from stridemon.errors import InputError, StridemonError
from stridemon.pipeline import Pipeline, PipelineOutput
from stridemon.session import run_pipeline
from stridemon.sinks.compare import RunData, RunMeta
from stridemon.sources.files import open_file_source

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".meta.json"
# Files a folder scan treats as runs (add the native recording's suffix when it lands).
SESSION_SUFFIXES = (".csv", ".smrec", ".stridemon")

Progress = Callable[[float, str], None]  # (fraction done 0..1, what is being done)


def sidecar_path(path: str | Path) -> Path:
    return Path(str(path) + SIDECAR_SUFFIX)


def read_sidecar(path: str | Path) -> dict[str, Any] | None:
    """The JSON sidecar of ``path`` as a dict, None if there is none; InputError if unreadable."""
    p = sidecar_path(path)
    if not p.exists():
        return None
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{p}: not a readable JSON metadata file ({e})") from None
    if not isinstance(d, dict):
        raise InputError(f"{p}: metadata must be a JSON object with keys like runner, tags, target_cadence_spm")
    return d


def source_metadata(source: Any) -> dict[str, Any] | None:
    """Metadata a source carries itself (the native recording), in :class:`RunMeta`'s shape."""
    d = getattr(source, "metadata", None)
    if not isinstance(d, dict):
        info = getattr(source, "info", None)
        extra = getattr(info, "extra", None) or {}
        d = extra.get("metadata") if isinstance(extra, dict) else None
    if not isinstance(d, dict):
        return None
    d = dict(d)
    # A recording's header: the device is a SourceInfo dict, the start time is start_local, and
    # laps are the Marker events it holds.
    dev = d.get("device")
    if isinstance(dev, dict):
        d["device"] = " ".join(str(x) for x in (dev.get("name"), f"({dev.get('family')})") if x)
    d.setdefault("recorded_at", d.get("start_local"))
    rec = getattr(source, "recording", None)
    if rec is not None and "markers" not in d:
        from stridemon.events import Marker

        d["markers"] = [{"t_s": e.t_s, "label": e.label} for e in rec.events if isinstance(e, Marker)]
    for k in ("target_cadence_spm", "rotation_budget_deg"):
        if d.get(k) is None:
            d.pop(k, None)
    return d


def read_meta(path: str | Path, source: Any = None) -> tuple[RunMeta, list[str]]:
    """Metadata of a run (source first, then the sidecar) and warnings about it; never raises."""
    warnings: list[str] = []
    d = source_metadata(source) if source is not None else None
    if d is None:
        try:
            d = read_sidecar(path)
        except InputError as e:
            warnings.append(str(e))
            d = None
    try:
        meta = RunMeta.from_dict(d)
    except ValueError as e:
        warnings.append(f"{path}: metadata ignored: {e}")
        meta = RunMeta()
    return meta, warnings


def _expected_duration(source: Any) -> float | None:
    """The source's length (s) if it knows it (for progress), else None."""
    for attr in ("duration_s",):
        v = getattr(source, attr, None)
        if isinstance(v, int | float) and v > 0:
            return float(v)
    batch = getattr(source, "batch", None)  # CsvSource keeps the whole file
    t = getattr(batch, "t_s", None)
    if t is not None and len(t) > 1:
        return float(t[-1] - t[0])
    return None


def load_run(
    path: str | Path,
    progress: Progress | None = None,
    acc_unit: str = "auto",
    gyro_unit: str = "auto",
    meta: RunMeta | dict | None = None,
) -> RunData:
    """Analyse one file through the pipeline. A damaged file gives a RunData with ``error`` set.

    ``progress(fraction, text)`` is called as the file is read (fraction of its duration).
    ``meta`` overrides the file's own metadata (a dict in :class:`RunMeta`'s shape, or a RunMeta).
    """
    path = str(path)
    name = os.path.basename(path)
    try:
        source = open_file_source(path, acc_unit=acc_unit, gyro_unit=gyro_unit, batch_s=60.0)
    except StridemonError as e:
        m, w = read_meta(path)
        return RunData(path=path, meta=m, warnings=w, error=str(e))
    except (OSError, ValueError) as e:
        return RunData(path=path, error=f"{path}: cannot read ({type(e).__name__}: {e})")
    if isinstance(meta, RunMeta):
        run_meta, warnings = meta, []
    elif isinstance(meta, dict):
        run_meta, warnings = RunMeta.from_dict(meta), []
    else:
        run_meta, warnings = read_meta(path, source)
    rec = getattr(source, "recording", None)  # a damaged or unfinished recording says so
    warnings = [*warnings, *(f"{path}: {n}" for n in getattr(rec, "notes", []))]
    total = _expected_duration(source)
    ts: list[np.ndarray] = []
    ws: list[np.ndarray] = []
    state = {"t0": None}

    def sink(out: PipelineOutput) -> None:
        if len(out.t_s):
            ts.append(out.t_s)
            ws.append(out.yaw_rate_dps)
            if state["t0"] is None:
                state["t0"] = float(out.t_s[0])
            if progress is not None and total:
                progress(min(1.0, (float(out.t_s[-1]) - state["t0"]) / total), name)

    if progress is not None:
        progress(0.0, name)
    try:
        pipe = asyncio.run(run_pipeline(source, Pipeline(), [sink]))
    except StridemonError as e:
        return RunData(path=path, meta=run_meta, warnings=warnings, error=str(e))
    if progress is not None:
        progress(1.0, name)
    info = source.info
    fwd = [float(v) for v in pipe.forward.forward]
    if run_meta.device is None and info.family != "csv":
        run_meta = replace(run_meta, device=info.name)
    return RunData(
        path=path,
        meta=run_meta,
        steps=list(pipe.steps),
        strides=list(pipe.strides),
        gaps=list(pipe.gaps),
        first_t_s=pipe.first_t_s if pipe.first_t_s is not None else math.nan,
        last_t_s=pipe.last_t_s if pipe.last_t_s is not None else math.nan,
        samples=pipe.samples_in,
        rate_hz=info.nominal_rate_hz,
        family=info.family,
        forward_axis=[round(v, 3) for v in fwd] if all(math.isfinite(v) for v in fwd) else None,
        yaw_t_s=np.concatenate(ts) if ts else None,
        yaw_rate_dps=np.concatenate(ws) if ws else None,
        warnings=warnings,
        error=None if pipe.samples_in else f"{path}: no samples",
    )


def load_runs(
    paths: Sequence[str | Path],
    progress: Progress | None = None,
    acc_unit: str = "auto",
    gyro_unit: str = "auto",
) -> list[RunData]:
    """Analyse several files in order; ``progress`` gets the overall fraction (0..1) and the file name."""
    n = len(paths)
    runs = []
    for i, p in enumerate(paths):
        inner = None
        if progress is not None:

            def inner(f: float, text: str, i: int = i) -> None:
                progress((i + f) / n, f"[{i + 1}/{n}] {text}")

        runs.append(load_run(p, inner, acc_unit, gyro_unit))
    if progress is not None:
        progress(1.0, f"{n} file(s) analysed")
    return runs


# -- folder listing ---------------------------------------------------------------------------
@dataclass
class SessionEntry:
    """A run file in a folder: metadata (cheap) and, once analysed, its headline numbers."""

    path: str
    meta: RunMeta
    size_bytes: int
    modified: str  # ISO 8601, UTC, from the file system
    warnings: list[str]
    summary: dict[str, Any] | None = None
    error: str | None = None
    stamp: list[Any] | None = field(default=None, repr=False)  # see _stamp: what the cache is valid for
    cached: dict[str, Any] | None = field(default=None, repr=False)  # this file's valid cache entry

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "meta": self.meta.to_dict(),
            "size_bytes": self.size_bytes,
            "modified": self.modified,
            "warnings": self.warnings,
            "summary": self.summary,
            "error": self.error,
        }


def scan_folder(folder: str | Path, runner: str | None = None, tag: str | None = None) -> list[SessionEntry]:
    """Run files in ``folder`` (not recursive), sorted by name, filtered by runner and tag
    (case-insensitive; exact runner name, any of the run's tags). Reads metadata only, from the
    folder's cache (:data:`CACHE_NAME`) for files unchanged since it was written."""
    d = Path(folder)
    if not d.exists():
        raise InputError(f"{d}: no such folder")
    if not d.is_dir():
        raise InputError(f"{d}: is a file; give the folder that holds the runs")
    cache = _read_cache(d)
    out = []
    for p in sorted(d.iterdir()):
        if not p.is_file() or p.name.startswith(".") or not p.name.lower().endswith(SESSION_SUFFIXES):
            continue
        stamp = _stamp(p)
        hit = cache.get(p.name)
        hit = hit if isinstance(hit, dict) and hit.get("stamp") == stamp else None
        if hit is not None:
            try:
                meta, warnings = RunMeta.from_dict(hit["meta"]), list(hit["warnings"])
            except (KeyError, TypeError, ValueError):
                hit = None
        if hit is None:
            source = None
            if p.suffix.lower() == ".smrec":
                from stridemon.sources.recording import RecordingSource

                try:
                    source = RecordingSource(p)  # reads the whole file (~0.3 s per hour): cached below
                except InputError:
                    source = None
            meta, warnings = read_meta(p, source)
        if runner is not None and (meta.runner or "").casefold() != runner.casefold():
            continue
        if tag is not None and tag.casefold() not in {t.casefold() for t in meta.tags}:
            continue
        st = p.stat()
        out.append(
            SessionEntry(
                path=str(p),
                meta=meta,
                size_bytes=st.st_size,
                modified=datetime.fromtimestamp(st.st_mtime, UTC).isoformat(timespec="seconds"),
                warnings=warnings,
                stamp=stamp,
                cached=hit,
            )
        )
    return out


HEADLINE_KEYS = (
    "duration_s",
    "steps",
    "cadence_spm_median",
    "rotation_deg_median",
    "rotation_deg_p90",
    "time_below_target_pct",
    "strides_over_budget_pct",
    "step_time_asymmetry_pct",
)


def add_headlines(entries: list[SessionEntry], progress: Progress | None = None) -> list[SessionEntry]:
    """Fill in each entry's ``summary`` (headline keys) or ``error``: from the folder's cache for
    files unchanged since their last analysis, else by analysing them (and updating the cache)."""
    from stridemon.sinks.compare import run_summary

    todo = []
    for e in entries:
        c = e.cached
        if c is not None and ("summary" in c or "error" in c):
            e.summary, e.error = c.get("summary"), c.get("error")
        else:
            todo.append(e)
    runs = load_runs([e.path for e in todo], progress) if todo else []
    for e, r in zip(todo, runs, strict=True):
        if r.ok:
            s = run_summary(r)
            e.summary = {k: s.get(k) for k in HEADLINE_KEYS}
        else:
            e.error = r.error
    _write_cache(entries)
    return entries


# -- the folder's cache -----------------------------------------------------------------------
# Listing a folder re-reads every recording (for its metadata) and re-analyses every run (for its
# numbers): seconds per hour of data. A small JSON file in the folder keeps both per file, valid
# while the file, its sidecar and the analysis code are unchanged (size, mtime, code fingerprint).
CACHE_NAME = ".stridemon-sessions.json"
_FINGERPRINT: list[str] = []


def _code_fingerprint() -> str:
    """A hash of the code that produces the numbers: a changed algorithm invalidates every entry."""
    if not _FINGERPRINT:
        import hashlib

        import stridemon

        root = Path(stridemon.__file__).parent
        h = hashlib.sha256(stridemon.__version__.encode())
        for f in sorted([*root.glob("dsp/*.py"), root / "pipeline.py", root / "sinks" / "compare.py",
                         root / "library.py", *root.glob("sources/*.py"), root / "recording_format.py"]):
            h.update(f.name.encode() + f.read_bytes())
        _FINGERPRINT.append(h.hexdigest()[:16])
    return _FINGERPRINT[0]


def _stamp(p: Path) -> list[Any]:
    """What a cache entry is valid for: the file's and its sidecar's size and mtime, and the code."""
    st = p.stat()
    side = sidecar_path(p)
    sst = side.stat() if side.exists() else None
    return [st.st_size, st.st_mtime_ns, sst.st_size if sst else None, sst.st_mtime_ns if sst else None,
            _code_fingerprint()]


def _read_cache(folder: Path) -> dict[str, Any]:
    try:
        d = json.loads((folder / CACHE_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        log.warning("%s: unreadable session cache ignored (%s)", folder / CACHE_NAME, e)
        return {}
    return d.get("files", {}) if isinstance(d, dict) and isinstance(d.get("files"), dict) else {}


def _write_cache(entries: list[SessionEntry]) -> None:
    """Merge the entries into their folders' caches (atomically); a read-only folder is only logged."""
    by_folder: dict[Path, list[SessionEntry]] = {}
    for e in entries:
        if e.stamp is not None and (e.summary is not None or e.error is not None):
            by_folder.setdefault(Path(e.path).parent, []).append(e)
    for folder, es in by_folder.items():
        files = _read_cache(folder)
        for e in es:
            files[Path(e.path).name] = {
                "stamp": e.stamp, "meta": e.meta.to_dict(), "warnings": e.warnings,
                "summary": e.summary, "error": e.error,
            }
        files = {name: v for name, v in files.items() if (folder / name).exists()}  # forget deleted runs
        tmp = folder / (CACHE_NAME + ".tmp")
        try:
            tmp.write_text(json.dumps({"version": 1, "files": files}, allow_nan=False), encoding="utf-8")
            tmp.replace(folder / CACHE_NAME)
        except (OSError, ValueError) as e:
            log.warning("%s: session cache not written (%s); the next listing analyses again", folder, e)
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
