"""Choosing a source from inside the window: open a recording, scan and pick a BLE sensor (the
real bleak client against the fake BlueZ), in a real offscreen window."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from stridemon.settings import RunnerSettings
from stridemon.ui.audio import Audio
from stridemon.ui.dashboard import Dashboard
from stridemon.ui.sources_menu import open_recording, scan_and_pick
from tests.ble_fixtures import BluezThread, dbus_bus  # noqa: F401
from tests.vendor_sims import SIMS

RECORDING = Path(__file__).resolve().parents[1] / "recordings" / "demo-run.smrec"


def _run(qapp, coro):
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(coro)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def test_open_recording_from_the_window(qapp):
    w = Dashboard(RunnerSettings(), audio=Audio(backend="none"))
    w.show()

    async def go():
        assert open_recording(w, RECORDING, speed=None)  # as fast as it goes
        await w._task
        return w.pipeline.metrics.steps

    assert _run(qapp, go()) > 600  # the whole 4-minute demo run went through the window
    assert not open_recording(w, RECORDING.with_name("missing.smrec"))
    assert "no such file" in w.banner.text()
    w.close()


@pytest.mark.usefixtures("dbus_bus")
def test_scan_and_pick_a_sensor(qapp):
    w = Dashboard(RunnerSettings(), audio=Audio(backend="none"))
    w.show()
    offered = []

    def choose(found):
        offered.extend(found)
        return next(f for f in found if f.family == "witmotion")

    async def go():
        src = await scan_and_pick(w, choose=choose, timeout_s=1.5)
        for _ in range(60):  # until ~2 s of samples went through the window
            await asyncio.sleep(0.1)
            if w.session_s > 2.0:
                break
        w._task.cancel()
        return src

    with BluezThread() as bt:
        for cls in SIMS.values():
            bt.call(lambda fb, c=cls: fb.add_device(c()))
        src = _run(qapp, go())
    assert {f.family for f in offered} >= {"witmotion", "movesense", "polar", "stridemon-fw"}
    assert src is not None and src.info.family == "witmotion"
    assert w.session_s > 2.0
    w.close()
