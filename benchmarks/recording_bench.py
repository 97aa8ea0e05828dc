"""Recording format: write speed, read speed and size for one hour of 200 Hz data."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from stridemon.sim.model import SensorModel
from stridemon.sinks.recorder import Recorder
from stridemon.sources.base import batches_of
from stridemon.sources.recording import read_recording
from stridemon.sources.simulator import simulate_run


def run() -> dict:
    batch, _ = simulate_run("steady-run", SensorModel(rate_hz=200.0, jitter_s=0.0003), seed=2, seconds=3600)
    # Live-like host receive times: device time + 5–30 ms BLE latency.
    batch.host_t_s = 1.8e9 + batch.t_s + np.random.default_rng(0).uniform(0.005, 0.03, len(batch))
    parts = list(batches_of(batch, 0.1))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "hour.smrec"
        t0 = time.perf_counter()
        rec = Recorder(path)
        for b in parts:
            rec.write_batch(b)
        rec.close()
        write_s = time.perf_counter() - t0
        size = path.stat().st_size
        t0 = time.perf_counter()
        r = read_recording(path)
        s = r.samples()
        read_s = time.perf_counter() - t0
        assert len(s) == len(batch)
    print("\nRecording one hour of 200 Hz samples with host times (720,000 samples, 0.1 s batches)")
    print(f"  size        {size / 1e6:.2f} MB per hour")
    print(f"  write       {write_s:.2f} s  ({3600 / write_s:.0f}x real time, fsync once per second of data)")
    print(f"  read        {read_s:.2f} s")
    return {"mb_per_hour": size / 1e6, "write_s": write_s, "read_s": read_s}


if __name__ == "__main__":
    run()
