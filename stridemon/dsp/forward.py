"""Which way is "forward" for a belt sensor in any orientation, from the gait itself.

After every initial contact the foot brakes the body: in walking and in running alike the
pelvis decelerates in the first part of stance (the braking impulse; e.g. Zijlstra & Hof 2003
for walking, Cavanagh & Lafortune 1980 for running ground reaction forces). The medio-lateral
acceleration in that phase points the opposite way after a left and after a right contact, so
averaged over the two steps of each stride it cancels, while the braking part adds up. Forward
is therefore minus the mean horizontal acceleration (sensor frame) over the early stance of
both steps of many strides. The sensor is strapped to the pelvis, so this axis is fixed in the
sensor frame; the estimate is a running mean that settles within a few strides.
"""

from __future__ import annotations

import numpy as np


def braking_window_s(step_s: float, running: bool = False) -> tuple[float, float]:
    """Early-stance window after an initial contact, as (start, end) offsets in s.

    Running: the first 20 % of a step. The sacrum's fore-aft deceleration is short and sharp
    right after contact (10–50 ms) and turns into propulsion by ~60 ms: measured on a real
    sacral accelerometer on a force treadmill (Alcantara et al. 2022) and on 25 runners'
    motion capture (Fukuchi et al. 2017), where a later window pointed "forward" backwards in
    60–90 % of the trials. Walking: 10–35 % of a step, the loading response.
    """
    return (0.0, 0.2 * step_s) if running else (0.1 * step_s, 0.35 * step_s)


class ForwardEstimator:
    """Running estimate of the forward and left axes (unit vectors in the sensor frame)."""

    def __init__(self, min_strides: int = 3, freeze_strides: int = 10) -> None:
        self.min_strides = min_strides
        self.freeze_strides = freeze_strides
        self.strides = 0
        self._sum = np.zeros(3)
        self._up_sum = np.zeros(3)
        # The estimate after ``freeze_strides`` strides, kept from then on for the running
        # dynamics (which must not depend on when, in a stream, a later stride was added), and
        # the end time (s) of the stride that completed it.
        self.frozen: np.ndarray | None = None
        self.frozen_at_s: float | None = None

    def add_stride(self, braking_acc_mps2: np.ndarray, up: np.ndarray, end_s: float = float("nan")) -> None:
        """Add one stride: the mean horizontal acceleration (3,) in the braking windows of both
        of its steps (sensor frame, m/s²), the mean up vector over the stride, and its end (s)."""
        if np.isfinite(braking_acc_mps2).all() and np.isfinite(up).all():
            self._sum += braking_acc_mps2
            self._up_sum += up
            self.strides += 1
            if self.frozen is None and self.strides >= self.freeze_strides:
                f = self.forward
                if np.isfinite(f).all():
                    self.frozen, self.frozen_at_s = f, end_s

    def frozen_before(self, t_s: float) -> np.ndarray | None:
        """The frozen forward axis if it was complete by time ``t_s``, else None."""
        if self.frozen is None or self.frozen_at_s is None or not self.frozen_at_s <= t_s:
            return None
        return self.frozen

    @property
    def forward(self) -> np.ndarray:
        """Forward unit vector in the sensor frame (NaN until ``min_strides`` strides)."""
        if self.strides < self.min_strides:
            return np.full(3, np.nan)
        up = self._up_sum / np.linalg.norm(self._up_sum)
        f = -self._sum
        f = f - (f @ up) * up
        n = np.linalg.norm(f)
        return f / n if n > 0 else np.full(3, np.nan)

    @property
    def left(self) -> np.ndarray:
        """Left unit vector in the sensor frame: up × forward."""
        f = self.forward
        if not np.all(np.isfinite(f)):
            return f
        up = self._up_sum / np.linalg.norm(self._up_sum)
        return np.cross(up, f)
