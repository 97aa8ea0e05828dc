# ruff: noqa: E501  (long f-strings of the tables read better unwrapped)
"""Virtual sacral IMUs + kinematic contact references from public treadmill running data (Fukuchi et al. 2017).

Source
------
Fukuchi RK, Fukuchi CA, Duarte M. "A public dataset of running biomechanics and the effects of
running speed on lower extremity kinematics and kinetics." PeerJ 5:e3298, 2017.
doi:10.7717/peerj.3298. Data: figshare, doi:10.6084/m9.figshare.4543435 (CC BY 4.0, see
``fukuchi2017/README.md``). Runners on an instrumented treadmill at 2.5, 3.5 and 4.5 m/s, 30 s
per trial, markers at 150 Hz (mm).

The ``RBDSxxxrunT{25,35,45}.c3d`` files are read from a copy in the public GitHub repository
``aaronsfox/pfjrf-methods`` (``data/RBDSxxx/``; some subjects there have two-digit names,
``RBDS03`` = ``RBDS003``; outputs always use three digits). Extract them into one folder first::

    git -C <mirror> ls-tree -r HEAD --name-only | grep 'runT.*\\.c3d$' | while read f; do
        git -C <mirror> show HEAD:$f > RAW/$(basename $f); done

Reading c3d: the build-time-only dependency ``ezc3d`` (PyPI ``pip install ezc3d``; BSD/MIT-style,
compiled). It is NOT a stridemon dependency and is deliberately not in pyproject.toml; run this
script from any venv with ``ezc3d numpy scipy`` (this build used /tmp/c3dvenv: ezc3d 1.7.2,
numpy 2.4, scipy 1.17). The pure-Python reader ``c3d`` (``pip install c3d``) reads the same files
and is used as a fall-back when ezc3d is not importable.

The force channels of these c3d files are ~0 (unusable), so contacts come from foot markers.

Lab frame and conversion (checked on every trial, numbers in ``checks`` of each ref json)
-----------------------------------------------------------------------------------------
Lab: X = running direction (the heel moves at about -speed in X during stance: belt), Y up,
Z to the runner's right (left-side markers have the smaller Z); mm. Missing markers are (0,0,0).
World W (identical to ``build_hamner.py``): x forward (= lab X), y left (= -lab Z), z up (= lab Y),
right-handed, metres, g_W = (0, 0, -9.80665) m/s^2.

Processing, per trial
---------------------
1. Markers: (0,0,0) -> NaN. Gaps of at most 0.1 s (15 samples) are filled by cubic interpolation
   (scipy CubicSpline through the valid samples). A pelvis marker (L/R.ASIS, L/R.PSIS) with a longer
   gap inside the written window (+-0.5 s) skips the trial (listed in the README). Longer gaps in
   foot markers are bridged only to allow filtering and are set back to NaN afterwards (that marker
   then does not take part in contact detection there).
   Low-pass: 4th-order zero-lag Butterworth (2nd order, filtfilt), 15 Hz -- the same as the Hamner
   build: pelvis rigid-body motion in running is below ~10 Hz and differentiating twice multiplies
   marker noise by (2 pi f)^2; 15 Hz keeps the loading-rate rise (tens of ms) but removes the
   20-60 Hz impact transient a real belt IMU shows. Timing is unbiased (zero lag).
2. Pelvis frame, sensor frame, signs -- EXACTLY the definitions of ``build_hamner.py``:
   pelvis anatomical frame: origin mid-ASIS; y from R.ASIS to L.ASIS; z = normalise(x0 x y) with
   x0 = mid-ASIS - mid-PSIS; x = y x z. Sensor frame S = pelvis frame turned about its y axis by the
   trial's mean anatomical tilt (R_S = R_P Ry(mean tilt)^T), so S's z is vertical on average;
   x forward, y left, z up. Virtual sensor point: the sacrum = mid-PSIS.
   Gyro = vee(R_S^T dR_S/dt), deg/s, from finite rotation increments log(R_{k-1}^T R_{k+1})/(2 dt).
   + gz = counter-clockwise seen from above = turning LEFT; + gx = left side rising; + gy = anterior
   tilt increasing. Accelerometer = R_S^T (a_W - g_W), m/s^2 with gravity (upright at rest: +9.81 z).
   Heading psi = atan2(x_y, x_x) of the pelvis anatomical x axis projected on the floor, unwrapped,
   deg, + = pelvis turned to the LEFT.
   Treadmill: the lab frame is fixed and the runner stays in place, so the pelvis has no mean
   forward velocity. For the accelerometer this is physically the same as overground running at a
   constant speed (a constant velocity has zero derivative; the belt frame is inertial), and for
   the gyroscope too (rotation rates do not depend on translation). Only the fluctuation of the
   forward speed within a stride is seen, as it would be overground.
3. Everything is computed at 150 Hz and then evaluated at the 100 Hz times by cubic interpolation
   (the signals are band-limited to ~15 Hz, far below both Nyquist rates). Written window:
   t = 5 s .. 25 s of the recording (20 s; keeps the folder small and away from filter edges),
   CSV clock t_s = recording time - 5 s.
   Output ``RBDSxxx_runTSS_sacrum.csv.gz``: stridemon's plain IMU CSV ``t_s,ax,ay,az,gx,gy,gz``
   (s, m/s^2 incl. gravity, deg/s), 4 decimals (t_s exact at 2).
4. Contacts per foot, from foot markers (two methods, compared per trial):
   * foot-height (the reference): clearance(t) = min over the foot's bottom markers
     (Heel.Bottom, MT1, MT5 -- whichever exist) of (marker height - that marker's own stance level),
     stance level = the 5th percentile of its height over the trial. IC = downward crossing of
     ``IC_CLEARANCE_MM`` (10 mm) after the foot has been higher than ``REARM_CLEARANCE_MM``
     (40 mm); TO = the next upward crossing of the same threshold; linear interpolation between
     samples; a contact shorter than 80 ms is discarded. Handles rear- and fore-foot strikers
     alike (the first marker to reach the floor wins).
   * Zeni et al. 2008 (Gait Posture 27:710-714): IC = maximum of (heel - sacrum) along the running
     direction, TO = minimum of (toe - sacrum), toe = mean of MT1/MT5 (whichever exist), peaks
     refined by a parabola through 3 samples.
   Expected accuracy vs force plates in running (literature): foot-marker methods typically
   within ~10-20 ms (Handsaker et al. 2016 J Biomech 49:4128, vertical heel/MT1 acceleration peak:
   +3.1 ms, 95 % CI -11.8..+18.1 ms; Smith et al. 2015 Gait Posture 41:39, 1.2 +- 17.1 ms); Zeni's
   method was built for walking and in running fires when the foot is most forward, which is
   typically before touch-down (Smith et al. 2015 report its running errors). Differences are
   reported per trial (``ic_method_comparison`` in the ref json, table in the README).
5. Strides: IC to the next IC of the same foot, starting at LEFT ICs, inside the window.
   yaw_range_deg = max - min of psi over the stride after subtracting the straight line through
   its values at the stride's two ends; vertical_rate_range_deg = the same for the integral of the
   WORLD-frame vertical angular rate (omega_W,z = (R_S omega_S)_z, + = CCW from above).
6. Facts for ``fukuchi_facts.md``: see ``facts_markdown`` (all sign conventions are stated there).

Usage::

    /tmp/c3dvenv/bin/python benchmarks/real_running/build_fukuchi.py --raw /tmp/fk/raw \\
        [--out benchmarks/real_running/fukuchi2017] [--facts benchmarks/real_running/fukuchi_facts.md]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.signal import butter, filtfilt, find_peaks
from scipy.spatial.transform import Rotation

G_MPS2 = 9.80665
FS_RAW_HZ = 150.0
FS_OUT_HZ = 100.0
CUTOFF_HZ = 15.0
MAX_GAP_S = 0.1
WINDOW_S = (5.0, 25.0)
IC_CLEARANCE_MM = 10.0
REARM_CLEARANCE_MM = 40.0
MIN_CONTACT_S = 0.080
STANCE_PERCENTILE = 5.0
ACCEL_CUTOFF_HZ = 50.0
ACCEL_PEAK_MPS2 = 20.0
PELVIS_MARKERS = ("L.ASIS", "R.ASIS", "L.PSIS", "R.PSIS")
FOOT_BOTTOM = ("Heel.Bottom", "MT1", "MT5")
SPEEDS_MPS = {"25": 2.5, "35": 3.5, "45": 4.5}

# lab (X fwd, Y up, Z right) -> world W (x fwd, y left, z up)  [same matrix as build_hamner.py]
LAB_TO_WORLD = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


# ----------------------------------------------------------------------------------- reading
def read_c3d(path: Path) -> tuple[float, dict[str, np.ndarray]]:
    """(point rate Hz, {label: (n,3) metres in the LAB frame, NaN where missing})."""
    try:
        import ezc3d

        c = ezc3d.c3d(str(path))
        pp = c["parameters"]["POINT"]
        labels = [s.strip() for s in pp["LABELS"]["value"]]
        rate = float(pp["RATE"]["value"][0])
        unit = pp["UNITS"]["value"][0].strip()
        xyz = c["data"]["points"][:3].transpose(2, 1, 0).astype(float)  # (n, markers, 3)
    except ImportError:  # pure-Python fall-back
        import c3d

        with open(path, "rb") as h:
            r = c3d.Reader(h)
            labels = [s.strip() for s in r.point_labels]
            rate = float(r.point_rate)
            unit = r.get("POINT:UNITS").string_value.strip()
            xyz = np.array([pts[:, :3] for _, pts, _ in r.read_frames()], dtype=float)
    scale = {"mm": 1e-3, "m": 1.0, "cm": 1e-2}[unit]
    xyz[np.all(xyz == 0.0, axis=2)] = np.nan
    return rate, {lab: xyz[:, j] * scale for j, lab in enumerate(labels)}


def to_world(p_lab: np.ndarray) -> np.ndarray:
    return p_lab @ LAB_TO_WORLD.T


# ------------------------------------------------------------------------------- signal prep
def nan_runs(bad: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index ranges of consecutive True values."""
    d = np.diff(np.concatenate([[0], bad.astype(int), [0]]))
    return list(zip(np.where(d == 1)[0], np.where(d == -1)[0], strict=True))


def fill_gaps(x: np.ndarray, max_gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Cubic-interpolate NaN runs of at most max_gap samples; longer runs are bridged linearly
    (only so that filtering is possible). Returns (filled (n,3), mask of samples in long gaps)."""
    x = x.copy()
    n = len(x)
    idx = np.arange(n)
    bad = np.isnan(x).any(axis=1)
    long_gap = np.zeros(n, bool)
    if not bad.any():
        return x, long_gap
    good = ~bad
    if good.sum() < 4:
        return np.full_like(x, np.nan), np.ones(n, bool)
    spline = CubicSpline(idx[good], x[good], axis=0)
    for a, b in nan_runs(bad):
        if a == 0 or b == n:  # leading / trailing: hold the nearest valid value
            x[a:b] = x[b] if a == 0 else x[a - 1]
            long_gap[a:b] = (b - a) > max_gap
        elif b - a <= max_gap:
            x[a:b] = spline(idx[a:b])
        else:
            for j in range(3):
                x[a:b, j] = np.interp(idx[a:b], [a - 1, b], [x[a - 1, j], x[b, j]])
            long_gap[a:b] = True
    return x, long_gap


def lowpass(x: np.ndarray, fs_hz: float, cutoff_hz: float = CUTOFF_HZ) -> np.ndarray:
    """4th-order zero-lag Butterworth (2nd order, forwards and backwards) along axis 0."""
    b, a = butter(2, cutoff_hz / (fs_hz / 2.0))
    return filtfilt(b, a, x, axis=0)


# ------------------------------------------------------------------------------- kinematics
def pelvis_frame(m: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Anatomical pelvis frame (world W), as build_hamner.py: (origin (n,3), R (n,3,3) columns = axes)."""
    mid_asis = 0.5 * (m["L.ASIS"] + m["R.ASIS"])
    mid_psis = 0.5 * (m["L.PSIS"] + m["R.PSIS"])
    y0 = m["L.ASIS"] - m["R.ASIS"]
    y0 /= np.linalg.norm(y0, axis=1, keepdims=True)
    x0 = mid_asis - mid_psis
    z = np.cross(x0, y0)
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    x = np.cross(y0, z)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = np.cross(z, x)
    return mid_asis, np.stack([x, y, z], axis=2)


def body_rates_dps(R: np.ndarray, dt: float) -> np.ndarray:
    """Angular velocity in the body frame, deg/s, from finite rotation increments."""
    w = np.zeros((len(R), 3))
    rel = np.einsum("nji,njk->nik", R[:-2], R[2:])  # R_{k-1}^T R_{k+1}
    w[1:-1] = Rotation.from_matrix(rel).as_rotvec() / (2 * dt)
    w[0] = Rotation.from_matrix(R[0].T @ R[1]).as_rotvec() / dt
    w[-1] = Rotation.from_matrix(R[-2].T @ R[-1]).as_rotvec() / dt
    return np.degrees(w)


def heading_deg(R: np.ndarray) -> np.ndarray:
    fwd = R[:, :, 0]
    return np.degrees(np.unwrap(np.arctan2(fwd[:, 1], fwd[:, 0])))


def detrended_range(t: np.ndarray, y: np.ndarray, t0: float, t1: float) -> float:
    """max - min of y over [t0, t1] after removing the line joining y(t0) and y(t1)."""
    inside = (t > t0) & (t < t1)
    tt = np.concatenate([[t0], t[inside], [t1]])
    yy = np.concatenate([[np.interp(t0, t, y)], y[inside], [np.interp(t1, t, y)]])
    r = yy - (yy[0] + (yy[-1] - yy[0]) * (tt - t0) / (t1 - t0))
    return float(r.max() - r.min())


# --------------------------------------------------------------------------------- contacts
def crossings(t: np.ndarray, y: np.ndarray, level: float, down: bool) -> np.ndarray:
    """Times where y crosses `level` downwards (or upwards), linearly interpolated."""
    a, b = y[:-1], y[1:]
    k = np.where((a >= level) & (b < level))[0] if down else np.where((a < level) & (b >= level))[0]
    return t[k] + (level - a[k]) / (b[k] - a[k]) * (t[k + 1] - t[k])


def foot_height_events(t: np.ndarray, clearance_mm: np.ndarray) -> tuple[list[float], list[float]]:
    """(ICs, TOs) of one foot from its clearance above the floor (mm).

    IC = downward crossing of IC_CLEARANCE_MM, allowed only after the foot has been above
    REARM_CLEARANCE_MM since the last contact; TO = the first upward crossing of IC_CLEARANCE_MM
    at least MIN_CONTACT_S after the IC (earlier up-crossings are marker jitter). Unknown
    clearance (all the foot's markers missing) counts as airborne."""
    c = np.where(np.isnan(clearance_mm), REARM_CLEARANCE_MM + 1.0, clearance_mm)
    ev = [(x, "down") for x in crossings(t, c, IC_CLEARANCE_MM, down=True)]
    ev += [(x, "up") for x in crossings(t, c, IC_CLEARANCE_MM, down=False)]
    ev += [(x, "rearm") for x in crossings(t, c, REARM_CLEARANCE_MM, down=False)]
    ev.sort()
    armed, start = bool(c[0] > REARM_CLEARANCE_MM), None
    ics, tos = [], []
    for x, kind in ev:
        if kind == "rearm" and start is None:
            armed = True
        elif kind == "down" and armed and start is None:
            start, armed = x, False
        elif kind == "up" and start is not None and x - start >= MIN_CONTACT_S:
            ics.append(float(start))
            tos.append(float(x))
            start = None
    return ics, tos


def parabolic_peak(t: np.ndarray, y: np.ndarray, k: int) -> float:
    if k <= 0 or k >= len(y) - 1:
        return float(t[k])
    a, b, c = y[k - 1], y[k], y[k + 1]
    den = a - 2 * b + c
    off = 0.5 * (a - c) / den if den != 0 else 0.0
    return float(t[k] + np.clip(off, -1, 1) * (t[1] - t[0]))


def zeni_events(
    t: np.ndarray, heel_rel_x: np.ndarray, toe_rel_x: np.ndarray, stride_s: float
) -> tuple[list[float], list[float]]:
    """Zeni et al. 2008: IC = maxima of heel-sacrum, TO = minima of toe-sacrum (forward, m)."""
    dist = int(0.6 * stride_s / (t[1] - t[0]))
    out = []
    for y in (heel_rel_x, -toe_rel_x):
        ok = ~np.isnan(y)
        yy = np.where(ok, y, np.nanmin(y))
        prom = 0.3 * (np.nanpercentile(y, 95) - np.nanpercentile(y, 5))
        ks, _ = find_peaks(yy, distance=max(dist, 1), prominence=prom)
        out.append([parabolic_peak(t, yy, k) for k in ks if ok[max(k - 1, 0) : k + 2].all()])
    return out[0], out[1]


def accel_touchdowns(
    t: np.ndarray, heel_z: np.ndarray | None, mt_z: np.ndarray | None, near: list[float]
) -> list[float | None]:
    """Touch-down after Handsaker et al. 2016: the upward vertical-acceleration peak of the heel or
    the first-metatarsal marker, whichever comes first. Here: markers low-passed at
    ACCEL_CUTOFF_HZ (the impact is a sharp event; 15 Hz would smear it), the first local maximum
    above ACCEL_PEAK_MPS2 within -30..+80 ms of each foot-height IC in `near`, parabola-refined.
    None where no such peak exists. Heights in m."""
    dt = t[1] - t[0]
    accs = [np.gradient(np.gradient(z, dt), dt) for z in (heel_z, mt_z) if z is not None]
    out: list[float | None] = []
    for x in near:
        sel = np.where((t >= x - 0.03) & (t <= x + 0.08))[0]
        cands = []
        for acc in accs:
            seg = acc[sel]
            if np.isnan(seg).any():
                continue
            pk, _ = find_peaks(seg, height=ACCEL_PEAK_MPS2)
            if len(pk):
                cands.append(parabolic_peak(t, acc, int(sel[pk[0]])))
        out.append(min(cands) if cands else None)
    return out


def match(a: list[float], b: list[float], tol: float = 0.15) -> np.ndarray:
    """For every time in a, (nearest b - a) if within tol s."""
    b = np.asarray(b)
    d = []
    for x in a:
        if len(b):
            j = np.argmin(np.abs(b - x))
            if abs(b[j] - x) <= tol:
                d.append(b[j] - x)
    return np.array(d)


# ----------------------------------------------------------------------------------- trial
@dataclass
class Result:
    name: str
    subject: str
    speed_mps: float
    imu: np.ndarray  # (n,7) at 100 Hz on the CSV clock
    psi: np.ndarray  # heading, deg, 100 Hz
    yaw_int: np.ndarray  # integral of the world vertical rate, deg, 100 Hz
    wz_world: np.ndarray  # world vertical rate, deg/s, 100 Hz
    ref: dict


def process(path: Path) -> tuple[Result | None, str]:
    mm = re.match(r"RBDS(\d+)runT(\d\d)\.c3d", path.name)
    subject = f"RBDS{int(mm.group(1)):03d}"
    spd = mm.group(2)
    name = f"{subject}_runT{spd}"
    fs, raw = read_c3d(path)
    n = len(next(iter(raw.values())))
    t150 = np.arange(n) / fs
    dt = 1.0 / fs
    max_gap = int(round(MAX_GAP_S * fs))
    w0, w1 = WINDOW_S
    in_win = (t150 >= w0 - 0.5) & (t150 <= w1 + 0.5)
    # ---- pelvis markers
    for mk in PELVIS_MARKERS:
        if mk not in raw:
            return None, f"{mk} absent"
        _, long_gap = fill_gaps(raw[mk], max_gap)
        if (long_gap & in_win).any():
            runs = [(a, b) for a, b in nan_runs(long_gap) if in_win[a:b].any()]
            longest = max(b - a for a, b in runs) / fs
            return None, f"{mk}: gap of {longest:.2f} s (> {MAX_GAP_S} s) inside the window"
    m = {}
    for mk in PELVIS_MARKERS:
        filled, _ = fill_gaps(raw[mk], max_gap)
        m[mk] = lowpass(to_world(filled), fs)
    feet = {}
    for side in ("L", "R"):
        for part in (*FOOT_BOTTOM, "Heel.Top"):
            key = f"{side}.{part}"
            if key not in raw or np.isnan(raw[key]).all():
                continue
            filled, long_gap = fill_gaps(raw[key], max_gap)
            f = lowpass(to_world(filled), fs)
            f[long_gap] = np.nan
            feet[key] = f
    # ---- frames, virtual IMU at 150 Hz
    _, Rp = pelvis_frame(m)
    tilt_deg = np.degrees(np.arcsin(np.clip(-Rp[:, 2, 0], -1, 1)))
    mount = Rotation.from_euler("y", np.radians(np.mean(tilt_deg))).as_matrix().T
    Rs = Rp @ mount
    gyro = body_rates_dps(Rs, dt)
    sacrum = 0.5 * (m["L.PSIS"] + m["R.PSIS"])
    a_w = np.gradient(np.gradient(sacrum, dt, axis=0), dt, axis=0)
    acc = np.einsum("nji,nj->ni", Rs, a_w - np.array([0.0, 0.0, -G_MPS2]))
    psi = heading_deg(Rp)
    wz_world = np.einsum("nij,nj->ni", Rs, gyro)[:, 2]  # deg/s, + = CCW from above
    # ---- evaluate at 100 Hz on the window, CSV clock = t - w0
    t100 = np.arange(int(round((w1 - w0) * FS_OUT_HZ))) / FS_OUT_HZ
    tq = t100 + w0
    cs = CubicSpline(t150, np.column_stack([acc, gyro, psi, wz_world]), axis=0)
    q = cs(tq)
    yaw_int_full = np.cumsum(wz_world) * dt
    yaw_int = np.interp(tq, t150, yaw_int_full)
    imu = np.column_stack([t100, q[:, 0:6]])
    # ---- contacts (on the 150 Hz clock, then shifted)
    ics_all, tos_all, zeni_ic, zeni_to = {}, {}, {}, {}
    checks = {}
    for side, word in (("L", "left"), ("R", "right")):
        parts = [f"{side}.{p}" for p in FOOT_BOTTOM if f"{side}.{p}" in feet]
        rel = []
        for k in parts:
            h_mm = feet[k][:, 2] * 1e3
            rel.append(h_mm - np.nanpercentile(h_mm, STANCE_PERCENTILE))
        clearance = np.nanmin(np.stack(rel), axis=0) if rel else np.full(n, np.nan)
        ics_all[word], tos_all[word] = foot_height_events(t150, clearance)
        checks[f"foot_markers_{word}"] = [p.split(".", 1)[1] for p in parts]
    ic_times = sorted(ics_all["left"] + ics_all["right"])
    stride_s = float(np.median(np.diff(ics_all["left"]))) if len(ics_all["left"]) > 2 else 0.7
    for side, word in (("L", "left"), ("R", "right")):
        heel = feet.get(f"{side}.Heel.Bottom", feet.get(f"{side}.Heel.Top"))
        toes = [feet[f"{side}.{p}"] for p in ("MT1", "MT5") if f"{side}.{p}" in feet]
        toe = np.nanmean(np.stack(toes), axis=0) if toes else heel
        zeni_ic[word], zeni_to[word] = zeni_events(t150, heel[:, 0] - sacrum[:, 0], toe[:, 0] - sacrum[:, 0], stride_s)
        # direction check: heel forward velocity during foot-height stance (expect ~ -speed)
        vx = np.gradient(heel[:, 0], dt)
        st = np.zeros(n, bool)
        for a, b in zip(ics_all[word], tos_all[word], strict=True):
            st |= (t150 > a + 0.3 * (b - a)) & (t150 < b - 0.3 * (b - a))
        checks[f"heel_vx_mid_stance_{word}_mps"] = round(float(np.nanmedian(vx[st])), 3)
    accel_td = {}
    for side, word in (("L", "left"), ("R", "right")):
        z50 = {}
        for part in ("Heel.Bottom", "MT1", "MT5"):
            key = f"{side}.{part}"
            if key in raw and not np.isnan(raw[key]).all():
                filled, long_gap = fill_gaps(raw[key], max_gap)
                z = lowpass(to_world(filled), fs, ACCEL_CUTOFF_HZ)[:, 2]
                z[long_gap] = np.nan
                z50[part] = z
        accel_td[word] = accel_touchdowns(t150, z50.get("Heel.Bottom"), z50.get("MT1", z50.get("MT5")), ics_all[word])
    # left markers have larger world y (= left)
    checks["L_minus_R_ASIS_y_m"] = round(float(np.mean(m["L.ASIS"][:, 1] - m["R.ASIS"][:, 1])), 3)
    dz = match(ics_all["left"] + ics_all["right"], zeni_ic["left"] + zeni_ic["right"])
    dz_side = {w: match(ics_all[w], zeni_ic[w]) for w in ("left", "right")}
    dto = {w: match(tos_all[w], zeni_to[w]) for w in ("left", "right")}
    alt = "".join("L" if x in ics_all["left"] else "R" for x in ic_times)
    checks["alternation_share"] = round(float(np.mean([a != b for a, b in itertools.pairwise(alt)])), 3)
    checks["mean_tilt_deg"] = round(float(np.mean(tilt_deg)), 2)
    checks["mean_az_mps2"] = round(float(imu[:, 3].mean()), 3)
    # sign check: the world vertical rate must follow d(psi)/dt (they differ only by tilt/obliquity coupling)
    checks["corr_world_z_rate_vs_dpsi_dt"] = round(float(np.corrcoef(wz_world, np.gradient(psi, dt))[0, 1]), 4)
    checks["corr_sensor_gz_vs_dpsi_dt"] = round(float(np.corrcoef(gyro[:, 2], np.gradient(psi, dt))[0, 1]), 4)

    def win(lst: list[float]) -> list[float]:
        return [x - w0 for x in lst if w0 <= x < w1]

    ics = []
    for w in ("left", "right"):
        for x, xa in zip(ics_all[w], accel_td[w], strict=True):
            if w0 <= x < w1:
                ics.append({"t": round(x - w0, 4), "side": w, "t_accel": None if xa is None else round(xa - w0, 4)})
    ics.sort(key=lambda e: e["t"])
    tos = sorted(
        [{"t": round(x, 4), "side": "left"} for x in win(tos_all["left"])]
        + [{"t": round(x, 4), "side": "right"} for x in win(tos_all["right"])],
        key=lambda e: e["t"],
    )
    psi100, yaw100 = q[:, 6], yaw_int
    strides = []
    lic = win(ics_all["left"])
    for a, b in itertools.pairwise(lic):
        if b - a > 1.6 * stride_s:  # a missed contact in between: not a stride
            continue
        strides.append(
            {
                "t_start": round(a, 4),
                "t_end": round(b, 4),
                "side": "left",
                "yaw_range_deg": round(detrended_range(t100, psi100, a, b), 3),
                "vertical_rate_range_deg": round(detrended_range(t100, yaw100, a, b), 3),
            }
        )

    obliq_deg = np.degrees(np.arcsin(np.clip(-Rp[:, 2, 1], -1, 1)))  # left axis below the floor
    v_fwd = np.gradient(sacrum[:, 0], dt)
    sig = CubicSpline(t150, np.column_stack([sacrum[:, 2], v_fwd, obliq_deg, tilt_deg]), axis=0)(tq)

    def stat(d: np.ndarray) -> dict:
        if not len(d):
            return {"n": 0}
        q1, med, q3 = np.percentile(d * 1e3, [25, 50, 75])
        return {
            "n": int(len(d)),
            "median_ms": round(float(med), 1),
            "iqr_ms": [round(float(q1), 1), round(float(q3), 1)],
            "mad_ms": round(float(np.median(np.abs(d * 1e3 - med))), 1),
        }

    ref = {
        "subject": subject,
        "speed_mps": SPEEDS_MPS[spd],
        "duration_s": round(float(t100[-1] + 1 / FS_OUT_HZ), 2),
        "rate_hz": int(FS_OUT_HZ),
        "source": f"Fukuchi et al. 2017 (PeerJ 5:e3298; figshare doi:10.6084/m9.figshare.4543435), file {path.name}; recording t = {w0:g}..{w1:g} s",
        "t0_in_recording_s": w0,
        "ic_method": f"foot-height: lowest of {'/'.join(FOOT_BOTTOM)} markers (each relative to its own {STANCE_PERCENTILE:g}th-percentile stance level) crosses {IC_CLEARANCE_MM:g} mm downwards (IC) / upwards (TO); markers low-passed 15 Hz",
        "ics": ics,
        "tos": tos,
        "strides": strides,
        "ic_method_comparison": {
            "zeni_minus_foot_height_ic": stat(dz),
            "zeni_minus_foot_height_ic_left": stat(dz_side["left"]),
            "zeni_minus_foot_height_ic_right": stat(dz_side["right"]),
            "zeni_minus_foot_height_to": stat(np.concatenate([dto["left"], dto["right"]])),
            "accel_touchdown_minus_foot_height_ic": stat(
                np.array(
                    [
                        b - a
                        for w in ("left", "right")
                        for a, b in zip(ics_all[w], accel_td[w], strict=True)
                        if b is not None
                    ]
                )
            ),
            "n_ic_without_accel_touchdown": sum(b is None for w in ("left", "right") for b in accel_td[w]),
            "n_ic_foot_height": len(ics_all["left"]) + len(ics_all["right"]),
            "n_ic_zeni": len(zeni_ic["left"]) + len(zeni_ic["right"]),
        },
        "checks": checks,
        # Reference signals for the running dynamics, at 100 Hz on the CSV clock: the sensor
        # point's (mid-PSIS) height above its lowest (m) and forward velocity (m/s; on a treadmill
        # relative to the lab, i.e. its oscillation about the belt speed), and the pelvis'
        # obliquity and tilt (deg; same definitions as build_hamner.py: obliquity > 0 = left side
        # lower, tilt > 0 = anterior) and heading (deg).
        "signals": {
            "t_s": np.round(t100, 4).tolist(),
            "sacrum_height_m": np.round(sig[:, 0] - sig[:, 0].min(), 4).tolist(),
            "forward_velocity_mps": np.round(sig[:, 1], 4).tolist(),
            "obliquity_deg": np.round(sig[:, 2], 4).tolist(),
            "tilt_deg": np.round(sig[:, 3], 4).tolist(),
            "heading_deg": np.round(psi100, 4).tolist(),
        },
    }
    return Result(name, subject, SPEEDS_MPS[spd], imu, psi100, yaw100, np.interp(tq, t150, wz_world), ref), "ok"


def write_csv_gz(path: Path, arr: np.ndarray) -> None:
    lines = ["t_s,ax,ay,az,gx,gy,gz"]
    lines += [f"{r[0]:.2f}," + ",".join(f"{v:.4f}" for v in r[1:]) for r in arr]
    with gzip.open(path, "wt", compresslevel=9) as f:
        f.write("\n".join(lines) + "\n")


# ------------------------------------------------------------------------------------ facts
def ic_features(r: Result) -> list[dict]:
    """Per-IC numbers for the facts (sacrum sensor, CSV clock)."""
    t = r.imu[:, 0]
    dt = 1.0 / FS_OUT_HZ
    lic = [e["t"] for e in r.ref["ics"] if e["side"] == "left"]
    stride_s = float(np.median(np.diff(lic)))
    k = max(1, int(round(stride_s / dt)))
    # detrend = minus the centred one-stride moving average
    kern = np.ones(k) / k
    psi_ma = np.convolve(r.psi, kern, mode="same")
    valid = np.zeros(len(t), bool)
    valid[k // 2 + 1 : len(t) - k // 2 - 1] = True
    psi_d = r.psi - psi_ma
    az = r.imu[:, 3]
    daz = np.gradient(az, dt)
    out = []
    for e in r.ref["ics"]:
        tc = e["t"]
        j = int(round(tc / dt))
        if j < 0 or j >= len(t) or not valid[j] or tc + 0.2 > t[-1] or tc - 0.2 < 0:
            continue
        f = {"side": e["side"], "t": tc}
        f["psi_detr_deg"] = float(np.interp(tc, t, psi_d))
        sel = (t >= tc - 0.05) & (t <= tc + 0.05)
        f["wz_world_pm50_dps"] = float(r.wz_world[sel].mean())
        f["gz_pm50_dps"] = float(r.imu[sel, 6].mean())
        # steepest rise of the sacral vertical specific force near IC, and the local minimum before it
        sel = (t >= tc - 0.08) & (t <= tc + 0.10)
        ks = np.where(sel)[0][np.argmax(daz[sel])]
        f["steepest_rise_ms"] = (t[ks] - tc) * 1e3
        lo = max(0, ks - int(0.15 / dt))
        seg = az[lo : ks + 1]
        mins = [lo + m for m in range(1, len(seg) - 1) if seg[m] <= seg[m - 1] and seg[m] <= seg[m + 1]]
        kmin = mins[-1] if mins else lo + int(np.argmin(seg))
        f["az_min_before_rise_ms"] = (t[kmin] - tc) * 1e3
        ta = e.get("t_accel")
        if ta is not None:
            f["steepest_rise_vs_accel_ms"] = (t[ks] - ta) * 1e3
            f["az_min_vs_accel_ms"] = (t[kmin] - ta) * 1e3
            f["accel_minus_fh_ms"] = (ta - tc) * 1e3
            sel = (t >= ta - 0.05) & (t <= ta + 0.05)
            f["wz_world_pm50_accel_dps"] = float(r.wz_world[sel].mean())
        to = [x["t"] for x in r.ref["tos"] if x["side"] == e["side"] and x["t"] > tc]
        nxt = [x["t"] for x in r.ref["ics"] if x["side"] == e["side"] and x["t"] > tc]
        if to and (not nxt or to[0] < nxt[0]):
            f["contact_ms"] = (to[0] - tc) * 1e3
            if ta is not None:
                f["contact_accel_ms"] = (to[0] - ta) * 1e3
        out.append(f)
    return out


def stride_phase_deg(r: Result) -> list[float]:
    """Per left-IC stride: phase (deg) of the stride-frequency Fourier component of psi, with the
    stride's own left IC as time zero: psi ~ A cos(2 pi (t - t_L)/T + phi). phi = 0: the pelvis is
    turned most to the LEFT at the left IC; phi = +90: the left-most heading comes a quarter
    stride BEFORE the left IC (it is falling, i.e. turning right, at left IC); phi = -90: a
    quarter stride AFTER (turning left at left IC)."""
    t = r.imu[:, 0]
    out = []
    for s in r.ref["strides"]:
        a, b = s["t_start"], s["t_end"]
        sel = (t >= a) & (t < b)
        tt = t[sel]
        y = r.psi[sel] - np.interp(tt, [a, b], [np.interp(a, t, r.psi), np.interp(b, t, r.psi)])
        c = np.sum(y * np.exp(-2j * np.pi * (tt - a) / (b - a)))
        out.append(math.degrees(np.angle(c)))
    return out


def circ_stats(deg: list[float]) -> tuple[float, float, float]:
    """(circular mean deg, circular std deg, resultant length R)."""
    z = np.exp(1j * np.radians(deg))
    m = z.mean()
    R = float(abs(m))
    return math.degrees(np.angle(m)), math.degrees(math.sqrt(-2 * math.log(max(R, 1e-12)))), R


def _q(v: list[float], fmt: str = ".1f") -> str:
    v = np.array([x for x in v if x is not None and not math.isnan(x)])
    if not len(v):
        return "n/a"
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return f"{med:{fmt}} [{q1:{fmt}}, {q3:{fmt}}] (n={len(v)})"


def sign_rule(feats_by_runner: dict[str, list[dict]], key: str) -> dict:
    """Pooled majority sign per side, then agreement per contact and per runner with the rule."""
    pooled = {
        s: np.array([f[key] for fs in feats_by_runner.values() for f in fs if f["side"] == s and key in f])
        for s in ("left", "right")
    }
    rule = {s: (1.0 if np.mean(pooled[s] > 0) >= 0.5 else -1.0) for s in pooled}
    ok_all = np.concatenate([np.sign(pooled[s]) == rule[s] for s in pooled])
    runner_share, runner_follow = [], 0
    for fs in feats_by_runner.values():
        hits = [np.sign(f[key]) == rule[f["side"]] for f in fs if key in f]
        if hits:
            sh = float(np.mean(hits))
            runner_share.append(sh)
            runner_follow += sh > 0.5
    return {
        "rule": rule,
        "median": {s: float(np.median(pooled[s])) for s in pooled},
        "iqr": {s: np.percentile(pooled[s], [25, 75]).tolist() for s in pooled},
        "share_contacts": float(np.mean(ok_all)),
        "share_runners": runner_follow / max(1, len(runner_share)),
        "n_runners": len(runner_share),
        "runner_share": runner_share,
    }


def facts_markdown(results: list[Result], skipped: list[tuple[str, str]]) -> str:
    L = [
        "# Fukuchi et al. 2017 treadmill running — facts for the simulator and the side rule",
        "",
        "Generated by `benchmarks/real_running/build_fukuchi.py` from the virtual sacral IMUs in `fukuchi2017/`",
        "(Fukuchi RK, Fukuchi CA, Duarte M, PeerJ 5:e3298, 2017; data doi:10.6084/m9.figshare.4543435, CC BY 4.0).",
        "Reference contacts are kinematic (foot-height method, see `fukuchi2017/README.md`), not force-plate contacts. The",
        "foot-height IC leads the marker-acceleration touch-down (Handsaker-type, `t_accel` in the ref json) by a median",
        "~17-26 ms (rows below); timing facts are therefore given relative to both.",
        "",
        "Signs (world W: x forward, y left, z up; sensor S = pelvis frame levelled by the mean tilt):",
        "* psi = heading of the pelvis anatomical forward axis on the floor, **+ = pelvis turned LEFT** (CCW from above).",
        "* detrended psi at IC = psi(IC) minus the centred one-stride (left-IC to left-IC median) moving average of psi.",
        "* yaw rate = world-frame vertical angular rate (R_S omega_S)_z, **+ = CCW from above = turning LEFT**, mean over IC ± 50 ms.",
        "  (The sensor's own gz gives the same signs; its values are in the last rows.)",
        "* A *side rule* assigns the foot from the sign at an IC; 'contacts' = share of all ICs whose sign equals the",
        "  pooled majority sign of their side; 'runners' = share of runners for whom more than half of their ICs do.",
        "* Phase: psi over each left-IC stride (ends detrended) is fitted by A cos(2π(t − t_L)/T + φ); φ = 0 means the",
        "  pelvis is turned most LEFT at the left IC; φ = +90° means the left-most heading is a quarter stride BEFORE the left IC",
        "  (psi falling = pelvis turning right at left IC); φ = −90° a quarter stride AFTER. Circular mean over strides per",
        "  runner, then over runners (circular SD and resultant length R over runners).",
        "* Sacral vertical specific force az (sensor z, 15 Hz-limited markers): time of its steepest rise in IC −80..+100 ms",
        "  and of the last local minimum in the 150 ms before that, relative to the reference IC (ms, + = after IC).",
        "",
    ]
    by_speed: dict[float, list[Result]] = {}
    for r in results:
        by_speed.setdefault(r.speed_mps, []).append(r)
    summary = [
        "## Summary",
        "",
        "| speed | runners | left-IC strides | yaw range psi (deg) median [IQR] | rule (b) yaw rate at IC: left +, right − — contacts / runners | rule (a) detrended psi at IC: left +, right − — contacts / runners | phase φ (deg) circ. mean ± SD | Zeni − foot-height IC (ms), median of trial medians [IQR] | accel touch-down − foot-height IC (ms) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    at_summary = len(L)
    for spd in sorted(by_speed):
        rs = by_speed[spd]
        strides = [s for r in rs for s in r.ref["strides"]]
        feats = {r.subject: ic_features(r) for r in rs}
        allf = [f for fs in feats.values() for f in fs]
        _b, _a = sign_rule(feats, "wz_world_pm50_dps"), sign_rule(feats, "psi_detr_deg")

        def _rule(sr: dict) -> str:
            tag = "" if sr["rule"]["left"] > 0 > sr["rule"]["right"] else f" (majority rule differs: {sr['rule']})"
            return f"{sr['share_contacts'] * 100:.1f} % / {sr['share_runners'] * sr['n_runners']:.0f} of {sr['n_runners']}{tag}"

        _ph = circ_stats([circ_stats(stride_phase_deg(r))[0] for r in rs if r.ref["strides"]])
        _z = [
            r.ref["ic_method_comparison"]["zeni_minus_foot_height_ic"]["median_ms"]
            for r in rs
            if r.ref["ic_method_comparison"]["zeni_minus_foot_height_ic"]["n"]
        ]
        summary.append(
            f"| {spd:.1f} m/s | {len(rs)} | {len(strides)} | {_q([s['yaw_range_deg'] for s in strides], '.1f').split(' (')[0]} | {_rule(_b)} | {_rule(_a)} | {_ph[0]:+.0f} ± {_ph[1]:.0f} | {_q(_z).split(' (')[0]} | {_q([f.get('accel_minus_fh_ms', math.nan) for f in allf]).split(' (')[0]} |"
        )
        L.append(f"## {spd:.1f} m/s — {len(rs)} runners, {len(strides)} left-IC strides, {len(allf)} ICs used")
        L.append("")
        L.append("| quantity | value |")
        L.append("|---|---|")
        L.append(
            f"| per-stride yaw range, heading psi (deg), median [IQR] | {_q([s['yaw_range_deg'] for s in strides], '.2f')} |"
        )
        L.append(
            f"| per-stride range of integrated world vertical rate (deg) | {_q([s['vertical_rate_range_deg'] for s in strides], '.2f')} |"
        )
        L.append(
            f"| difference of the two (integrated − psi, deg) | {_q([s['vertical_rate_range_deg'] - s['yaw_range_deg'] for s in strides], '.2f')} |"
        )
        per_runner_range = [
            float(np.median([s["yaw_range_deg"] for s in r.ref["strides"]])) for r in rs if r.ref["strides"]
        ]
        L.append(f"| per-runner median yaw range (deg), median [IQR] over runners | {_q(per_runner_range, '.2f')} |")
        for key, label in (
            ("psi_detr_deg", "(a) detrended psi at IC (deg)"),
            ("wz_world_pm50_dps", "(b) world yaw rate, IC ± 50 ms (deg/s)"),
            ("gz_pm50_dps", "(b') sensor gz, IC ± 50 ms (deg/s)"),
            ("wz_world_pm50_accel_dps", "(b'') world yaw rate, ± 50 ms around the accel touch-down (deg/s)"),
        ):
            sr = sign_rule(feats, key)
            rule_txt = ", ".join(f"{s} IC {'+' if sr['rule'][s] > 0 else '−'}" for s in ("left", "right"))
            for s in ("left", "right"):
                L.append(
                    f"| {label}, {s} IC: median [IQR] | {sr['median'][s]:+.2f} [{sr['iqr'][s][0]:+.2f}, {sr['iqr'][s][1]:+.2f}] |"
                )
            L.append(
                f"| {label}: pooled majority rule | **{rule_txt}**; contacts following: {sr['share_contacts'] * 100:.1f} %; runners following: {sr['share_runners'] * sr['n_runners']:.0f}/{sr['n_runners']} ({sr['share_runners'] * 100:.0f} %); per-runner share min {min(sr['runner_share']) * 100:.0f} % |"
            )
        ph_runner = []
        for r in rs:
            ph = stride_phase_deg(r)
            if ph:
                ph_runner.append(circ_stats(ph)[0])
        mu, sd, R = circ_stats(ph_runner)
        L.append(
            f"| (c) phase φ of the stride-frequency psi component vs left IC (deg) | circular mean {mu:+.0f}°, circular SD {sd:.0f}°, R = {R:.2f} over {len(ph_runner)} runners |"
        )
        L.append(f"| az steepest rise relative to IC (ms) | {_q([f['steepest_rise_ms'] for f in allf])} |")
        L.append(
            f"| az local minimum before that, relative to IC (ms) | {_q([f['az_min_before_rise_ms'] for f in allf])} |"
        )
        L.append(
            f"| az steepest rise relative to the accel touch-down (ms) | {_q([f.get('steepest_rise_vs_accel_ms', math.nan) for f in allf])} |"
        )
        L.append(
            f"| az local minimum before that, relative to the accel touch-down (ms) | {_q([f.get('az_min_vs_accel_ms', math.nan) for f in allf])} |"
        )
        L.append(
            f"| contact time IC→TO (ms, foot-height method) | {_q([f.get('contact_ms', math.nan) for f in allf])} |"
        )
        L.append(
            f"| contact time accel touch-down→TO (ms) | {_q([f.get('contact_accel_ms', math.nan) for f in allf])} |"
        )
        L.append(
            f"| accel touch-down − foot-height IC, all ICs (ms) | {_q([f.get('accel_minus_fh_ms', math.nan) for f in allf])} |"
        )
        cmp = [r.ref["ic_method_comparison"]["zeni_minus_foot_height_ic"] for r in rs]
        L.append(f"| Zeni − foot-height IC, per-trial medians (ms) | {_q([c['median_ms'] for c in cmp if c['n']])} |")
        L.append(
            f"| Zeni − foot-height IC, within-trial spread (median absolute deviation, ms), over trials | {_q([c['mad_ms'] for c in cmp if c['n']])} |"
        )
        cto = [r.ref["ic_method_comparison"]["zeni_minus_foot_height_to"] for r in rs]
        L.append(f"| Zeni − foot-height TO, per-trial medians (ms) | {_q([c['median_ms'] for c in cto if c['n']])} |")
        L.append("")
        L.append("<details><summary>per runner</summary>")
        L.append("")
        L.append(
            "| runner | strides | yaw range med (deg) | psi@L IC med | psi@R IC med | wz@L IC med | wz@R IC med | share psi rule | share wz rule | phase φ (deg) |"
        )
        L.append("|---|---|---|---|---|---|---|---|---|---|")
        srp = sign_rule(feats, "psi_detr_deg")
        srw = sign_rule(feats, "wz_world_pm50_dps")
        for r in rs:
            fs = feats[r.subject]

            def med(key: str, side: str, fs=fs) -> float:
                v = [f[key] for f in fs if f["side"] == side]
                return float(np.median(v)) if v else math.nan

            sh_p = np.mean([np.sign(f["psi_detr_deg"]) == srp["rule"][f["side"]] for f in fs]) if fs else math.nan
            sh_w = np.mean([np.sign(f["wz_world_pm50_dps"]) == srw["rule"][f["side"]] for f in fs]) if fs else math.nan
            ph = stride_phase_deg(r)
            yr = np.median([s["yaw_range_deg"] for s in r.ref["strides"]]) if r.ref["strides"] else math.nan
            L.append(
                f"| {r.subject} | {len(r.ref['strides'])} | {yr:.2f} | {med('psi_detr_deg', 'left'):+.2f} | {med('psi_detr_deg', 'right'):+.2f} | {med('wz_world_pm50_dps', 'left'):+.1f} | {med('wz_world_pm50_dps', 'right'):+.1f} | {sh_p * 100:.0f} % | {sh_w * 100:.0f} % | {circ_stats(ph)[0] if ph else math.nan:+.0f} |"
            )
        L.append("")
        L.append("</details>")
        L.append("")
    L[at_summary:at_summary] = [*summary, ""]
    if skipped:
        L.append("Skipped trials: " + "; ".join(f"{a} ({b})" for a, b in skipped))
        L.append("")
    return "\n".join(L)


def trials_table(results: list[Result], skipped: list[tuple[str, str]]) -> str:
    rows = [
        "| subject | speed (m/s) | ICs | left-IC strides | Zeni − foot-height IC median [IQR] (ms) | Zeni − f-h TO median (ms) | L/R alternation | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    items = [(r.name, r) for r in results] + [(n, None) for n, _ in skipped]
    why = dict(skipped)
    for name, r in sorted(items, key=lambda x: x[0]):
        if r is None:
            subj, spd = name.split("_runT")
            rows.append(f"| {subj} | {int(spd) / 10:.1f} | – | – | – | – | – | skipped: {why[name]} |")
            continue
        c = r.ref["ic_method_comparison"]
        ic, to = c["zeni_minus_foot_height_ic"], c["zeni_minus_foot_height_to"]
        ics = f"{ic['median_ms']:+.1f} [{ic['iqr_ms'][0]:+.1f}, {ic['iqr_ms'][1]:+.1f}]" if ic["n"] else "n/a"
        tos = f"{to['median_ms']:+.1f}" if to["n"] else "n/a"
        rows.append(
            f"| {r.subject} | {r.speed_mps:.1f} | {len(r.ref['ics'])} | {len(r.ref['strides'])} | {ics} | {tos} | {r.ref['checks']['alternation_share']:.3f} | |"
        )
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = Path(__file__).resolve().parent
    ap.add_argument("--raw", type=Path, default=Path("/tmp/fk/raw"), help="folder with RBDS*runT*.c3d")
    ap.add_argument("--out", type=Path, default=here.parents[1].parent / "real_running" / "fukuchi2017")
    ap.add_argument("--facts", type=Path, default=here / "fukuchi_facts.md")
    ap.add_argument("--table", type=Path, default=None, help="write the markdown table of trials here")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results, skipped = [], []
    for path in sorted(args.raw.glob("RBDS*runT*.c3d"), key=lambda p: (int(re.findall(r"\d+", p.name)[0]), p.name)):
        res, why = process(path)
        if res is None:
            mm = re.match(r"RBDS(\d+)runT(\d\d)", path.name)
            name = f"RBDS{int(mm.group(1)):03d}_runT{mm.group(2)}"
            skipped.append((name, why))
            print(f"{name}: SKIPPED ({why})")
            continue
        write_csv_gz(args.out / f"{res.name}_sacrum.csv.gz", res.imu)
        (args.out / f"{res.name}_ref.json").write_text(json.dumps(res.ref, separators=(",", ":")))
        c = res.ref["ic_method_comparison"]["zeni_minus_foot_height_ic"]
        print(
            f"{res.name}: {len(res.ref['ics'])} ICs, {len(res.ref['strides'])} strides, Zeni-fh {c.get('median_ms')} ms; checks {res.ref['checks']}"
        )
        results.append(res)
    if args.facts and results:
        args.facts.write_text(facts_markdown(results, skipped) + "\n")
    if args.table:
        args.table.write_text(trials_table(results, skipped) + "\n")


if __name__ == "__main__":
    main()
