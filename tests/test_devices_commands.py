"""``stridemon scan`` and ``stridemon live`` against the fake BlueZ (real bleak underneath)."""

from __future__ import annotations

import numpy as np
import pytest

from stridemon.cli import main
from tests.ble_fixtures import BluezThread, dbus_bus  # noqa: F401
from tests.vendor_sims import SIMS

pytestmark = pytest.mark.usefixtures("dbus_bus", "fresh_logging")


@pytest.fixture
def fresh_logging():
    """cli.main's logging.basicConfig binds the first test's captured stderr; start each test clean."""
    import logging

    saved = logging.root.handlers[:]
    logging.root.handlers.clear()
    yield
    logging.root.handlers[:] = saved


def test_scan_command(capsys):
    with BluezThread() as bt:
        for cls in SIMS.values():
            bt.call(lambda fb, c=cls: fb.add_device(c()))
        assert main(["scan", "--seconds", "1"]) == 0
    out = capsys.readouterr().out
    for fam in SIMS:
        assert fam in out
    assert "WT901BLE67" in out and "RSSI" in out


def test_live_command(capsys):
    with BluezThread() as bt:
        bt.call(lambda fb: fb.add_device(SIMS["movesense"]()))
        assert (
            main(
                ["live", "--no-window", "--device", "Movesense 174630000192", "--seconds", "2.5", "--scan-timeout", "3"]
            )
            == 0
        )
    out = capsys.readouterr().out
    assert "movesense, 104 Hz" in out and "samples/s" in out


def test_live_missing_device_is_one_line_error(capsys):
    with BluezThread():
        assert main(["live", "--no-window", "--device", "AA:AA:AA:AA:AA:AA", "--scan-timeout", "0.5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("stridemon: error: no sensor")


def test_record_device_through_the_fake(tmp_path, capsys):
    """`stridemon record --device`: the real bleak client, a session file with device and host time."""
    from stridemon.sources.recording import read_recording

    out = tmp_path / "ble.smrec"
    with BluezThread() as bt:
        bt.call(lambda fb: fb.add_device(SIMS["movesense"]()))
        assert main(["record", "--device", "Movesense 174630000192", "--seconds", "3", "--out", str(out)]) == 0
    rec = read_recording(out)
    assert rec.closed_cleanly and rec.n_samples >= 250  # ~3 s at 104 Hz
    assert rec.metadata["device"]["family"] == "movesense"
    s = rec.samples()
    assert s.host_t_s is not None and np.all(np.diff(s.t_s) > 0)
    assert abs(np.median(np.diff(s.t_s)) - 1 / 104) < 1e-3
