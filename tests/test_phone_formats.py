"""Phone exports in a belt pouch: phyphox and Sensor Logger, built to their documented formats
from the simulator, read through the CLI and the API; steps checked against the truth."""

from __future__ import annotations

import json

import numpy as np
import pytest

import stridemon
from benchmarks.sim_accuracy import match
from stridemon.errors import InputError
from stridemon.sim.model import SensorModel, simulate
from stridemon.sim.scenarios import get_scenario
from stridemon.sources.phone import read_phone_export
from tests.conftest import run_cli
from tests.phone_fixtures import phyphox_files, sensorlogger_files, write_folder, write_zip


@pytest.fixture(scope="module")
def sim():
    sc = get_scenario("steady-run", 40.0)
    return simulate(sc.segments, SensorModel(rate_hz=100.0), "back-upright", 77)


def _check_steps(doc, truth, offset_s=0.01):
    """Steps against the truth. The export's clock starts at the first accelerometer sample the
    gyroscope also covers (the simulator's second sample: the phone's gyroscope starts a few ms
    later), hence ``offset_s``."""
    det = np.array([s["t"] for s in doc["steps"]])
    ok = truth.ic_detectable
    hits = sum(1 for i, _ in match(truth.ic_t_s, det + offset_s, 0.05) if ok[i])
    assert hits >= 0.95 * ok.sum(), (hits, ok.sum())
    assert abs(doc["summary"]["cadence_spm_median"] - truth.cadence_spm(5.0, 35.0)) < 2.0


@pytest.mark.parametrize("flavour", [(",", "."), ("\t", "."), (";", "."), ("\t", ","), (";", ",")])
def test_phyphox_zip_every_csv_flavour(tmp_path, sim, flavour):
    batch, truth = sim
    sep, dec = flavour
    path = write_zip(tmp_path / "phyphox.zip", phyphox_files(batch, sep=sep, decimal=dec))
    b, rep = read_phone_export(path)
    assert rep.app == "phyphox" and rep.has_gyro
    assert b.t_s[0] == 0.0 and abs(np.median(np.diff(b.t_s)) - 0.01) < 1e-6
    # the gyroscope was put back on the accelerometer's stamps: close to the original deg/s
    k = len(batch) - len(b)  # accelerometer samples before the gyroscope's first: dropped
    assert k == 1
    err = np.abs(b.gyro_dps - batch.gyro_dps[k:]).max()
    assert err < 0.05 * np.abs(batch.gyro_dps).max()
    assert np.allclose(b.acc_mps2, batch.acc_mps2[k:], atol=1e-6)
    if flavour == (",", "."):
        p = run_cli("analyze", str(path), "--json")
        assert p.returncode == 0, p.stderr
        doc = json.loads(p.stdout)
        _check_steps(doc, truth)
        s = doc["summary"]
        assert s["source"].startswith("phone (phyphox")
        assert any("interpolated onto the accelerometer" in a for a in s["input_assumptions"])
        assert s["rotation_deg_median"] is not None and all(st["side"] is not None for st in doc["steps"][5:-5])
        run = stridemon.analyze(path)
        assert json.loads(json.dumps(run.document)) == doc


def test_phyphox_folder_and_single_csv(tmp_path, sim):
    batch, truth = sim
    files = phyphox_files(batch)
    folder = write_folder(tmp_path / "Experiment 2025-12-02", files)
    doc = stridemon.analyze(folder).document
    _check_steps(doc, truth)
    single = tmp_path / "Raw Data.csv"
    single.write_bytes(files["Accelerometer.csv"])
    run = stridemon.analyze(single)
    assert run.kind == "phone" and run.summary["rotation_deg_median"] is None
    assert any("no gyroscope" in a for a in run.summary["input_assumptions"])
    _check_steps(run.document, truth, offset_s=0.0)


def test_phyphox_linear_only_is_refused(tmp_path, sim):
    batch, _ = sim
    path = write_zip(tmp_path / "lin.zip", phyphox_files(batch, linear_only=True))
    p = run_cli("analyze", str(path))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "without gravity" in p.stderr and "Acceleration with g" in p.stderr


@pytest.mark.parametrize(
    ("platform", "standard", "total"),
    [("android", False, True), ("android", False, False), ("ios", False, False), ("ios", True, False)],
)
def test_sensorlogger(tmp_path, sim, platform, standard, total):
    batch, truth = sim
    files = sensorlogger_files(batch, platform, standard, total=total)
    path = write_zip(tmp_path / "2025-12-02_18-26-40.zip", files, prefix="2025-12-02_18-26-40/")
    b, rep = read_phone_export(path)
    assert rep.app == "Sensor Logger" and rep.platform == platform
    # with gravity, Android's sign (+9.81 up at rest), as the simulated sensor had it
    assert np.allclose(b.acc_mps2, batch.acc_mps2[len(batch) - len(b) :], atol=1e-5)
    assert b.t_s[0] == 0.0
    p = run_cli("analyze", str(path), "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    _check_steps(doc, truth)
    joined = " ".join(doc["summary"]["input_assumptions"])
    assert ("TotalAcceleration" in joined) == total
    assert ("negated" in joined) == (platform == "ios" and not standard)
    assert "Sensor Logger" in doc["summary"]["source"]


def test_sensorlogger_without_gravity_is_refused(tmp_path, sim):
    batch, _ = sim
    files = sensorlogger_files(batch, "ios", gravity=False)
    path = write_zip(tmp_path / "nog.zip", files)
    with pytest.raises(InputError, match="WITHOUT gravity"):
        stridemon.analyze(path)
    p = run_cli("analyze", str(path))
    assert p.returncode == 2 and "Traceback" not in p.stderr and "Gravity" in p.stderr


def test_damaged_zip_is_one_line(tmp_path, sim):
    batch, _ = sim
    good = write_zip(tmp_path / "good.zip", sensorlogger_files(batch))
    data = good.read_bytes()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(data[: len(data) // 2])
    p = run_cli("analyze", str(bad))
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    assert len([ln for ln in p.stderr.splitlines() if ln.startswith("stridemon: error:")]) == 1
