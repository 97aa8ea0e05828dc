"""Dashboard performance: CPU, sample-to-screen latency, step delay, memory over an hour.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.dashboard_bench [--seconds 30] [--hour-minutes 60]

1. Real time: the window on a 200 Hz runner at 1× (batches of 20 ms, like a BLE sensor) for
   ``--seconds``, 30 fps. Prints CPU (% of one core, process time / wall time), frames drawn,
   sample-to-screen latency (a batch's arrival to the raw strip being painted, p50/p99) and the
   step event delay after the true initial contact (the algorithm's own delay, device clock).
2. An hour: the same window fed a simulated hour as fast as it goes (a redraw per simulated
   second), resident memory sampled every 5 simulated minutes.

Drives the window with the project's simulator (a steady run at 200 Hz).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("STRIDEMON_AUDIO", "none")


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1e6


class _Prerecorded:
    """A simulated run generated beforehand and streamed at 1× in 20 ms batches, so the CPU
    figure is the dashboard's (pipeline + drawing), not the simulator's physics."""

    def __init__(self, batch, truth) -> None:
        from stridemon.samples import SourceInfo

        self.batch, self.truth = batch, truth
        self.info = SourceInfo(name="simulated runner (pre-generated)", family="simulator", nominal_rate_hz=200.0)

    async def stream(self):
        from stridemon.sources.base import batches_of, paced

        async for b in paced(batches_of(self.batch, 0.02), 1.0):
            yield b


def realtime(seconds: float) -> dict:
    from stridemon.settings import RunnerSettings
    from stridemon.sim.model import SensorModel
    from stridemon.sources.simulator import simulate_run
    from stridemon.ui.app import run_dashboard

    src_holder = {}
    win_holder = {}
    emitted: list[tuple[float, float]] = []  # (device time when emitted, step IC)
    frames = [0]
    marks: dict = {}

    def factory():
        run = simulate_run("steady-run", SensorModel(rate_hz=200.0), 3, seconds=seconds + 10)
        src_holder["s"] = _Prerecorded(*run)
        return src_holder["s"]

    def on_window(w):
        win_holder["w"] = w
        orig = w._on_event
        orig_paint = w._on_strip_painted

        def on_event(e):
            from stridemon.events import Step

            if isinstance(e, Step):
                emitted.append((w.t_now, e.t_s))
            orig(e)

        def painted():
            frames[0] += 1
            orig_paint()

        w._on_event = on_event
        w._probe.on_paint = painted
        from PySide6.QtCore import QTimer

        def mark():  # steady state: after start-up (imports, window creation, first layout)
            marks.update(wall=time.perf_counter(), cpu=time.process_time(), frames=frames[0])

        QTimer.singleShot(5000, mark)

    wall0, cpu0 = time.perf_counter(), time.process_time()
    run_dashboard(factory, RunnerSettings(), seconds=seconds, on_window=on_window)
    wall, cpu = time.perf_counter() - marks["wall"], time.process_time() - marks["cpu"]
    frames[0] -= marks["frames"]
    del wall0, cpu0
    w = win_holder["w"]
    lat = w.latencies_ms.column(0).copy()
    true_ic = src_holder["s"].truth.ic_t_s
    delays = []
    for t_emit, ic in emitted:
        j = np.argmin(np.abs(true_ic - ic))
        if abs(true_ic[j] - ic) < 0.1:
            delays.append(t_emit - true_ic[j])
    d = np.array(delays)
    return {
        "wall_s": wall,
        "cpu_pct": 100 * cpu / wall,
        "fps": frames[0] / wall,
        "lat_p50_ms": float(np.percentile(lat, 50)),
        "lat_p99_ms": float(np.percentile(lat, 99)),
        "lat_max_ms": float(lat.max()),
        "step_delay_median_s": float(np.median(d)),
        "step_delay_p95_s": float(np.percentile(d, 95)),
        "ic_error_median_ms": 1000
        * float(np.median([ic - true_ic[np.argmin(np.abs(true_ic - ic))] for _, ic in emitted])),
        "steps": len(emitted),
    }


def hour(minutes: float) -> dict:
    from PySide6.QtWidgets import QApplication

    from stridemon.settings import RunnerSettings
    from stridemon.sim.model import SensorModel
    from stridemon.sources.base import batches_of
    from stridemon.sources.simulator import make_simulation
    from stridemon.ui.audio import Audio
    from stridemon.ui.dashboard import Dashboard

    app = QApplication.instance() or QApplication([])
    w = Dashboard(RunnerSettings(), audio=Audio(backend="none"))
    w._timer.stop()
    w.resize(1500, 950)
    w.show()
    total = minutes * 60.0
    rss = []
    t0 = time.perf_counter()
    next_draw, next_mem = 0.0, 0.0
    sim = make_simulation("steady-run", SensorModel(rate_hz=200.0), seed=4, seconds=total)
    for b in sim.chunks():  # 20 s at a time: the hour is never held in memory
        for b2 in batches_of(b, 0.02):
            w.on_batch(b2)
            if w.t_now >= next_draw:
                w.refresh()
                app.processEvents()
                next_draw += 1.0
            if w.t_now >= next_mem:
                rss.append((w.t_now / 60.0, _rss_mb()))
                next_mem += 300.0
    wall = time.perf_counter() - t0
    w.close()
    return {"minutes": minutes, "wall_s": wall, "rss": rss, "pipeline_steps_kept": len(w.pipeline.steps)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0, help="real-time part, s")
    ap.add_argument("--hour-minutes", type=float, default=60.0, help="simulated session length, min")
    args = ap.parse_args()
    asyncio.set_event_loop(None)
    r = realtime(args.seconds)
    print(f"real time, 200 Hz in 20 ms batches, 30 fps target, {r['wall_s']:.0f} s after 5 s of start-up:")
    print(f"  CPU                  {r['cpu_pct']:.1f} % of one core")
    print(f"  frames drawn         {r['fps']:.1f} /s")
    print(
        f"  sample-to-screen     p50 {r['lat_p50_ms']:.1f} ms, p99 {r['lat_p99_ms']:.1f} ms, "
        f"max {r['lat_max_ms']:.1f} ms (batch arrival to strip painted)"
    )
    print(
        f"  step event delay     median {r['step_delay_median_s']:.2f} s, p95 {r['step_delay_p95_s']:.2f} s "
        f"after the true initial contact ({r['steps']} steps; IC time error median {r['ic_error_median_ms']:.0f} ms)"
    )
    h = hour(args.hour_minutes)
    print(f"a simulated {h['minutes']:.0f} min session fed as fast as it goes ({h['wall_s']:.0f} s):")
    print("  resident memory      " + ", ".join(f"{m:.0f} min {mb:.0f} MB" for m, mb in h["rss"]))
    first = h["rss"][1][1] if len(h["rss"]) > 1 else h["rss"][0][1]
    print(
        f"  growth after 5 min   {h['rss'][-1][1] - first:+.1f} MB "
        f"(the window's buffers are fixed rings; its pipeline keeps the last {h['pipeline_steps_kept']} steps)"
    )


if __name__ == "__main__":
    main()
