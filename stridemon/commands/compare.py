"""stridemon compare A B [C ...]: compare runs side by side (window), or write a report / JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from stridemon.coach.comparison import Comparison, compare_runs, comparison_document
from stridemon.coach.library import Progress, load_runs, printable
from stridemon.coach.runs import letter
from stridemon.errors import InputError

HELP = "compare runs side by side: a window, a self-contained HTML report (--report) or JSON (--json)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help="runs to compare (as for analyze); the first is the baseline"
    )
    p.add_argument("--report", metavar="OUT.html", help="write a self-contained HTML report here (no window)")
    p.add_argument("--force", action="store_true", help="replace an existing report file (never an input)")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON on stdout (no window)")
    p.add_argument("--title", help="report title (default: runner and tags)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--acc-unit", choices=["auto", "mps2", "g"], default="auto", help="accelerometer unit (CSV)")
    p.add_argument("--gyro-unit", choices=["auto", "dps", "rads"], default="auto", help="gyroscope unit (CSV)")


def stderr_progress(quiet: bool = False) -> Progress | None:
    """Progress lines on stderr: each file's start and end, and every 25 % of a long file."""
    if quiet:
        return None
    last: dict[str, int] = {}

    def progress(fraction: float, text: str) -> None:
        step = int(fraction * 100 // 25)
        if last.get(text) == step:
            return
        last[text] = step
        print(f"stridemon: {100 * fraction:3.0f}% {text}", file=sys.stderr, flush=True)

    return progress


def build_comparison(paths: Sequence[str], progress: Progress | None, acc_unit: str, gyro_unit: str) -> Comparison:
    """Analyse ``paths`` and compare them; damaged files are kept in the comparison with their error."""
    runs = load_runs(list(paths), progress, acc_unit, gyro_unit)
    for i, r in enumerate(runs):
        if r.error:
            print(f"stridemon: warning: run {letter(i)} skipped: {printable(r.error)}", file=sys.stderr)
    return compare_runs(runs)


def emit(cmp: Comparison, report: str | None, as_json: bool, title: str | None = None, force: bool = False) -> int:
    """Write the report and/or JSON; 0 if at least one run was readable, else 2 (after writing).

    The report never replaces an input (a run, its sidecar, its folder's cache) and replaces an
    existing file only with ``force`` (:func:`stridemon.coach.report.write_report`)."""
    if report:
        from stridemon.coach.report import write_report

        out = write_report(cmp, report, [r.path for r in cmp.runs], force, title)
        print(f"stridemon: report written to {printable(out)}", file=sys.stderr)
    if as_json:
        json.dump(comparison_document(cmp), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    if not cmp.good:
        raise InputError("none of the runs could be analysed (see the errors above)")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.report is None and not args.json:
        from stridemon.ui.compare_window import run_window

        return run_window(args.paths, acc_unit=args.acc_unit, gyro_unit=args.gyro_unit)
    if args.report is not None:  # refuse a bad report path before minutes of analysis
        from stridemon.coach.report import check_report_path

        check_report_path(args.report, args.paths, args.force)
    cmp = build_comparison(args.paths, stderr_progress(args.quiet), args.acc_unit, args.gyro_unit)
    return emit(cmp, args.report, args.json, args.title, args.force)
