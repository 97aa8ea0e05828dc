"""The simulator: truth consistency, physics sanity, determinism, units, mounts, imperfections, CLI."""

from __future__ import annotations

import asyncio
import json
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stridemon.cli import main
from stridemon.samples import STANDARD_GRAVITY_MPS2 as G
from stridemon.samples import SampleBatch
from stridemon.sim.model import Segment, SensorModel, Simulation, vertical_in_body
from stridemon.sim.scenarios import SCENARIOS, get_scenario, random_scenario
from stridemon.sources.base import Source
from stridemon.sources.simulator import SimulatedSource, make_simulation, simulate_run

IDEAL = SensorModel.ideal(200.0)


def _yaw_about_vertical(sim: Simulation, batch: SampleBatch) -> np.ndarray:
    """Integrate the gyro about the true vertical (deg), using the true tilt at each sample."""
    k = sim.body.kinematics(batch.t_s)
    up_sensor = vertical_in_body(k.pitch_deg, k.roll_deg) @ sim.mount.rot_body_from_sensor
    rate = np.sum(batch.gyro_dps * up_sensor, axis=1)
    dt = np.diff(batch.t_s)
    return np.concatenate([[0.0], np.cumsum(0.5 * (rate[1:] + rate[:-1]) * dt)])


def test_ic_count_and_cadence_match_the_scenario() -> None:
    _, truth = simulate_run("steady-run", seconds=120, seed=4)
    n_expected = 172 * 120 / 60
    assert abs(len(truth.ic_t_s) - n_expected) <= 0.02 * n_expected
    assert truth.cadence_spm(10, 110) == pytest.approx(172, rel=0.01)
    assert np.all(np.diff(truth.ic_t_s) > 0)
    sides = np.array(truth.ic_side)
    assert np.all(sides[1:] != sides[:-1])  # one bout: sides alternate
    cv = np.std(np.diff(truth.ic_t_s)) / np.mean(np.diff(truth.ic_t_s))
    assert 0.005 < cv < 0.04  # per-step variability, not a metronome
    # strides start on a left IC and end on the next left IC
    for s0, s1 in zip(truth.stride_start_s, truth.stride_end_s, strict=True):
        i0, i1 = np.searchsorted(truth.ic_t_s, [s0, s1])
        assert truth.ic_side[i0] == "left" and truth.ic_side[i1] == "left" and i1 == i0 + 2
    # truth is the rotation about the vertical: the nominal yaw range plus obliquity/tilt coupling
    assert np.median(truth.stride_yaw_range_deg) == pytest.approx(10.0, rel=0.15)


def test_fatigue_and_swivel_ramps_show_in_the_truth() -> None:
    truth = make_simulation("fatigue", seed=1).truth
    assert truth.cadence_spm(0, 60) == pytest.approx(177.3, abs=1.5)
    assert truth.cadence_spm(540, 600) == pytest.approx(164.7, abs=1.5)
    truth = make_simulation("swivel", seed=1).truth
    y = truth.stride_yaw_range_deg
    t = truth.stride_start_s
    assert np.median(y[(t > 5) & (t < 55)]) == pytest.approx(8.0, rel=0.15)
    assert np.median(y[(t > 245) & (t < 295)]) == pytest.approx(18.0, rel=0.15)


def test_no_steps_while_standing() -> None:
    truth = make_simulation("walk-run", seed=2).truth
    for seg in truth.segments:
        inside = (truth.ic_t_s >= seg["start_s"]) & (truth.ic_t_s < seg["end_s"])
        if seg["gait"] == "stand":
            assert not inside.any()
        else:
            assert inside.sum() > 0.9 * seg["cadence_spm"] * (seg["end_s"] - seg["start_s"]) / 60
            assert {g for g, m in zip(truth.ic_gait, inside, strict=True) if m} == {seg["gait"]}
    batch, rest = simulate_run("rest", seconds=30, sensor=IDEAL)
    assert len(rest.ic_t_s) == 0 and len(rest.stride_start_s) == 0
    assert np.linalg.norm(batch.acc_mps2, axis=1) == pytest.approx(G, abs=0.05)
    assert np.abs(batch.gyro_dps).max() < 2.0  # postural sway only


@pytest.mark.parametrize("scenario", ["steady-run", "slow-jog", "fast"])
def test_mean_specific_force_over_a_stride_is_g(scenario: str) -> None:
    sim = make_simulation(scenario, IDEAL, seed=7, seconds=40)
    batch = sim.run()
    tr = sim.truth
    norms = []
    for s0, s1 in zip(tr.stride_start_s[2:-2], tr.stride_end_s[2:-2], strict=True):
        m = (batch.t_s >= s0) & (batch.t_s < s1)
        norms.append(np.linalg.norm(batch.acc_mps2[m].mean(axis=0)))
    assert np.array(norms) == pytest.approx(G, rel=0.02)
    # running: near free fall in flight, about 2–3.5 g at the stance peak
    vert = batch.acc_mps2 @ (sim.mount.rot_body_from_sensor.T @ np.array([0.0, 0.0, 1.0]))
    assert np.percentile(vert, 5) < 0.25 * G
    assert 1.8 * G < np.percentile(vert, 99) < 3.5 * G


def test_gyro_about_vertical_reproduces_the_true_yaw_range() -> None:
    for mount in ("back-upright", "hip-left", "random"):
        sim = make_simulation("swivel", IDEAL, seed=11, mount=mount, seconds=60)
        batch = sim.run()
        yaw = _yaw_about_vertical(sim, batch)
        tr = sim.truth
        got, want = [], []
        for s0, s1, r in zip(
            tr.stride_start_s[3:-3], tr.stride_end_s[3:-3], tr.stride_yaw_range_deg[3:-3], strict=True
        ):
            m = (batch.t_s >= s0) & (batch.t_s <= s1)
            tt, yy = batch.t_s[m], yaw[m]
            y = yy - (yy[0] + (yy[-1] - yy[0]) * (tt - tt[0]) / (tt[-1] - tt[0]))  # drift: line through the ends
            got.append(np.ptp(y))
            want.append(r)
        assert np.array(got) == pytest.approx(np.array(want), rel=0.06, abs=0.4), mount


def test_yaw_sign_convention_running() -> None:
    """Running (calibrated on real treadmill running): at a left IC the pelvis is turning
    counter-clockwise (yaw rate > 0), towards its turned-left extreme (+R/2), which comes
    ``yaw_lag_run`` − 0.5 of a stride later."""
    sim = Simulation([Segment(30, "run", 170, None, 12)], IDEAL, seed=3)
    sc = sim.schedule
    left = sc.ic_t_s[(sc.side > 0) & ~sc.first & ~sc.last][3:10]
    assert np.all(sim.body.kinematics(left).omega_body_dps[:, 2] > 20)
    stride = 2 * 60 / 170
    k = sim.body.kinematics(left + (sim.runner.yaw_lag_run - 0.5) * stride)
    assert k.yaw_osc_deg == pytest.approx(6.0, abs=1.0)


def test_yaw_sign_convention_walking() -> None:
    """Walking (calibrated on the real mobgap trial HA_001): at a left IC the pelvis is still
    turning clockwise (left hip coming forward, yaw rate < 0); the left-hip-forward extreme
    (yaw −R/2) follows ``yaw_lag`` of a stride later."""
    sim = Simulation([Segment(30, "walk", 110, None, 8)], IDEAL, seed=3)
    sc = sim.schedule
    left = sc.ic_t_s[(sc.side > 0) & ~sc.first & ~sc.last][3:10]
    assert np.all(sim.body.kinematics(left).omega_body_dps[:, 2] < -5)
    stride = 2 * 60 / 110
    k = sim.body.kinematics(left + sim.runner.yaw_lag * stride)
    assert k.yaw_osc_deg == pytest.approx(-4.0, abs=1.0)


def test_walking_vertical_shape() -> None:
    """Minimum before IC, steepest loading rise at IC, peak ~10 % of a step after it (as measured
    on real lower-back walking)."""
    sim = Simulation([Segment(40, "walk", 110, None, 7, speed_mps=1.4)], IDEAL, seed=5)
    sc = sim.schedule
    for i in range(5, 20):
        t0, per = sc.ic_t_s[i], sc.period_s[i]
        t = t0 + np.arange(-0.3 * per, 0.6 * per, 1e-3)
        fv = sim.body.kinematics(t).f_heading_mps2[:, 2]
        s = (t - t0) / per
        assert -0.3 < s[np.argmin(fv)] < 0.0
        assert -0.03 < s[np.argmax(np.gradient(fv))] < 0.06
        assert 0.0 < s[np.argmax(fv)] < 0.16  # loading peak (or the impact bump on its rise)
        assert 0.35 * G < np.ptp(fv) < 0.95 * G


def test_same_seed_same_output_and_chunking_invariance() -> None:
    sensor = SensorModel(rate_hz=104, jitter_s=0.001, drop_prob=0.01, gyro_bias_walk_dps_per_sqrt_s=0.01)
    a, ta = simulate_run("demo", sensor, seed=9, seconds=50)
    b, tb = simulate_run("demo", sensor, seed=9, seconds=50)
    c, _ = simulate_run("demo", sensor, seed=10, seconds=50)
    np.testing.assert_array_equal(a.t_s, b.t_s)
    np.testing.assert_array_equal(a.acc_mps2, b.acc_mps2)
    np.testing.assert_array_equal(a.gyro_dps, b.gyro_dps)
    assert ta.to_json() == tb.to_json()
    assert len(a) != len(c) or not np.array_equal(a.acc_mps2, c.acc_mps2)
    src = SimulatedSource("demo", sensor, seed=9, batch_s=0.5, seconds=50)
    assert isinstance(src, Source) and src.info.family == "simulator"

    async def collect() -> list[SampleBatch]:
        return [x async for x in src.stream()]

    batches = asyncio.run(collect())
    joined = SampleBatch.concat(batches)
    np.testing.assert_array_equal(joined.t_s, a.t_s)
    np.testing.assert_array_equal(joined.acc_mps2, a.acc_mps2)
    assert max(len(x) for x in batches) <= 0.5 * 104 + 2


def test_chunk_boundaries_are_seamless() -> None:
    sim = make_simulation("steady-run", IDEAL, seed=1, seconds=45)
    b = sim.run()
    da = np.linalg.norm(np.diff(b.acc_mps2, axis=0), axis=1)
    for edge in (20.0, 40.0):
        i = np.searchsorted(b.t_s, edge)
        assert da[i - 3 : i + 3].max() < np.percentile(da, 99.5)
    assert np.all(np.diff(b.t_s) == pytest.approx(1 / 200, abs=1e-9))


def test_units_and_time_stamps() -> None:
    batch, _ = simulate_run("steady-run", SensorModel(rate_hz=52, jitter_s=0.002), seed=2, seconds=60)
    dt = np.diff(batch.t_s)
    assert np.all(dt > 0)
    assert np.median(dt) == pytest.approx(1 / 52, rel=0.02)
    assert np.std(dt) > 0.0005  # jittered
    assert np.median(np.linalg.norm(batch.acc_mps2, axis=1)) == pytest.approx(G, rel=0.35)  # m/s², not g
    assert 20 < np.percentile(np.abs(batch.gyro_dps[:, 2]), 99) < 400  # deg/s, not rad/s


def test_mounts_preserve_magnitudes_and_turn_axes() -> None:
    out = {
        m: simulate_run("steady-run", IDEAL, seed=6, mount=m, seconds=20)[0]
        for m in ("back-upright", "back-sideways", "back-upside-down", "hip-left", "hip-right", "random")
    }
    ref = out["back-upright"]
    for m, b in out.items():
        np.testing.assert_allclose(np.linalg.norm(b.gyro_dps, axis=1), np.linalg.norm(ref.gyro_dps, axis=1), atol=1e-6)
        if m.startswith("back"):  # same lever arm: identical |f|
            np.testing.assert_allclose(
                np.linalg.norm(b.acc_mps2, axis=1), np.linalg.norm(ref.acc_mps2, axis=1), atol=1e-6
            )
        else:  # different lever arm: same mean gravity, slightly different |f|
            assert np.linalg.norm(b.acc_mps2.mean(0)) == pytest.approx(np.linalg.norm(ref.acc_mps2.mean(0)), rel=0.01)
    up = lambda b: b.acc_mps2.mean(0) / np.linalg.norm(b.acc_mps2.mean(0))  # noqa: E731
    assert up(ref)[2] > 0.95
    assert up(out["back-sideways"])[1] > 0.95
    assert up(out["back-upside-down"])[2] < -0.95
    assert up(out["hip-left"])[1] > 0.95 and up(out["hip-right"])[1] > 0.95


def test_sensor_saturation_quantisation_gaps_drops_bias() -> None:
    sensor = SensorModel(
        rate_hz=100,
        acc_range_g=2,
        gyro_range_dps=250,
        drop_prob=0.02,
        gaps=((10.0, 2.0),),
        gyro_bias_dps=(1.5, -2.0, 0.5),
        gyro_noise_dps=0.2,
        acc_noise_mps2=0.05,
    )
    batch, truth = simulate_run("fast", sensor, seed=3, seconds=40)
    lsb_acc = 2 * 2 * G / 2**16
    assert np.abs(batch.acc_mps2).max() <= 2 * G
    assert np.max(batch.acc_mps2) >= 2 * G - 2 * lsb_acc  # running saturates ±2 g
    np.testing.assert_allclose(batch.acc_mps2 / lsb_acc, np.round(batch.acc_mps2 / lsb_acc), atol=1e-6)
    assert not np.any((batch.t_s >= 10.0) & (batch.t_s < 12.0))
    assert 0.96 * 3800 < len(batch) < 0.99 * 3800
    assert truth.gaps == [(10.0, 12.0)]
    undetectable = truth.ic_t_s[~truth.ic_detectable]
    assert np.all((undetectable > 9.8) & (undetectable < 12.2)) and len(undetectable) >= 6
    assert not np.any(truth.stride_detectable & (truth.stride_end_s > 9.8) & (truth.stride_start_s < 12.2))
    rest_b, _ = simulate_run("rest", sensor, seed=3, seconds=30)
    assert rest_b.gyro_dps.mean(0) == pytest.approx([1.5, -2.0, 0.5], abs=0.2)


def test_turns_integrate_to_the_heading_change() -> None:
    sim = make_simulation("out-and-back", IDEAL, seed=2, seconds=120)
    b = sim.run()
    yaw = _yaw_about_vertical(sim, b)
    seg = next(s for s in sim.truth.segments if s["label"] == "turnaround")
    i0, i1 = np.searchsorted(b.t_s, [seg["start_s"] - 1, seg["end_s"] + 1])
    assert yaw[i1] - yaw[i0] == pytest.approx(180, abs=12)  # ± half a yaw oscillation
    k = sim.body.kinematics(b.t_s)
    assert k.heading_rate_dps.max() > 90  # a quick turn, not a bend
    sim = make_simulation("track", IDEAL, seed=2)
    k = sim.body.kinematics(np.arange(0, 400 / 3.6, 0.01))
    assert np.sum(k.heading_rate_dps) * 0.01 == pytest.approx(360, abs=2)


def test_every_named_scenario_runs_and_scales() -> None:
    for name, build in SCENARIOS.items():
        sc = build(None)
        assert sc.duration_s >= 60, name
        short = get_scenario(name, 30)
        assert short.duration_s == pytest.approx(30), name
        b, tr = simulate_run(short, seed=1)
        assert len(b) > 2900 and np.all(np.diff(b.t_s) > 0), name
        assert json.loads(tr.to_json())["scenario"] == name
    with pytest.raises(ValueError, match="unknown scenario"):
        get_scenario("nope")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_random_scenarios_are_valid(seed: int) -> None:
    sc = random_scenario(seed, 120)
    assert sc.duration_s == pytest.approx(120)
    assert 50 <= sc.sensor.rate_hz <= 400
    for s in sc.segments:
        if s.gait == "run":
            assert 140 <= min(s.cadence_spm, s.cadence_end) <= max(s.cadence_spm, s.cadence_end) <= 220
        if s.gait == "walk":
            assert 80 <= min(s.cadence_spm, s.cadence_end) <= max(s.cadence_spm, s.cadence_end) <= 130
        assert 4 <= s.yaw_range_deg <= 20
    b, tr = simulate_run(sc, seed=seed)
    assert np.all(np.diff(b.t_s) > 0)
    assert np.all(np.isfinite(b.acc_mps2)) and np.all(np.isfinite(b.gyro_dps))
    assert tr.mount == sc.mount
    assert random_scenario(seed, 120) == sc


def test_cli_writes_csv_and_truth(tmp_path, capsys) -> None:
    out, truth = tmp_path / "run.csv", tmp_path / "run.json"
    rc = main(
        [
            "simulate",
            "--scenario",
            "walk-run",
            "--seconds",
            "20",
            "--rate",
            "50",
            "--mount",
            "hip-left",
            "--seed",
            "3",
            "--out",
            str(out),
            "--truth",
            str(truth),
        ]
    )
    assert rc == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "t_s,ax,ay,az,gx,gy,gz"
    assert len(lines) == 1 + 20 * 50
    assert lines[1].split(",")[0] == "0.000000" and len(lines[1].split(",")[1].split(".")[1]) == 4
    from stridemon.sources.csvfile import read_imu_csv

    batch, _ = read_imu_csv(out)
    assert len(batch) == 1000
    doc = json.loads(truth.read_text())
    assert doc["mount"] == "hip-left" and doc["sensor"]["rate_hz"] == 50
    assert len(doc["ics"]["t_s"]) == len(doc["ics"]["side"]) > 10
    assert main(["simulate", "--list"]) == 0
    assert "steady-run" in capsys.readouterr().out
    assert main(["simulate", "--scenario", "nope", "--out", str(out)]) == 2
    assert main(["simulate", "--scenario", "rest"]) == 2


def test_an_hour_generates_quickly() -> None:
    t0 = time.perf_counter()
    sim = make_simulation("steady-run", SensorModel(rate_hz=200), seed=1, seconds=1200)
    n = sum(len(b) for b in sim.chunks())
    elapsed = time.perf_counter() - t0
    assert n == 1200 * 200
    assert elapsed < 10.0 / 3  # 20 min in < 3.3 s, i.e. an hour in < 10 s
