"""Per-run numbers of the coach: the headline summary (``analyze``'s keys and the comparison's
extras), timelines, rotation halves and per-minute / per-lap segments. Pure functions of a
:class:`~stridemon.coach.runs.RunData`.

One definition per number: cadence over a window is :func:`stridemon.dsp.cadence.window_cadence_spm`
(the trailing 10 s the dashboard shows and the cadence alert uses), a yaw range is
:func:`stridemon.dsp.rotation.yaw_range_deg`, the summary keys and ``_num`` come from
:mod:`stridemon.sinks.summary`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stridemon.coach.runs import RunData
from stridemon.sinks.summary import _num, summarize

SMOOTH_WINDOW_S = 10.0  # centred window of the cadence timeline (s), as the dashboard's cadence


def _finite(x: Sequence[float] | np.ndarray) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    return a[np.isfinite(a)]


def step_cadence(run: RunData) -> np.ndarray:
    """Per-step instantaneous cadence (spm), finite values in time order."""
    return _finite([s.cadence_spm for s in run.steps])


def stride_rotation(run: RunData) -> np.ndarray:
    """Per-stride rotation (deg, yaw range), finite values in time order."""
    return _finite([s.rotation_deg for s in run.strides])


def smoothed_cadence(run: RunData, window_s: float = SMOOTH_WINDOW_S) -> tuple[np.ndarray, np.ndarray]:
    """Cadence timeline: (step times (device s), median cadence of the steps within ±window/2 (spm))."""
    t = np.array([s.t_s for s in run.steps if math.isfinite(s.cadence_spm)], dtype=float)
    c = step_cadence(run)
    if not len(t):
        return t, c
    lo = np.searchsorted(t, t - window_s / 2)
    hi = np.searchsorted(t, t + window_s / 2, side="right")
    return t, np.array([np.median(c[a:b]) for a, b in zip(lo, hi, strict=True)])


def smoothed_rotation(run: RunData, n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Rotation timeline: (stride start times (device s), running median of ``n`` strides (deg))."""
    t = np.array([s.t_s for s in run.strides if math.isfinite(s.rotation_deg)], dtype=float)
    r = stride_rotation(run)
    if not len(t):
        return t, r
    h = n // 2
    return t, np.array([np.median(r[max(0, i - h) : i + h + 1]) for i in range(len(r))])


def below_target_parts(run: RunData, target: float) -> tuple[np.ndarray, np.ndarray]:
    """Per step: its step time (s) and 1.0 if the smoothed cadence there is below ``target``."""
    _, smooth = smoothed_cadence(run)
    return 60.0 / step_cadence(run), (smooth < target).astype(float)


def time_below_target_pct(run: RunData, target: float | None) -> float:
    """% of running time (sum of step times) when the 10-s cadence is below the target; NaN if none."""
    if target is None or not run.steps:
        return math.nan
    dt, below = below_target_parts(run, target)
    return 100.0 * float(np.sum(dt * below) / np.sum(dt)) if len(dt) else math.nan


def rotation_halves(run: RunData) -> tuple[np.ndarray, np.ndarray]:
    """Yaw range (deg) within the left step and within the right step of every stride.

    The yaw (integrated yaw rate) over the stride, less the straight line through its ends
    (heading change, bias), split at the contact of the other foot: the range over [left IC,
    right IC] is the rotation during the left step, the rest during the right step. A
    symmetric swivel puts half the stride's range in each.
    """
    if run.yaw_t_s is None or run.yaw_rate_dps is None or len(run.yaw_t_s) < 3:
        return np.empty(0), np.empty(0)
    t, w = run.yaw_t_s, run.yaw_rate_dps
    step_t = np.array([s.t_s for s in run.steps], dtype=float)
    left, right = [], []
    for st in run.strides:
        if st.side not in ("left", "right"):
            continue
        inner = step_t[(step_t > st.t_s + 1e-6) & (step_t < st.end_s - 1e-6)]
        if len(inner) != 1:
            continue
        a, b = np.searchsorted(t, [st.t_s, st.end_s])
        if b - a < 6 or b >= len(t):
            continue
        dt = float(t[a + 1] - t[a])
        if np.any(np.diff(t[a : b + 1]) > 1.5 * dt):  # a gap inside: skip
            continue
        psi = np.concatenate([[0.0], np.cumsum(w[a:b]) * dt])
        tt = np.concatenate([[t[a] - dt / 2], t[a:b] + dt / 2])
        psi = psi - (psi[0] + (psi[-1] - psi[0]) * (tt - tt[0]) / (tt[-1] - tt[0]))
        first = tt <= inner[0]
        h1, h2 = psi[first], psi[~first]
        if len(h1) < 2 or len(h2) < 2:
            continue
        r1, r2 = float(h1.max() - h1.min()), float(h2.max() - h2.min())
        if st.side == "left":
            left.append(r1)
            right.append(r2)
        else:
            right.append(r1)
            left.append(r2)
    return np.array(left), np.array(right)


def asymmetry_pct(left: np.ndarray, right: np.ndarray) -> float:
    """(left − right) / mean of the two medians, %; NaN with fewer than 3 of either."""
    if len(left) < 3 or len(right) < 3:
        return math.nan
    ml, mr = float(np.median(left)), float(np.median(right))
    return 100.0 * (ml - mr) / (0.5 * (ml + mr)) if ml + mr > 0 else math.nan


def side_step_times(run: RunData) -> tuple[np.ndarray, np.ndarray]:
    lt = _finite([60.0 / s.cadence_spm for s in run.steps if s.side == "left" and s.cadence_spm > 0])
    rt = _finite([60.0 / s.cadence_spm for s in run.steps if s.side == "right" and s.cadence_spm > 0])
    return lt, rt


def run_summary(run: RunData) -> dict[str, Any]:
    """Headline numbers: analyze's summary keys (same meaning), then the comparison's extras.

    Extras: ``time_below_target_pct`` (% of running time with the 10-s cadence under target),
    ``rotation_asymmetry_pct`` ((left-step − right-step yaw range)/mean, %), spreads (SD of
    per-step cadence, spm, and per-stride rotation, deg), bouts, running time (s), sample rate,
    the targets used.
    """
    m = run.meta
    s = summarize(run.steps, run.strides, run.duration_s, len(run.gaps), m.target_cadence_spm, m.rotation_budget_deg)
    s["forward_axis_sensor"] = run.forward_axis
    cad, rot = step_cadence(run), stride_rotation(run)
    s["steps_below_target_pct"] = s.get("steps_below_target_pct")
    s["strides_over_budget_pct"] = s.get("strides_over_budget_pct")
    s["time_below_target_pct"] = _num(time_below_target_pct(run, m.target_cadence_spm), 1)
    s["cadence_spm_sd"] = _num(float(np.std(cad, ddof=1)) if len(cad) > 1 else math.nan, 2)
    s["rotation_deg_iqr"] = [
        _num(float(np.percentile(rot, 25)) if len(rot) else math.nan, 1),
        _num(float(np.percentile(rot, 75)) if len(rot) else math.nan, 1),
    ]
    s["rotation_deg_sd"] = _num(float(np.std(rot, ddof=1)) if len(rot) > 1 else math.nan, 2)
    s["rotation_asymmetry_pct"] = _num(asymmetry_pct(*rotation_halves(run)), 1)
    bouts = sum(1 for st in run.steps if not math.isfinite(st.cadence_spm))
    s["bouts"] = bouts
    s["running_time_s"] = _num(float(np.sum(60.0 / cad)) if len(cad) else 0.0, 1)
    s["samples"] = run.samples
    s["sample_rate_hz"] = _num(run.rate_hz, 1) if run.rate_hz else None
    s["target_cadence_spm"] = m.target_cadence_spm
    s["rotation_budget_deg"] = m.rotation_budget_deg
    return s


# -- segments ------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Segment:
    """A stretch of one run (elapsed s from the run's first sample) and its numbers."""

    label: str
    start_s: float
    end_s: float
    steps: int
    cadence_spm_median: float | None
    rotation_deg_median: float | None
    rotation_deg_p90: float | None
    strides_over_budget_pct: float | None
    time_below_target_pct: float | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _segment(run: RunData, label: str, a: float, b: float) -> Segment:
    """Numbers of the steps and strides starting in elapsed [a, b) s."""
    t0 = run.first_t_s
    steps = [s for s in run.steps if a <= s.t_s - t0 < b]
    strides = [s for s in run.strides if a <= s.t_s - t0 < b]
    cad = _finite([s.cadence_spm for s in steps])
    rot = _finite([s.rotation_deg for s in strides])
    budget, target = run.meta.rotation_budget_deg, run.meta.target_cadence_spm
    below = None
    if target is not None and len(cad):
        tt, smooth = smoothed_cadence(run)
        m = (tt - t0 >= a) & (tt - t0 < b)
        dt = 60.0 / step_cadence(run)[m]
        below = _num(100.0 * float(np.sum(dt * (smooth[m] < target)) / np.sum(dt)), 1) if m.any() else None
    return Segment(
        label=label,
        start_s=round(a, 3),
        end_s=round(b, 3),
        steps=len(steps),
        cadence_spm_median=_num(float(np.median(cad)), 1) if len(cad) else None,
        rotation_deg_median=_num(float(np.median(rot)), 1) if len(rot) else None,
        rotation_deg_p90=_num(float(np.percentile(rot, 90)), 1) if len(rot) else None,
        strides_over_budget_pct=(
            _num(100.0 * float(np.mean(rot > budget)), 1) if budget is not None and len(rot) else None
        ),
        time_below_target_pct=below,
    )


MAX_SEGMENTS = 300  # per run and kind: a bound on work and output whatever the time stamps claim


def minute_segments(run: RunData, minutes: float = 1.0) -> list[Segment]:
    """One segment per ``minutes`` of elapsed time (the last one may be shorter).

    Time stamps may claim a far longer run than the data holds (a device clock that jumps to UNIX
    time, a last ``t_s`` of 1e300): past :data:`MAX_SEGMENTS` minutes, only the minutes that hold a
    step or a stride get a segment (the first :data:`MAX_SEGMENTS` of them), so the work is bounded
    by the data, not by the clock.
    """
    if not run.ok:
        return []
    w = 60.0 * minutes
    dur = run.duration_s
    n = math.ceil(dur / w - 1e-9) if math.isfinite(dur / w) else MAX_SEGMENTS + 1
    if max(1, n) <= MAX_SEGMENTS:
        starts = [i * w for i in range(max(1, n))]
    else:
        t0 = run.first_t_s
        el = np.array([s.t_s - t0 for s in run.steps] + [s.t_s - t0 for s in run.strides], dtype=float)
        el = el[np.isfinite(el) & (el >= 0) & (el <= dur)]
        starts = [float(i) * w for i in np.unique(np.floor(el / w))[:MAX_SEGMENTS]]
    return [_segment(run, f"{_mmss(a)}–{_mmss(min(a + w, dur))}", a, min(a + w, dur + 1e-6)) for a in starts]


def sparse_segments(run: RunData, minutes: float = 1.0) -> bool:
    """True when :func:`minute_segments` lists only the minutes that hold data (see there)."""
    d = run.duration_s / (60.0 * minutes)
    return run.ok and not (math.isfinite(d) and math.ceil(d - 1e-9) <= MAX_SEGMENTS)


def marker_segments(run: RunData) -> list[Segment]:
    """Segments between laps/markers (start → first marker, marker → next, ..., last → end); [] without
    markers. At most :data:`MAX_SEGMENTS` (the first markers inside the run)."""
    if not run.meta.markers or not run.ok:
        return []
    inside = [
        (m.t_s - run.first_t_s, m.label or f"marker {i + 1}")
        for i, m in enumerate(run.meta.markers)
        if 0 < m.t_s - run.first_t_s < run.duration_s
    ][: MAX_SEGMENTS - 1]
    labels = ["start", *[lab for _, lab in inside]]
    bounds = [0.0, *[c for c, _ in inside], run.duration_s + 1e-6]
    return [_segment(run, labels[i], bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _mmss(s: float) -> str:
    s = max(0.0, s)
    if not s < 1e7:  # over ~115 days: a clock that jumped, not a run
        return f"{s:.3g} s"
    return f"{int(s // 60)}:{int(round(s % 60)):02d}" if round(s % 60) < 60 else f"{int(s // 60) + 1}:00"
