"""A watch's FIT activity in: read with Garmin's SDK, the watch's own numbers labelled as such.

The files are written with ``fit_tool`` as the FIT profile defines them (tests/fit_fixtures.py):
running cadence in strides/min (``cadence`` + ``fractional_cadence``), stance time in ms,
vertical oscillation in mm, total strides in the session."""

from __future__ import annotations

import json

import pytest

import stridemon
from stridemon.errors import InputError
from stridemon.sources.fit import SOURCE_LABEL, is_fit
from tests.conftest import run_cli
from tests.fit_fixtures import write_running_fit


@pytest.fixture(scope="module")
def run_fit(tmp_path_factory):
    path = tmp_path_factory.mktemp("fit") / "run.fit"
    written = write_running_fit(path, seconds=120, steps_per_min=172.5, pause_s=(50, 55))
    return path, written


def test_cli_reads_the_watch_numbers(run_fit):
    path, written = run_fit
    p = run_cli("analyze", str(path), "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["steps"] == [] and doc["strides"] == []
    s = doc["summary"]
    assert s["source"] == SOURCE_LABEL
    assert s["cadence_spm_median"] == 172.5  # 2 × (86 + 32/128) strides/min
    assert s["steps"] == 2 * written["total_strides"]
    assert s["contact_ms_median"] == 245.0
    assert s["vertical_oscillation_cm_median"] == 8.2
    assert s["duration_s"] == 120.0 and s["records"] == written["records"]
    assert s["device"]["manufacturer"] == "garmin" and s["device"]["product"] == "fr965"
    assert s["sport"] == "running" and s["rotation_deg_median"] is None
    recs = doc["watch_records"]
    assert len(recs) == 120 and recs[0]["t"] == 0.0 and recs[-1]["t"] == 119.0
    assert recs[50]["cadence_spm"] == 0.0 and recs[50]["contact_ms"] is None  # the pause
    human = run_cli("analyze", str(path))
    assert human.returncode == 0 and "watch (FIT)" in human.stdout and "172.5 spm" in human.stdout


def test_api_equals_cli(run_fit):
    path, _ = run_fit
    run = stridemon.analyze(path)
    p = run_cli("analyze", str(path), "--json")
    assert json.loads(json.dumps(run.document)) == json.loads(p.stdout)
    assert run.kind == "fit" and run.steps == [] and len(run.watch_records) == 120
    pd = pytest.importorskip("pandas")
    frame = run.watch_records_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 120 and "cadence_spm" in frame.columns
    assert run.steps_frame().empty


def test_detected_by_header_not_name(run_fit, tmp_path):
    path, _ = run_fit
    other = tmp_path / "watch.dat"
    other.write_bytes(path.read_bytes())
    assert is_fit(other)
    assert stridemon.analyze(other).summary["cadence_spm_median"] == 172.5


def test_no_sport_and_no_session_are_assumptions(tmp_path):
    path = tmp_path / "nosession.fit"
    write_running_fit(path, seconds=30, with_session=False)
    s = stridemon.analyze(path).summary
    assert s["steps"] is None and s["cadence_spm_median"] == 172.5
    assert any("sport" in a for a in s["input_assumptions"])
    assert s["duration_s"] == 29.0


def test_cycling_is_refused(tmp_path):
    path = tmp_path / "ride.fit"
    write_running_fit(path, seconds=20, sport="cycling")
    with pytest.raises(InputError, match="cycling"):
        stridemon.analyze(path)


@pytest.mark.parametrize(
    "damage",
    ["truncate", "flip_crc", "flip_body", "header_only", "not_fit"],
)
def test_damaged_fit_is_one_line_exit_2(run_fit, tmp_path, damage):
    path, _ = run_fit
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip_crc":
        data[-1] ^= 0xFF
    elif damage == "flip_body":
        data[40] ^= 0x5A
    elif damage == "header_only":
        data = data[:14]
    else:
        data = bytearray(b"this is not a fit file at all, just text\n" * 10)
    bad = tmp_path / f"{damage}.fit"
    bad.write_bytes(bytes(data))
    p = run_cli("analyze", str(bad), "--json")
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "Traceback" not in p.stderr
    lines = [ln for ln in p.stderr.strip().splitlines() if ln.startswith("stridemon: error:")]
    assert len(lines) == 1 and ("FIT" in lines[0]), p.stderr
