"""Pelvis/trunk rotation per stride: the yaw range (peak-to-peak, deg) about the vertical.

The yaw angle is the integral of the yaw rate about "up" (gyroscope projected on the AHRS
vertical). Two things must not count as pelvis rotation:

* heading changes (track bends, corners, turning round) and
* gyroscope bias, which integrates to a ramp.

Both are slow next to the stride-periodic swivel. A centred moving average over exactly one
stride passes a ramp (constant turn rate or bias) unchanged but averages the stride-periodic
oscillation, and all its harmonics, to zero; subtracting it leaves the swivel alone. What a
changing turn rate leaves over is removed by a straight line through the stride's ends. The range is
max − min of what remains within the stride. Where the moving average would reach past the
data (just after a gap) only the straight-line fit is used.
"""

from __future__ import annotations

import math

import numpy as np


def yaw_range_deg(t_s: np.ndarray, yaw_rate_dps: np.ndarray, start_s: float, end_s: float) -> float:
    """Yaw range (deg, peak-to-peak) of one stride [start_s, end_s] from uniform-grid yaw rate.

    ``t_s`` are grid-cell centres (uniform spacing); the arrays should reach half a stride
    beyond both ends for the best heading removal. NaN if the stride is not covered.
    """
    t = np.asarray(t_s, dtype=float)
    w = np.asarray(yaw_rate_dps, dtype=float)
    if len(t) < 3 or end_s <= start_s:
        return math.nan
    dt = float(t[1] - t[0])
    inside = (t >= start_s) & (t <= end_s)
    if inside.sum() < 3 or t[0] > start_s + dt or t[-1] < end_s - dt:
        return math.nan
    # Yaw at cell edges: cell means integrate exactly (deg), starting at 0 at the slice start.
    psi = np.concatenate([[0.0], np.cumsum(w) * dt])
    psi_t = np.concatenate([[t[0] - dt / 2], t + dt / 2])
    n = max(int(round((end_s - start_s) / dt)), 1)  # samples in one stride
    half = n // 2
    ia, ib = np.flatnonzero(psi_t >= start_s)[0], np.flatnonzero(psi_t <= end_s)[-1]
    residual = psi.copy()
    if ia - half >= 0 and ib + (n - half) <= len(psi):
        # Centred moving average of length n: heading (plus bias ramp) at each sample.
        c = np.concatenate([[0.0], np.cumsum(psi)])
        idx = np.arange(ia, ib + 1)
        heading = (c[idx - half + n] - c[idx - half]) / n
        residual = psi[idx] - heading
    else:
        residual = psi[ia : ib + 1]
    # Straight line through the stride's two ends (not a least-squares fit, which would tilt a
    # pure sinusoid): a periodic swivel has equal ends and is left untouched.
    x = psi_t[ia : ib + 1] - psi_t[ia]
    if len(x) >= 2 and x[-1] > 0:
        residual = residual - residual[0] - (residual[-1] - residual[0]) * x / x[-1]
    return float(residual.max() - residual.min())


def arc_cm(rotation_deg: float, half_width_cm: float) -> float:
    """Rotation as arc length (cm) *each way* at the side of the torso: r·θ/2 (θ in rad)."""
    return half_width_cm * math.radians(rotation_deg / 2.0)


def rotation_from_arc_deg(arc_each_way_cm: float, half_width_cm: float) -> float:
    """Inverse of :func:`arc_cm`: the yaw range (deg) that moves the torso side ``arc`` cm each way."""
    return math.degrees(2.0 * arc_each_way_cm / half_width_cm)
