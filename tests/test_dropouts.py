"""Gaps and the ends of the data: the gait tracker carries on across short dropouts, and the
last contact of a file is not lost (simulated running with truth, seeds not tuned on)."""

from __future__ import annotations

import numpy as np

from benchmarks.dropouts import score
from benchmarks.sim_accuracy import match
from stridemon.pipeline import Pipeline
from stridemon.sim.model import SensorModel, simulate
from stridemon.sim.scenarios import get_scenario


def test_steps_resume_after_short_dropouts_at_52_hz():
    # 0.05–1 s of samples lost every 2–15 s: the BLE pattern.
    for seed in (310, 311):
        r = score(52.0, seed, seconds=120.0, max_gap_s=1.0)
        assert r["found_pct"] >= 98.0, r
        assert r["false"] <= 3, r
        assert r["windows"] >= 1 and r["cad_mae"] <= 1.0, r
        assert r["strides_over_gaps"] == 0, r


def test_gap_longer_than_a_dropout_restarts_the_bout_and_no_stride_spans_it():
    sc = get_scenario("steady-run", 60.0)
    sensor = SensorModel(rate_hz=100.0, gaps=((20.0, 0.4), (40.0, 3.0)))
    batch, truth = simulate(sc.segments, sensor, "back-upright", 312)
    p = Pipeline()
    p.feed(batch)
    p.finish()
    assert len(p.gaps) == 2
    for s in p.strides:
        for g in p.gaps:
            assert s.end_s <= g.t_s or s.t_s >= g.end_s, (s, g)
    # The side is kept across the short dropout (parity through the skipped steps).
    det = np.array([s.t_s for s in p.steps])
    pairs = match(truth.ic_t_s, det, 0.05)
    after = [(i, j) for i, j in pairs if 20.4 < truth.ic_t_s[i] < 22.0]
    assert after and all(p.steps[j].side == truth.ic_side[i] for i, j in after)


def test_the_last_contact_of_a_file_is_found():
    sc = get_scenario("steady-run", 30.0)
    batch, truth = simulate(sc.segments, SensorModel(rate_hz=100.0), "back-upright", 313)
    last_ic = float(truth.ic_t_s[truth.ic_t_s < batch.t_s[-1] - 0.5][-1])
    # Cut the data 0.15 s after the last true contact (a trial that ends in stance).
    cut = batch.slice(0, int(np.searchsorted(batch.t_s, last_ic + 0.15)))
    p = Pipeline()
    p.feed(cut)
    p.finish()
    assert abs(p.steps[-1].t_s - last_ic) <= 0.03, (p.steps[-1], last_ic)
