"""stridemon analyze PATH [--json]: steps, strides and a summary of a recorded run.

The work is :func:`stridemon.api.analyze` (the notebook API): the CLI prints its document, so
both give the same numbers. Heavy modules are imported when the command runs, not when the
CLI starts.
"""

from __future__ import annotations

import argparse
import json
import sys

HELP = "analyze a recording, plain IMU CSV, phone export (phyphox, Sensor Logger) or a watch's FIT file"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path",
        help="plain IMU CSV (t_s,ax,ay,az,gx,gy,gz), stridemon recording, phone export (zip or folder) or FIT activity",
    )
    p.add_argument("--json", action="store_true", help="print the full result as JSON on stdout")
    p.add_argument("--acc-unit", choices=["auto", "mps2", "g"], default="auto", help="accelerometer unit (CSV)")
    p.add_argument("--gyro-unit", choices=["auto", "dps", "rads"], default="auto", help="gyroscope unit (CSV)")


def run(args: argparse.Namespace) -> int:
    from stridemon.api import analyze

    result = analyze(args.path, acc_unit=args.acc_unit, gyro_unit=args.gyro_unit, progress=not args.json)
    doc = result.document
    if args.json:
        # dumps (one string, C encoder) is ~10x faster than dump (pure-Python, chunk by chunk)
        # and writes the same text.
        sys.stdout.write(json.dumps(doc, allow_nan=False) + "\n")
        return 0
    s = doc["summary"]
    print(f"{args.path}")
    if result.kind == "fit":
        _print_watch(s)
        return 0
    if s.get("source"):
        print(f"  source          {s['source']}")
        for a in s.get("input_assumptions") or []:
            print(f"  assumed         {a}")
    print(f"  duration        {s['duration_s']:.1f} s, {result.samples_in} samples, {s['gaps']} gap(s)")
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


def _print_watch(s: dict) -> None:
    dev = s.get("device") or {}
    name = " ".join(str(v) for v in (dev.get("manufacturer"), dev.get("product")) if v) or "unknown device"
    print(f"  source          {s['source']}")
    print(f"  device          {name}, sport {s.get('sport') or 'unknown'}")
    print(f"  duration        {s['duration_s']:.1f} s, {s['records']} record(s)")
    print(f"  steps           {'n/a' if s['steps'] is None else s['steps']} (from the watch's total strides × 2)")
    print(f"  cadence         {_fmt(s['cadence_spm_median'], 'spm')} median")
    print(f"  contact time    {_fmt(s['contact_ms_median'], 'ms')} median (the watch's stance time)")
    print(f"  vertical osc.   {_fmt(s['vertical_oscillation_cm_median'], 'cm')} median")
    for a in s.get("input_assumptions") or []:
        print(f"  assumed         {a}")


def _fmt(x: float | None, unit: str) -> str:
    return "n/a" if x is None else f"{x:g} {unit}"


def _iqr(v: list) -> str:
    return "n/a" if v[0] is None else f"{v[0]:g}–{v[1]:g} spm"
