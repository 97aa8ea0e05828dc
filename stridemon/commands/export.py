"""stridemon export FILE --to csv|parquet: samples as the plain IMU CSV (or Parquet), plus events."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from stridemon.errors import InputError
from stridemon.events import event_to_dict
from stridemon.sources.recording import is_recording, read_recording

HELP = "export a recording's samples (plain IMU CSV or Parquet) and its events"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="a .smrec recording")
    p.add_argument("--to", choices=["csv", "parquet"], default="csv", help="output format (default csv)")
    p.add_argument("--out", help="output file (default: the recording's name with .csv/.parquet)")
    p.add_argument("--force", action="store_true", help="replace existing files")


def run(args: argparse.Namespace) -> int:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if not is_recording(args.path):
        raise InputError(f"{args.path}: not a stridemon recording")
    rec = read_recording(args.path)
    s = rec.samples()
    out = Path(args.out) if args.out else Path(args.path).with_suffix("." + args.to)
    events_out = out.with_name(out.stem + ".events." + args.to)
    for f in (out, events_out):
        if f.exists() and not args.force:
            raise InputError(f"{f}: already exists (use --force to replace it)")
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
    if args.to == "csv":
        with open(out, "wb") as f:
            f.write(b"t_s,ax,ay,az,gx,gy,gz\n")  # the header exactly as the interface says
            pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="none"))
        pacsv.write_csv(ev_table, events_out)
    else:
        meta = {b"stridemon": json.dumps(rec.metadata, default=str).encode()}
        pq.write_table(table.replace_schema_metadata(meta), out)
        pq.write_table(ev_table, events_out)
    print(f"wrote {len(s)} samples to {out} and {len(events)} events to {events_out}")
    return 0


def _cell(v) -> str | None:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return None
    return str(v)
