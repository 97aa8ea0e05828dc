"""The real bleak client (BlueZ backend) against the fake BlueZ on a private D-Bus: each device family
streams a real-format session with lost packets, garbled notifications, a link loss and return."""

from __future__ import annotations

import asyncio
import contextlib
import time

import numpy as np
import pytest

from stridemon.devices import BleSettings, witmotion
from stridemon.devices.client import scan
from stridemon.errors import DeviceError
from stridemon.sources.ble import BleSource
from tests.ble_fixtures import dbus_bus, run_with_bluez  # noqa: F401
from tests.vendor_sims import SIMS, WitSim

pytestmark = pytest.mark.usefixtures("dbus_bus")

FAST = BleSettings(scan_timeout_s=3.0, reconnect_timeout_s=5.0, response_timeout_s=1.0)


def sample_index(sim, b) -> np.ndarray:
    if isinstance(sim, WitSim):  # no device time: the sim tagged each sample with its number
        return np.round(b.acc_mps2[:, 0] / witmotion.ACC_SCALE_MPS2).astype(int) + 10000
    return sim.index_of(b.t_s)


async def session(fb, sim, seconds=4.0, drop_at=1.5, away_s=0.8, settings=FAST):
    """Stream ``seconds``; the link drops at ``drop_at`` and the sensor advertises again ``away_s`` later."""
    fb.add_device(sim)
    src = BleSource(sim.name, settings=settings)
    batches = []
    t_start = time.monotonic()
    back_at = None

    async def saboteur():
        nonlocal back_at
        await asyncio.sleep(drop_at)
        fb.drop_link(sim, advertising=False)
        await asyncio.sleep(away_s)
        sim.advertising = True
        back_at = time.monotonic()

    async with contextlib.aclosing(src.stream()) as stream:
        task = None
        async for b in stream:
            if task is None:
                task = asyncio.create_task(saboteur())
            batches.append(b)
            if time.monotonic() - t_start > seconds:
                break
    return src, batches, back_at


@pytest.mark.parametrize("family", sorted(SIMS))
def test_family_session(family):
    kw = {"lose": {40, 41}, "garble_every": 11, "burst_every": 25}
    sim = SIMS[family](index_tag=(family == "witmotion"), **kw)

    async def body(fb):
        return await session(fb, sim)

    src, batches, _ = run_with_bluez(body)
    st = src.stats
    assert src.info.family == family and src.info.nominal_rate_hz >= (52 if family == "polar" else 100)
    n = sum(len(b) for b in batches)
    assert n > 2.0 * src.info.nominal_rate_hz, st
    assert st["link_losses"] == 1 and st["connects"] == 2 and st["reconnect_s"], st
    assert sum(st["skipped"].values()) > 0, st  # the garbled notifications were counted, not fatal
    assert st["lost_packets"] >= 1, st
    gaps = [i for i, b in enumerate(batches) if b.gap_before]
    assert len(gaps) >= 2, st  # the lost packets and the reconnect
    t = np.concatenate([b.t_s for b in batches])
    assert np.all(np.diff(t) > 0)  # device time increases, also across the gaps
    # Units: gravity on z, pelvis yaw rate of tens of deg/s (PMD acc is in whole mG, so ±0.01 m/s²).
    acc = np.concatenate([b.acc_mps2 for b in batches])
    assert 3 < np.median(acc[:, 2]) < 17
    # Timestamp error of host_t_s against the sim's true sample times.
    errs = []
    for b in batches:
        i = sample_index(sim, b)
        errs.append(b.host_t_s - sim.true_host(i))
    err = np.abs(np.concatenate(errs))
    print(
        f"\n{family}: {n} samples, stats {st}, host time error median {np.median(err) * 1e3:.1f} ms, "
        f"p95 {np.percentile(err, 95) * 1e3:.1f} ms"
    )
    assert np.median(err) < 0.03


def test_sensor_that_never_returns_ends_cleanly():
    sim = SIMS["stridemon-fw"]()
    settings = BleSettings(scan_timeout_s=3.0, reconnect_timeout_s=1.0)

    async def body(fb):
        fb.add_device(sim)
        src = BleSource(sim.address, settings=settings)
        n = 0
        t0 = time.monotonic()
        async for b in src.stream():
            n += len(b)
            if n > 50 and sim.connected:
                fb.drop_link(sim, advertising=False)
        return n, time.monotonic() - t0, src.stats

    n, dt, st = run_with_bluez(body)
    assert n > 50 and st["link_losses"] == 1 and dt < 10


@pytest.mark.parametrize("family", ["stridemon-fw", "witmotion"])
def test_refused_configuration(family):
    sim = SIMS[family](supported=(50,)) if family == "stridemon-fw" else SIMS[family](refuse=True)

    async def body(fb):
        fb.add_device(sim)
        with pytest.raises(DeviceError, match="refused"):
            await BleSource(sim.name, settings=FAST).open()

    run_with_bluez(body)


def test_unknown_and_missing_devices():
    from tests.fake_bluez import FakePeripheral

    async def body(fb):
        fb.add_device(
            FakePeripheral("11:22:33:44:55:66", "Headphones", ["0000110b-0000-1000-8000-00805f9b34fb"])
        )
        with pytest.raises(DeviceError, match="not a sensor family"):
            await BleSource("Headphones", settings=FAST).open()
        with pytest.raises(DeviceError, match="no sensor 'nope'"):
            await BleSource("nope", settings=BleSettings(scan_timeout_s=0.5)).open()

    run_with_bluez(body)


def test_scan_lists_known_families():
    async def body(fb):
        for cls in SIMS.values():
            fb.add_device(cls())
        return await scan(1.0)

    found = run_with_bluez(body)
    assert {f.family for f in found} == set(SIMS)
    assert all(f.rssi < 0 and f.address for f in found)
