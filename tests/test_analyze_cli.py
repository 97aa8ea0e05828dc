"""End-to-end tests of ``stridemon analyze`` on files written to disk, good and bad."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import mobgap_or_skip, run_cli

HEADER = "t_s,ax,ay,az,gx,gy,gz\n"


def _walk_csv(path, acc_scale=1.0, gyro_scale=1.0, seconds=20.0, rate=100.0):
    """A crude walking-like signal: enough for unit checks (step accuracy is tested elsewhere)."""
    t = np.arange(0, seconds, 1 / rate)
    f = 1.8  # steps/s
    bounce = 3 * np.sin(2 * np.pi * f * t) ** 9
    acc = np.column_stack([0.3 * np.sin(np.pi * f * t), 0.5 * np.sin(2 * np.pi * f * t), 9.81 + bounce])
    gyro = np.column_stack([5 * np.sin(2 * np.pi * f * t), 3 * np.cos(np.pi * f * t), 20 * np.sin(np.pi * f * t)])
    data = np.column_stack([t, acc * acc_scale, gyro * gyro_scale])
    np.savetxt(path, data, delimiter=",", header=HEADER.strip(), comments="", fmt="%.6f")
    return path


def _err(proc) -> str:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.startswith("stridemon: error:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_json_document_has_the_interface_keys(tmp_path):
    mob = mobgap_or_skip()
    p = run_cli("analyze", str(mob / "imu" / "HA_001_Test5_Trial1.csv"), "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert set(doc) >= {"steps", "strides", "summary"}
    assert {"steps", "duration_s", "cadence_spm_median", "rotation_deg_median"} <= set(doc["summary"])
    assert len(doc["steps"]) >= 7
    for s in doc["steps"]:
        assert set(s) >= {"t", "side"} and s["side"] in ("left", "right", None)
    for s in doc["strides"]:
        assert set(s) >= {"t", "rotation_deg"} and 0 < s["rotation_deg"] < 60
    assert doc["summary"]["steps"] == len(doc["steps"])
    assert abs(doc["summary"]["duration_s"] - 12.45) < 0.02
    assert 80 < doc["summary"]["cadence_spm_median"] < 140
    ts = [s["t"] for s in doc["steps"]]
    assert ts == sorted(ts)


def test_human_summary(tmp_path):
    p = run_cli("analyze", str(_walk_csv(tmp_path / "w.csv")))
    assert p.returncode == 0, p.stderr
    assert "steps" in p.stdout and "cadence" in p.stdout and "rotation" in p.stdout


@pytest.mark.parametrize(
    "content, needle",
    [
        ("", "empty"),
        (HEADER, "no samples"),
        ("t_s,ax,ay,az,gx,gy\n0,0,0,9.8,0,0\n", "missing column(s) gz"),
        ("time,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n", "missing column(s) t_s"),
        (HEADER + "0,0,0,9.8,0,0,0\n0.01,a,b,c,d,e,f\n", "not a readable IMU CSV"),
        (HEADER + "0,0,0,9.8,0,0,0\n0.02,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,0,0\n", "time goes backwards"),
        (HEADER + "0,nan,0,9.8,0,0,0\n", "fewer than 2 complete samples"),
        ("\x00\x01\x02garbage\xff" * 10, "t_s,ax,ay,az,gx,gy,gz"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path, content, needle):
    path = tmp_path / "bad.csv"
    path.write_bytes(content.encode("latin-1"))
    line = _err(run_cli("analyze", str(path), "--json"))
    assert needle in line, line


def test_missing_file_and_folder(tmp_path):
    assert "no such file" in _err(run_cli("analyze", str(tmp_path / "nope.csv")))
    assert "folder" in _err(run_cli("analyze", str(tmp_path)))


def test_acc_in_g_is_detected_and_flag_converts(tmp_path):
    path = _walk_csv(tmp_path / "g.csv", acc_scale=1 / 9.80665)
    assert "--acc-unit g" in _err(run_cli("analyze", str(path)))
    ok = run_cli("analyze", str(path), "--acc-unit", "g", "--json")
    ref = run_cli("analyze", str(_walk_csv(tmp_path / "m.csv")), "--json")
    assert ok.returncode == 0 and ref.returncode == 0
    assert json.loads(ok.stdout)["summary"]["steps"] == json.loads(ref.stdout)["summary"]["steps"]


def test_gyro_in_rads_is_detected_and_flag_converts(tmp_path):
    path = _walk_csv(tmp_path / "r.csv", gyro_scale=np.pi / 180)
    assert "--gyro-unit rads" in _err(run_cli("analyze", str(path)))
    ok = run_cli("analyze", str(path), "--gyro-unit", "rads", "--json")
    assert ok.returncode == 0, ok.stderr


def test_nan_rows_are_skipped_and_counted(tmp_path):
    path = _walk_csv(tmp_path / "n.csv")
    lines = path.read_text().splitlines()
    lines[50] = "0.49,nan,0,9.8,0,0,0"
    lines[60] = "0.59,,0,9.8,0,0,0"
    path.write_text("\n".join(lines) + "\n")
    p = run_cli("analyze", str(path), "--json")
    assert p.returncode == 0, p.stderr
    assert "skipped 2 row(s)" in p.stderr


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400) | st.text(max_size=400).map(lambda s: (HEADER + s).encode()))
def test_fuzzed_input_never_crashes(tmp_path, data):
    from stridemon.errors import InputError
    from stridemon.pipeline import Pipeline
    from stridemon.sources.csvfile import read_imu_csv

    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        batch, _ = read_imu_csv(path)
    except InputError:
        return
    p = Pipeline()
    p.feed(batch)
    p.finish()
