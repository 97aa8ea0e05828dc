"""The notebook API: ``stridemon.analyze`` gives exactly what ``analyze --json`` prints, and
``import stridemon`` stays cheap (no numpy, pandas or scipy at import time)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import stridemon
from stridemon.errors import InputError
from stridemon.sim.model import SensorModel, simulate
from stridemon.sim.scenarios import get_scenario
from tests.conftest import ROOT, run_cli


@pytest.fixture(scope="module")
def sim_csv(tmp_path_factory):
    sc = get_scenario("steady-run", 30.0)
    batch, _ = simulate(sc.segments, SensorModel(rate_hz=100.0), "back-upright", 11)
    path = tmp_path_factory.mktemp("api") / "run.csv"
    np.savetxt(
        path,
        np.column_stack([batch.t_s, batch.acc_mps2, batch.gyro_dps]),
        delimiter=",",
        fmt="%.5f",
        header="t_s,ax,ay,az,gx,gy,gz",
        comments="",
    )
    return path


@pytest.mark.parametrize("which", ["recording", "csv"])
def test_api_document_is_the_cli_json(which, sim_csv):
    path = ROOT / "recordings" / "demo-run.smrec" if which == "recording" else sim_csv
    run = stridemon.analyze(path)
    p = run_cli("analyze", str(path), "--json")
    assert p.returncode == 0, p.stderr
    cli = json.loads(p.stdout)
    assert json.loads(json.dumps(run.document)) == cli
    assert run.steps == cli["steps"] and run.strides == cli["strides"] and run.summary == cli["summary"]
    assert run.kind == which and run.summary["steps"] == len(run.steps) > 50
    assert "steps" in repr(run)


def test_frames(sim_csv):
    pd = pytest.importorskip("pandas")
    run = stridemon.analyze(sim_csv)
    steps = run.steps_frame()
    strides = run.strides_frame()
    assert isinstance(steps, pd.DataFrame) and len(steps) == len(run.steps)
    assert {"t", "side", "cadence_spm", "contact_ms"} <= set(steps.columns)
    assert len(strides) == len(run.strides) and "rotation_deg" in strides.columns
    assert steps["t"].tolist() == [s["t"] for s in run.steps]
    assert run.watch_records_frame().empty


def test_frames_without_pandas_name_the_extra(sim_csv, monkeypatch):
    run = stridemon.analyze(sim_csv)
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas -> ImportError
    with pytest.raises(ImportError, match=r"pip install 'stridemon\[pandas\]'"):
        run.steps_frame()


def test_units_options_reach_the_reader(tmp_path, sim_csv):
    data = np.loadtxt(sim_csv, delimiter=",", skiprows=1)
    data[:, 4:7] = np.radians(data[:, 4:7])
    path = tmp_path / "rads.csv"
    np.savetxt(path, data, delimiter=",", fmt="%.6f", header="t_s,ax,ay,az,gx,gy,gz", comments="")
    with pytest.raises(InputError, match="gyro-unit rads"):
        stridemon.analyze(path)
    run = stridemon.analyze(path, gyro_unit="rads")
    assert run.summary["rotation_deg_median"] is not None


def test_bad_input_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        stridemon.analyze(tmp_path / "missing.csv")


def test_import_is_cheap():
    code = (
        "import sys, stridemon; "
        "print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'pyarrow', 'garmin_fit_sdk') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    # the CLI's analyze command module does not pull the analysis in either
    code2 = "import sys, stridemon.commands.analyze; print('pandas' in sys.modules, 'scipy' in sys.modules)"
    out2 = subprocess.run([sys.executable, "-c", code2], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out2.stdout.strip() == "False False"
