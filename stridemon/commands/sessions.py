"""stridemon sessions DIR [--runner X] [--tag T] [--json] [--compare]: the runs in a folder."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from stridemon.coach.library import add_headlines, printable, scan_folder
from stridemon.errors import InputError

HELP = "list the runs in a folder with metadata and headline numbers; filter by runner/tag; compare them"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", metavar="DIR", help="folder of runs (CSV files, with optional <file>.meta.json)")
    p.add_argument("--runner", help="only this runner's runs (case-insensitive)")
    p.add_argument("--tag", help="only runs with this tag, e.g. fresh or fatigued")
    p.add_argument("--json", action="store_true", help="print the list as JSON on stdout")
    p.add_argument("--no-numbers", action="store_true", help="metadata only: do not analyse the files (fast)")
    p.add_argument(
        "--compare", action="store_true", help="compare the listed runs (a window, or with --report a report)"
    )
    p.add_argument("--report", metavar="OUT.html", help="with --compare: write the report here instead of a window")
    p.add_argument("--force", action="store_true", help="with --report: replace an existing report file")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def run(args: argparse.Namespace) -> int:
    from stridemon.commands.compare import build_comparison, emit, stderr_progress

    entries = scan_folder(args.folder, args.runner, args.tag)
    if args.compare:
        if not entries:
            raise InputError(f"{args.folder}: no runs match; nothing to compare")
        paths = [e.path for e in entries]
        if args.report is None:
            from stridemon.ui.compare_window import run_window

            return run_window(paths)
        from stridemon.coach.report import check_report_path

        check_report_path(args.report, paths, args.force)
        cmp = build_comparison(paths, stderr_progress(args.quiet), "auto", "auto")
        return emit(cmp, args.report, False, force=args.force)
    if not args.no_numbers:
        add_headlines(entries, stderr_progress(args.quiet))
    if args.json:
        doc = {"folder": args.folder, "sessions": [e.to_dict() for e in entries]}
        json.dump(_json_safe(doc), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
        return 0
    folder = printable(args.folder)
    if not entries:
        print(f"{folder}: no runs" + (" match the filter" if args.runner or args.tag else ""))
        return 0
    print(f"{'#':>3}  {'file':<28} {'runner':<12} {'tags':<18} {'time':>6} {'cadence':>8} {'rotation':>9}  notes")
    for i, e in enumerate(entries, 1):
        m, s = e.meta, e.summary or {}
        name = printable(e.path.replace("\\", "/").rsplit("/", 1)[-1], 28)
        dur = s.get("duration_s")
        cells = (
            ("  >1e4m" if dur >= 6e5 else f"{dur / 60:5.1f}m") if dur is not None else "     –",
            f"{s['cadence_spm_median']:>8.1f}" if s.get("cadence_spm_median") is not None else f"{'–':>8}",
            f"{s['rotation_deg_median']:>8.1f}°" if s.get("rotation_deg_median") is not None else f"{'–':>9}",
        )
        notes = printable("DAMAGED: " + e.error if e.error else (m.notes or ""), 200)
        runner = printable(m.runner or "–", 12)
        tags = printable(", ".join(m.tags), 18) or "–"
        print(f"{i:>3}  {name[:28]:<28} {runner[:12]:<12} {tags[:18]:<18} {cells[0]:>6} {cells[1]} {cells[2]}  {notes}")
    print(
        f"\ncompare them: stridemon sessions {folder}"
        + (f" --runner {printable(args.runner)}" if args.runner else "")
        + (f" --tag {printable(args.tag)}" if args.tag else "")
        + " --compare [--report out.html]"
    )
    return 0


def _json_safe(v: Any, depth: int = 0) -> Any:
    """``v`` with every non-finite float as None (``allow_nan=False`` then always holds)."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if depth > 40:
        return None
    if isinstance(v, dict):
        return {str(k): _json_safe(x, depth + 1) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_json_safe(x, depth + 1) for x in v]
    return v
