"""The whole comparison: runs (baseline first), their summaries and segments, the differences,
and the ``stridemon compare --json`` document.

Conventions: times of steps, strides and markers are on the device clock (s); *elapsed* time is
measured from the run's first sample, and *normalised* time is elapsed / duration × 100 (%).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stridemon.coach.differences import METHOD, N_BOOT, Difference, compare_pair
from stridemon.coach.metrics import (
    MAX_SEGMENTS,
    Segment,
    marker_segments,
    minute_segments,
    run_summary,
    sparse_segments,
)
from stridemon.coach.runs import RunData, letter


# -- the whole comparison ------------------------------------------------------------------------
@dataclass
class Comparison:
    """Everything a report or window shows: runs (baseline first), summaries, segments, differences."""

    runs: list[RunData]
    summaries: list[dict[str, Any] | None]  # None for a damaged run
    minutes: list[list[Segment]]
    laps: list[list[Segment]]
    differences: list[Difference]

    @property
    def good(self) -> list[int]:
        return [i for i, r in enumerate(self.runs) if r.ok]


def compare_runs(runs: Sequence[RunData], n_boot: int = N_BOOT, seed: int = 0) -> Comparison:
    """Compare runs: the first readable run is the baseline; damaged runs are kept but not compared."""
    runs = list(runs)
    summaries = [run_summary(r) if r.ok else None for r in runs]
    good = [i for i, r in enumerate(runs) if r.ok]
    diffs: list[Difference] = []
    if good:
        base = good[0]
        for k, i in enumerate(good[1:]):
            diffs += compare_pair(runs[base], runs[i], base, i, n_boot, seed + k)
    for r in runs:
        if sparse_segments(r):
            r.warnings.append(
                f"{r.path}: its time stamps span {r.duration_s:.3g} s; per-minute segments only for the "
                f"minutes that hold steps (at most {MAX_SEGMENTS})"
            )
    return Comparison(
        runs=runs,
        summaries=summaries,
        minutes=[minute_segments(r) for r in runs],
        laps=[marker_segments(r) for r in runs],
        differences=diffs,
    )


def headline(cmp: Comparison, metric: str, b: int) -> Difference | None:
    """The difference of ``metric`` for run ``b`` against the baseline, if compared."""
    return next((d for d in cmp.differences if d.metric == metric and d.b == b), None)


def comparison_document(cmp: Comparison) -> dict[str, Any]:
    """The ``stridemon compare --json`` object: ``{"runs": [...], "differences": [...], "method": ...}``."""
    runs = []
    for i, r in enumerate(cmp.runs):
        runs.append(
            {
                "label": letter(i),
                "path": r.path,
                "ok": r.ok,
                "error": r.error,
                "warnings": list(r.warnings),
                "meta": r.meta.to_dict(),
                "device_family": r.family,
                "summary": cmp.summaries[i],
                "segments": {
                    "minutes": [s.to_dict() for s in cmp.minutes[i]],
                    "laps": [s.to_dict() for s in cmp.laps[i]],
                },
            }
        )
    return {
        "runs": runs,
        "baseline": letter(cmp.good[0]) if cmp.good else None,
        "differences": [{**d.to_dict(), "a": letter(d.a), "b": letter(d.b)} for d in cmp.differences],
        "method": METHOD,
    }
