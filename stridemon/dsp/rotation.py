"""Pelvis/trunk rotation per stride: the yaw range (peak-to-peak, deg) about the vertical.

The yaw angle is the integral of the yaw rate about "up" (gyroscope projected on the AHRS
vertical). For a rigid pelvis this integral is the heading of the pelvis' medio-lateral axis
(the line through both hips) on the floor — exactly what moves the side of the torso forward
and back, "an inch each way" — so it is the facing direction of the pelvis (perpendicular to
that line). Motion-capture labs often take the heading of the anatomical forward axis (ASIS–PSIS,
tilted ~10–20° nose-down) or a Cardan angle instead; those add a share of pelvic obliquity
(sin(tilt) × obliquity) and read larger: docs/dsp.md compares them on real running.

Heading changes (bends, gyroscope bias) must not count as rotation. Over one stride they are
close to a ramp, so the straight line through the yaw at the stride's two ends is removed
(not a least-squares fit, which would tilt a pure sinusoid) and the range is max − min of what
remains. Where the data reach a stride beyond both ends, a changing turn rate (entering a bend)
is removed too: the mean yaw rates over the stride before and the stride after give the turn
rate's change, and the parabola it draws within the stride (its chord already removed) is
subtracted. Both use whole strides of the swivel, which add nothing however its size varies
from stride to stride (a moving average would not be so).
"""

from __future__ import annotations

import math

import numpy as np


def yaw_range_deg(t_s: np.ndarray, yaw_rate_dps: np.ndarray, start_s: float, end_s: float) -> float:
    """Yaw range (deg, peak-to-peak) of one stride [start_s, end_s] from uniform-grid yaw rate.

    ``t_s`` are grid-cell centres (uniform spacing) covering the stride. NaN if the stride is
    not covered or the yaw rate is missing (no gyroscope).
    """
    t = np.asarray(t_s, dtype=float)
    w = np.asarray(yaw_rate_dps, dtype=float)
    if len(t) < 3 or end_s <= start_s:
        return math.nan
    dt = float(t[1] - t[0])
    if t[0] > start_s + dt or t[-1] < end_s - dt:
        return math.nan
    T = end_s - start_s
    around = t[0] <= start_s - T and t[-1] >= end_s + T  # a whole stride either side: bends too
    a, b = (start_s - T, end_s + T) if around else (start_s, end_s)
    ia = max(int(t.searchsorted(a)) - 1, 0)  # one cell beyond either end
    ib = min(int(t.searchsorted(b, "right")) + 1, len(t))
    w = w[ia:ib]
    n = len(w)
    if n < 3 or not math.isfinite(float(np.add.reduce(w))):  # a NaN or inf among the rates
        return math.nan
    # Yaw at cell edges: cell means integrate exactly (deg).
    psi = np.empty(n + 1)
    psi[0] = 0.0
    np.cumsum(w, out=psi[1:])
    psi[1:] *= dt
    psi_t = np.empty(n + 1)
    psi_t[0] = t[ia] - dt / 2
    np.add(t[ia:ib], dt / 2, out=psi_t[1:])
    # The yaw at the stride's ends (and a stride before and after), by linear interpolation.
    ends = [start_s, end_s, start_s - T, end_s + T] if around else [start_s, end_s]
    at = np.interp(ends, psi_t, psi).tolist()
    r0, r1 = at[0], at[1]
    # Cell edges strictly inside the stride (psi_t is sorted).
    i0, i1 = int(psi_t.searchsorted(start_s, "right")), int(psi_t.searchsorted(end_s, "left"))
    m = max(i1 - i0, 0)
    tau = np.empty(m + 2)
    tau[0], tau[-1] = 0.0, T
    np.subtract(psi_t[i0 : i0 + m], start_s, out=tau[1:-1])
    yaw = np.empty(m + 2)
    yaw[0], yaw[-1] = r0, r1
    yaw[1:-1] = psi[i0 : i0 + m]
    residual = yaw - (r0 + (r1 - r0) * tau / T)
    if around:
        before, after = at[2], at[3]
        curvature = ((after - r1) - (r0 - before)) / (2 * T * T)  # change of turn rate, deg/s²
        residual = residual - 0.5 * curvature * tau * (tau - T)
    return float(residual.max() - residual.min())


def arc_cm(rotation_deg: float, half_width_cm: float) -> float:
    """Rotation as arc length (cm) *each way* at the side of the torso: r·θ/2 (θ in rad)."""
    return half_width_cm * math.radians(rotation_deg / 2.0)


def rotation_from_arc_deg(arc_each_way_cm: float, half_width_cm: float) -> float:
    """Inverse of :func:`arc_cm`: the yaw range (deg) that moves the torso side ``arc`` cm each way."""
    return math.degrees(2.0 * arc_each_way_cm / half_width_cm)
