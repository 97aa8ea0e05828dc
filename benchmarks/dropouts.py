"""Steps and cadence through short BLE dropouts (0.05–1 s), on simulated running.

A commodity BLE sensor loses packets: a gap of a few tenths of a second every few seconds is
common at 50 Hz. The gait tracker must carry on across such a gap: steps resume at the first
contact after it, no stride spans it, and the cadence is unaffected where the gaps do not
reach. Scored against the simulator's truth (contacts inside a gap or within 0.2 s of its
edges are not expected), on seeds the tracker was not tuned on.
"""

from __future__ import annotations

import numpy as np

from benchmarks.sim_accuracy import match
from stridemon.dsp.cadence import window_cadence_spm
from stridemon.pipeline import Pipeline
from stridemon.sim.model import SensorModel, simulate
from stridemon.sim.scenarios import get_scenario


def dropout_sensor(rate_hz: float, seconds: float, seed: int, max_gap_s: float = 0.2) -> SensorModel:
    """A sensor losing 0.05–``max_gap_s`` s of samples every 2–15 s."""
    rng = np.random.default_rng([seed, 77])
    gaps, t = [], 3.0
    while t < seconds - 2.0:
        gaps.append((round(t, 3), round(float(rng.uniform(0.05, max_gap_s)), 3)))
        t += float(rng.uniform(2.0, 15.0))
    return SensorModel(rate_hz=rate_hz, jitter_s=0.1 / rate_hz, gaps=tuple(gaps))


def score(rate_hz: float, seed: int, seconds: float = 180.0, max_gap_s: float = 0.2) -> dict:
    sc = get_scenario("steady-run", seconds)
    sensor = dropout_sensor(rate_hz, seconds, seed, max_gap_s)
    batch, truth = simulate(sc.segments, sensor, "back-upright", seed)
    p = Pipeline()
    p.feed(batch)
    p.finish()
    det = np.array([s.t_s for s in p.steps])
    ok = truth.ic_detectable
    pairs = match(truth.ic_t_s, det, 0.05)
    hits = sum(1 for i, _ in pairs if ok[i])
    cad = np.array([s.cadence_spm for s in p.steps])
    errs = []
    for w0 in np.arange(5.0, seconds - 10.0, 10.0):
        if any(a < w0 + 10.0 + 0.5 and a + d > w0 - 0.5 for a, d in sensor.gaps):
            continue
        est = window_cadence_spm(det, cad, w0, w0 + 10.0)
        errs.append(abs(est - truth.cadence_spm(w0, w0 + 10.0)) if est == est else 180.0)
    # Gaps up to the pipeline's bridge (0.1 s) are interpolated, not gaps.
    real_gaps = [(a, d) for a, d in sensor.gaps if d > p.settings.max_bridge_s]
    spans = sum(1 for s in p.strides for a, d in real_gaps if s.t_s < a + d and s.end_s > a)
    return {
        "found_pct": 100.0 * hits / max(int(ok.sum()), 1),
        "false": len(det) - len(pairs),
        "cad_mae": float(np.mean(errs)) if errs else float("nan"),
        "windows": len(errs),
        "gaps": len(sensor.gaps),
        "strides_over_gaps": spans,
    }


def run() -> dict:
    print("\nShort dropouts on simulated running (steady-run 180 s, gaps every 2–15 s)")
    print(
        f"{'rate':>6s} {'gaps s':>9s} {'seed':>5s} {'found %':>8s} {'false':>6s} {'cad MAE':>8s}"
        f" {'strides over gaps':>18s}"
    )
    out = {}
    for rate in (52.0, 104.0):
        for max_gap in (0.2, 1.0):
            for seed in (300, 301):
                r = score(rate, seed, max_gap_s=max_gap)
                out[(rate, max_gap, seed)] = r
                print(
                    f"{rate:6.0f} {'0.05-' + str(max_gap):>9s} {seed:5d} {r['found_pct']:8.1f} {r['false']:6d} "
                    f"{r['cad_mae']:8.2f} {r['strides_over_gaps']:18d}"
                )
    return out


if __name__ == "__main__":
    run()
