"""stridemon sessions: list a folder of runs, filter by runner and tag, compare the listed runs."""

from __future__ import annotations

import json

import pytest

from stridemon.coach.library import scan_folder
from tests.conftest import run_cli
from tests.synth_run import write_csv


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("lib")
    write_csv(
        d / "ana_fresh.csv",
        {"runner": "Ana", "tags": ["fresh"], "notes": "easy 5k", "target_cadence_spm": 172},
        cadence_spm=170,
        rotation_deg=9,
        duration_s=40,
        seed=1,
    )
    write_csv(
        d / "ana_tired.csv",
        {"runner": "Ana", "tags": ["fatigued"], "target_cadence_spm": 172},
        cadence_spm=162,
        rotation_deg=13,
        duration_s=40,
        seed=2,
    )
    write_csv(d / "bo_fresh.csv", {"runner": "Bo", "tags": ["fresh", "track"]}, cadence_spm=180, duration_s=40)
    (d / "broken.csv").write_text("hello\n")
    (d / "notes.txt").write_text("not a run")
    return d


def test_scan_filters_without_analysing(folder):
    names = lambda es: [e.path.rsplit("/", 1)[-1] for e in es]  # noqa: E731
    assert names(scan_folder(folder)) == ["ana_fresh.csv", "ana_tired.csv", "bo_fresh.csv", "broken.csv"]
    assert names(scan_folder(folder, runner="ana")) == ["ana_fresh.csv", "ana_tired.csv"]
    assert names(scan_folder(folder, tag="FRESH")) == ["ana_fresh.csv", "bo_fresh.csv"]
    assert names(scan_folder(folder, runner="Ana", tag="fatigued")) == ["ana_tired.csv"]


def test_sessions_json_has_metadata_and_headlines(folder):
    p = run_cli("sessions", str(folder), "--json")
    assert p.returncode == 0, p.stderr
    s = {e["path"].rsplit("/", 1)[-1]: e for e in json.loads(p.stdout)["sessions"]}
    assert s["ana_fresh.csv"]["meta"]["notes"] == "easy 5k"
    assert abs(s["ana_fresh.csv"]["summary"]["cadence_spm_median"] - 170) <= 1
    assert abs(s["ana_tired.csv"]["summary"]["rotation_deg_median"] - 13) <= 1
    assert s["broken.csv"]["error"] and s["broken.csv"]["summary"] is None
    assert "%" in p.stderr  # progress


def test_sessions_text_and_filter(folder):
    p = run_cli("sessions", str(folder), "--runner", "Ana", "--quiet")
    assert p.returncode == 0, p.stderr
    assert "ana_fresh.csv" in p.stdout and "ana_tired.csv" in p.stdout and "bo_fresh" not in p.stdout
    assert "--compare" in p.stdout and p.stderr == ""
    p = run_cli("sessions", str(folder), "--tag", "nope", "--no-numbers")
    assert p.returncode == 0 and "no runs match" in p.stdout


def test_sessions_compare_report(folder, tmp_path):
    out = tmp_path / "ana.html"
    p = run_cli("sessions", str(folder), "--runner", "Ana", "--compare", "--report", str(out))
    assert p.returncode == 0, p.stderr
    html = out.read_text()
    assert "ana_fresh.csv" in html and "ana_tired.csv" in html and "bo_fresh" not in html
    assert "A is better" in html  # the fatigued run (B) is worse on cadence and rotation


def test_sessions_bad_folder(tmp_path):
    p = run_cli("sessions", str(tmp_path / "nope"))
    assert p.returncode == 2 and p.stderr.startswith("stridemon: error:") and "no such folder" in p.stderr


def test_listing_twice_analyses_only_what_changed(tmp_path, monkeypatch, caplog):
    """The folder's cache: unchanged runs are not re-read or re-analysed; a changed run or sidecar
    is; a broken or unwritable cache is only logged."""
    import os
    import shutil

    from stridemon.coach import library
    from stridemon.coach.library import CACHE_NAME, add_headlines

    rec = tmp_path / "demo.smrec"
    shutil.copy(__file__.rsplit("/tests/", 1)[0] + "/recordings/demo-run.smrec", rec)
    write_csv(tmp_path / "ana.csv", {"runner": "Ana", "tags": ["fresh"], "target_cadence_spm": 172},
              cadence_spm=170, duration_s=30, seed=3)
    (tmp_path / "broken.csv").write_text("hello\n")

    analysed: list[str] = []
    real_load_runs = library.load_runs
    monkeypatch.setattr(library, "load_runs",
                        lambda paths, *a, **k: analysed.extend(str(p).rsplit("/", 1)[-1] for p in paths)
                        or real_load_runs(paths, *a, **k))
    first = [e.to_dict() for e in add_headlines(scan_folder(tmp_path))]
    assert sorted(analysed) == ["ana.csv", "broken.csv", "demo.smrec"]
    assert (tmp_path / CACHE_NAME).exists()

    # Second listing: nothing analysed, no recording even opened, the same answer.
    analysed.clear()
    import stridemon.sources.recording as recording

    monkeypatch.setattr(recording, "RecordingSource", lambda *a, **k: pytest.fail("recording re-read"))
    second = [e.to_dict() for e in add_headlines(scan_folder(tmp_path))]
    assert analysed == [] and second == first
    monkeypatch.undo()
    monkeypatch.setattr(library, "load_runs",
                        lambda paths, *a, **k: analysed.extend(str(p).rsplit("/", 1)[-1] for p in paths)
                        or real_load_runs(paths, *a, **k))

    # A new target in the sidecar changes "time below target": that run only is analysed again.
    side = tmp_path / "ana.csv.meta.json"
    side.write_text(json.dumps({"runner": "Ana", "tags": ["fresh"], "target_cadence_spm": 160}))
    third = {e.path.rsplit("/", 1)[-1]: e for e in add_headlines(scan_folder(tmp_path))}
    assert analysed == ["ana.csv"]
    assert third["ana.csv"].meta.target_cadence_spm == 160
    assert third["ana.csv"].summary["time_below_target_pct"] < first[0]["summary"]["time_below_target_pct"]

    # A damaged cache file is ignored (everything analysed again), then rewritten.
    analysed.clear()
    (tmp_path / CACHE_NAME).write_text("{not json")
    assert [e.to_dict() for e in add_headlines(scan_folder(tmp_path))][2] == first[2]
    assert len(analysed) == 3 and json.loads((tmp_path / CACHE_NAME).read_text())["files"]
    assert "unreadable session cache" in caplog.text

    # A folder where the cache cannot be written still lists (and says why in the log).
    os.remove(tmp_path / CACHE_NAME)
    (tmp_path / CACHE_NAME).mkdir()
    caplog.clear()
    assert len(add_headlines(scan_folder(tmp_path))) == 3
    assert "session cache not written" in caplog.text
