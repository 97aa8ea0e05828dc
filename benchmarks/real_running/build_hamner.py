# ruff: noqa: E501  (long f-strings of the facts table read better unwrapped)
"""Virtual sacral IMUs from public treadmill running motion capture (Hamner & Delp 2013).

Source
------
Hamner SR, Delp SL. "Muscle contributions to fore-aft and vertical body mass center
accelerations over a range of running speeds." J Biomech 46(4):780-787, 2013.
Treadmill running at 2, 3, 4 and 5 m/s, markers at 100 Hz, ground forces per foot.
Files as re-distributed (re-processed with AddBiomechanics) in the public GitHub repository
``stanfordnmbl/addbiomechanics-paper`` under ``Hamner2013Running/``:

* ``Formatted/subjectNN/trials/runSSS/markers.trc``   markers (mm, 100 Hz, lab frame)
* ``Formatted/subjectNN/trials/runSSS/grf.mot``       left/right ground force (N, 1000 Hz)
* ``Processed/subjectNN/osim_results/IK/runSSS_ik.mot`` inverse kinematics (rad, m, 100 Hz)
* ``Processed/subjectNN/osim_results/ID/runSSS_grf.mot`` the same forces resampled to the
  marker clock (N, 100 Hz; columns ``ground_force_calcn_{r,l}_v{x,y,z}``)

No licence file is present in that repository (checked at commit 388c607), so the derived
per-sample files are NOT committed to stridemon; this script writes them outside the repo
(default ``/work/hamner_cache/derived/hamner2013``) and ``facts.md`` holds only summary facts.

Two input routes, one pipeline
------------------------------
A. *markers*: ``markers.trc`` (LASI, RASI, LPSI, RPSI) + ``grf.mot`` (1000 Hz). Used when the
   full trc of a trial is in the cache.
B. *ik*: the pelvis pose of the IK solution (``pelvis_tilt, pelvis_list, pelvis_rotation``
   [rad], ``pelvis_tx, ty, tz`` [m]) + the four pelvis markers' fixed positions in the pelvis
   body, calibrated per subject from the first frames of one ``markers.trc`` (rigid least
   squares; residual printed). The four markers are then re-created as *virtual markers*
   (rigidly attached, so marker skin noise is replaced by the IK fit) and fed to the very
   same code as route A. Used because only a few full trc files could be brought in (see the
   report in ``facts.md``); the IK columns and the 100 Hz forces are small enough.

Frames and signs (read this before using the numbers)
-----------------------------------------------------
* Lab (OpenSim ground, as in the files): X forward (running direction; the belt moves -X),
  Y up, Z to the runner's right. Checked: the pelvis moves on +X only by centimetres, the
  vertical force is ``_vy``, the left-foot centre of pressure has the smaller Z.
* World frame W used here: x forward (= lab X), y left (= -lab Z), z up (= lab Y).
  Right-handed. Gravity g_W = (0, 0, -9.80665) m/s^2.
* Pelvis anatomical frame (ISB-like): origin mid-ASIS; y from RASI to LASI (left);
  z = normalise(x0 x y) with x0 = mid-ASIS - mid-PSIS (so z points up out of the pelvis);
  x = y x z (forward, orthogonalised). Right-handed.
* Sensor frame S (the canonical sacral belt mounting): x forward, y left, z up; it is the
  pelvis frame rotated about its y axis by a constant angle, the trial's mean anatomical
  tilt, so that on average the sensor's z axis is vertical (a belt unit sits upright while
  the ASIS-PSIS plane is tilted). The same rotation is used for the hip sensor.
* Gyro g = vee(R^T dR/dt) in S, deg/s, from finite rotation increments
  (log(R_{k-1}^T R_{k+1}) / 2 dt). Positive gz = counter-clockwise seen from above = turning
  LEFT; positive gx (right-hand rule about forward) = the left side rising / right side
  dropping; positive gy (about left) = the top tipping forward (anterior tilt increasing).
* Accelerometer f = R^T (a_W - g_W) in S, m/s^2 including gravity; a unit at rest upright
  reads (0, 0, +9.81).
* Heading psi = atan2(forward-axis_y, forward-axis_x) of the pelvis anatomical x axis
  projected on the floor, unwrapped, deg; positive = pelvis turned to the left.
* Obliquity (list) = asin(-y_z), the angle of the pelvis left axis below the floor:
  obliquity_deg > 0 when the LEFT side is lower than the right. Tilt_deg = angle of the forward axis below the floor: > 0 = the
  front (ASIS) lower than the back (PSIS), i.e. anterior tilt.

Virtual sensor points
---------------------
* sacrum: mid-PSIS (the back of a running belt).
* hip: midway between RASI and RPSI (the right side of a belt).
The point's acceleration comes from the second derivative of its (filtered) trajectory.

Filtering: positions are low-passed with a 4th-order zero-lag Butterworth (2nd order run
forwards and backwards, scipy filtfilt), cut-off 15 Hz. Reason: the pelvis rigid-body motion
in running has its energy below ~10 Hz; differentiating twice multiplies noise by (2 pi f)^2,
so 15 Hz is the usual compromise (it passes the loading-rate rise, a few tens of ms, but
attenuates the impact transient a real belt IMU would show at 20-60 Hz). Numbers about the
sharpness of the impact (peak g, steepest-rise timing) are therefore for a 15 Hz-limited
signal; timing is unbiased (zero-lag).

Contacts: per foot from the vertical force, IC = upward crossing of 50 N, TO = downward
crossing of 50 N, with hysteresis (a new IC only after the force has been below 20 N) and a
minimum contact of 60 ms; crossing times linearly interpolated between samples; a contact
already under way at the first sample is not counted. Forces and markers share one clock
(checked: the 100 Hz force file repeats the 1000 Hz file's values at the same times).

Per stride (IC to the next IC of the same foot): the heading psi between the two ICs, minus
the straight line joining its values at the two ICs, max - min (deg); the same for the IK
``pelvis_rotation`` (deg) where available.

Usage::

    python benchmarks/real_running/build_hamner.py [--raw DIR] [--out DIR] [--facts FILE]

The raw cache layout (DIR defaults to /work/hamner_cache/raw) mirrors the repository:
``subjectNN/runSSS/{markers.trc, grf.mot, ik.mot, grf100.mot}`` and
``subjectNN/pelvis_calib.trc`` (any trc holding LASI/RASI/LPSI/RPSI frames that overlap an
IK file of the same subject; its trial is named in the first header line). Column subsets
of the original files (same header format) are accepted.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.signal import butter, filtfilt
from scipy.spatial.transform import Rotation

G_MPS2 = 9.80665
FS_HZ = 100.0
CUTOFF_HZ = 15.0
IC_THRESHOLD_N = 50.0
REARM_THRESHOLD_N = 20.0
MIN_CONTACT_S = 0.060
PELVIS_MARKERS = ("LASI", "RASI", "LPSI", "RPSI")
SPEEDS_MPS = {"run200": 2.0, "run300": 3.0, "run400": 4.0, "run500": 5.0}

# lab (X fwd, Y up, Z right) -> world W (x fwd, y left, z up)
LAB_TO_WORLD = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


# ----------------------------------------------------------------------------------- reading
def read_mot(path: Path) -> dict[str, np.ndarray]:
    """An OpenSim .mot/.sto table (header until 'endheader') as {column: array}."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().lower() == "endheader")
    names = lines[start + 1].split()
    rows = [line.split() for line in lines[start + 2 :] if line.strip()]
    data = np.array(rows, dtype=float)
    return {name: data[:, j] for j, name in enumerate(names)}


def read_trc(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray], str]:
    """A .trc file: (time_s, {marker: (n,3) metres in the lab frame, NaN where missing}, title).

    Units are taken from the header ('mm' or 'm')."""
    lines = path.read_text().splitlines()
    title = lines[0].split("\t")[-1].strip()
    keys = lines[1].split("\t")
    vals = lines[2].split("\t")
    units = vals[keys.index("Units")].strip()
    scale = {"mm": 1e-3, "m": 1.0, "cm": 1e-2}[units]
    header = lines[3].split("\t")
    names = [h.strip() for h in header[2::3]]
    t, xyz = [], []
    for line in lines[5:]:
        if not line.strip():
            continue
        parts = line.split("\t")
        t.append(float(parts[1]))
        row = [float(p) if p.strip() else math.nan for p in parts[2 : 2 + 3 * len(names)]]
        row += [math.nan] * (3 * len(names) - len(row))
        xyz.append(row)
    arr = np.array(xyz) * scale
    markers = {n: arr[:, 3 * i : 3 * i + 3] for i, n in enumerate(names) if n}
    return np.array(t), markers, title


# ------------------------------------------------------------------------------- kinematics
def lowpass(x: np.ndarray, cutoff_hz: float = CUTOFF_HZ, fs_hz: float = FS_HZ) -> np.ndarray:
    """4th-order zero-lag Butterworth (2nd order, forwards and backwards) along axis 0."""
    b, a = butter(2, cutoff_hz / (fs_hz / 2.0))
    return filtfilt(b, a, x, axis=0, padtype="odd", padlen=min(3 * max(len(a), len(b)), len(x) - 1))


def fill_gaps(x: np.ndarray) -> np.ndarray:
    """Linear interpolation over NaN rows (marker drop-outs)."""
    x = x.copy()
    idx = np.arange(len(x))
    for j in range(x.shape[1]):
        bad = np.isnan(x[:, j])
        if bad.any() and (~bad).sum() >= 2:
            x[bad, j] = np.interp(idx[bad], idx[~bad], x[~bad, j])
    return x


def ik_pelvis_rotation(tilt: np.ndarray, list_: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """Lab-from-pelvis rotation matrices of the OpenSim pelvis joint (n,3,3).

    The models' pelvis CustomJoint applies body-fixed rotations in the order
    pelvis_tilt about Z, pelvis_list about X, pelvis_rotation about Y: R = Rz Rx Ry."""
    return Rotation.from_euler("ZXY", np.column_stack([tilt, list_, rot])).as_matrix()


def pelvis_frame(m: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Anatomical pelvis frame from the four markers (world W): (origin (n,3), R (n,3,3))."""
    mid_asis = 0.5 * (m["LASI"] + m["RASI"])
    mid_psis = 0.5 * (m["LPSI"] + m["RPSI"])
    y0 = m["LASI"] - m["RASI"]
    y0 /= np.linalg.norm(y0, axis=1, keepdims=True)
    x0 = mid_asis - mid_psis
    z = np.cross(x0, y0)
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    x = np.cross(y0, z)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = np.cross(z, x)
    return mid_asis, np.stack([x, y, z], axis=2)  # columns = pelvis axes in W


def body_rates_dps(R: np.ndarray, dt: float) -> np.ndarray:
    """Angular velocity in the body frame, deg/s, from finite rotation increments."""
    n = len(R)
    w = np.zeros((n, 3))
    rel = np.einsum("nji,njk->nik", R[:-2], R[2:])  # R_{k-1}^T R_{k+1}
    w[1:-1] = Rotation.from_matrix(rel).as_rotvec() / (2 * dt)
    first = Rotation.from_matrix(R[0].T @ R[1]).as_rotvec() / dt
    last = Rotation.from_matrix(R[-2].T @ R[-1]).as_rotvec() / dt
    w[0], w[-1] = first, last
    return np.degrees(w)


def second_derivative(p: np.ndarray, dt: float) -> np.ndarray:
    return np.gradient(np.gradient(p, dt, axis=0), dt, axis=0)


def heading_deg(R: np.ndarray) -> np.ndarray:
    fwd = R[:, :, 0]
    return np.degrees(np.unwrap(np.arctan2(fwd[:, 1], fwd[:, 0])))


# --------------------------------------------------------------------------------- contacts
def contacts(t: np.ndarray, fz: np.ndarray) -> tuple[list[float], list[float]]:
    """(IC times, TO times) from one foot's vertical force (N), with hysteresis."""
    ics, tos = [], []
    armed = fz[0] < REARM_THRESHOLD_N  # a contact under way at the start is not counted
    in_contact = False
    for k in range(1, len(fz)):
        if not in_contact:
            if fz[k] < REARM_THRESHOLD_N:
                armed = True
            if armed and fz[k - 1] < IC_THRESHOLD_N <= fz[k]:
                tc = t[k - 1] + (IC_THRESHOLD_N - fz[k - 1]) / (fz[k] - fz[k - 1]) * (t[k] - t[k - 1])
                ics.append(float(tc))
                in_contact, armed = True, False
        elif fz[k - 1] >= IC_THRESHOLD_N > fz[k]:
            tc = t[k - 1] + (fz[k - 1] - IC_THRESHOLD_N) / (fz[k - 1] - fz[k]) * (t[k] - t[k - 1])
            if tc - ics[-1] >= MIN_CONTACT_S:
                tos.append(float(tc))
                in_contact = False
    if in_contact:  # the trial ends inside a contact: keep the IC, no TO
        pass
    return ics, tos


def detrended_range(t: np.ndarray, y: np.ndarray, t0: float, t1: float) -> float:
    """max - min of y over [t0, t1] after removing the line joining y(t0) and y(t1)."""
    inside = (t > t0) & (t < t1)
    tt = np.concatenate([[t0], t[inside], [t1]])
    yy = np.concatenate([[np.interp(t0, t, y)], y[inside], [np.interp(t1, t, y)]])
    line = yy[0] + (yy[-1] - yy[0]) * (tt - t0) / (t1 - t0)
    r = yy - line
    return float(r.max() - r.min())


# ----------------------------------------------------------------------------------- trial
@dataclass
class Trial:
    subject: str
    run: str
    t: np.ndarray
    markers_w: dict[str, np.ndarray]  # world frame W, metres, filtered
    f_t: np.ndarray
    f_right: np.ndarray
    f_left: np.ndarray
    source: str
    ik_rotation_deg: np.ndarray | None = None
    checks: dict = field(default_factory=dict)


def to_world(p_lab: np.ndarray) -> np.ndarray:
    return p_lab @ LAB_TO_WORLD.T


def calibrate_markers_in_pelvis(calib_trc: Path, ik: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], float]:
    """Fixed positions (pelvis body frame, m) of the 4 pelvis markers + RMS fit residual (m)."""
    t_m, mk, _ = read_trc(calib_trc)
    R = ik_pelvis_rotation(ik["pelvis_tilt"], ik["pelvis_list"], ik["pelvis_rotation"])
    origin = np.column_stack([ik["pelvis_tx"], ik["pelvis_ty"], ik["pelvis_tz"]])
    offsets, resid = {}, []
    for name in PELVIS_MARKERS:
        local = []
        for k, tk in enumerate(t_m):
            j = int(np.argmin(np.abs(ik["time"] - tk)))
            if abs(ik["time"][j] - tk) > 1e-6 or np.isnan(mk[name][k]).any():
                continue
            local.append(R[j].T @ (mk[name][k] - origin[j]))
        local = np.array(local)
        offsets[name] = local.mean(axis=0)
        resid.append(np.linalg.norm(local - offsets[name], axis=1))
    return offsets, float(np.sqrt(np.mean(np.concatenate(resid) ** 2)))


def load_trial(raw: Path, subject: str, run: str) -> Trial | None:
    d = raw / subject / run
    ik_path = d / "ik.mot"
    ik = read_mot(ik_path) if ik_path.exists() else None
    checks: dict = {}
    if (d / "markers.trc").exists() and (d / "grf.mot").exists():
        t, mk, _ = read_trc(d / "markers.trc")
        markers = {n: to_world(fill_gaps(mk[n])) for n in PELVIS_MARKERS}
        grf = read_mot(d / "grf.mot")
        f_t, f_r, f_l = grf["time"], grf["R_ground_force_vy"], grf["L_ground_force_vy"]
        source = "markers.trc + grf.mot (1000 Hz)"
    elif ik is not None and (d / "grf100.mot").exists() and (raw / subject / "pelvis_calib.trc").exists():
        calib_trc = raw / subject / "pelvis_calib.trc"
        calib_run = calib_trc.read_text().splitlines()[0].split("\t")[-1].strip()
        calib_ik = read_mot(raw / subject / calib_run / "ik.mot")
        offsets, rms = calibrate_markers_in_pelvis(calib_trc, calib_ik)
        checks["marker_calibration_rms_mm"] = round(rms * 1e3, 2)
        t = ik["time"]
        R = ik_pelvis_rotation(ik["pelvis_tilt"], ik["pelvis_list"], ik["pelvis_rotation"])
        origin = np.column_stack([ik["pelvis_tx"], ik["pelvis_ty"], ik["pelvis_tz"]])
        markers = {n: to_world(origin + R @ offsets[n]) for n in PELVIS_MARKERS}
        grf = read_mot(d / "grf100.mot")
        f_t, f_r, f_l = grf["time"], grf["ground_force_calcn_r_vy"], grf["ground_force_calcn_l_vy"]
        source = "IK pelvis pose + calibrated virtual markers + ID grf (100 Hz)"
    else:
        return None
    dt = np.diff(t)
    if not np.allclose(dt, 1.0 / FS_HZ, atol=1e-6):
        # Some subjects were captured at 120 Hz: the (smooth, IK-fitted) pelvis trajectory is
        # interpolated onto the 100 Hz grid the rest of the build assumes (cubic spline).
        from scipy.interpolate import CubicSpline

        rate = 1.0 / float(np.median(dt))
        assert np.all(dt > 0), f"{subject}/{run}: time not increasing"
        grid = np.arange(np.ceil(t[0] * FS_HZ - 1e-9), np.floor(t[-1] * FS_HZ + 1e-9) + 1) / FS_HZ
        markers = {n: CubicSpline(t, p, axis=0)(grid) for n, p in markers.items()}
        checks["resampled_from_hz"] = round(rate, 2)
        if ik is not None:
            ik = {k: (np.interp(grid, t, v) if k != "time" else grid) for k, v in ik.items()}
        t = grid
    markers = {n: lowpass(p) for n, p in markers.items()}
    ik_rot = None
    if ik is not None:
        ik_rot = np.degrees(np.interp(t, ik["time"], np.unwrap(ik["pelvis_rotation"])))
    return Trial(subject, run, t, markers, f_t, f_r, f_l, source, ik_rot, checks)


def process(trial: Trial) -> dict:
    """Everything derived from one trial (arrays + reference dict)."""
    t, m = trial.t, trial.markers_w
    dt = 1.0 / FS_HZ
    origin, Rp = pelvis_frame(m)
    tilt_deg = np.degrees(np.arcsin(np.clip(-Rp[:, 2, 0], -1, 1)))  # forward axis below floor
    obliq_deg = np.degrees(np.arcsin(np.clip(-Rp[:, 2, 1], -1, 1)))  # left axis below floor
    psi = heading_deg(Rp)
    mount = Rotation.from_euler("y", np.radians(np.mean(tilt_deg))).as_matrix()
    # rotating the pelvis frame about its y by -tilt makes x level: R_s = R_p Ry(-mean tilt)
    mount = mount.T
    Rs = Rp @ mount
    gyro = body_rates_dps(Rs, dt)
    points = {
        "sacrum": 0.5 * (m["LPSI"] + m["RPSI"]),
        "hip": 0.5 * (m["RASI"] + m["RPSI"]),
    }
    g_w = np.array([0.0, 0.0, -G_MPS2])
    imu = {}
    for name, p in points.items():
        a_w = second_derivative(p, dt)
        f_s = np.einsum("nji,nj->ni", Rs, a_w - g_w)
        imu[name] = np.column_stack([t, f_s, gyro])
    # --- sign / handedness checks
    heading_from_gz = np.cumsum(gyro[:, 2]) * dt
    world_rate_z = np.einsum("nij,nj->ni", Rs, np.radians(gyro))[:, 2]
    dpsi = np.gradient(psi, dt)
    c = np.corrcoef(np.degrees(world_rate_z), dpsi)[0, 1]
    hz = heading_from_gz - heading_from_gz.mean()
    pz = psi - psi.mean()
    checks = dict(trial.checks)
    checks["corr_integrated_gz_vs_heading"] = round(float(np.corrcoef(hz, pz)[0, 1]), 4)
    checks["rms_integrated_gz_minus_heading_deg"] = round(float(np.sqrt(np.mean((hz - pz) ** 2))), 3)
    checks["corr_world_z_rate_vs_dheading"] = round(float(c), 4)
    checks["mean_az_sacrum_mps2"] = round(float(imu["sacrum"][:, 3].mean()), 3)
    checks["mean_tilt_deg"] = round(float(np.mean(tilt_deg)), 2)
    # --- contacts
    ic_r, to_r = contacts(trial.f_t, trial.f_right)
    ic_l, to_l = contacts(trial.f_t, trial.f_left)
    ics = sorted(
        [{"t": x, "side": "right"} for x in ic_r] + [{"t": x, "side": "left"} for x in ic_l], key=lambda e: e["t"]
    )
    tos = sorted(
        [{"t": x, "side": "right"} for x in to_r] + [{"t": x, "side": "left"} for x in to_l], key=lambda e: e["t"]
    )
    strides = []
    for side, lst in (("left", ic_l), ("right", ic_r)):
        for a, b in itertools.pairwise(lst):
            if a < t[0] or b > t[-1]:
                continue
            s = {
                "t_start": round(a, 4),
                "t_end": round(b, 4),
                "side": side,
                "yaw_range_deg": round(detrended_range(t, psi, a, b), 3),
            }
            s["ik_rotation_range_deg"] = (
                round(detrended_range(t, trial.ik_rotation_deg, a, b), 3) if trial.ik_rotation_deg is not None else None
            )
            strides.append(s)
    strides.sort(key=lambda s: s["t_start"])
    fwd_vel = np.gradient(origin[:, 0], dt)
    ref = {
        "source": "Hamner & Delp 2013 via github.com/stanfordnmbl/addbiomechanics-paper (Hamner2013Running); "
        + trial.source,
        "subject": trial.subject,
        "speed_mps": SPEEDS_MPS[trial.run],
        "duration_s": round(float(t[-1] - t[0]), 3),
        "t0_s": round(float(t[0]), 3),
        "ic_threshold_n": IC_THRESHOLD_N,
        "ics": [{"t": round(e["t"], 4), "side": e["side"]} for e in ics],
        "tos": [{"t": round(e["t"], 4), "side": e["side"]} for e in tos],
        "strides": strides,
        "signals": {
            "t_s": np.round(t, 4).tolist(),
            "pelvis_height_m": np.round(origin[:, 2] - origin[:, 2].min() + 0.0, 4).tolist(),
            "pelvis_height_abs_m": np.round(origin[:, 2], 4).tolist(),
            "forward_velocity_mps": np.round(fwd_vel, 4).tolist(),
            "obliquity_deg": np.round(obliq_deg, 4).tolist(),
            "tilt_deg": np.round(tilt_deg, 4).tolist(),
            "heading_deg": np.round(psi, 4).tolist(),
        },
        "checks": checks,
    }
    return {"imu": imu, "ref": ref, "psi": psi, "gyro": gyro}


def write_csv_gz(path: Path, arr: np.ndarray) -> None:
    lines = ["t_s,ax,ay,az,gx,gy,gz"]
    for row in arr:
        lines.append(
            f"{row[0]:.2f}," + ",".join(f"{v:.4f}" for v in row[1:4]) + "," + ",".join(f"{v:.3f}" for v in row[4:7])
        )
    with gzip.open(path, "wt", compresslevel=9) as f:
        f.write("\n".join(lines) + "\n")


# ------------------------------------------------------------------------------------ facts
def window_mean(t: np.ndarray, y: np.ndarray, a: float, b: float) -> float:
    sel = (t >= a) & (t <= b)
    return float(np.mean(y[sel])) if sel.any() else math.nan


def event_features(res: dict) -> list[dict]:
    """Per-IC numbers used by facts.md (sacrum sensor)."""
    ref = res["ref"]
    imu = res["imu"]["sacrum"]
    t = imu[:, 0]
    psi = res["psi"]
    coef = np.polyfit(t, psi, 1)
    psi_d = psi - np.polyval(coef, t)
    az_g = imu[:, 3] / G_MPS2
    daz = np.gradient(imu[:, 3], 1.0 / FS_HZ)
    ics = ref["ics"]
    tos = ref["tos"]
    out = []
    for _i, e in enumerate(ics):
        tc, side = e["t"], e["side"]
        if tc - 0.05 < t[0] or tc + 0.15 > t[-1]:
            continue
        f = {"side": side, "t": tc}
        f["heading_detr_deg"] = float(np.interp(tc, t, psi_d))
        f["gz_pm50_dps"] = window_mean(t, imu[:, 6], tc - 0.05, tc + 0.05)
        f["gx_pm50_dps"] = window_mean(t, imu[:, 4], tc - 0.05, tc + 0.05)
        f["ay_0_50_mps2"] = window_mean(t, imu[:, 2], tc, tc + 0.05)
        to = [x["t"] for x in tos if x["side"] == side and x["t"] > tc]
        if to:
            f["contact_ms"] = (to[0] - tc) * 1e3
            nxt = [x["t"] for x in ics if x["t"] > to[0]]
            if nxt:
                f["flight_ms"] = (nxt[0] - to[0]) * 1e3
            sel = (t >= tc) & (t <= to[0])
            if sel.any():
                k = np.argmax(az_g[sel])
                f["az_peak_g"] = float(az_g[sel][k])
                f["az_peak_after_ic_ms"] = float((t[sel][k] - tc) * 1e3)
        nxt_any = [x["t"] for x in ics if x["t"] > tc]
        if nxt_any:
            f["step_ms"] = (nxt_any[0] - tc) * 1e3
        sel = (t >= tc - 0.05) & (t <= tc + 0.10)
        f["steepest_rise_after_ic_ms"] = float((t[sel][np.argmax(daz[sel])] - tc) * 1e3)
        out.append(f)
    return out


def _q(values: list[float]) -> str:
    v = np.array([x for x in values if x is not None and not math.isnan(x)])
    if len(v) == 0:
        return "n/a"
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return f"{med:.1f} [{q1:.1f}, {q3:.1f}] (n={len(v)})"


def _sign_line(feats: list[dict], key: str, side: str) -> str:
    v = np.array([f[key] for f in feats if f["side"] == side and key in f and not math.isnan(f[key])])
    if len(v) == 0:
        return "n/a"
    pos = float(np.mean(v > 0))
    major = "+" if pos >= 0.5 else "-"
    agree = max(pos, 1 - pos)
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return (
        f"median {med:+.2f} [{q1:+.2f}, {q3:+.2f}]; majority sign {major}, agreement {agree * 100:.0f} % (n={len(v)})"
    )


def facts_markdown(results: list[dict]) -> str:
    by_speed: dict[float, list[dict]] = {}
    for r in results:
        by_speed.setdefault(r["ref"]["speed_mps"], []).append(r)
    L = []
    for spd in sorted(by_speed):
        rs = by_speed[spd]
        strides = [s for r in rs for s in r["ref"]["strides"]]
        feats = [f for r in rs for f in event_features(r)]
        subjects = sorted({r["ref"]["subject"] for r in rs})
        L.append(
            f"### {spd:.0f} m/s — {len(rs)} trials ({', '.join(subjects)}), {len(strides)} strides, "
            f"{sum(len(r['ref']['ics']) for r in rs)} ICs"
        )
        L.append("")
        L.append("| quantity | value (median [IQR] or sign rule) |")
        L.append("|---|---|")
        L.append(f"| per-stride yaw range, markers (deg) | {_q([s['yaw_range_deg'] for s in strides])} |")
        L.append(
            f"| per-stride yaw range, left-IC strides (deg) | {_q([s['yaw_range_deg'] for s in strides if s['side'] == 'left'])} |"
        )
        L.append(
            f"| per-stride yaw range, right-IC strides (deg) | {_q([s['yaw_range_deg'] for s in strides if s['side'] == 'right'])} |"
        )
        L.append(f"| per-stride IK pelvis_rotation range (deg) | {_q([s['ik_rotation_range_deg'] for s in strides])} |")
        for side in ("left", "right"):
            L.append(
                f"| detrended heading at {side} IC (deg; + = pelvis turned left) | {_sign_line(feats, 'heading_detr_deg', side)} |"
            )
        for side in ("left", "right"):
            L.append(
                f"| yaw rate gz, mean IC±50 ms, {side} IC (deg/s; + = turning left) | {_sign_line(feats, 'gz_pm50_dps', side)} |"
            )
        for side in ("left", "right"):
            L.append(f"| roll rate gx, mean IC±50 ms, {side} IC (deg/s) | {_sign_line(feats, 'gx_pm50_dps', side)} |")
        for side in ("left", "right"):
            L.append(
                f"| ay (m/s², + = left), mean IC..IC+50 ms, {side} IC | {_sign_line(feats, 'ay_0_50_mps2', side)} |"
            )
        L.append(f"| contact time (ms) | {_q([f.get('contact_ms', math.nan) for f in feats])} |")
        L.append(f"| flight time (ms) | {_q([f.get('flight_ms', math.nan) for f in feats])} |")
        L.append(f"| step time (ms) | {_q([f.get('step_ms', math.nan) for f in feats])} |")
        L.append(
            f"| vertical specific-force peak in contact (g, incl. 1 g) | {_q([f.get('az_peak_g', math.nan) for f in feats])} |"
        )
        L.append(f"| its time after IC (ms) | {_q([f.get('az_peak_after_ic_ms', math.nan) for f in feats])} |")
        L.append(
            f"| steepest rise of az relative to force-plate IC (ms) | {_q([f['steepest_rise_after_ic_ms'] for f in feats])} |"
        )
        L.append("")
    return "\n".join(L)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw", type=Path, required=True, help="folder with subjectNN/runSSS/ik.mot, grf100.mot")
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[2].parent / "real_running" / "hamner2013"
    )
    ap.add_argument("--facts", type=Path, default=None, help="write the per-speed facts table here")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for sdir in sorted(p for p in args.raw.iterdir() if p.is_dir() and p.name.startswith("subject")):
        for run in sorted(SPEEDS_MPS):
            if not (sdir / run).is_dir():
                continue
            trial = load_trial(args.raw, sdir.name, run)
            if trial is None:
                print(f"{sdir.name}/{run}: incomplete inputs, skipped")
                continue
            res = process(trial)
            nn = sdir.name.replace("subject", "")
            stem = f"subj{nn}_{run}"
            for name in ("sacrum", "hip"):
                write_csv_gz(args.out / f"{stem}_{name}.csv.gz", res["imu"][name])
            (args.out / f"{stem}_ref.json").write_text(json.dumps(res["ref"], separators=(",", ":")))
            c = res["ref"]["checks"]
            print(
                f"{stem}: {trial.source}; {res['ref']['duration_s']} s, {len(res['ref']['ics'])} ICs, "
                f"{len(res['ref']['strides'])} strides; checks {c}"
            )
            results.append(res)
    if args.facts and results:
        args.facts.write_text(facts_markdown(results) + "\n")
        print(f"facts table -> {args.facts}")


if __name__ == "__main__":
    main()
