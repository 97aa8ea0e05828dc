"""stridemon analyze PATH [--json]: steps, strides and a summary of a recorded run."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from stridemon.pipeline import Pipeline
from stridemon.session import run_pipeline
from stridemon.sinks.summary import analysis_document
from stridemon.sources.files import open_file_source

HELP = "analyze a plain IMU CSV or a stridemon recording: steps, strides, cadence, rotation"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="plain IMU CSV (t_s,ax,ay,az,gx,gy,gz) or a stridemon recording")
    p.add_argument("--json", action="store_true", help="print the full result as JSON on stdout")
    p.add_argument("--acc-unit", choices=["auto", "mps2", "g"], default="auto", help="accelerometer unit (CSV)")
    p.add_argument("--gyro-unit", choices=["auto", "dps", "rads"], default="auto", help="gyroscope unit (CSV)")


def run(args: argparse.Namespace) -> int:
    # As fast as it can: big batches (the result does not depend on batch size).
    source = open_file_source(args.path, acc_unit=args.acc_unit, gyro_unit=args.gyro_unit, batch_s=60.0)
    pipe = asyncio.run(run_pipeline(source, Pipeline()))
    duration = (pipe.last_t_s - pipe.first_t_s) if pipe.first_t_s is not None else 0.0
    fwd = pipe.forward.forward
    extra = {"forward_axis_sensor": [round(float(v), 3) for v in fwd] if all(v == v for v in fwd) else None}
    report = getattr(source, "report", None)  # a CSV's reading report: rows skipped, not lost silently
    if report is not None:
        extra["skipped_nan_rows"] = report.skipped_nan_rows
        extra["skipped_bad_rows"] = report.skipped_bad_rows
    doc = analysis_document(pipe.steps, pipe.strides, duration, len(pipe.gaps), extra, pipe.dynamics)
    if args.json:
        # dumps (one string, C encoder) is ~10x faster than dump (pure-Python, chunk by chunk)
        # and writes the same text.
        sys.stdout.write(json.dumps(doc, allow_nan=False) + "\n")
        return 0
    s = doc["summary"]
    print(f"{args.path}")
    print(f"  duration        {s['duration_s']:.1f} s, {pipe.samples_in} samples, {s['gaps']} gap(s)")
    if s.get("skipped_bad_rows") or s.get("skipped_nan_rows"):
        print(
            f"  skipped rows    {s['skipped_bad_rows']} malformed or cut, {s['skipped_nan_rows']} with a missing value"
        )
    print(f"  steps           {s['steps']} ({s['left_steps']} left, {s['right_steps']} right)")
    print(f"  cadence         {_fmt(s['cadence_spm_median'], 'spm')} median, IQR {_iqr(s['cadence_spm_iqr'])}")
    print(
        f"  rotation        {_fmt(s['rotation_deg_median'], 'deg')} median per stride "
        f"({_fmt(s['rotation_cm_median'], 'cm')} each way at the torso side), p90 {_fmt(s['rotation_deg_p90'], 'deg')}"
    )
    print(f"  step asymmetry  {_fmt(s['step_time_asymmetry_pct'], '%')} (left minus right step time)")
    f = s["forward_axis_sensor"]
    print(f"  forward axis    {'not found (too few strides)' if f is None else f} (unit vector, sensor frame)")
    return 0


def _fmt(x: float | None, unit: str) -> str:
    return "n/a" if x is None else f"{x:g} {unit}"


def _iqr(v: list) -> str:
    return "n/a" if v[0] is None else f"{v[0]:g}–{v[1]:g} spm"
