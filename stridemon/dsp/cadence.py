"""Cadence (steps/min) from initial-contact times."""

from __future__ import annotations

import math
from collections import deque

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


class CadenceSmoother:
    """Displayed cadence: the window cadence over the last ``window_s`` of steps."""

    def __init__(self, window_s: float = 10.0) -> None:
        self.window_s = window_s
        self._t: deque[float] = deque()
        self._c: deque[float] = deque()

    def add(self, t_s: float, cadence_spm: float) -> float:
        """Add a step; return the smoothed cadence (spm) at this step.

        The same number as :func:`window_cadence_spm` over [t_s - window_s, t_s], computed on
        the ~30 steps of the window without building arrays for the selection.
        """
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
