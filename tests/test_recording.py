"""The session file: crash safety with a real recorder process, damage tolerance, versions,
replay equivalence and export round trips — all on real files on disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stridemon.errors import InputError
from stridemon.events import Marker, Step
from stridemon.pipeline import Pipeline
from stridemon.recording_format import FILE_HEADER, MAGIC, VERSION, decode_samples, encode_samples
from stridemon.samples import SampleBatch
from stridemon.sim.model import SensorModel, simulate
from stridemon.sim.scenarios import get_scenario
from stridemon.sinks.recorder import Recorder
from stridemon.sources.base import batches_of
from stridemon.sources.recording import RecordingSource, read_recording
from stridemon.sources.simulator import simulate_run
from tests.conftest import ROOT, run_cli


def _sim(seconds=30.0, seed=1, rate=100.0, **sensor) -> SampleBatch:
    sc = get_scenario("steady-run", seconds)
    batch, _ = simulate(sc.segments, SensorModel(rate_hz=rate, **sensor), "back-upright", seed)
    return batch


def _write(path: Path, batch: SampleBatch, chunk_s: float = 0.25) -> Pipeline:
    """Record like `stridemon record` does: the pipeline sees what the file holds."""
    pipe = Pipeline()
    with Recorder(path, metadata={"runner": "test", "tags": ["t"]}) as rec:
        for b in batches_of(batch, chunk_s):
            for q in rec.write_batch(b):
                rec.write_events(pipe.feed(q).events)
        for q in rec.close_samples():
            rec.write_events(pipe.feed(q).events)
        rec.write_events(pipe.finish().events)
    return pipe


def test_round_trip_values_times_and_metadata(tmp_path):
    b = _sim(20.0, rate=208.0, jitter_s=0.0004)
    b.host_t_s = 1.8e9 + b.t_s + np.random.default_rng(0).uniform(0.005, 0.03, len(b))
    pipe = _write(tmp_path / "a.smrec", b)
    rec = read_recording(tmp_path / "a.smrec")
    s = rec.samples()
    assert rec.closed_cleanly and not rec.damage.any
    assert len(s) == len(b)
    assert np.max(np.abs(s.t_s - b.t_s)) <= 0.5e-6  # device time to the microsecond
    assert np.max(np.abs(s.host_t_s - b.host_t_s)) <= 0.5e-6  # host time kept separately
    assert np.max(np.abs(s.acc_mps2 - b.acc_mps2)) <= 16 * 9.80665 / 32767  # one LSB of ±16 g
    assert np.max(np.abs(s.gyro_dps - b.gyro_dps)) <= 2000 / 32767
    assert rec.metadata["runner"] == "test" and rec.metadata["tags"] == ["t"]
    assert [e for e in rec.events if isinstance(e, Step)] == pipe.steps


def test_gap_flags_survive(tmp_path):
    b = _sim(10.0)
    parts = list(batches_of(b, 1.0))
    parts[4].gap_before = True
    with Recorder(tmp_path / "g.smrec") as rec:
        for p in parts:
            rec.write_batch(p)
    rec = read_recording(tmp_path / "g.smrec")
    assert sum(x.gap_before for x in rec.batches) == 1


def test_values_beyond_16g_keep_their_size():
    t = np.arange(100) / 100.0
    acc = np.zeros((100, 3))
    acc[50, 2] = 40 * 9.80665  # a knock on the sensor
    b = decode_samples(encode_samples(SampleBatch(t, acc, np.zeros((100, 3)))))
    assert abs(b.acc_mps2[50, 2] - 40 * 9.80665) < 0.05


def test_sigkill_loses_at_most_the_last_second(tmp_path):
    out = tmp_path / "killed.smrec"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "stridemon", "record", "--simulate", "--scenario", "steady-run", "--seed", "3",
         "--speed", "1", "--seconds", "120", "--progress", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    produced = 0
    try:
        for line in proc.stdout:
            if line.startswith("at "):
                produced = int(line.split()[1])  # the recorder has been handed this many seconds
                if produced >= 4:
                    proc.send_signal(signal.SIGKILL)
                    break
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert produced >= 4
    rec = read_recording(out)
    assert not rec.closed_cleanly  # no END block: it was killed
    s = rec.samples()
    # Everything handed to the recorder up to 1 s before the kill is on disk.
    assert s.t_s[-1] - s.t_s[0] >= produced - 1.0 - 0.05
    # What is there is exactly what the simulator produced.
    truth_batch, _ = simulate_run("steady-run", seed=3, seconds=120)
    n = len(s)
    assert np.max(np.abs(s.acc_mps2 - truth_batch.acc_mps2[:n])) <= 16 * 9.80665 / 32767
    # And analyze opens it, with a warning, without a repair step.
    p = run_cli("analyze", str(out), "--json")
    assert p.returncode == 0, p.stderr
    assert "not closed cleanly" in p.stderr


def test_sigint_closes_cleanly(tmp_path):
    out = tmp_path / "ctrl_c.smrec"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "stridemon", "record", "--simulate", "--speed", "5", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    for line in proc.stdout:
        if line.startswith("started"):
            break
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(20) == 0
    rec = read_recording(out)
    assert rec.closed_cleanly and rec.n_samples > 500


@pytest.fixture(scope="module")
def small_file(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("rec") / "small.smrec"
    _write(path, _sim(6.0, seed=2), chunk_s=0.5)
    return path.read_bytes()


def test_truncation_at_every_byte(tmp_path, small_file):
    full = read_recording_bytes(tmp_path, small_file)
    counts = []
    path = tmp_path / "cut.smrec"
    for cut in range(len(small_file) + 1):
        path.write_bytes(small_file[:cut])
        if cut < FILE_HEADER.size:
            with pytest.raises(InputError):
                read_recording(path)
            continue
        rec = read_recording(path)
        counts.append(rec.n_samples)
        if cut < len(small_file):
            assert not rec.closed_cleanly or cut == len(small_file)
        # whatever is kept is a prefix of the full recording
        if rec.n_samples:
            np.testing.assert_array_equal(rec.samples().acc_mps2, full.samples().acc_mps2[: rec.n_samples])
    assert counts == sorted(counts)  # more bytes never give fewer samples
    assert counts[-1] == full.n_samples


def read_recording_bytes(tmp_path: Path, data: bytes):
    p = tmp_path / "full.smrec"
    p.write_bytes(data)
    return read_recording(p)


def test_corruption_in_the_middle_keeps_the_rest(tmp_path, small_file):
    full = read_recording_bytes(tmp_path, small_file)
    rng = np.random.default_rng(5)
    for _ in range(30):
        data = bytearray(small_file)
        at = int(rng.integers(FILE_HEADER.size, len(data)))
        for k in range(int(rng.integers(1, 40))):
            if at + k < len(data):
                data[at + k] ^= int(rng.integers(1, 256))
        p = tmp_path / "bad.smrec"
        p.write_bytes(bytes(data))
        rec = read_recording(p)
        assert rec.damage.bad_blocks >= 1 or rec.damage.truncated_tail or rec.n_samples == full.n_samples
        # at most the damaged block (a burst at a boundary: two blocks) is lost
        assert rec.n_samples >= full.n_samples - 2 * max(len(b) for b in full.batches)
        assert any("damage" in n for n in rec.notes) or rec.n_samples == full.n_samples


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), keep_header=st.booleans())
def test_reader_fuzz_never_crashes(tmp_path, data, keep_header):
    p = tmp_path / "fuzz.smrec"
    p.write_bytes((FILE_HEADER.pack(MAGIC, VERSION, 0, 0) if keep_header else b"") + data)
    try:
        rec = read_recording(p)
    except InputError:
        return
    assert rec.n_samples >= 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=20))
def test_mutated_recordings_never_crash(tmp_path, small_file, edits):
    data = bytearray(small_file)
    for pos, val in edits:
        data[pos % len(data)] = val
    p = tmp_path / "mut.smrec"
    p.write_bytes(bytes(data))
    try:
        read_recording(p)
    except InputError:
        pass


def test_newer_version_is_refused_clearly(tmp_path, small_file):
    p = tmp_path / "future.smrec"
    p.write_bytes(FILE_HEADER.pack(MAGIC, VERSION + 1, 0, 0) + small_file[FILE_HEADER.size :])
    with pytest.raises(InputError, match="newer"):
        read_recording(p)
    line = run_cli("info", str(p)).stderr.strip()
    assert line.startswith("stridemon: error:") and "upgrade" in line


def test_replay_equals_analyze_equals_live(tmp_path):
    path = tmp_path / "run.smrec"
    live = _write(path, _sim(60.0, seed=4, rate=200.0, jitter_s=0.0003))
    rec = read_recording(path)
    recorded = [e for e in rec.events if isinstance(e, Step)]
    assert recorded == live.steps and len(live.steps) > 150
    # analyze
    doc = json.loads(run_cli("analyze", str(path), "--json").stdout)
    assert [round(s.t_s, 4) for s in live.steps] == [s["t"] for s in doc["steps"]]
    assert [round(s.t_s, 4) for s in live.strides] == [s["t"] for s in doc["strides"]]
    # replay through the source interface (paced at max speed, 0.1 s batches)
    import asyncio

    from stridemon.session import run_pipeline

    replayed = asyncio.run(run_pipeline(RecordingSource(path, speed=None, batch_s=0.1), Pipeline()))
    assert replayed.steps == live.steps and replayed.strides == live.strides


def test_export_csv_round_trip_and_info(tmp_path):
    path = tmp_path / "exp.smrec"
    _write(path, _sim(30.0, seed=6))
    p = run_cli("export", str(path), "--to", "csv")
    assert p.returncode == 0, p.stderr
    csv = tmp_path / "exp.csv"
    assert csv.read_text().splitlines()[0] == "t_s,ax,ay,az,gx,gy,gz"
    a = json.loads(run_cli("analyze", str(path), "--json").stdout)
    b = json.loads(run_cli("analyze", str(csv), "--json").stdout)
    assert a["steps"] == b["steps"] and a["strides"] == b["strides"]
    events = (tmp_path / "exp.events.csv").read_text().splitlines()
    assert events[0].startswith('"type"') and sum(ln.startswith('"step"') for ln in events) == len(a["steps"])
    assert run_cli("export", str(path), "--to", "parquet").returncode == 0
    import pyarrow.parquet as pq

    t = pq.read_table(tmp_path / "exp.parquet")
    assert t.num_rows == a["summary"]["steps"] * 0 + read_recording(path).n_samples
    info = json.loads(run_cli("info", str(path), "--json").stdout)
    assert info["closed_cleanly"] and info["samples"] == t.num_rows and abs(info["rate_hz"] - 100) < 0.5


def test_markers_and_alerts_are_stored(tmp_path):
    path = tmp_path / "m.smrec"
    with Recorder(path) as rec:
        rec.write_batch(_sim(3.0))
        rec.write_events([Marker(1.5, "lap 1")])
    assert read_recording(path).events == [Marker(1.5, "lap 1")]


def test_existing_file_is_not_overwritten(tmp_path):
    path = tmp_path / "x.smrec"
    path.write_bytes(b"precious")
    with pytest.raises(InputError, match="exists"):
        Recorder(path)
    assert path.read_bytes() == b"precious"
