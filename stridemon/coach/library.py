"""The folder library: analyse run files with their metadata, and list a folder of them.

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
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from stridemon.coach.metrics import run_summary
from stridemon.coach.runs import RunData, RunMeta
from stridemon.errors import InputError, StridemonError
from stridemon.pipeline import Pipeline, PipelineOutput
from stridemon.session import run_pipeline
from stridemon.settings import MAX_KEY_CHARS, config_dir, parse_json_object
from stridemon.sources.files import open_file_source
from stridemon.textsafe import clean_text

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".meta.json"
# Files a folder scan treats as runs (add the native recording's suffix when it lands).
SESSION_SUFFIXES = (".csv", ".smrec", ".stridemon")

Progress = Callable[[float, str], None]  # (fraction done 0..1, what is being done)


def sidecar_path(path: str | Path) -> Path:
    return Path(str(path) + SIDECAR_SUFFIX)


MAX_SIDECAR_BYTES = 1 << 20  # a sidecar is a few hundred bytes; 1 MiB leaves room for long notes


def read_sidecar(path: str | Path, problems: list[str] | None = None) -> dict[str, Any] | None:
    """The JSON sidecar of ``path`` as a dict, None if there is none; InputError if unreadable.

    Parsed depth-safely (:func:`stridemon.settings.parse_json_object`): a member nested too deeply
    is dropped and described in ``problems``; the fields are checked by :meth:`RunMeta.parse`."""
    p = sidecar_path(path)
    if not p.exists():
        return None
    try:
        size = p.stat().st_size
        if size > MAX_SIDECAR_BYTES:
            raise ValueError(f"{size} bytes, more than the {MAX_SIDECAR_BYTES} a metadata file may have")
        d, deep = parse_json_object(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise InputError(
            f"{p}: not a readable JSON metadata file ({e}); it must be a JSON object with keys like "
            "runner, tags, target_cadence_spm"
        ) from None
    if problems is not None:
        problems.extend(deep)
    return d


def source_metadata(source: Any) -> dict[str, Any] | None:
    """Metadata a source carries itself (the native recording), in :class:`RunMeta`'s shape.

    The header is untrusted: a ``device`` that is not a dict of text, a ``runner`` that is not text
    … are passed on as they are for :meth:`RunMeta.parse` to report and leave out."""
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
        name, fam = dev.get("name"), dev.get("family")
        parts = [
            x for x in (name if isinstance(name, str) else None, f"({fam})" if isinstance(fam, str) else None) if x
        ]
        d["device"] = " ".join(parts) if parts else None
    if "recorded_at" not in d and isinstance(d.get("start_local"), str):
        d["recorded_at"] = d["start_local"]
    rec = getattr(source, "recording", None)
    if rec is not None and "markers" not in d:
        from stridemon.events import Marker

        d["markers"] = [{"t_s": e.t_s, "label": e.label} for e in getattr(rec, "events", ()) if isinstance(e, Marker)]
    for k in ("target_cadence_spm", "rotation_budget_deg"):
        if d.get(k) is None:
            d.pop(k, None)
    return d


def read_meta(path: str | Path, source: Any = None) -> tuple[RunMeta, list[str]]:
    """Metadata of a run (source first, then the sidecar) and warnings about it; never raises.

    A bad field is one warning (and one log line) and is left out; the other fields are kept."""
    warnings: list[str] = []
    problems: list[str] = []
    d = source_metadata(source) if source is not None else None
    if d is None:
        try:
            d = read_sidecar(path, problems)
        except InputError as e:
            warnings.append(str(e))
            log.warning("%s", printable(str(e)))
            d = None
    meta, more = RunMeta.parse(d)
    for msg in [*problems, *more]:
        w = f"{path}: metadata field ignored: {msg}"
        warnings.append(w)
        log.warning("%s", printable(w))
    return meta, warnings


# -- text from files, made safe to print ----------------------------------------------------------
def printable(value: object, max_chars: int = 500) -> str:
    """``value`` as one line safe for a terminal (:func:`stridemon.textsafe.clean_text`)."""
    return clean_text(value, max_chars)


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
    except (OSError, ValueError, MemoryError) as e:
        return RunData(path=path, error=f"{path}: cannot read ({type(e).__name__}: {e})")
    if isinstance(meta, RunMeta):
        run_meta, warnings = meta, []
    elif isinstance(meta, dict):
        run_meta, problems = RunMeta.parse(meta)
        warnings = [f"{path}: metadata field ignored: {m}" for m in problems]
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
    except (ArithmeticError, ValueError, TypeError, IndexError, KeyError, MemoryError, OSError) as e:
        # One file a reader or the pipeline cannot cope with must not stop a folder or a comparison.
        log.debug("analysing %s failed", path, exc_info=True)
        return RunData(
            path=path, meta=run_meta, warnings=warnings, error=f"{path}: cannot analyse ({type(e).__name__})"
        )
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
    folder's cache (:data:`CACHE_NAME`) for files unchanged since it was written.

    One file that cannot be read (permissions, a file that vanished, a damaged header) is an entry
    with ``error`` set; it never stops the listing."""
    d = Path(folder)
    if not d.exists():
        raise InputError(f"{d}: no such folder")
    if not d.is_dir():
        raise InputError(f"{d}: is a file; give the folder that holds the runs")
    try:
        names = sorted(d.iterdir())
    except OSError as e:
        raise InputError(f"{d}: cannot list the folder ({e.strerror or e})") from None
    cache = _read_cache(d)
    out = []
    for p in names:
        try:
            if not p.is_file() or p.name.startswith(".") or not p.name.lower().endswith(SESSION_SUFFIXES):
                continue
            stamp = _stamp(p)
            st = p.stat()
        except OSError:
            continue  # vanished or unreadable directory entry: not a run we can list
        hit = _cached_entry(d, p.name, cache.get(p.name), stamp) if p.name in cache else None
        error = None
        if hit is not None:
            meta, warnings = RunMeta.parse(hit["meta"])[0], list(hit["warnings"])
        else:
            source = None
            if p.suffix.lower() == ".smrec":
                from stridemon.sources.recording import RecordingSource

                try:
                    source = RecordingSource(p)  # reads the whole file (~0.3 s per hour): cached below
                except InputError:
                    source = None
                except (ArithmeticError, ValueError, TypeError, IndexError, KeyError, MemoryError, OSError) as e:
                    log.debug("reading %s failed", p, exc_info=True)
                    error = f"{p}: cannot read ({type(e).__name__})"
            meta, warnings = read_meta(p, source)
        if runner is not None and (meta.runner or "").casefold() != runner.casefold():
            continue
        if tag is not None and tag.casefold() not in {t.casefold() for t in meta.tags}:
            continue
        out.append(
            SessionEntry(
                path=str(p),
                meta=meta,
                size_bytes=st.st_size,
                modified=datetime.fromtimestamp(st.st_mtime, UTC).isoformat(timespec="seconds"),
                warnings=warnings,
                error=error,
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
    todo = []
    for e in entries:
        c = e.cached
        if c is not None and (c.get("summary") is not None or c.get("error") is not None):
            e.summary, e.error = c.get("summary"), c.get("error")
        elif e.error is None:
            todo.append(e)
    runs = load_runs([e.path for e in todo], progress) if todo else []
    for e, r in zip(todo, runs, strict=True):
        if r.ok:
            s = run_summary(r)
            e.summary = {k: _finite_or_none(s.get(k)) for k in HEADLINE_KEYS}
        else:
            e.error = r.error
    _write_cache(entries)
    return entries


def _finite_or_none(v: Any) -> Any:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None if v is not None and not isinstance(v, bool) else v
    return v if math.isfinite(v) else None


# -- the folder's cache -----------------------------------------------------------------------
# Listing a folder re-reads every recording (for its metadata) and re-analyses every run (for its
# numbers): seconds per hour of data. A small JSON file in the folder keeps both per file.
#
# The cache is an optimisation, never a source of truth: whoever supplies a folder can write its
# cache, and size, mtime and the code fingerprint are all reproducible. So an entry is used only if
#   - it has the expected shape (types, finite numbers, headline keys only, a plain file name),
#   - its stamp matches (size and mtime of the file and its sidecar, the code fingerprint),
#   - its digest matches the file's content now (blake2b of the file's and the sidecar's bytes;
#     files over HASH_ALL_BYTES: their first and last HASH_PART_BYTES and their size. Hashing runs at
#     ~1 GB/s, so an hour's recording (8 MB) costs ~8 ms; the head+tail shortcut bounds a listing of
#     huge files at the price of missing an edit in the middle that keeps size and mtime; the MAC
#     below still stops forged numbers), and
#   - its MAC verifies: blake2b keyed with this user's secret (CACHE_KEY_NAME in the config folder,
#     created on first use, mode 0600) over the entry and the file name. Only stridemon on this
#     account can make a valid entry, so a forged or copied cache is re-analysed, then rewritten.
# Any doubt: the file is analysed again.
CACHE_NAME = ".stridemon-sessions.json"
CACHE_KEY_NAME = "cache.key"
MAX_CACHE_BYTES = 64 << 20
HASH_ALL_BYTES = 64 << 20
HASH_PART_BYTES = 16 << 20
_FINGERPRINT: list[str] = []
_KEY: list[bytes] = []


def code_fingerprint() -> str:
    """A hash of the code that produces the numbers: a changed algorithm invalidates every entry."""
    if not _FINGERPRINT:
        import stridemon

        root = Path(stridemon.__file__).parent
        h = hashlib.sha256(stridemon.__version__.encode())
        for f in sorted(
            [
                *root.glob("dsp/*.py"),
                root / "pipeline.py",
                *root.glob("coach/*.py"),
                root / "sinks" / "summary.py",
                *root.glob("sources/*.py"),
                root / "recording_format.py",
            ]
        ):
            h.update(f.name.encode() + f.read_bytes())
        _FINGERPRINT.append(h.hexdigest()[:16])
    return _FINGERPRINT[0]


def _stamp(p: Path) -> list[Any]:
    """What a cache entry is valid for: the file's and its sidecar's size and mtime, and the code."""
    st = p.stat()
    side = sidecar_path(p)
    sst = side.stat() if side.exists() else None
    return [
        st.st_size,
        st.st_mtime_ns,
        sst.st_size if sst else None,
        sst.st_mtime_ns if sst else None,
        code_fingerprint(),
    ]


def content_digest(p: Path) -> str:
    """blake2b of the bytes of ``p`` and of its sidecar (see the comment above for large files)."""
    h = hashlib.blake2b(digest_size=16)
    for f in (p, sidecar_path(p)):
        try:
            with open(f, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                h.update(size.to_bytes(8, "little"))
                if size <= HASH_ALL_BYTES:
                    while chunk := fh.read(1 << 20):
                        h.update(chunk)
                else:
                    h.update(fh.read(HASH_PART_BYTES))
                    fh.seek(-HASH_PART_BYTES, os.SEEK_END)
                    h.update(fh.read(HASH_PART_BYTES))
        except FileNotFoundError:
            h.update(b"none")
    return h.hexdigest()


def _cache_key() -> bytes:
    """This user's secret for cache MACs; a random one for this process only if it cannot be kept
    (then no cache written now is trusted later: every listing analyses again)."""
    if _KEY:
        return _KEY[0]
    p = config_dir() / CACHE_KEY_NAME
    key = None
    for _ in range(2):
        try:
            k = p.read_bytes()
            if len(k) == 32:
                key = k
                break
            p.unlink()  # damaged: make a new one
        except FileNotFoundError:
            pass
        except OSError:
            break
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
        except FileExistsError:
            continue  # another process made it: read that one
        except OSError as e:
            log.info("%s: cannot keep the cache key (%s); session caches are not reused", p, e)
            break
    _KEY.append(key or secrets.token_bytes(32))
    return _KEY[0]


def _mac(name: str, entry: dict[str, Any]) -> str | None:
    body = {k: v for k, v in entry.items() if k != "mac"}
    try:
        text = json.dumps([name, body], sort_keys=True, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), key=_cache_key(), digest_size=16).hexdigest()


def _plain_name(name: Any) -> bool:
    """A cache key must be a file name in the folder: text, not too long, no path or NUL."""
    return (
        isinstance(name, str)
        and 0 < len(name) <= MAX_KEY_CHARS
        and not name.startswith(".")
        and not any(c in name for c in "/\\\x00")
    )


def _valid_summary(v: Any) -> bool:
    if v is None:
        return True
    if not isinstance(v, dict) or not set(v) <= set(HEADLINE_KEYS):
        return False
    for x in v.values():
        if x is None:
            continue
        if isinstance(x, bool) or not isinstance(x, int | float):
            return False
        if (isinstance(x, int) and x.bit_length() > 64) or (isinstance(x, float) and not math.isfinite(x)):
            return False
    return True


def _cached_entry(folder: Path, name: str, v: Any, stamp: list[Any]) -> dict[str, Any] | None:
    """The cache entry of ``name`` if it can be trusted (see above), else None (analyse again)."""
    if not isinstance(v, dict) or v.get("stamp") != stamp:
        return None
    ok = (
        isinstance(v.get("warnings"), list)
        and len(v["warnings"]) <= 1000
        and all(isinstance(w, str) for w in v["warnings"])
        and (v.get("error") is None or isinstance(v.get("error"), str))
        and _valid_summary(v.get("summary"))
        and isinstance(v.get("meta"), dict)
        and not RunMeta.parse(v["meta"])[1]
    )
    mac = v.get("mac")
    if not ok or not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(name, v) or ""):
        return None
    try:
        if v.get("digest") != content_digest(folder / name):
            return None
    except OSError:
        return None
    return v


def _read_cache(folder: Path) -> dict[str, Any]:
    """The cache's entries by file name (unchecked beyond the name; :func:`_cached_entry` checks)."""
    p = folder / CACHE_NAME
    try:
        size = p.stat().st_size
        if size > MAX_CACHE_BYTES:
            raise ValueError(f"{size} bytes, more than {MAX_CACHE_BYTES}")
        d, problems = parse_json_object(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        log.warning("%s: unreadable session cache ignored (%s)", printable(p), printable(e, 200))
        return {}
    files = d.get("files")
    if problems or not isinstance(files, dict):
        log.warning(
            "%s: unreadable session cache ignored (%s)", printable(p), printable("; ".join(problems) or "no files")
        )
        return {}
    good = {k: v for k, v in files.items() if _plain_name(k) and isinstance(v, dict)}
    if len(good) < len(files):
        log.warning("%s: %d session cache entries ignored (not a file name)", printable(p), len(files) - len(good))
    return good


def _write_cache(entries: list[SessionEntry]) -> None:
    """Merge the entries into their folders' caches (atomically); a read-only folder is only logged."""
    by_folder: dict[Path, list[SessionEntry]] = {}
    for e in entries:
        if e.stamp is not None and (e.summary is not None or e.error is not None):
            by_folder.setdefault(Path(e.path).parent, []).append(e)
    for folder, es in by_folder.items():
        files = _read_cache(folder)
        for e in es:
            name = Path(e.path).name
            if e.cached is not None:
                files[name] = e.cached
                continue
            try:
                digest = content_digest(Path(e.path))
            except OSError:
                files.pop(name, None)
                continue
            entry = {
                "stamp": e.stamp,
                "digest": digest,
                "meta": e.meta.to_dict(),
                "warnings": e.warnings,
                "summary": e.summary,
                "error": e.error,
            }
            mac = _mac(name, entry)
            if mac is None:
                files.pop(name, None)
                continue
            files[name] = {**entry, "mac": mac}

        def exists(name: str, folder: Path = folder) -> bool:
            try:
                return (folder / name).is_file()
            except OSError:
                return False

        files = {name: v for name, v in files.items() if exists(name)}  # forget deleted runs
        tmp = folder / (CACHE_NAME + ".tmp")
        try:
            tmp.write_text(json.dumps({"version": 2, "files": files}, allow_nan=False), encoding="utf-8")
            tmp.replace(folder / CACHE_NAME)
        except (OSError, ValueError, TypeError) as e:
            log.warning(
                "%s: session cache not written (%s); the next listing analyses again",
                printable(folder),
                printable(e, 200),
            )
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
