"""stridemon info FILE: what a recording holds — metadata, duration, gaps, recovered damage."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from stridemon.errors import InputError
from stridemon.events import Gap, Step, Stride
from stridemon.sources.recording import is_recording, read_recording
from stridemon.textsafe import clean_text

HELP = "show a recording's metadata, duration, sample rate, gaps and any recovered damage"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="a .smrec recording")
    p.add_argument("--json", action="store_true", help="print as JSON")


def describe(path: str) -> dict:
    if not is_recording(path):
        raise InputError(f"{path}: not a stridemon recording (for a CSV use `stridemon analyze`)")
    rec = read_recording(path)
    # Sample intervals within batches (a clock jump or a gap lies between batches).
    dt = np.concatenate([np.diff(b.t_s) for b in rec.batches]) if rec.batches else np.empty(0)
    gaps = [e for e in rec.events if isinstance(e, Gap)]
    source_gaps = sum(1 for b in rec.batches[1:] if b.gap_before)
    return {
        "path": str(path),
        "format_version": rec.version,
        "metadata": rec.metadata,
        "samples": rec.n_samples,
        "start_s": rec.first_t_s,
        "duration_s": rec.duration_s,
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
            "over_limit_blocks": rec.over_limit_blocks,
            "skipped_samples": rec.skipped_samples,
            "clock_jumps": [{"continues_at_s": t, "jump_s": j} for t, j in rec.clock_jumps],
            "metadata_fields_ignored": len(rec.metadata_problems),
        },
        "notes": rec.notes,
    }


def run(args: argparse.Namespace) -> int:
    d = describe(args.path)
    if args.json:
        # JSON escapes control characters itself; the metadata holds no NaN (the reader saw to it)
        json.dump(d, sys.stdout, indent=1, default=str, allow_nan=False)
        print()
        return 0
    m = d["metadata"]
    dev = m.get("device") if isinstance(m.get("device"), dict) else {}
    tags = [t for t in m.get("tags") or [] if isinstance(t, str)]
    # Everything from the file goes through clean_text: no terminal control from a runner's name.
    print(clean_text(d["path"]))
    print(f"  format          v{d['format_version']}, started {clean_text(m.get('start_local') or '?')}")
    print(
        f"  device          {clean_text(dev.get('name') or '?')} ({clean_text(dev.get('family') or '?')}) "
        f"{clean_text(dev.get('address') or '')}"
    )
    print(f"  runner          {clean_text(m.get('runner') or '-')}   tags: {clean_text(', '.join(tags) or '-')}")
    if m.get("notes"):
        print(f"  notes           {clean_text(m['notes'])}")
    rate = f"{d['rate_hz']:.1f} Hz" if d["rate_hz"] else "n/a"
    print(f"  samples         {d['samples']} over {d['duration_s']:.1f} s at {rate}")
    ev = d["events"]
    print(f"  events          {ev['steps']} steps, {ev['strides']} strides, {ev['other']} other")
    print(f"  gaps            {len(d['gaps'])} in the data, {d['source_gap_marks']} marked by the sensor link")
    state = "yes" if d["closed_cleanly"] else "NO (crash or power loss: everything written was recovered)"
    print(f"  closed cleanly  {state}")
    dmg = d["damage"]
    if dmg["bad_blocks"] or dmg["skipped_bytes"] or dmg["truncated_tail"]:
        over = f" ({dmg['over_limit_blocks']} past a size limit)" if dmg["over_limit_blocks"] else ""
        print(
            f"  damage          {dmg['bad_blocks']} bad block(s){over}, {dmg['skipped_bytes']} byte(s) skipped"
            + (", cut short" if dmg["truncated_tail"] else "")
        )
    if dmg["skipped_samples"]:
        print(f"  skipped         {dmg['skipped_samples']} sample(s) with a missing, impossible or repeated time")
    for j in dmg["clock_jumps"]:
        print(f"  clock jump      {j['jump_s']:+.6g} s, treated as a gap (continues at {j['continues_at_s']:.1f} s)")
    if dmg["metadata_fields_ignored"]:
        print(
            f"  metadata        {dmg['metadata_fields_ignored']} field(s) ignored (wrong type or range; see warnings)"
        )
    if dmg["skipped_events"]:
        print(f"  events skipped  {dmg['skipped_events']} (unknown type or wrong values)")
    return 0
