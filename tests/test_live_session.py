"""The live session without Qt: simulator and the bundled recording through pipeline, alerts and
recorder, with pause, seek, laps, settings changes and bounded memory."""

from __future__ import annotations

import asyncio
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from stridemon.dsp.cadence import step_time_asymmetry_pct
from stridemon.dsp.rotation import arc_cm
from stridemon.events import Alert, Marker, Step, Stride
from stridemon.live_session import LiveSession
from stridemon.pipeline import Pipeline
from stridemon.settings import RunnerSettings
from stridemon.sinks.recorder import Recorder
from stridemon.sinks.summary import summarize
from stridemon.sources.base import batches_of
from stridemon.sources.recording import RecordingSource, read_recording
from stridemon.sources.simulator import simulate_run
from tests.conftest import run_cli

pytestmark = pytest.mark.usefixtures("ui_env")

DEMO_RECORDING = Path(__file__).resolve().parents[1] / "recordings" / "demo-run.smrec"


@pytest.fixture(scope="module")
def demo():
    return simulate_run("demo", seed=1)


class FakeRecorder:
    def __init__(self):
        self.samples = 0
        self.events: list = []
        self.closed = False

    def write_batch(self, batch):
        self.samples += len(batch)

    def write_events(self, events):
        self.events.extend(events)

    def close(self):
        self.closed = True


class StubSource:
    """The optional controls of a replay source, noted."""

    def __init__(self):
        self.calls: list = []
        self.speed = 1.0

    def pause(self):
        self.calls.append("pause")

    def resume(self):
        self.calls.append("resume")

    def seek(self, t_s):
        self.calls.append(("seek", t_s))

    def set_speed(self, x):
        self.calls.append(("speed", x))
        self.speed = x


def test_simulator_alerts_and_the_displayed_cadence_are_one_number(demo):
    run, _ = demo
    s = LiveSession(RunnerSettings())
    direct = Pipeline()
    direct.feed(run)
    direct.finish()
    seen = []

    def check(out, alerts):
        if out.step_cadence_spm:
            seen.append((s.engine.cadence_spm, out.step_cadence_spm[-1]))

    s.listeners.append(check)
    for b in batches_of(run, 0.1):
        s.feed(b)
    s.finish()
    assert [x.t_s for x in s.pipeline.steps] == [x.t_s for x in direct.steps][-1000:]
    raised = [a.kind for a in s.engine.history if a.state == "raised"]
    assert raised == ["cadence", "rotation"]
    finite = [(a, b) for a, b in seen if math.isfinite(a)]
    assert len(finite) > 100 and all(a == b for a, b in finite)  # the alert's cadence is the pipeline's


def test_queue_joins_batches_and_splits_at_a_seek_back(demo):
    run, _ = demo
    first = run.slice(0, int(np.searchsorted(run.t_s, 30.0)))
    s = LiveSession(max_queue_s=1e9)
    parts = list(batches_of(first, 0.02))
    calls = []
    s.listeners.append(lambda out, alerts: calls.append(len(out.t_s)))
    for b in parts:
        s.enqueue(b)
    assert s.queued == len(parts) and s.step_count == 0
    s.process_queued()
    assert s.queued == 0 and len(calls) == 1  # one pipeline call for the whole queue
    direct = Pipeline()
    direct.feed(first)
    assert [x.t_s for x in s.pipeline.steps] == [x.t_s for x in direct.steps]
    s.enqueue(parts[0])  # time goes back: the session starts afresh from there
    s.process_queued()
    assert s.t0 == pytest.approx(parts[0].t_s[0]) and s.pipeline.samples_in == len(parts[0])


def test_pause_seek_speed_and_lap():
    s = LiveSession(recorder=FakeRecorder())
    src = s.source = StubSource()
    assert s.add_marker() is None  # no data yet: no time for it
    run, _ = simulate_run("steady-run", seed=2, seconds=45)
    for b in batches_of(run, 0.5):
        s.feed(b)
    assert s.toggle_pause() and src.calls[-1] == "pause"
    assert not s.toggle_pause() and src.calls[-1] == "resume"
    s.seek(-30.0)
    assert src.calls[-1] == ("seek", pytest.approx(s.t_now - 30.0))
    s.change_speed(100.0)
    assert src.calls[-1] == ("speed", 64.0)
    m = s.add_marker()
    assert m == Marker(s.t_now, "lap 1") and m in s.recorder.events
    assert s.add_marker().label == "lap 2"
    steps_before = s.step_count
    s.feed(run.slice(0, 200))  # what the seek delivers: earlier data, a fresh session
    assert s.step_count < steps_before and s.t0 == pytest.approx(run.t_s[0])


def test_replay_of_the_recording_with_a_real_seek():
    src = RecordingSource(DEMO_RECORDING, speed=None, batch_s=1.0)
    s = LiveSession()
    t_seen = []

    def on_batch(batch):
        t_seen.append(s.t_now)
        if len(t_seen) == 40:
            s.seek(-30.0)
        return len(t_seen) >= 60

    reason = asyncio.run(s.run(src, on_batch=on_batch))
    assert reason == "stopped"
    assert min(t_seen[40:]) < t_seen[39] - 20  # went back
    assert s.session_s > 10 and s.step_count > 20  # and carried on from there, afresh


def test_a_settings_change_reaches_the_recorded_strides_at_once(demo):
    run, _ = demo
    rec = FakeRecorder()
    s = LiveSession(RunnerSettings(), recorder=rec)
    batches = list(batches_of(run, 0.5))
    half = len(batches) // 2
    for b in batches[:half]:
        s.feed(b)
    t_change = s.t_now
    settings = RunnerSettings(torso_half_width_cm=20.0)
    s.apply_settings(settings)
    assert s.engine.settings.torso_half_width_cm == 20.0
    for b in batches[half:]:
        s.feed(b)
    s.finish()
    strides = [e for e in rec.events if isinstance(e, Stride) and math.isfinite(e.rotation_deg)]
    before = [x for x in strides if x.end_s < t_change - 3.0]
    after = [x for x in strides if x.end_s > t_change + 1.0]
    assert before and after
    assert all(x.rotation_cm == pytest.approx(arc_cm(x.rotation_deg, 15.0)) for x in before)
    assert all(x.rotation_cm == pytest.approx(arc_cm(x.rotation_deg, 20.0)) for x in after)
    # The change of settings in place (the +/- keys) reaches the alerts too.
    settings.target_offset_spm += 2.0
    s.apply_settings()
    assert s.engine.settings.target_cadence_spm == settings.target_cadence_spm()


def test_the_recorder_gets_alerts_and_the_pipeline_sees_what_the_file_holds(tmp_path, demo):
    run, _ = demo
    rec = Recorder(tmp_path / "s", None, {})
    s = LiveSession(recorder=rec, feed_as_recorded=True, keep_last_events=None)
    for b in batches_of(run, 0.1):
        s.feed(b)
    s.finish()
    rec.close()
    back = read_recording(rec.path)
    alerts = [e for e in back.events if isinstance(e, Alert)]
    assert [a.kind for a in alerts if a.state == "raised"] == ["cadence", "rotation"]
    replay = Pipeline()
    for b in back.batches:
        replay.feed(b)
    replay.finish()
    assert [e.t_s for e in back.events if isinstance(e, Step)] == [x.t_s for x in replay.steps]


def test_record_command_saves_alert_events(tmp_path):
    out = tmp_path / "run.smrec"
    r = run_cli("record", "--simulate", "--scenario", "demo", "--seed", "1", "--speed", "200", "--seconds", "130",
                "--out", str(out), timeout=120)
    assert r.returncode == 0, r.stderr
    rec = read_recording(out)
    raised = [e.kind for e in rec.events if isinstance(e, Alert) and e.state == "raised"]
    assert "cadence" in raised  # the cadence dip (75-105 s): as a session saved from the window


def test_memory_stays_bounded_over_a_simulated_hour():
    from stridemon.sim.model import SensorModel
    from stridemon.sources.simulator import make_simulation

    s = LiveSession(keep_last_events=300)
    sim = make_simulation("steady-run", SensorModel(rate_hz=100.0), seed=4, seconds=3600.0)
    for chunk in sim.chunks():
        for b in batches_of(chunk, 1.0):
            s.feed(b)
    assert s.session_s > 3500 and s.step_count > 9000
    p = s.pipeline
    assert max(len(p.steps), len(p.strides), len(p.gaps), len(p.dynamics)) <= 300
    assert len(s.recent_steps) <= 41 and len(s.alerts) <= 200 and len(s.markers) <= 100
    assert len(p._buffer.t) < 100 * 60  # the signal kept for strides: under a minute, not the hour


def test_balance_and_analyze_share_the_step_time_asymmetry(demo):
    run, _ = demo
    s = LiveSession(recent_steps=10_000, keep_last_events=None)
    for b in batches_of(run, 1.0):
        s.feed(b)
    steps = list(s.pipeline.steps)
    asym = step_time_asymmetry_pct(steps)
    assert math.isfinite(asym)
    assert s.left_pct() == pytest.approx(50.0 + asym / 4.0)
    assert summarize(steps, [], 1.0)["step_time_asymmetry_pct"] == round(asym, 1)


def test_the_session_needs_no_qt():
    import subprocess

    code = "import sys, stridemon.live_session, stridemon.commands.record; print('PySide6' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 0 and r.stdout.strip() == "False", r.stderr
