"""Speed of ``stridemon analyze`` as a multiple of real time, on one hour of running at 100 and 200 Hz.

The hour is what users record: running. The simulator's steady run (172 spm, 10° pelvis yaw)
is generated for 10 min through a realistic sensor (noise, bias and bias drift, 16-bit
quantisation, sampling jitter, a few dropped samples and two short dropouts) and repeated
with a continuous clock to 3600 s; the 200 Hz hour is simulated at 200 Hz, not interpolated.
A walking hour (a real lower-back trial repeated, when the shared data are there) is a
comparison row at 100 Hz.

Timed end to end: a fresh ``python -m stridemon analyze FILE --json`` process (start-up, CSV
parsing, the pipeline, JSON out), best of 2. The pipeline alone is also timed in-process
(``Pipeline.feed`` in 60 s batches + ``finish``, as analyze feeds it) and split by stage, so
the cost per step and per sample shows where the time goes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WALK_TRIAL = ROOT.parent / "shared" / "data" / "mobgap_lab" / "imu" / "MS_001_Test11_Trial1.csv"
HOUR_S = 3600.0
PIECE_S = 600.0  # simulated once, then repeated


def running_hour(rate_hz: float, seed: int = 11) -> np.ndarray:
    """(n, 7) rows t_s, acc (m/s²), gyro (deg/s): one hour of simulated running at ``rate_hz``."""
    from stridemon.sim.model import SensorModel, simulate
    from stridemon.sim.scenarios import get_scenario

    sensor = SensorModel(
        rate_hz=rate_hz,
        jitter_s=0.1 / rate_hz,
        drop_prob=0.002,  # single lost samples (bridged by the resampler)
        gaps=((170.0, 0.4), (430.0, 1.5)),  # lost packets: a bridged dropout and a bout-ending one
        gyro_bias_dps=(0.8, -1.2, 0.5),
        gyro_bias_walk_dps_per_sqrt_s=0.01,
        acc_bias_mps2=(0.05, -0.08, 0.1),
        acc_noise_mps2=0.04,
        gyro_noise_dps=0.15,
    )
    batch, _ = simulate(get_scenario("steady-run", PIECE_S).segments, sensor, "back-upright", seed)
    piece = np.column_stack([batch.t_s, batch.acc_mps2, batch.gyro_dps])
    return _repeat_to_hour(piece, PIECE_S)


def walking_hour() -> np.ndarray | None:
    """A real lower-back walking trial (100 Hz) repeated to one hour; None without the shared data."""
    if not WALK_TRIAL.exists():
        return None
    src = np.loadtxt(WALK_TRIAL, delimiter=",", skiprows=1)
    dt = float(np.median(np.diff(src[:, 0])))
    return _repeat_to_hour(src, (src[-1, 0] - src[0, 0]) + dt)


def _repeat_to_hour(piece: np.ndarray, piece_s: float) -> np.ndarray:
    """Repeat ``piece`` (rows t_s, ...) back to back with a continuous clock; cut at one hour."""
    piece = piece.copy()
    piece[:, 0] -= piece[0, 0]
    reps = int(np.ceil(HOUR_S / piece_s))
    out = np.concatenate([piece + np.r_[i * piece_s, np.zeros(6)] for i in range(reps)])
    return out[out[:, 0] < HOUR_S]


def write_csv(path: Path, data: np.ndarray) -> None:
    """A plain IMU CSV, fast (np.savetxt takes ~30 s for an hour at 200 Hz): 6 decimals for
    time, 4 for the sensor values, written by Arrow."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = ["t_s", "ax", "ay", "az", "gx", "gy", "gz"]
    cols = [np.round(data[:, 0], 6)] + [np.round(data[:, c], 4) for c in range(1, 7)]
    table = pa.table(dict(zip(names, cols, strict=True)))
    with open(path, "wb") as f:
        f.write((",".join(names) + "\n").encode())  # Arrow would quote the names
        pacsv.write_csv(table, f, write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"))


def time_process(path: Path, runs: int = 2) -> tuple[float, bytes]:
    """Best wall time (s) of a fresh ``python -m stridemon analyze PATH --json`` and its output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    best, out = float("inf"), b""
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(
            [sys.executable, "-m", "stridemon", "analyze", str(path), "--json"], capture_output=True, env=env
        )
        best = min(best, time.perf_counter() - t0)
        assert p.returncode == 0, p.stderr.decode()
        out = p.stdout
    return best, out


class _StageTimer:
    """Wraps methods of pipeline stages and sums their wall time (nested calls are excluded)."""

    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self._stack: list[float] = []

    def wrap(self, obj: object, name: str, label: str) -> object:
        fn = getattr(obj, name)

        def timed(*a, **k):
            self._stack.append(0.0)
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                dt = time.perf_counter() - t0
                inner = self._stack.pop()
                self.total[label] += dt - inner
                if self._stack:
                    self._stack[-1] += dt

        if name == "__call__":  # a called object: stand a callable proxy in for it
            proxy = type("Timed", (), {"__call__": staticmethod(timed), "__getattr__": lambda _, a: getattr(obj, a)})
            return proxy()
        setattr(obj, name, timed)
        return obj


def time_pipeline(path: Path) -> dict[str, float]:
    """In-process: the pipeline alone (best of 2), and one more run split by stage (s)."""
    from stridemon.pipeline import Pipeline
    from stridemon.sources.base import batches_of
    from stridemon.sources.csvfile import read_imu_csv

    batch, _ = read_imu_csv(path)
    batches = list(batches_of(batch, 60.0))

    def run(pipe: Pipeline) -> float:
        t0 = time.perf_counter()
        for b in batches:
            pipe.feed(b)
        pipe.finish()
        return time.perf_counter() - t0

    best = min(run(Pipeline()) for _ in range(2))
    pipe = Pipeline()
    timer = _StageTimer()
    timer.wrap(pipe._grid, "feed", "grid")
    pipe._up = timer.wrap(pipe._up, "__call__", "up")
    timer.wrap(pipe._detector, "feed", "detector")
    timer.wrap(pipe._detector, "flush", "detector")
    timer.wrap(pipe._tracker, "update", "tracker")
    timer.wrap(pipe, "_settle_strides", "strides")
    timer.wrap(pipe, "feed", "other")
    timer.wrap(pipe, "finish", "other")
    run(pipe)
    return {"pipeline": best, "steps": len(pipe.steps), "samples": len(batch), **timer.total}


STAGES = ("grid", "up", "detector", "tracker", "strides", "other")


def run() -> dict:
    results = {}
    print("\nSpeed of `stridemon analyze FILE --json` on one hour of running (this machine)")
    print(
        f"{'data':>11s} {'samples':>9s} {'steps':>6s} {'wall s':>7s} {'x real time':>12s} "
        f"{'pipe µs/step':>12s} {'pipe µs/sample':>14s}   pipeline split µs/step: " + " ".join(STAGES)
    )
    with tempfile.TemporaryDirectory() as tmp:
        rows = [(f"run {r:.0f} Hz", lambda r=r: running_hour(r)) for r in (100.0, 200.0)]
        rows.append(("walk 100 Hz", walking_hour))
        for label, make in rows:
            data = make()
            if data is None:
                continue
            path = Path(tmp) / "hour.csv"
            write_csv(path, data)
            wall, _ = time_process(path)
            p = time_pipeline(path)
            ratio = HOUR_S / wall
            results[label] = ratio
            n, steps = p["samples"], max(p["steps"], 1)
            split = " ".join(f"{1e6 * p.get(s, 0.0) / steps:.0f}" for s in STAGES)
            print(
                f"{label:>11s} {n:9d} {p['steps']:6d} {wall:7.2f} {ratio:12.0f} "
                f"{1e6 * p['pipeline'] / steps:12.1f} {1e6 * p['pipeline'] / n:14.2f}   {split}"
            )
    return results


if __name__ == "__main__":
    run()
