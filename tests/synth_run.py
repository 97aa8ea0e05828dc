"""A small synthetic runner for tests: plain IMU CSVs with known cadence and rotation.

The sensor frame has z up (a belt sensor standing upright). Per step the vertical specific
force is 0 in flight and a half-sine in stance whose mean over the step is g; the pelvis yaw is
−(R/2)·sin(2π·stride_phase) about the vertical with left contacts at stride phase 0, so the yaw
range of every stride is R (deg). Steps and strides vary a little (``jitter``) so runs have a
stride-to-stride spread like real ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

G = 9.80665
HEADER = "t_s,ax,ay,az,gx,gy,gz"


def synth_run(
    cadence_spm: float | Callable[[float], float] = 170.0,
    rotation_deg: float | Callable[[float], float] = 10.0,
    duration_s: float = 60.0,
    rate_hz: float = 100.0,
    stance_fraction: float = 0.6,
    jitter: float = 0.01,
    noise: float = 0.05,
    lead_in_s: float = 0.0,
    t0_s: float = 0.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Samples of a run: ``(t_s (n,), acc_mps2 (n,3), gyro_dps (n,3))``.

    ``cadence_spm`` and ``rotation_deg`` may be functions of elapsed running time (s) for drift
    (fatigue). ``jitter`` is the relative SD of each step time and stride rotation; ``noise``
    the sensor noise (m/s² and deg/s). ``lead_in_s`` of standing still precede the running.
    """
    rng = np.random.default_rng(seed)
    cad_f = cadence_spm if callable(cadence_spm) else (lambda _t, c=cadence_spm: c)
    rot_f = rotation_deg if callable(rotation_deg) else (lambda _t, r=rotation_deg: r)
    n = round(duration_s * rate_hz)
    t = np.arange(n) / rate_hz
    # Step boundaries (elapsed running time) with jittered step times; per-stride rotation.
    starts, durs, rots = [], [], []
    s, k, r = 0.0, 0, 0.0
    run_s = duration_s - lead_in_s
    while s < run_s + 1.0:
        d = 60.0 / cad_f(s) * (1.0 + jitter * rng.standard_normal())
        if k % 2 == 0:
            r = rot_f(s) * (1.0 + jitter * rng.standard_normal())
        starts.append(s)
        durs.append(d)
        rots.append(r)
        s += d
        k += 1
    starts_a, durs_a, rots_a = np.array(starts), np.array(durs), np.array(rots)
    tr = t - lead_in_s  # running time
    running = tr >= 0
    idx = np.clip(np.searchsorted(starts_a, tr, side="right") - 1, 0, len(starts_a) - 1)
    u = (tr - starts_a[idx]) / durs_a[idx]  # phase within the step, 0..1
    d = durs_a[idx]
    # Vertical: half-sine stance with mean g over the step, 0 in flight.
    ts = stance_fraction * d
    peak = G * np.pi / (2.0 * stance_fraction)
    in_stance = (u * d) < ts
    az = np.where(in_stance, peak * np.sin(np.pi * (u * d) / ts), 0.0)
    az = np.where(running, az, G)
    # Yaw about vertical: psi = -(R/2) sin(2π φ), φ = stride phase (left contact at 0).
    phi = ((idx % 2) + u) / 2.0
    dphi_dt = 1.0 / (2.0 * d)
    wz = -(rots_a[idx] / 2.0) * np.cos(2 * np.pi * phi) * 2 * np.pi * dphi_dt
    wz = np.where(running, wz, 0.0)
    # A little fore-aft braking/propulsion in stance so the horizontal is not empty.
    ax = np.where(in_stance & running, -2.0 * np.sin(2 * np.pi * (u * d) / ts), 0.0)
    acc = np.column_stack([ax, np.zeros(n), az]) + noise * rng.standard_normal((n, 3))
    gyro = np.column_stack([np.zeros(n), np.zeros(n), wz]) + noise * rng.standard_normal((n, 3))
    return t + t0_s, acc, gyro


def write_csv(path: str | Path, meta: dict | None = None, **kw) -> Path:
    """Write a synthetic run as a plain IMU CSV (and ``<path>.meta.json`` if ``meta``)."""
    path = Path(path)
    t, acc, gyro = synth_run(**kw)
    np.savetxt(path, np.column_stack([t, acc, gyro]), delimiter=",", header=HEADER, comments="", fmt="%.5f")
    if meta is not None:
        Path(str(path) + ".meta.json").write_text(json.dumps(meta))
    return path
