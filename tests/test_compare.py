"""stridemon compare: known differences between simulated runs, mixed inputs, damaged files."""

from __future__ import annotations

import json

import pytest

from stridemon.coach.comparison import compare_runs
from stridemon.coach.library import load_run
from stridemon.coach.metrics import marker_segments, minute_segments, run_summary
from stridemon.coach.runs import RunMeta
from tests.conftest import run_cli
from tests.synth_run import write_csv

META = {"runner": "Ana", "target_cadence_spm": 175, "rotation_budget_deg": 10}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("runs")
    a = write_csv(
        d / "before.csv", {**META, "tags": ["before"]}, cadence_spm=164, rotation_deg=14, duration_s=90, seed=1
    )
    b = write_csv(d / "after.csv", {**META, "tags": ["after"]}, cadence_spm=176, rotation_deg=8, duration_s=90, seed=2)
    return a, b


def test_known_differences_and_direction(two_runs):
    p = run_cli("compare", *map(str, two_runs), "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    a, b = (r["summary"] for r in doc["runs"])
    # the analyze summary keys, plus more
    for key in (
        "steps",
        "duration_s",
        "cadence_spm_median",
        "rotation_deg_median",
        "cadence_spm_iqr",
        "rotation_deg_p90",
        "step_time_asymmetry_pct",
        "time_below_target_pct",
        "strides_over_budget_pct",
        "rotation_asymmetry_pct",
    ):
        assert key in a and key in b
    assert abs(a["cadence_spm_median"] - 164) <= 1 and abs(b["cadence_spm_median"] - 176) <= 1
    assert abs(a["rotation_deg_median"] - 14) <= 1 and abs(b["rotation_deg_median"] - 8) <= 1
    diffs = {d["metric"]: d for d in doc["differences"]}
    cad, rot = diffs["cadence_spm_median"], diffs["rotation_deg_median"]
    assert abs(cad["difference"] - 12) <= 1 and cad["direction"] == "better" and cad["clear"]
    assert abs(rot["difference"] + 6) <= 1 and rot["direction"] == "better" and rot["clear"]
    assert cad["beyond_variability"] and rot["beyond_variability"]
    assert cad["ci95"][0] < cad["difference"] < cad["ci95"][1]
    assert diffs["time_below_target_pct"]["direction"] == "better"
    assert diffs["strides_over_budget_pct"]["direction"] == "better"
    assert a["strides_over_budget_pct"] == 100 and b["strides_over_budget_pct"] == 0
    assert doc["runs"][0]["meta"]["tags"] == ["before"] and doc["baseline"] == "A"
    assert "bootstrap" in doc["method"] and "pooled SD" in doc["method"]


def test_reverse_order_is_worse(two_runs):
    cmp = compare_runs([load_run(two_runs[1]), load_run(two_runs[0])], n_boot=200)
    d = {x.metric: x for x in cmp.differences}
    assert d["cadence_spm_median"].direction == "worse" and d["rotation_deg_median"].direction == "worse"
    assert "worse" in d["cadence_spm_median"].text


def test_no_clear_difference_between_equal_runs(tmp_path):
    a = write_csv(tmp_path / "a.csv", META, cadence_spm=170, rotation_deg=10, duration_s=60, seed=3, jitter=0.03)
    b = write_csv(tmp_path / "b.csv", META, cadence_spm=170, rotation_deg=10, duration_s=60, seed=4, jitter=0.03)
    cmp = compare_runs([load_run(a), load_run(b)], n_boot=300)
    d = {x.metric: x for x in cmp.differences}
    assert not d["cadence_spm_median"].clear and not d["rotation_deg_median"].clear
    assert "noise" in d["cadence_spm_median"].text


def test_cadence_direction_rules(tmp_path):
    # both above the target: neither better; without a target higher counts as better
    a = write_csv(tmp_path / "a.csv", cadence_spm=178, duration_s=40, seed=5)
    b = write_csv(tmp_path / "b.csv", cadence_spm=184, duration_s=40, seed=6)
    ra, rb = load_run(a, meta={"target_cadence_spm": 170}), load_run(b, meta={"target_cadence_spm": 170})
    d = next(x for x in compare_runs([ra, rb], n_boot=100).differences if x.metric == "cadence_spm_median")
    assert d.direction == "same" and "at or above" in d.why
    d = next(
        x for x in compare_runs([load_run(a), load_run(b)], n_boot=100).differences if x.metric == "cadence_spm_median"
    )
    assert d.direction == "better" and "no target" in d.why


def test_lengths_rates_devices_and_a_damaged_file(tmp_path):
    a = write_csv(tmp_path / "a.csv", {**META, "device": "WT901BLE67"}, cadence_spm=168, duration_s=45, rate_hz=52)
    b = write_csv(
        tmp_path / "b.csv",
        {**META, "device": "Movesense"},
        cadence_spm=172,
        duration_s=130,
        rate_hz=208,
        t0_s=5000.0,
        lead_in_s=5,
    )
    c = write_csv(tmp_path / "c.csv", None, cadence_spm=170, duration_s=70, rate_hz=100, jitter=0.02)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01garbage\xff" * 20)
    p = run_cli("compare", str(a), str(bad), str(b), str(c), "--json")
    assert p.returncode == 0, p.stderr
    assert "stridemon:" in p.stderr and "%" in p.stderr  # progress lines
    doc = json.loads(p.stdout)
    runs = doc["runs"]
    assert [r["ok"] for r in runs] == [True, False, True, True]
    assert runs[1]["error"] and "bad.csv" in runs[1]["error"] and runs[1]["summary"] is None
    assert (
        abs(runs[0]["summary"]["sample_rate_hz"] - 52) < 0.5 and abs(runs[2]["summary"]["sample_rate_hz"] - 208) < 0.5
    )
    assert runs[0]["meta"]["device"] == "WT901BLE67"
    assert abs(runs[2]["summary"]["duration_s"] - 130) < 0.1
    assert {d["b"] for d in doc["differences"]} == {"C", "D"}
    assert len(runs[2]["segments"]["minutes"]) == 3


def test_all_damaged_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("t_s,ax\n1,2\n")
    out = tmp_path / "r.html"
    p = run_cli("compare", str(bad), str(tmp_path / "missing.csv"), "--report", str(out))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert out.exists() and "missing.csv" in out.read_text()
    assert p.stderr.strip().splitlines()[-1].startswith("stridemon: error:")


def test_segments_and_metadata(tmp_path):
    meta = {**META, "markers": [{"t_s": 30.0, "label": "lap 2"}, {"t_s": 60.0, "label": "lap 3"}], "tags": "a, b"}
    a = write_csv(tmp_path / "a.csv", meta, cadence_spm=lambda t: 170 if t < 30 else 160, duration_s=95)
    r = load_run(a)
    assert r.meta.tags == ("a", "b") and r.meta.target_cadence_spm == 175
    mins = minute_segments(r)
    assert [m.label for m in mins] == ["0:00–1:00", "1:00–1:35"]
    laps = marker_segments(r)
    assert [s.label for s in laps] == ["start", "lap 2", "lap 3"]
    assert abs(laps[0].cadence_spm_median - 170) <= 1 and abs(laps[1].cadence_spm_median - 160) <= 1
    s = run_summary(r)
    assert 50 < s["time_below_target_pct"] <= 100


def test_bad_sidecar_is_a_warning(tmp_path):
    a = write_csv(tmp_path / "a.csv", cadence_spm=170, duration_s=30)
    (tmp_path / "a.csv.meta.json").write_text("{not json")
    r = load_run(a)
    assert r.ok and r.warnings and "meta.json" in r.warnings[0]
    (tmp_path / "a.csv.meta.json").write_text('{"target_cadence_spm": "fast"}')
    r = load_run(a)
    assert r.ok and "target_cadence_spm" in r.warnings[0] and r.meta == RunMeta()


def test_runmeta_round_trip():
    m = RunMeta.from_dict(
        {
            "runner": "Bo",
            "tags": ["fresh"],
            "notes": "n",
            "target_cadence_spm": 172,
            "rotation_budget_deg": 9.5,
            "device": "x",
            "markers": [{"t_s": 3, "label": "l"}],
        }
    )
    assert RunMeta.from_dict(m.to_dict()) == m


def test_damaged_recordings_are_reported_not_fatal(tmp_path):
    """A recording cut short opens with its damage listed; a file that is not one is an error entry."""
    import json as _json

    from tests.conftest import ROOT, run_cli

    cut = tmp_path / "cut.smrec"
    cut.write_bytes((ROOT / "recordings" / "demo-run.smrec").read_bytes()[:150_000])
    bad = tmp_path / "bad.smrec"
    bad.write_bytes(b"garbage")
    p = run_cli("compare", str(cut), str(ROOT / "recordings" / "fatigue-run.smrec"), str(bad), "--json")
    assert p.returncode == 0, p.stderr
    runs = _json.loads(p.stdout)["runs"]
    assert runs[0]["ok"] and any("cut short" in w for w in runs[0]["warnings"])
    assert runs[1]["ok"] and not runs[2]["ok"] and "not a stridemon recording" in runs[2]["error"]
