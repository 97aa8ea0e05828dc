"""Soak: hours of running through the live window and the recorder, with link drops.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.soak [--hours 3] [--rate 100]

The dashboard (offscreen Qt, the real window) is fed simulated sensor data as fast as it goes,
in 20 ms batches as from a BLE sensor, with the link lost for 2–10 s every 3–6 minutes and
short 0.1–0.5 s dropouts in between, while it records to a real ``.smrec`` file and redraws once
per simulated second. Printed:

* resident memory every 10 simulated minutes and its slope after the first 10 min (MB/h);
* CPU per redraw (process time) per hour and its change from the first hour to the last;
* rotation per stride against the simulator's truth per hour (no drift: the same error late
  as early);
* the recording read back: samples, steps and gaps in the file against what was fed and shown.

The run is compressed in time (≈ 100–200× real time); ``--realtime`` paces it at 1× instead
(an hour then takes an hour: run it on demand, not in CI).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("STRIDEMON_AUDIO", "none")


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1e6


def link_drops(seconds: float, seed: int = 11) -> tuple[tuple[float, float], ...]:
    """(start, duration) s: a 2–10 s loss every 3–6 min, a 0.1–0.5 s dropout every 20–60 s."""
    rng = np.random.default_rng(seed)
    gaps, t = [], 60.0
    while t < seconds - 30:
        gaps.append((round(t, 3), round(float(rng.uniform(2, 10)), 3)))
        t += float(rng.uniform(180, 360))
    t = 30.0
    while t < seconds - 30:
        if all(not (a - 1 < t < a + d + 1) for a, d in gaps):
            gaps.append((round(t, 3), round(float(rng.uniform(0.1, 0.5)), 3)))
        t += float(rng.uniform(20, 60))
    return tuple(sorted(gaps))


def run(hours: float = 3.0, rate_hz: float = 100.0, realtime: bool = False) -> dict:
    from PySide6.QtWidgets import QApplication

    from benchmarks.sim_accuracy import match
    from stridemon.settings import RunnerSettings
    from stridemon.sim.model import SensorModel
    from stridemon.sinks.recorder import Recorder
    from stridemon.sources.base import batches_of
    from stridemon.sources.recording import read_recording
    from stridemon.sources.simulator import make_simulation
    from stridemon.ui.audio import Audio
    from stridemon.ui.dashboard import Dashboard

    seconds = hours * 3600.0
    gaps = link_drops(seconds)
    sensor = SensorModel(rate_hz=rate_hz, jitter_s=0.1 / rate_hz, gaps=gaps, gyro_bias_walk_dps_per_sqrt_s=0.005)
    sim = make_simulation("fatigue", sensor, seed=12, seconds=seconds)
    tmp = Path(tempfile.mkdtemp(prefix="stridemon-soak-"))
    app = QApplication.instance() or QApplication([])
    w = Dashboard(
        RunnerSettings(name="soak"),
        recorder_factory=lambda path: Recorder(tmp / f"{path.name}.smrec", sim_info(rate_hz)),
        audio=Audio(backend="none"),
    )
    w._timer.stop()
    w.resize(1500, 950)
    w.show()
    w.toggle_record()
    rss, frame_cpu, fed, shown_steps = [], [], 0, []
    next_draw, next_mem = 0.0, 0.0
    t_wall0 = time.perf_counter()
    for chunk in sim.chunks():  # 20 s at a time: the run is never held in memory
        for b in batches_of(chunk, 0.02):
            if realtime:
                time.sleep(0.02)
            out = w.on_batch(b)
            fed += len(b)
            shown_steps += [e.t_s for e in out.events if type(e).__name__ == "Step"]
            if w.t_now >= next_draw:
                c0 = time.process_time()
                w.refresh()
                app.processEvents()
                frame_cpu.append((w.t_now, time.process_time() - c0))
                next_draw = w.t_now + 1.0
            if w.t_now >= next_mem:
                rss.append((w.t_now / 60.0, _rss_mb()))
                next_mem += 600.0
    w.toggle_record()  # stops and closes the file
    wall = time.perf_counter() - t_wall0
    w.close()
    rec = read_recording(next(tmp.glob("*.smrec")))
    truth = sim.truth
    # Rotation per stride against the truth, per hour.
    strides = [e for e in rec.events if type(e).__name__ == "Stride"]
    st = np.array([s.t_s for s in strides])
    rot_err: dict[int, list[float]] = {}
    for i, j in match(truth.stride_start_s, st, 0.05):
        if truth.stride_detectable[i] and np.isfinite(strides[j].rotation_deg):
            rot_err.setdefault(int(st[j] // 3600), []).append(strides[j].rotation_deg - truth.stride_yaw_range_deg[i])
    m = np.array(rss)
    late = m[:, 0] >= 10
    slope = float(np.polyfit(m[late, 0] / 60, m[late, 1], 1)[0]) if late.sum() >= 2 else float("nan")
    fc = np.array(frame_cpu)
    per_hour_ms = [
        1000 * float(np.mean(fc[(fc[:, 0] >= h * 3600) & (fc[:, 0] < (h + 1) * 3600), 1]))
        for h in range(int(np.ceil(hours)))
    ]
    rec_steps = sum(type(e).__name__ == "Step" for e in rec.events)
    return {
        "hours": hours,
        "wall_s": wall,
        "x_real_time": seconds / wall,
        "rss": rss,
        "rss_slope_mb_per_h": slope,
        "frame_cpu_ms_per_hour": per_hour_ms,
        "rotation_bias_deg_per_hour": {h: float(np.median(v)) for h, v in sorted(rot_err.items())},
        "rotation_mae_deg_per_hour": {h: float(np.mean(np.abs(v))) for h, v in sorted(rot_err.items())},
        "samples_fed": fed,
        "samples_in_file": int(sum(len(b) for b in rec.batches)),
        "steps_shown": len(shown_steps),
        "steps_in_file": rec_steps,
        "link_drops": len(gaps),
        "gaps_in_file": sum(type(e).__name__ == "Gap" for e in rec.events),
        "file_mb": sum(p.stat().st_size for p in tmp.glob("*.smrec")) / 1e6,
    }


def sim_info(rate_hz: float):
    from stridemon.samples import SourceInfo

    return SourceInfo(name="simulated runner (soak)", family="simulator", nominal_rate_hz=rate_hz)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=3.0)
    ap.add_argument("--rate", type=float, default=100.0, help="sensor rate, Hz")
    ap.add_argument("--realtime", action="store_true", help="pace at 1x (an hour takes an hour)")
    args = ap.parse_args()
    r = run(args.hours, args.rate, args.realtime)
    print(
        f"\nSoak: {r['hours']:g} h of simulated running at {args.rate:g} Hz, {r['link_drops']} link drops, "
        f"through the dashboard and the recorder ({r['wall_s']:.0f} s wall, {r['x_real_time']:.0f}x real time)"
    )
    print("resident memory (MB) every 10 min: " + " ".join(f"{v:.0f}" for _, v in r["rss"]))
    print(f"memory slope after 10 min: {r['rss_slope_mb_per_h']:+.1f} MB/h")
    print("CPU per redraw by hour (ms): " + " ".join(f"{v:.2f}" for v in r["frame_cpu_ms_per_hour"]))
    print(
        "rotation error per stride by hour, median (MAE) deg: "
        + "  ".join(
            f"{h}: {r['rotation_bias_deg_per_hour'][h]:+.2f} ({r['rotation_mae_deg_per_hour'][h]:.2f})"
            for h in r["rotation_bias_deg_per_hour"]
        )
    )
    print(
        f"recording: {r['samples_in_file']} of {r['samples_fed']} samples fed, {r['steps_in_file']} steps "
        f"(shown: {r['steps_shown']}), {r['gaps_in_file']} gaps, {r['file_mb']:.1f} MB"
    )


if __name__ == "__main__":
    main()
