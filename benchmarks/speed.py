"""Speed of ``stridemon analyze`` as a multiple of real time, on one hour of 100 Hz and 200 Hz data.

The hour is made by repeating a real lower-back trial (or the simulator's steady run when the
shared data are absent) with a continuous clock; 200 Hz is the same motion interpolated.
Timed end to end: a fresh ``python -m stridemon analyze FILE --json`` process (start-up, CSV
parsing, the pipeline, JSON out), best of 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TRIAL = ROOT.parent / "shared" / "data" / "mobgap_lab" / "imu" / "MS_001_Test11_Trial1.csv"


def one_hour(rate_hz: float) -> np.ndarray:
    """(n, 7) rows t_s, acc (m/s²), gyro (deg/s) covering 3600 s."""
    if TRIAL.exists():
        src = np.loadtxt(TRIAL, delimiter=",", skiprows=1)
    else:
        from stridemon.sources.simulator import simulate_batch  # type: ignore[attr-defined]

        b = simulate_batch("steady-run", seconds=300, rate_hz=100.0, seed=1)
        src = np.column_stack([b.t_s, b.acc_mps2, b.gyro_dps])
    dt0 = float(np.median(np.diff(src[:, 0])))
    reps = int(np.ceil(3600.0 / (len(src) * dt0)))
    x = np.tile(src[:, 1:], (reps, 1))
    t0 = np.arange(len(x)) * dt0
    t = np.arange(0.0, 3600.0, 1.0 / rate_hz)
    cols = [np.interp(t, t0, x[:, c]) for c in range(6)]
    return np.column_stack([t, *cols])


def run() -> dict:
    results = {}
    print("\nSpeed of `stridemon analyze FILE --json` on one hour of data (this machine)")
    print(f"{'rate':>7s} {'samples':>9s} {'file MB':>8s} {'wall s':>7s} {'x real time':>12s}")
    with tempfile.TemporaryDirectory() as tmp:
        for rate in (100.0, 200.0):
            data = one_hour(rate)
            path = Path(tmp) / f"hour_{int(rate)}.csv"
            np.savetxt(path, data, delimiter=",", fmt=["%.4f"] + ["%.4f"] * 6, header="t_s,ax,ay,az,gx,gy,gz",
                       comments="")
            best = float("inf")
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            for _ in range(2):
                t0 = time.perf_counter()
                p = subprocess.run([sys.executable, "-m", "stridemon", "analyze", str(path), "--json"],
                                   capture_output=True, env=env)
                best = min(best, time.perf_counter() - t0)
                assert p.returncode == 0, p.stderr.decode()
            ratio = 3600.0 / best
            results[rate] = ratio
            print(f"{rate:5.0f}Hz {len(data):9d} {path.stat().st_size / 1e6:8.1f} {best:7.2f} {ratio:12.0f}")
    return results


if __name__ == "__main__":
    run()
