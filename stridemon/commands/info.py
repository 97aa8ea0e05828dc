"""stridemon info FILE: what a recording holds — metadata, duration, gaps, recovered damage."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from stridemon.errors import InputError
from stridemon.events import Gap, Step, Stride
from stridemon.sources.recording import is_recording, read_recording

HELP = "show a recording's metadata, duration, sample rate, gaps and any recovered damage"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="a .smrec recording")
    p.add_argument("--json", action="store_true", help="print as JSON")


def describe(path: str) -> dict:
    if not is_recording(path):
        raise InputError(f"{path}: not a stridemon recording (for a CSV use `stridemon analyze`)")
    rec = read_recording(path)
    t = np.concatenate([b.t_s for b in rec.batches]) if rec.batches else np.empty(0)
    dt = np.diff(t)
    gaps = [e for e in rec.events if isinstance(e, Gap)]
    source_gaps = sum(1 for b in rec.batches[1:] if b.gap_before)
    return {
        "path": str(path),
        "format_version": rec.version,
        "metadata": rec.metadata,
        "samples": int(len(t)),
        "start_s": float(t[0]) if len(t) else None,
        "duration_s": float(t[-1] - t[0]) if len(t) else 0.0,
        "rate_hz": float(1.0 / np.median(dt)) if len(dt) else None,
        "has_host_time": any(b.host_t_s is not None for b in rec.batches),
        "gaps": [{"t_s": g.t_s, "end_s": g.end_s, "reason": g.reason} for g in gaps],
        "source_gap_marks": source_gaps,
        "events": {
            "steps": sum(isinstance(e, Step) for e in rec.events),
            "strides": sum(isinstance(e, Stride) for e in rec.events),
            "other": sum(not isinstance(e, Step | Stride) for e in rec.events),
        },
        "closed_cleanly": rec.closed_cleanly,
        "damage": {
            "bad_blocks": rec.damage.bad_blocks,
            "skipped_bytes": rec.damage.skipped_bytes,
            "truncated_tail": rec.damage.truncated_tail,
            "unknown_blocks": rec.unknown_blocks,
            "skipped_events": rec.skipped_events,
        },
        "notes": rec.notes,
    }


def run(args: argparse.Namespace) -> int:
    d = describe(args.path)
    if args.json:
        json.dump(d, sys.stdout, indent=1, default=str)
        print()
        return 0
    m = d["metadata"]
    dev = m.get("device") or {}
    print(d["path"])
    print(f"  format          v{d['format_version']}, started {m.get('start_local', '?')}")
    print(f"  device          {dev.get('name', '?')} ({dev.get('family', '?')}) {dev.get('address') or ''}")
    print(f"  runner          {m.get('runner') or '-'}   tags: {', '.join(m.get('tags') or []) or '-'}")
    if m.get("notes"):
        print(f"  notes           {m['notes']}")
    rate = f"{d['rate_hz']:.1f} Hz" if d["rate_hz"] else "n/a"
    print(f"  samples         {d['samples']} over {d['duration_s']:.1f} s at {rate}")
    ev = d["events"]
    print(f"  events          {ev['steps']} steps, {ev['strides']} strides, {ev['other']} other")
    print(f"  gaps            {len(d['gaps'])} in the data, {d['source_gap_marks']} marked by the sensor link")
    state = "yes" if d["closed_cleanly"] else "NO (crash or power loss: everything written was recovered)"
    print(f"  closed cleanly  {state}")
    dmg = d["damage"]
    if dmg["bad_blocks"] or dmg["skipped_bytes"] or dmg["truncated_tail"]:
        print(
            f"  damage          {dmg['bad_blocks']} bad block(s), {dmg['skipped_bytes']} byte(s) skipped"
            + (", cut short" if dmg["truncated_tail"] else "")
        )
    return 0
