"""The dashboard as a real Qt window (offscreen): screenshot, alerts, recorder, keys, source end."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QImage

from stridemon.errors import DeviceError
from stridemon.events import Alert, Marker, Step, Stride
from stridemon.settings import RunnerSettings, load_runner, save_runner
from stridemon.sources.base import batches_of
from stridemon.sources.recording import RecordingSource
from stridemon.sources.simulator import SimulatedSource, simulate_run
from stridemon.ui.app import run_dashboard
from stridemon.ui.audio import Audio
from stridemon.ui.dashboard import Dashboard
from tests.conftest import run_cli

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("ui_env")]

DEMO_RECORDING = Path(__file__).resolve().parents[1] / "recordings" / "demo-run.smrec"


def demo_run():
    """The simulator's demo run (steady, cadence dip to 164 spm, swivel to 22°, steady) and its truth."""
    return simulate_run("demo", seed=1)


def segment(truth, label: str) -> tuple[float, float]:
    seg = next(s for s in truth.segments if s["label"] == label)
    return seg["start_s"], seg["end_s"]


class FakeRecorder:
    """The recorder interface the Record button uses."""

    instances: ClassVar[list[FakeRecorder]] = []

    def __init__(self, path):
        self.path = path
        self.samples = 0
        self.events: list = []
        self.closed = False
        FakeRecorder.instances.append(self)

    def write_batch(self, batch):
        self.samples += len(batch)

    def write_events(self, events):
        self.events.extend(events)

    def close(self):
        self.closed = True


def _not_blank(png) -> tuple[int, float]:
    img = QImage(str(png))
    assert not img.isNull()
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes()).reshape(img.height(), -1, 4)[:, : img.width(), :3]
    colours = len(np.unique(a.reshape(-1, 3)[::7], axis=0))
    return colours, float(a.std())


def test_screenshot_of_the_running_window(tmp_path, qapp):
    png = tmp_path / "dash.png"
    windows = []
    rc = run_dashboard(
        lambda: SimulatedSource("demo", seed=1, speed=40.0), RunnerSettings(), seconds=95, screenshot=png,
        on_window=windows.append,
    )
    assert rc == 0 and png.exists()
    colours, std = _not_blank(png)
    assert colours > 50 and std > 20, (colours, std)
    w = windows[0]
    assert w.step_count > 200
    assert "cadence" in w.engine.active  # 95 s: inside the low-cadence stretch (75-105 s)
    assert w.cadence_box.state == "alert" and "Cadence" in w.banner.text()
    assert w.width() >= 1200


def test_alerts_recorder_marker_and_keys(qapp, tmp_path):
    FakeRecorder.instances.clear()
    saved = []
    w = Dashboard(RunnerSettings(name="ana"), recorder_factory=FakeRecorder, audio=Audio(backend="none"),
                  save_settings=lambda s: saved.append(save_runner(s)))
    w.options.record_dir = tmp_path / "rec"
    w.resize(1400, 900)
    w.show()
    run, truth = demo_run()
    seen_banner = set()
    for i, b in enumerate(batches_of(run, 0.05)):
        if i == 20:
            w.toggle_record()
        w.on_batch(b)
        if i % 40 == 0:
            w.refresh()
            qapp.processEvents()
            seen_banner.add(w.banner.text().split(" ")[0])
        if i == 400:
            assert w.add_marker() is not None
    w.toggle_record()
    rec = FakeRecorder.instances[0]
    assert rec.closed and rec.samples > 0.9 * len(run)
    kinds = {type(e) for e in rec.events}
    assert {Step, Stride, Alert, Marker} <= kinds
    raised = [(a.kind, round(a.t_s)) for a in rec.events if isinstance(a, Alert) and a.state == "raised"]
    assert [k for k, _ in raised] == ["cadence", "rotation"]
    # (exact times against the truth are checked in test_alerts; here: each in its part of the run)
    dip_start, low_end = segment(truth, "cadence drop")[0], segment(truth, "low cadence")[1]
    swivel_start, swivel_end = segment(truth, "swivel ramp")[0], segment(truth, "swivel")[1]
    assert dip_start < raised[0][1] < low_end and swivel_start < raised[1][1] < swivel_end
    assert {"Cadence", "Trunk"} <= seen_banner
    # Keys: + raises today's target and is saved for the runner.
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    before = w.settings.target_cadence_spm()
    QTest.keyClick(w, Qt.Key.Key_Plus)
    QTest.keyClick(w, Qt.Key.Key_Plus)
    QTest.keyClick(w, Qt.Key.Key_Minus)
    assert w.settings.target_cadence_spm() == before + 1
    assert w.engine.settings.target_cadence_spm == before + 1
    assert saved and load_runner("ana").target_offset_spm == 1.0
    QTest.keyClick(w, Qt.Key.Key_BracketRight)
    assert w.engine.settings.rotation_budget_deg == pytest.approx(20.4, abs=0.05)
    QTest.keyClick(w, Qt.Key.Key_Space)
    assert w.paused
    QTest.keyClick(w, Qt.Key.Key_Space)
    assert not w.paused
    w.close()


def test_pause_and_seek_reach_the_source(qapp):
    w = Dashboard(RunnerSettings(), audio=Audio(backend="none"))
    src = RecordingSource(DEMO_RECORDING, speed=8.0, batch_s=0.1)  # the bundled recording, as `replay` opens it
    seen: list[float] = []

    async def go():
        task = w.start_source(src, stop_after_s=60)
        while w.session_s < 20:
            await asyncio.sleep(0.02)
        w.toggle_pause()
        assert src._paused and w.paused
        w.refresh()
        frozen = w.t_now
        await asyncio.sleep(0.3)  # at 8x that would be 2.4 s of recording
        w.refresh()
        assert w.t_now - frozen < 0.3
        w.toggle_pause()
        assert not src._paused
        while w.session_s < 40:
            await asyncio.sleep(0.02)
        seen.append(w.t_now)
        w.seek(-30.0)  # Left key: back 30 s; the window starts the session afresh from there
        while w.t_now >= seen[0] - 1.0:
            await asyncio.sleep(0.02)
            w.refresh()
        seen.append(w.t_now)
        return await task

    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        assert loop.run_until_complete(go()) == "stopped"
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert seen[1] < seen[0] - 20  # the seek went back
    assert w.session_s >= 20 and w.step_count > 50
    w.close()


class _Dying:
    """A sensor that delivers 5 s of data and then drops the link."""

    def __init__(self):
        self.run = demo_run()[0]
        self.info = SimulatedSource("demo", seed=1, seconds=10).info

    async def stream(self):
        for b in batches_of(self.run, 0.1):
            if b.t_s[0] > 5:
                raise DeviceError("sensor WT901 lost and not back within 30 s")
            await asyncio.sleep(0)
            yield b


def _consume(qapp, w, src):
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(w.consume(src))
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def test_source_end_and_disconnect_keep_the_window_up(qapp):
    w = Dashboard(RunnerSettings(), audio=Audio(backend="none"))
    w.show()
    reason = _consume(qapp, w, _Dying())
    assert reason.startswith("disconnected") and "WT901" in reason
    assert w.isVisible() and "disconnected" in w.banner.text()
    assert "disconnected" in w.info_sensor.text()
    assert w.step_count > 5
    reason = _consume(qapp, w, SimulatedSource("demo", seed=2, seconds=8))
    assert reason == "ended" and w.isVisible() and "ended" in w.banner.text()
    w.close()


def test_missing_audio_is_visual_only_with_one_warning(caplog, qapp):
    caplog.set_level(logging.WARNING, logger="stridemon.ui.audio")
    a = Audio(backend="none")
    assert not a.available
    for _ in range(5):
        a.play("alert")
        a.say("Cadence. Quicker steps.")
    assert len([r for r in caplog.records if "visual only" in r.message]) == 1
    # A device that fails while playing: switches itself off, one warning, no exception.
    caplog.clear()
    b = Audio(backend="none")
    b.backend, b._player = "command", "/nonexistent/player"
    b.play("alert")
    b.play("click")
    assert b.backend == "none"
    # The window with no audio raises its alerts visually.
    w = Dashboard(RunnerSettings(), audio=Audio(backend="none"))
    assert "visual only" in (w.refresh() or w.info_record.text())
    w.close()


def test_demo_command(tmp_path):
    png = tmp_path / "demo.png"
    r = run_cli("demo", "--seconds", "10", "--speed", "10", "--screenshot", str(png), timeout=60)
    assert r.returncode == 0, r.stderr
    colours, std = _not_blank(png)
    assert colours > 50 and std > 20


def test_live_simulate_screenshot(tmp_path):
    """`stridemon live --simulate --seconds 10 --screenshot out.png`, as the README promises."""
    png = tmp_path / "live.png"
    r = run_cli("live", "--simulate", "--seconds", "10", "--speed", "5", "--screenshot", str(png), timeout=60)
    assert r.returncode == 0, r.stderr
    colours, std = _not_blank(png)
    assert colours > 50 and std > 20


def test_replay_recording_screenshot(tmp_path):
    """`stridemon replay FILE --screenshot`: a bundled recording in the real window."""
    png = tmp_path / "replay.png"
    r = run_cli("replay", str(DEMO_RECORDING), "--speed", "20", "--seconds", "90", "--screenshot", str(png), timeout=60)
    assert r.returncode == 0, r.stderr
    colours, std = _not_blank(png)
    assert colours > 50 and std > 20


def test_queued_batches_are_processed_per_frame_with_gaps_and_seeks_kept(qapp):
    """enqueue() + refresh() (the live path) gives the steps of one direct pipeline run, keeps a
    source-flagged gap, and starts afresh when time goes back (a replay seek)."""
    from stridemon.pipeline import Pipeline
    from stridemon.samples import SampleBatch

    run, _ = demo_run()
    first = run.slice(0, int(np.searchsorted(run.t_s, 40.0)))
    batches = list(batches_of(first, 0.02))
    direct = Pipeline()
    direct.feed(first)
    direct_steps = [s.t_s for s in direct.steps]

    w = Dashboard(RunnerSettings(), audio=Audio(backend="none"))
    for i, b in enumerate(batches):
        w.enqueue(b)
        if i % 3 == 2:  # a frame every 60 ms of data
            w.refresh()
    w.refresh()
    assert w.session.queued == 0
    assert [s.t_s for s in w.pipeline.steps] == direct_steps
    assert w.pipeline.metrics.gaps == 0

    # A source-flagged gap inside one frame's queue splits the joined run there: the pipeline
    # gets the flag (the jump is too short for it to see from the time stamps alone).
    calls = []
    feed = w.pipeline.feed
    w.pipeline.feed = lambda b: calls.append((len(b), b.gap_before)) or feed(b)
    a = run.slice(len(first), len(first) + 4)
    b = run.slice(len(first) + 6, len(first) + 10)
    flagged = SampleBatch(b.t_s, b.acc_mps2, b.gyro_dps, gap_before=True)
    w.enqueue(a)
    w.enqueue(flagged)
    w.refresh()
    assert calls == [(4, False), (4, True)]

    # Time going back within one frame's queue (seek to 0) resets the session at that batch.
    w.enqueue(batches[0])
    w.enqueue(batches[1])
    w.refresh()
    assert w.t0 == pytest.approx(batches[0].t_s[0]) and w.t_now == pytest.approx(batches[1].t_s[-1])
    assert w.pipeline.samples_in == len(batches[0]) + len(batches[1])
    w.close()


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="Xvfb not installed (CI installs it)")
def test_live_window_on_a_real_x_server(tmp_path):
    """The same window through Qt's xcb platform on an X server (Xvfb), as on a Linux desktop."""
    png = tmp_path / "xcb.png"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(PYTHONPATH=str(Path(__file__).resolve().parents[1]), QT_QPA_PLATFORM="xcb")
    r = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m", "stridemon",
         "live", "--simulate", "--seconds", "10", "--speed", "5", "--screenshot", str(png)],
        capture_output=True, text=True, timeout=90, env=env,
    )
    if r.returncode != 0 and 'platform plugin "xcb"' in r.stderr:  # .ci/run installs these
        pytest.skip("Qt's xcb plugin needs Debian's libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1")
    assert r.returncode == 0, r.stderr[-2000:]
    colours, std = _not_blank(png)
    assert colours > 50 and std > 20
