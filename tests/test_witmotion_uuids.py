"""WitMotion on either UUID base: its BLE 5.0 sensors (and SDK) spell FFE5/FFE4/FFE9 on
``…-0000-1000-8000-00805f9a34fb``, other units on the Bluetooth base ``…9b34fb``; stridemon finds the
characteristics by their 16-bit id on either base (`record --device` and the live client)."""

from __future__ import annotations

import contextlib
import time

import numpy as np
import pytest

from stridemon.cli import main
from stridemon.devices import BleSettings, identify, witmotion
from stridemon.devices._common import same_uuid, short_id
from stridemon.sources.ble import BleSource
from tests.ble_fixtures import BluezThread, dbus_bus, run_with_bluez  # noqa: F401
from tests.vendor_sims import WitSim

pytestmark = pytest.mark.usefixtures("dbus_bus")

FAST = BleSettings(scan_timeout_s=3.0, reconnect_timeout_s=2.0, response_timeout_s=1.0)


def test_same_uuid_on_either_base():
    vendor = "0000FFE4-0000-1000-8000-00805F9A34FB"
    assert short_id(vendor) == 0xFFE4 and short_id(witmotion.NOTIFY_UUID) == 0xFFE4
    assert same_uuid(vendor, witmotion.NOTIFY_UUID) and same_uuid("ffe4", vendor)
    assert not same_uuid(vendor, witmotion.WRITE_UUID)
    assert not same_uuid("0000ffe4-0000-1000-8000-00805f9c34fb", witmotion.NOTIFY_UUID)  # some other base
    polar_cp = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
    assert short_id(polar_cp) is None and same_uuid(polar_cp, polar_cp.upper())
    assert identify("my sensor", [witmotion.VENDOR_SERVICE_UUID.upper()]) == "witmotion"
    assert identify(None, [witmotion.SERVICE_UUID]) == "witmotion"


@pytest.mark.parametrize("base", ["vendor", "bluetooth"])
def test_live_client_reads_either_base(base):
    sim = WitSim(base=base, index_tag=True, advertise=True)

    async def body(fb):
        fb.add_device(sim)
        src = BleSource(sim.name, settings=FAST)
        n, t0 = 0, time.monotonic()
        async with contextlib.aclosing(src.stream()) as stream:
            async for b in stream:
                n += len(b)
                if n >= 100 or time.monotonic() - t0 > 8:
                    break
        return src, n

    src, n = run_with_bluez(body)
    assert src.info.family == "witmotion" and src.info.nominal_rate_hz == 100
    assert n >= 100


def test_record_device_on_the_vendor_base(tmp_path, capsys):
    """`stridemon record --device` on a WitMotion sensor that answers only on the vendor base."""
    import logging

    from stridemon.sources.recording import read_recording

    saved = logging.root.handlers[:]
    logging.root.handlers.clear()
    out = tmp_path / "wit.smrec"
    try:
        with BluezThread() as bt:
            bt.call(lambda fb: fb.add_device(WitSim(base="vendor")))
            rc = main(["record", "--device", "WT901BLE67", "--seconds", "2.5", "--out", str(out)])
    finally:
        logging.root.handlers[:] = saved
    assert rc == 0, capsys.readouterr().err
    rec = read_recording(out)
    assert rec.metadata["device"]["family"] == "witmotion" and rec.n_samples >= 100
    assert np.all(np.diff(rec.samples().t_s) > 0)
