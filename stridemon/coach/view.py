"""What the comparison shows, shared by the window (:mod:`stridemon.ui.compare_window`) and the
HTML report (:mod:`stridemon.coach.report`): run colours and labels, the headline rows and their
cell text, and each run's timelines and distributions. No Qt and no HTML here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from stridemon.coach.comparison import Comparison
from stridemon.coach.metrics import smoothed_cadence, smoothed_rotation, step_cadence, stride_rotation
from stridemon.coach.runs import letter

COLORS = ("#1f6fb4", "#e4572e", "#2a9d55", "#8e44ad", "#b8860b", "#17becf", "#7f7f7f")


def color(i: int) -> str:
    """The colour of run ``i`` (by position in the comparison), everywhere it is drawn."""
    return COLORS[i % len(COLORS)]


def legend_name(i: int, name: str, n: int = 18) -> str:
    """Legend label: run letter and the file name cut to ``n`` characters."""
    return f"{letter(i)}: {name if len(name) <= n else name[: n - 1] + '…'}"


@dataclass(frozen=True, kw_only=True)
class HeadRow:
    """A row of the headline table: a summary key, its label, the unit as shown after the value."""

    key: str
    label: str
    suffix: str  # e.g. " spm", "%", "°"
    digits: int


HEAD_ROWS: tuple[HeadRow, ...] = (
    HeadRow(key="cadence_spm_median", label="Cadence, median", suffix=" spm", digits=1),
    HeadRow(key="cadence_spm_iqr", label="Cadence, middle half (IQR)", suffix=" spm", digits=1),
    HeadRow(key="time_below_target_pct", label="Time below target cadence", suffix="%", digits=0),
    HeadRow(key="rotation_deg_median", label="Rotation per stride, median", suffix="°", digits=1),
    HeadRow(key="rotation_deg_p90", label="Rotation per stride, 90th percentile", suffix="°", digits=1),
    HeadRow(key="rotation_cm_median", label="Rotation, cm each way at torso side", suffix=" cm", digits=1),
    HeadRow(key="strides_over_budget_pct", label="Strides over rotation budget", suffix="%", digits=0),
    HeadRow(key="step_time_asymmetry_pct", label="Step-time asymmetry (L−R)", suffix="%", digits=1),
    HeadRow(key="rotation_asymmetry_pct", label="Rotation asymmetry (L−R step)", suffix="%", digits=1),
)


def value_text(x: Any, digits: int = 1, suffix: str = "") -> str:
    """A summary value as shown: '–' when missing, a range for [lo, hi], else the number and unit."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if isinstance(x, list):
        return "–" if x[0] is None else f"{x[0]:.{digits}f}–{x[1]:.{digits}f}{suffix}"
    if isinstance(x, float):
        return f"{x:.{digits}f}{suffix}"
    return f"{x}{suffix}"


def head_cell(summary: dict[str, Any] | None, row: HeadRow) -> str:
    """The text of one run's cell in the headline table."""
    return value_text((summary or {}).get(row.key), row.digits, row.suffix)


@dataclass(frozen=True, kw_only=True)
class RunSeries:
    """One readable run as drawn: timelines (elapsed minutes and % of the run) and every value."""

    index: int
    name: str  # file name
    legend: str  # run letter and short file name
    color: str
    cadence_min: np.ndarray  # elapsed time of the cadence timeline (min)
    cadence_pct: np.ndarray  # the same as % of the run
    cadence_spm: np.ndarray  # the 10-s cadence at each step
    rotation_min: np.ndarray
    rotation_pct: np.ndarray
    rotation_deg: np.ndarray  # 5-stride running median
    steps_spm: np.ndarray  # per-step cadence (distribution)
    strides_deg: np.ndarray  # per-stride rotation (distribution)
    target_cadence_spm: float | None
    rotation_budget_deg: float | None


def run_series(cmp: Comparison) -> list[RunSeries]:
    """The series of every readable run, in comparison order."""
    out = []
    for i in cmp.good:
        r = cmp.runs[i]
        d = max(r.duration_s, 1e-9)
        tc, c = smoothed_cadence(r)
        tr, rr = smoothed_rotation(r)
        ec, er = tc - r.first_t_s, tr - r.first_t_s
        out.append(
            RunSeries(
                index=i,
                name=r.name,
                legend=legend_name(i, r.name),
                color=color(i),
                cadence_min=ec / 60.0,
                cadence_pct=100.0 * ec / d,
                cadence_spm=c,
                rotation_min=er / 60.0,
                rotation_pct=100.0 * er / d,
                rotation_deg=rr,
                steps_spm=step_cadence(r),
                strides_deg=stride_rotation(r),
                target_cadence_spm=r.meta.target_cadence_spm,
                rotation_budget_deg=r.meta.rotation_budget_deg,
            )
        )
    return out


def targets(cmp: Comparison) -> tuple[list[float], list[float]]:
    """The distinct target cadences and rotation budgets of the readable runs (reference lines)."""
    good = [cmp.runs[i] for i in cmp.good]
    t = sorted({r.meta.target_cadence_spm for r in good if r.meta.target_cadence_spm})
    b = sorted({r.meta.rotation_budget_deg for r in good if r.meta.rotation_budget_deg})
    return t, b
