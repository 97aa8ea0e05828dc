"""Cadence (steps/min) from initial-contact times."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable

import numpy as np


def instantaneous_cadence_spm(previous_ic_s: float, ic_s: float) -> float:
    """60 / step time; NaN when there is no previous step."""
    dt = ic_s - previous_ic_s
    return 60.0 / dt if dt > 0 and math.isfinite(dt) else math.nan


def window_cadence_spm(step_t_s: np.ndarray, step_cadence_spm: np.ndarray, t0_s: float, t1_s: float) -> float:
    """Cadence over [t0, t1): 60 / mean step time of the steps in the window.

    Only step times measured between two consecutive detected steps count (a missed step or a
    gap gives no interval), so a miss does not halve the cadence. With no misses this equals
    60·(n−1)/(t_last−t_first), the usual bout cadence. NaN when fewer than 2 intervals.
    """
    t = np.asarray(step_t_s, dtype=float)
    c = np.asarray(step_cadence_spm, dtype=float)
    m = (t >= t0_s) & (t < t1_s) & np.isfinite(c)
    if m.sum() < 2:
        return math.nan
    return 60.0 / float(np.mean(60.0 / c[m]))


def step_time_asymmetry_pct(steps: Iterable) -> float:
    """Left/right step-time asymmetry, (L − R) / mean of the two, in percent: the median step
    time ending on each foot (60 / the step's instantaneous cadence). NaN with fewer than 3 steps
    with a cadence on either side. ``steps``: objects with ``side`` and ``cadence_spm``."""
    left: list[float] = []
    right: list[float] = []
    for s in steps:
        if s.side == "left" and math.isfinite(s.cadence_spm):
            left.append(60.0 / s.cadence_spm)
        elif s.side == "right" and math.isfinite(s.cadence_spm):
            right.append(60.0 / s.cadence_spm)
    if len(left) < 3 or len(right) < 3:
        return math.nan
    ml, mr = float(np.median(left)), float(np.median(right))
    return 100.0 * (ml - mr) / (0.5 * (ml + mr))


class CadenceSmoother:
    """Displayed cadence: the window cadence over the last ``window_s`` of steps.

    A step more than ``restart_after_s`` after the previous one (the runner had stopped) starts
    the window afresh, as does :meth:`reset` (a gap in the data).
    """

    def __init__(self, window_s: float = 10.0, restart_after_s: float = math.inf) -> None:
        self.window_s = window_s
        self.restart_after_s = restart_after_s
        self._t: deque[float] = deque()
        self._c: deque[float] = deque()

    def add(self, t_s: float, cadence_spm: float) -> float:
        """Add a step; return the smoothed cadence (spm) at this step.

        The same number as :func:`window_cadence_spm` over [t_s - window_s, t_s], computed on
        the ~30 steps of the window without building arrays for the selection.
        """
        if self._t and t_s - self._t[-1] >= self.restart_after_s:
            self.reset()
        self._t.append(t_s)
        self._c.append(cadence_spm)
        t0 = t_s - self.window_s
        while self._t and self._t[0] < t0:  # every step left has t >= t0
            self._t.popleft()
            self._c.popleft()
        t1 = t_s + 1e-9
        step_s = [60.0 / c for t, c in zip(self._t, self._c, strict=True) if t < t1 and math.isfinite(c)]
        if len(step_s) < 2:
            return math.nan
        # np.mean's own sum (pairwise, so the same digits), without its per-call overhead
        return 60.0 / (float(np.add.reduce(np.array(step_s))) / len(step_s))

    def reset(self) -> None:
        self._t.clear()
        self._c.clear()
