"""Accelerometer-only input (``t_s,ax,ay,az``): steps and cadence as usual; side and rotation
are null, never 0 — through the real CLI on a file on disk."""

from __future__ import annotations

import json

import numpy as np

from benchmarks.sim_accuracy import match
from stridemon.sim.model import SensorModel, simulate
from stridemon.sim.scenarios import get_scenario
from tests.conftest import run_cli


def test_acc_only_csv_gives_steps_and_cadence_and_null_side_and_rotation(tmp_path):
    sc = get_scenario("steady-run", 40.0)
    batch, truth = simulate(sc.segments, SensorModel(rate_hz=100.0), "back-upright", 321)
    path = tmp_path / "acc_only.csv"
    np.savetxt(
        path,
        np.column_stack([batch.t_s, batch.acc_mps2]),
        delimiter=",",
        fmt="%.5f",
        header="t_s,ax,ay,az",
        comments="",
    )
    p = run_cli("analyze", str(path), "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    det = np.array([s["t"] for s in doc["steps"]])
    ok = truth.ic_detectable
    hits = sum(1 for i, _ in match(truth.ic_t_s, det, 0.05) if ok[i])
    assert hits >= 0.97 * ok.sum()
    assert all(s["side"] is None for s in doc["steps"])
    assert doc["strides"] and all(s["rotation_deg"] is None for s in doc["strides"])
    summ = doc["summary"]
    assert summ["rotation_deg_median"] is None
    assert abs(summ["cadence_spm_median"] - truth.cadence_spm(5.0, 35.0)) < 2.0


def test_skipped_rows_are_counted_in_the_summary(tmp_path):
    sc = get_scenario("steady-run", 30.0)
    batch, _ = simulate(sc.segments, SensorModel(rate_hz=100.0), "back-upright", 322)
    rows = np.column_stack([batch.t_s, batch.acc_mps2, batch.gyro_dps])
    lines = ["t_s,ax,ay,az,gx,gy,gz"] + [",".join(f"{v:.5f}" for v in r) for r in rows]
    lines[500] = lines[500].split(",", 2)[0] + ",oops"  # a malformed row in the middle
    lines[700] = ",".join(lines[700].split(",")[:6]) + ","  # a missing value
    text = "\n".join(lines) + "\n12.3,0.1,9."  # a last line cut mid-row (a logger that crashed)
    path = tmp_path / "cut.csv"
    path.write_text(text)
    p = run_cli("analyze", str(path), "--json")
    assert p.returncode == 0, p.stderr
    summ = json.loads(p.stdout)["summary"]
    assert summ["skipped_bad_rows"] == 2 and summ["skipped_nan_rows"] == 1
    assert summ["steps"] > 70
    human = run_cli("analyze", str(path))
    assert "2 malformed or cut, 1 with a missing value" in human.stdout
