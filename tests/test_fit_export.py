"""FIT export (stridemon.fitexport.write_fit), checked with Garmin's official decoder (garmin_fit_sdk)
against ``stridemon analyze`` of the same run."""

from __future__ import annotations

import itertools
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from stridemon.events import Marker
from stridemon.fitexport import (
    FIT_EPOCH_UNIX_S,
    PLACEHOLDER_START_UNIX_S,
    fit_cadence,
    write_fit,
)
from tests.conftest import ROOT, run_cli

garmin = pytest.importorskip("garmin_fit_sdk")

DEMO = ROOT / "recordings" / "demo-run.smrec"
HOST_START = 1_767_225_600.25  # 2026-01-01T00:00:00.25Z


def decode(path: Path) -> dict:
    dec = garmin.Decoder(garmin.Stream.from_file(str(path)))
    assert dec.is_fit() and dec.check_integrity()
    dec = garmin.Decoder(garmin.Stream.from_file(str(path)))
    msgs, errors = dec.read()
    assert errors == []
    return msgs


def dev_values(msgs: dict, mesg: dict) -> dict[str, float]:
    """A message's developer fields by name (the decoder keys them by field description)."""
    names = {d["key"]: d["field_name"] for d in msgs["field_description_mesgs"]}
    return {names[k]: v for k, v in mesg.get("developer_fields", {}).items()}


def analyze(path: Path) -> dict:
    p = run_cli("analyze", str(path), "--json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def spm_of(rec: dict) -> float:
    return 2.0 * (rec["cadence"] + rec.get("fractional_cadence", 0.0))


def per_second(doc: dict, key: str, n: int, t0: float = 0.0, times: str = "steps", at: str = "t") -> np.ndarray:
    out = np.full(n, np.nan)
    rows = doc[times]
    for k in range(n):
        v = [r[key] for r in rows if k <= r[at] - t0 < k + 1 and r[key] is not None]
        if v:
            out[k] = float(np.mean(v))
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit") / "demo.fit"
    summary = write_fit(DEMO, out)
    return summary, decode(out), analyze(DEMO)


def test_fit_cadence_is_strides_per_minute():
    # FIT profile: record.cadence (rpm) + fractional_cadence (1/128 rpm); running: strides/min.
    assert fit_cadence(172.0) == (86, 0.0)
    assert fit_cadence(173.0) == (86, 0.5)
    c, f = fit_cadence(171.3)
    assert c == 85 and abs(2 * (c + f) - 171.3) <= 1 / 128
    c, f = fit_cadence(171.999)  # rounds to the next whole stride, never a fraction of 1.0
    assert (c, f) == (86, 0.0)
    for spm in np.linspace(60, 240, 997):
        c, f = fit_cadence(float(spm))
        assert c == math.floor(round(spm / 2 * 128) / 128) and 0 <= f < 1
        assert abs(2 * (c + f) - spm) <= 1 / 128 + 1e-12


def test_demo_run_records_match_analyze(demo):
    summary, msgs, doc = demo
    duration = doc["summary"]["duration_s"]
    recs = msgs["record_mesgs"]
    assert summary.records == len(recs) == math.floor(duration) + 1
    assert abs(len(recs) - duration) <= 1
    t = [r["timestamp"] for r in recs]
    assert all((b - a).total_seconds() == 1 for a, b in itertools.pairwise(t))
    # The header's start_utc (host clock when recording began), whole seconds.
    start = datetime.fromisoformat("2026-11-23T23:08:18.709017+00:00")
    assert t[0] == start.replace(microsecond=0)
    assert summary.start_source == "recording start_utc"
    want = per_second(doc, "cadence_spm", len(recs))
    got = np.array([spm_of(r) if "cadence" in r else np.nan for r in recs])
    assert np.array_equal(np.isnan(want), np.isnan(got))
    ok = np.isfinite(want)
    assert ok.sum() >= len(recs) - 2
    assert np.max(np.abs(got[ok] - want[ok])) <= 1 / 128 + 1e-9  # fractional_cadence resolution
    assert abs(np.median(got[ok]) - doc["summary"]["cadence_spm_median"]) < 1.0
    # stance time (ms) and vertical oscillation (mm): the mean of the steps in each second
    for key, fit_key, scale, tol in (
        ("contact_ms", "stance_time", 1.0, 0.051),
        ("vertical_oscillation_cm", "vertical_oscillation", 10.0, 0.051),
    ):
        want = per_second(doc, key, len(recs)) * scale
        got = np.array([r.get(fit_key, np.nan) for r in recs], dtype=float)
        ok = np.isfinite(want)
        assert ok.sum() > 0.9 * len(recs)
        assert np.array_equal(ok, np.isfinite(got)), fit_key
        assert np.max(np.abs(got[ok] - want[ok])) <= tol, fit_key
    assert all(r["activity_type"] == "running" for r in recs)


def test_demo_run_developer_fields(demo):
    _, msgs, doc = demo
    descs = {d["field_name"]: d for d in msgs["field_description_mesgs"]}
    assert msgs["developer_data_id_mesgs"][0]["developer_data_index"] == 0
    units = {name: d["units"] for name, d in descs.items()}
    assert units["pelvis_rotation"] == "deg"
    assert units["braking"] == "m/s"
    assert units["impact"] == "g"
    assert units["pelvic_drop"] == "deg"
    assert units["pelvis_rotation_cm"] == "cm"
    assert units["pelvis_rotation_median"] == "deg"
    assert descs["pelvis_rotation"]["native_mesg_num"] == 20  # record
    recs = msgs["record_mesgs"]
    n = len(recs)
    for name, key, times, at in (
        ("pelvis_rotation", "rotation_deg", "strides", "end"),
        ("braking", "braking_mps", "steps", "t"),
        ("impact", "impact_g", "steps", "t"),
        ("pelvic_drop", "pelvic_drop_deg", "steps", "t"),
    ):
        want = per_second(doc, key, n, times=times, at=at)
        got = np.array([dev_values(msgs, r).get(name, np.nan) for r in recs], dtype=float)
        ok = np.isfinite(want)
        assert ok.sum() > 0.8 * n, name
        assert np.array_equal(ok, np.isfinite(got)), name
        assert np.allclose(got[ok], want[ok], rtol=1e-6, atol=1e-5), name  # float32
    s = dev_values(msgs, msgs["session_mesgs"][0])
    summ = doc["summary"]
    assert s["pelvis_rotation_median"] == pytest.approx(summ["rotation_deg_median"], abs=1e-5)
    assert s["cadence_median"] == pytest.approx(summ["cadence_spm_median"], abs=1e-4)
    assert s["impact_median"] == pytest.approx(summ["impact_g_median"], abs=1e-5)
    assert s["pelvic_drop_median"] == pytest.approx(summ["pelvic_drop_deg_median"], abs=1e-5)


def test_demo_run_session_and_activity(demo):
    summary, msgs, doc = demo
    (s,) = msgs["session_mesgs"]
    summ = doc["summary"]
    assert s["sport"] == "running"
    assert s["total_elapsed_time"] == pytest.approx(summ["duration_s"], abs=0.001)
    assert s["total_timer_time"] == pytest.approx(summ["duration_s"], abs=0.001)
    assert s["total_strides"] == summ["steps"] // 2
    cad = [x["cadence_spm"] for x in doc["steps"] if x["cadence_spm"] is not None]
    avg = 2 * (s["avg_running_cadence"] + s["avg_fractional_cadence"])
    assert avg == pytest.approx(float(np.mean(cad)), abs=1 / 128 + 1e-9)
    assert abs(avg - summ["cadence_spm_median"]) < 2.0
    assert 2 * (s["max_running_cadence"] + s["max_fractional_cadence"]) == pytest.approx(max(cad), abs=1 / 128)
    assert s["avg_stance_time"] == pytest.approx(
        np.mean([x["contact_ms"] for x in doc["steps"] if x["contact_ms"] is not None]), abs=0.051
    )
    assert s["num_laps"] == 1 and len(msgs["lap_mesgs"]) == 1  # the demo run has no lap markers
    assert msgs["activity_mesgs"][0]["num_sessions"] == 1
    assert [e["event_type"] for e in msgs["event_mesgs"]] == ["start", "stop_all"]
    assert msgs["file_id_mesgs"][0]["type"] == "activity"
    assert summary.avg_cadence_spm == pytest.approx(float(np.mean(cad)), abs=0.01)


def _recording_with_laps(path: Path, host: bool) -> Path:
    """A 60 s simulated run recorded with lap markers at 20 and 40 s (as the dashboard's M key)."""
    from stridemon.samples import SampleBatch
    from stridemon.sinks.recorder import Recorder
    from stridemon.sources.base import batches_of
    from stridemon.sources.simulator import SimulatedSource, simulate_run

    batch, _ = simulate_run("steady-run", seed=3, seconds=60)
    if host:
        batch = SampleBatch(batch.t_s, batch.acc_mps2, batch.gyro_dps, HOST_START + 5.0 + batch.t_s - batch.t_s[0])
    info = SimulatedSource("steady-run", seed=3, seconds=60).info
    rec = Recorder(path, info, {"runner": "Ana", "tags": ["laps"]}, overwrite=True)
    marks = [Marker(20.0, "lap 1"), Marker(30.0, "note: water"), Marker(40.0, "lap 2")]
    for b in batches_of(batch, 1.0):
        rec.write_batch(b)
        while marks and marks[0].t_s <= b.t_s[-1]:
            rec.write_events([marks.pop(0)])
    rec.close_samples()
    rec.close({})
    return path


def test_laps_from_markers_and_host_start(tmp_path):
    src = _recording_with_laps(tmp_path / "laps.smrec", host=True)
    out = tmp_path / "laps.fit"
    summary = write_fit(src, out)
    msgs = decode(out)
    doc = analyze(src)
    laps = msgs["lap_mesgs"]
    assert summary.laps == len(laps) == 3  # start–20 s, 20–40 s, 40 s–end; "note" is not a lap
    dur = doc["summary"]["duration_s"]
    assert [lap["total_elapsed_time"] for lap in laps] == pytest.approx([20.0, 20.0, dur - 40.0], abs=0.002)
    assert [lap["lap_trigger"] for lap in laps] == ["manual", "manual", "session_end"]
    t0 = datetime.fromtimestamp(math.floor(HOST_START + 5.0), UTC)
    assert summary.start_source == "host sample times"
    assert msgs["record_mesgs"][0]["timestamp"] == t0
    assert [(lap["start_time"] - t0).total_seconds() for lap in laps] == [0, 20, 40]
    assert sum(lap["total_strides"] for lap in laps) <= doc["summary"]["steps"] // 2 + 1
    for lap, (a, z) in zip(laps, [(0, 20), (20, 40), (40, dur + 1)], strict=True):
        cad = [s["cadence_spm"] for s in doc["steps"] if a <= s["t"] < z and s["cadence_spm"] is not None]
        assert 2 * (lap["avg_running_cadence"] + lap["avg_fractional_cadence"]) == pytest.approx(
            float(np.mean(cad)), abs=1 / 128 + 1e-9
        )
        d = dev_values(msgs, lap)
        rot = [s["rotation_deg"] for s in doc["strides"] if a <= s["t"] < z and s["rotation_deg"] is not None]
        assert d["pelvis_rotation_median"] == pytest.approx(float(np.median(rot)), abs=1e-4)
    assert msgs["session_mesgs"][0]["num_laps"] == 3


def test_csv_gets_the_placeholder_start_and_a_document_works(tmp_path):
    from stridemon.fitexport import analyze_file

    csv = tmp_path / "run.csv"
    p = run_cli("simulate", "--scenario", "steady-run", "--seconds", "20", "--out", str(csv))
    assert p.returncode == 0, p.stderr
    out = tmp_path / "run.fit"
    s = write_fit(csv, out)
    assert s.start_source == "placeholder"
    msgs = decode(out)
    first = msgs["record_mesgs"][0]["timestamp"]
    assert first == datetime.fromtimestamp(PLACEHOLDER_START_UNIX_S, UTC)
    assert PLACEHOLDER_START_UNIX_S - FIT_EPOCH_UNIX_S == 315_619_200  # 3653 days after the FIT epoch
    # The same from the analyze document (what `export --to fit` may hand over), with a start time.
    run = analyze_file(csv)
    out2 = tmp_path / "doc.fit"
    s2 = write_fit(run.document, out2, first_t_s=run.first_t_s, start_unix_s=HOST_START)
    msgs2 = decode(out2)
    assert s2.records == s.records and s2.start_source == "argument"
    assert msgs2["record_mesgs"][0]["timestamp"] == datetime.fromtimestamp(math.floor(HOST_START), UTC)
    a = [r.get("cadence") for r in msgs["record_mesgs"]]
    b = [r.get("cadence") for r in msgs2["record_mesgs"]]
    assert a == b


def test_bad_input_is_an_input_error(tmp_path):
    from stridemon.errors import InputError, OutputError

    bad = tmp_path / "bad.smrec"
    bad.write_bytes(b"not a recording at all")
    with pytest.raises(InputError):
        write_fit(bad, tmp_path / "x.fit")
    with pytest.raises(InputError):
        write_fit({"steps": []}, tmp_path / "x.fit")
    (tmp_path / "exists.fit").write_bytes(b"")
    with pytest.raises(OutputError):
        write_fit(DEMO, tmp_path / "exists.fit", overwrite=False)
