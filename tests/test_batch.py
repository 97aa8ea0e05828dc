"""stridemon batch: results identical to analyze file by file (on a 1-worker local Dask cluster,
loopback only), bad files as rows, unchanged runs skipped, the Parquet outputs, the progress helper."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from stridemon.commands import batch
from tests.conftest import ROOT, run_cli

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
ds = pytest.importorskip("pyarrow.dataset")

DEMO = ROOT / "recordings" / "demo-run.smrec"


def _simulated_csv(path: Path, seconds: int, seed: int) -> Path:
    p = run_cli(
        "simulate", "--scenario", "steady-run", "--seconds", str(seconds), "--seed", str(seed), "--out", str(path)
    )
    assert p.returncode == 0, p.stderr
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("runs")
    (d / "team" / "ana").mkdir(parents=True)
    shutil.copy(DEMO, d / "demo-run.smrec")
    _simulated_csv(d / "team" / "ana" / "easy.csv", 30, 1)
    (d / "team" / "ana" / "easy.csv.meta.json").write_text(json.dumps({"runner": "Ana", "tags": ["easy", "tempo"]}))
    _simulated_csv(d / "team" / "short.csv", 15, 2)
    (d / "team" / "broken.csv").write_text("t_s,ax,ay\n1,2\n")  # a bad file: a row with its error
    (d / ".hidden").mkdir()
    shutil.copy(DEMO, d / ".hidden" / "ignored.smrec")
    (d / "notes.txt").write_text("not a run")
    return d


def _analyze(path: str) -> dict:
    p = run_cli("analyze", path, "--json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_find_runs(folder):
    found = [Path(p).relative_to(folder).as_posix() for p in batch.find_runs([folder])]
    assert found == ["demo-run.smrec", "team/ana/easy.csv", "team/broken.csv", "team/short.csv"]
    # a file named on the command line is always tried, and each file is found once
    assert batch.find_runs([folder / "notes.txt", folder / "notes.txt"]) == [str(folder / "notes.txt")]
    with pytest.raises(batch.InputError):
        batch.find_runs([folder / "missing"])


def test_dask_results_identical_to_analyze(folder, tmp_path):
    out, steps = tmp_path / "results.parquet", tmp_path / "steps"
    seen = []
    report = batch.run_batch(
        [folder], out, workers=1, steps_dir=steps, on_start=seen.append, cluster_kwargs={"dashboard_address": ":0"}
    )
    assert seen and seen[0]["mode"] == "local cluster" and seen[0]["workers"] == 1
    assert report["runs"] == 4 and report["analysed"] == 4 and report["failed"] == 1
    table = pq.read_table(out)
    assert table.schema.equals(batch._schema())
    rows = {Path(r["path"]).name: r for r in table.to_pylist()}
    bad = rows["broken.csv"]
    assert bad["error"] and "broken.csv" in bad["error"] and bad["steps"] is None
    step_ds = ds.dataset(steps / "steps", partitioning="hive").to_table().to_pylist()
    stride_ds = ds.dataset(steps / "strides", partitioning="hive").to_table().to_pylist()
    for name in ("demo-run.smrec", "easy.csv", "short.csv"):
        r = rows[name]
        assert r["error"] is None, r["error"]
        doc = _analyze(r["path"])
        s = doc["summary"]
        assert json.loads(r["summary_json"]) == s  # the whole summary, exactly
        for k in ("steps", "strides", "duration_s", "cadence_spm_median", "rotation_deg_median", "rotation_deg_p90"):
            assert r[k] == s[k], k
        assert [r["cadence_spm_p25"], r["cadence_spm_p75"]] == s["cadence_spm_iqr"]
        assert r["forward_axis_sensor"] == s["forward_axis_sensor"]
        got = [{k: v for k, v in x.items() if k != "run_id"} for x in step_ds if x["run_id"] == r["run_id"]]
        assert sorted(got, key=lambda x: x["t"]) == doc["steps"]
        got = [{k: v for k, v in x.items() if k != "run_id"} for x in stride_ds if x["run_id"] == r["run_id"]]
        assert sorted(got, key=lambda x: x["t"]) == doc["strides"]
    assert rows["easy.csv"]["runner"] == "Ana" and rows["easy.csv"]["tags"] == ["easy", "tempo"]
    demo = rows["demo-run.smrec"]
    assert demo["runner"] == "sim-runner" and demo["format"] == "simulator"
    assert demo["start_time"].isoformat().startswith("2026-11-23T23:08:18")
    assert rows["short.csv"]["start_time"] is None and rows["short.csv"]["format"] == "csv"


def test_rerun_skips_unchanged_runs(folder, tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    shutil.copytree(folder / "team", runs)
    out = tmp_path / "r.parquet"
    first = batch.run_batch([runs], out, workers=0)
    assert (first["analysed"], first["reused"], first["mode"]) == (3, 0, "in-process")
    again = batch.run_batch([runs], out, workers=0)
    assert (again["analysed"], again["reused"]) == (0, 3)  # unchanged, and the bad file's error kept
    assert pq.read_table(out).to_pylist() == pq.read_table(out).to_pylist()
    _simulated_csv(runs / "short.csv", 16, 2)  # the file changed
    (runs / "ana" / "easy.csv.meta.json").write_text(json.dumps({"runner": "Bea"}))  # its sidecar changed
    third = batch.run_batch([runs], out, workers=0)
    assert (third["analysed"], third["reused"]) == (2, 1)
    rows = {Path(r["path"]).name: r for r in pq.read_table(out).to_pylist()}
    assert rows["easy.csv"]["runner"] == "Bea" and rows["short.csv"]["duration_s"] > 15.5
    # --steps needs the step tables: runs without them are analysed again
    fourth = batch.run_batch([runs], out, workers=0, steps_dir=tmp_path / "steps")
    assert (fourth["analysed"], fourth["reused"]) == (2, 1)  # the bad file has no tables to make
    monkeypatch.setattr(batch, "code_fingerprint", lambda: "other-code")  # the analysis code changed
    assert batch.run_batch([runs], out, workers=0)["analysed"] == 3
    assert batch.run_batch([runs], out, workers=0, force=True)["analysed"] == 3


def test_infrastructure_errors_are_retried():
    fp, digest = "fp", "d"
    row = {"file_digest": digest, "code_fingerprint": fp, "run_id": "x", "error": None}
    assert batch._reusable(row, digest, fp, None)
    assert not batch._reusable(row, "other", fp, None)
    assert not batch._reusable(row, digest, "other", None)
    assert batch._reusable({**row, "error": "a.csv: missing column(s)"}, digest, fp, None)
    assert not batch._reusable({**row, "error": f"{batch.INFRA_ERROR_PREFIX} a.csv: not analysed"}, digest, fp, None)


def test_cli_json_is_quiet(folder, tmp_path):
    out = tmp_path / "cli.parquet"
    p = run_cli("batch", str(folder / "team"), "--out", str(out), "--workers", "0", "--json")
    assert p.returncode == 0, p.stderr
    rep = json.loads(p.stdout)  # nothing but the JSON summary on stdout
    assert rep["runs"] == 3 and rep["failed"] == 1 and rep["errors"][0]["path"].endswith("broken.csv")
    assert p.stderr == ""  # no progress, no dashboard line
    p = run_cli("batch", str(folder / "team"), "--out", str(out), "--workers", "0")
    assert p.returncode == 0 and "3 unchanged" in p.stdout + p.stderr
    p = run_cli("batch", str(tmp_path / "nope"), "--out", str(out))
    assert p.returncode == 2 and "no such file or folder" in p.stderr


def test_version():
    from importlib.metadata import version

    p = run_cli("--version")
    assert p.returncode == 0 and p.stdout.strip() == f"stridemon {version('stridemon')}"


def test_progress_only_on_a_terminal(monkeypatch):
    from stridemon.progress import progress_bar, progress_enabled

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("STRIDEMON_PROGRESS", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert not progress_enabled(stream=io.StringIO())  # piped
    assert not progress_enabled(json_mode=True, stream=Tty())
    assert progress_enabled(stream=Tty())
    monkeypatch.setenv("STRIDEMON_PROGRESS", "0")
    assert not progress_enabled(stream=Tty())
    quiet = io.StringIO()
    with progress_bar(3, "x", stream=quiet) as bar:  # disabled: nothing written, calls still work
        bar.advance(text="a")
        bar.callback(0.5, "b")
    assert quiet.getvalue() == "" and bar.completed == 1.5
    monkeypatch.delenv("STRIDEMON_PROGRESS")
    tty = Tty()
    with progress_bar(2, "analysing", stream=tty) as bar:
        bar.advance(text="one.csv")
        bar.advance(text="two.csv")
    assert bar.enabled and bar.completed == 2
