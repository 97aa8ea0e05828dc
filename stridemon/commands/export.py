"""stridemon export FILE --to csv|parquet|fit: samples as the plain IMU CSV (or Parquet) plus events,
or the run as a FIT activity (Garmin Connect, Strava, training logs)."""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from stridemon.errors import InputError, OutputError
from stridemon.events import event_to_dict
from stridemon.sources.recording import is_recording, read_recording

HELP = "export a recording's samples (plain IMU CSV or Parquet) and events, or the run as a FIT activity"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="a .smrec recording")
    p.add_argument("--to", choices=["csv", "parquet", "fit"], default="csv", help="output format (default csv)")
    p.add_argument("--out", help="output file (default: the recording's name with .csv/.parquet/.fit)")
    p.add_argument("--force", action="store_true", help="replace existing files")


def output_paths(args: argparse.Namespace) -> tuple[Path, Path]:
    """(samples file, events file), checked before anything is read or written: not a folder, in
    a folder that exists, not the input, not an existing file unless --force."""
    src = Path(args.path)
    if args.out:
        out = Path(args.out)
        if out.is_dir() or args.out.endswith(("/", os.sep)) or out.name in ("", ".", ".."):
            raise OutputError(
                f"--out {args.out}: is a folder; give a file name, e.g. --out {out / (src.stem + '.' + args.to)}"
            )
    else:
        out = src.with_suffix("." + args.to)
    events_out = out.with_name(out.stem + ".events." + args.to)
    folder = out.parent
    if not folder.exists():
        raise OutputError(f"{out}: the folder {folder} does not exist; create it first or choose another --out")
    if not folder.is_dir():
        raise OutputError(f"{out}: {folder} is not a folder; choose another --out")
    for f in (out, events_out):
        if f.exists() and (src.resolve() == f.resolve() or os.path.samefile(src, f)):
            raise OutputError(f"{f}: is the recording being exported; choose another --out")
        if f.exists() and f.is_dir():
            raise OutputError(f"{f}: is a folder; choose another --out")
        if f.exists() and not args.force:
            raise OutputError(f"{f}: already exists (use --force to replace it, or choose another --out)")
    return out, events_out


def run(args: argparse.Namespace) -> int:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if not is_recording(args.path):
        raise InputError(f"{args.path}: not a stridemon recording")
    out, events_out = output_paths(args)
    if args.to == "fit":
        return _export_fit(args.path, out)
    rec = read_recording(args.path)
    s = rec.samples()
    # The plain IMU CSV exactly as in docs/interfaces.md; values are written in full (shortest
    # exact form), so reading the CSV back gives the recording's numbers bit for bit.
    cols = {"t_s": s.t_s}
    for i, c in enumerate("xyz"):
        cols[f"a{c}"] = s.acc_mps2[:, i]
    for i, c in enumerate("xyz"):
        cols[f"g{c}"] = s.gyro_dps[:, i]
    if args.to == "parquet" and s.host_t_s is not None:
        cols["host_t_s"] = s.host_t_s
    table = pa.table(cols)
    events = [event_to_dict(e) for e in rec.events]
    keys = [
        "type",
        "t_s",
        "end_s",
        "side",
        "cadence_spm",
        "rotation_deg",
        "rotation_cm",
        "kind",
        "state",
        "message",
        "value",
        "limit",
        "reason",
        "label",
    ]
    ev_table = pa.table({k: pa.array([_cell(e.get(k)) for e in events], pa.string()) for k in keys})

    def write_samples(f) -> None:
        if args.to == "csv":
            f.write(b"t_s,ax,ay,az,gx,gy,gz\n")  # the header exactly as the interface says
            pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="none"))
        else:
            meta = {b"stridemon": json.dumps(rec.metadata, default=str).encode()}
            pq.write_table(table.replace_schema_metadata(meta), f)

    def write_events(f) -> None:
        if args.to == "csv":
            pacsv.write_csv(ev_table, f)
        else:
            pq.write_table(ev_table, f)

    _write_both([(out, write_samples), (events_out, write_events)])
    print(f"wrote {len(s)} samples to {out} and {len(events)} events to {events_out}")
    return 0


def _export_fit(path: str, out: Path) -> int:
    """The recording analysed as ``analyze`` does, written as a FIT activity (stridemon.fitexport),
    through a temporary file renamed into place (nothing half-written on failure)."""
    from stridemon.fitexport import write_fit

    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    try:
        summary = write_fit(path, tmp, overwrite=True)
        os.replace(tmp, out)
    except OSError as e:
        raise OutputError(f"{out}: {_why(e, out.parent)}; nothing was written") from None
    finally:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
    print(
        f"wrote {out}: {summary.records} records, {summary.laps} laps, "
        f"{summary.steps} steps, {summary.duration_s:.0f} s"
    )
    return 0


def _write_both(jobs: list) -> None:
    """Write each file to a temporary name beside it, then rename them all: a failure (full
    disk, read-only folder) leaves no half-written file and no existing file changed."""
    import pyarrow as pa

    temps: list[tuple[Path, Path]] = []
    try:
        for path, write in jobs:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            temps.append((Path(tmp), path))
            with os.fdopen(fd, "wb") as f:
                write(f)
        for tmp, path in temps:
            os.replace(tmp, path)
    except (OSError, pa.ArrowException) as e:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        where = temps[-1][1] if temps else jobs[0][0]
        raise OutputError(f"{where}: {_why(e, where.parent)}; nothing was written") from None


def _why(e: Exception, folder: Path) -> str:
    code = getattr(e, "errno", None)
    if code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT) or "No space left" in str(e):
        return "the disk is full (free some space or choose another folder with --out)"
    if code == errno.EROFS or "Read-only file system" in str(e):
        return f"{folder} is on a read-only file system (choose another folder with --out)"
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in str(e):
        return f"no permission to write in {folder} (choose another folder with --out)"
    return f"cannot write ({getattr(e, 'strerror', None) or str(e).splitlines()[0][:100]})"


def _cell(v) -> str | None:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return None
    return str(v)
