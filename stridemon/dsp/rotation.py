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
    T = end_s - start_s  # one stride, s
    ia = max(int(np.flatnonzero(psi_t >= start_s)[0]) - 1, 0)  # one edge either side of the stride
    ib = min(int(np.flatnonzero(psi_t <= end_s)[-1]) + 1, len(psi_t) - 1)
    tt = psi_t[ia : ib + 1]
    residual = psi[ia : ib + 1]
    if psi_t[0] <= start_s - T / 2 and psi_t[-1] >= end_s + T / 2:
        # Centred moving average over exactly T (fractional samples via the running integral
        # of yaw, interpolated): the heading, plus any bias ramp, at each sample.
        integral = np.concatenate([[0.0], np.cumsum(0.5 * (psi[1:] + psi[:-1]) * np.diff(psi_t))])
        heading = (np.interp(tt + T / 2, psi_t, integral) - np.interp(tt - T / 2, psi_t, integral)) / T
        residual = residual - heading
    # Straight line through the stride's two ends (not a least-squares fit, which would tilt a
    # pure sinusoid): a periodic swivel has equal ends and is left untouched.
    r0, r1 = np.interp([start_s, end_s], tt, residual)
    inside = (tt >= start_s) & (tt <= end_s)
    residual = residual[inside] - (r0 + (r1 - r0) * (tt[inside] - start_s) / T)
    return float(residual.max() - residual.min())


def arc_cm(rotation_deg: float, half_width_cm: float) -> float:
    """Rotation as arc length (cm) *each way* at the side of the torso: r·θ/2 (θ in rad)."""
    return half_width_cm * math.radians(rotation_deg / 2.0)


def rotation_from_arc_deg(arc_each_way_cm: float, half_width_cm: float) -> float:
    """Inverse of :func:`arc_cm`: the yaw range (deg) that moves the torso side ``arc`` cm each way."""
    return math.degrees(2.0 * arc_each_way_cm / half_width_cm)
