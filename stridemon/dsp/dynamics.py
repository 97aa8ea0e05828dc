"""Running dynamics of each step from the sacral IMU: contact time, vertical oscillation, braking,
impact and pelvic drop; pelvic tilt range per stride.

Every function takes grid slices (uniform spacing ``dt``) of signals the pipeline already has —
vertical acceleration (m/s², gravity removed, up +), forward acceleration (m/s², horizontal, +
forward) and angular rates about the pelvis' forward and left axes (deg/s) — and returns NaN
where the quantity cannot be measured. Methods, as published for lower-back/sacral IMUs:

* **Toe-off and contact time**: the ground force ends at toe-off and the pelvis falls freely
  until the next contact, so the vertical specific force drops back to ~0 (a_v ≈ −g). Toe-off
  is where the lightly smoothed signal falls through the same fraction (15 %) of the way from
  the stance high to the following flight low at which the contact was marked on its rise —
  the force plate's threshold, read from the accelerometer (cf. Lee et al. 2010, "Use of a
  single inertial sensor for the detection of initial contact and toe-off during running",
  and Patoz et al. 2022, Sensors 22:784, who time both events on sacral vertical acceleration).
* **Vertical oscillation**: the vertical acceleration integrated twice over the step, drift-free
  because the pelvis returns to the same height and vertical speed each step: the step mean is
  removed before each integration (Zijlstra & Hof 2003, Gait & Posture 18:1–10; Lee et al. 2010
  for running); max − min of the displacement.
* **Braking**: the forward speed the pelvis loses after contact — the forward acceleration (step
  mean removed: constant running speed) integrated from the IC, its most negative value before
  toe-off.
* **Impact**: the peak vertical specific force (g, gravity included) in the first half of contact.
* **Pelvic drop**: the swing side sinks while the other foot is on the ground (contralateral
  drop); the roll about the forward axis integrated from the IC, its largest value towards the
  swing side before toe-off.
* **Tilt range**: the pitch about the left axis integrated over a stride, the line through its
  ends removed, max − min (as the yaw range in rotation.py).
"""

from __future__ import annotations

import math

import numpy as np

from stridemon.dsp.filters import gaussian_kernel
from stridemon.samples import STANDARD_GRAVITY_MPS2

ONSET_FRACTION = 0.15  # the same fraction of the loading rise as the running IC (dsp/steps.py)
FLIGHT_LOW_MPS2 = -6.0  # a_v below this between contacts: a flight phase (running)


def _smooth10ms(a: np.ndarray, dt: float) -> np.ndarray:
    """Gaussian smoothing, σ 10 ms (as the running IC), edges by repetition."""
    k = gaussian_kernel(0.01, 1.0 / dt)
    half = len(k) // 2
    padded = np.concatenate([np.full(half, a[0]), a, np.full(half, a[-1])])
    return np.convolve(padded, k, mode="valid")


def toe_off_s(t_s: np.ndarray, a_v_mps2: np.ndarray, ic_s: float, next_ic_s: float) -> float:
    """Toe-off (s) between a running contact and the next one; NaN without a flight phase."""
    m = (t_s >= ic_s) & (t_s <= next_ic_s)
    if m.sum() < 8:
        return math.nan
    t, r = t_s[m], _smooth10ms(a_v_mps2[m], float(t_s[1] - t_s[0]))
    i_hi = int(np.argmax(r[: max(int(0.8 * len(r)), 2)]))  # stance high
    i_lo = i_hi + int(np.argmin(r[i_hi:]))  # flight low after it
    lo, hi = float(r[i_lo]), float(r[i_hi])
    if lo > FLIGHT_LOW_MPS2 or i_lo <= i_hi:
        return math.nan
    level = lo + ONSET_FRACTION * (hi - lo)
    below = np.flatnonzero(r[i_hi : i_lo + 1] < level)
    if len(below) == 0:
        return math.nan
    j = i_hi + int(below[0])  # first sample below the level; interpolate the crossing
    return float(t[j - 1] + (r[j - 1] - level) / (r[j - 1] - r[j]) * (t[j] - t[j - 1]))


def vertical_oscillation_cm(t_s: np.ndarray, a_v_mps2: np.ndarray, ic_s: float, next_ic_s: float) -> float:
    """Pelvis vertical excursion (cm) from one contact to the next by drift-free double integration."""
    m = (t_s >= ic_s) & (t_s < next_ic_s)
    if m.sum() < 8:
        return math.nan
    dt = float(t_s[1] - t_s[0])
    a = a_v_mps2[m] - a_v_mps2[m].mean()
    v = np.cumsum(a) * dt
    v -= v.mean()
    z = np.cumsum(v) * dt
    return float(100.0 * (z.max() - z.min()))


def braking_mps(t_s: np.ndarray, a_fwd_mps2: np.ndarray, ic_s: float, next_ic_s: float, to_s: float) -> float:
    """Forward speed lost after contact (m/s, ≥ 0): the most negative integrated forward
    acceleration (step mean removed) between the IC and toe-off."""
    m = (t_s >= ic_s) & (t_s < next_ic_s)
    if m.sum() < 8 or not np.isfinite(a_fwd_mps2[m]).all() or not math.isfinite(to_s):
        return math.nan
    dt = float(t_s[1] - t_s[0])
    a = a_fwd_mps2[m] - a_fwd_mps2[m].mean()
    dv = np.cumsum(a) * dt
    stance = t_s[m] <= to_s
    return float(max(0.0, -dv[stance].min())) if stance.any() else math.nan


def impact_g(t_s: np.ndarray, a_v_mps2: np.ndarray, ic_s: float, to_s: float) -> float:
    """Peak vertical specific force (g, gravity included) in the first half of contact."""
    if not math.isfinite(to_s) or to_s <= ic_s:
        return math.nan
    m = (t_s >= ic_s) & (t_s <= ic_s + 0.5 * (to_s - ic_s))
    if not m.any():
        return math.nan
    return float((a_v_mps2[m].max() + STANDARD_GRAVITY_MPS2) / STANDARD_GRAVITY_MPS2)


def pelvic_drop_deg(t_s: np.ndarray, roll_rate_dps: np.ndarray, ic_s: float, to_s: float, side: str | None) -> float:
    """Drop (deg, ≥ 0) of the swing side during this stance: roll about the forward axis (+ =
    left side up) integrated from the IC, its largest value towards the swing side before toe-off."""
    if side not in ("left", "right") or not math.isfinite(to_s):
        return math.nan
    m = (t_s >= ic_s) & (t_s <= to_s)
    if m.sum() < 3 or not np.isfinite(roll_rate_dps[m]).all():
        return math.nan
    dt = float(t_s[1] - t_s[0])
    roll = np.cumsum(roll_rate_dps[m]) * dt  # deg since the contact
    toward_swing = roll if side == "left" else -roll  # left stance: the right (swing) side sinks = left up
    return float(max(0.0, toward_swing.max()))


def tilt_range_deg(t_s: np.ndarray, pitch_rate_dps: np.ndarray, start_s: float, end_s: float) -> float:
    """Pelvic tilt range (deg) over one stride: pitch about the left axis, line through the ends removed."""
    m = (t_s >= start_s) & (t_s <= end_s)
    if m.sum() < 8 or not np.isfinite(pitch_rate_dps[m]).all():
        return math.nan
    dt = float(t_s[1] - t_s[0])
    p = np.cumsum(pitch_rate_dps[m]) * dt
    tau = t_s[m] - t_s[m][0]
    p = p - (p[0] + (p[-1] - p[0]) * tau / max(float(tau[-1]), dt))
    return float(p.max() - p.min())
