"""The whole DSP on simulated running and walking with ground truth: accuracy floors on seeds
the detector was not tuned on, every mounting, and chunking with gaps and jitter.
(Floors sit below the benchmark's targets so the tests stay stable; `make bench` prints the
real figures.)"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.sim_accuracy import Score, score_run
from stridemon.pipeline import Pipeline
from stridemon.sim.model import MOUNTS, SensorModel, make_mount
from stridemon.sim.scenarios import get_scenario, random_scenario
from stridemon.sources.simulator import make_simulation


def test_random_runs_meet_the_floors():
    total = Score()
    for seed in (200, 201, 202, 203):  # not tuning seeds (0–29) nor the benchmark's (100–129)
        total.add(score_run(random_scenario(seed, 120.0), seed))
    r = total.row()
    assert r["F1"] >= 0.97 and r["timing_ms"] <= 15 and r["side_pct"] >= 95
    assert r["cadence_mae"] <= 1.0 and r["rotation_mae"] <= 1.0


@pytest.mark.parametrize("mount", [m for m in MOUNTS if m != "random"] + ["random"])
def test_every_mounting_gives_steps_sides_rotation_and_axes(mount):
    sim = make_simulation("steady-run", SensorModel(rate_hz=100.0), seed=8, mount=mount, seconds=60)
    batch, truth = sim.run(), sim.truth
    p = Pipeline()
    p.feed(batch)
    p.finish()
    det = np.array([s.t_s for s in p.steps])
    hits = sum(np.min(np.abs(det - t)) <= 0.05 for t in truth.ic_t_s[truth.ic_detectable])
    assert hits >= 0.97 * truth.ic_detectable.sum()
    sides = {s.t_s: s.side for s in p.steps}
    ok = [sides[det[np.argmin(np.abs(det - t))]] == sd for t, sd in zip(truth.ic_t_s, truth.ic_side, strict=True)]
    assert np.mean(ok) >= 0.95
    rot = np.median([s.rotation_deg for s in p.strides])
    assert abs(rot - np.median(truth.stride_yaw_range_deg)) < 1.0
    # forward: the pelvis x axis seen in the sensor frame (the sensor is strapped to the pelvis)
    m = sim.mount.rot_body_from_sensor
    fwd_true = m.T @ np.array([1.0, 0.0, 0.0])
    cos = float(p.forward.forward @ fwd_true)
    assert cos > np.cos(np.radians(20)), (mount, p.forward.forward, fwd_true)


def test_random_mount_is_really_random():
    rng = np.random.default_rng(0)
    a, b = make_mount("random", rng), make_mount("random", rng)
    assert not np.allclose(a.rot_body_from_sensor, b.rot_body_from_sensor)


@settings(max_examples=8, deadline=None)
@given(sizes=st.lists(st.integers(1, 900), min_size=1, max_size=20))
def test_chunked_equals_whole_with_gaps_and_jitter(sizes):
    sensor = SensorModel(rate_hz=208.0, jitter_s=0.0004, drop_prob=0.01, gaps=((20.0, 0.6), (31.0, 2.0)))
    sc = get_scenario("walk-run", 70.0)
    sim = make_simulation(sc, sensor, seed=5, seconds=70.0)
    b = sim.run()
    whole = Pipeline()
    whole.feed(b)
    whole.finish()
    parts = Pipeline()
    i, k = 0, 0
    while i < len(b):
        n = sizes[k % len(sizes)]
        parts.feed(b.slice(i, i + n))
        i, k = i + n, k + 1
    parts.finish()
    assert len(whole.steps) > 100 and len(whole.gaps) == 2
    assert parts.steps == whole.steps and parts.strides == whole.strides and parts.gaps == whole.gaps
