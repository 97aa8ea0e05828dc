"""Notifications/s the BLE client sustains through the fake BlueZ (real bleak, private D-Bus).

python -m benchmarks.ble_throughput [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time

from stridemon.devices import BleSettings
from stridemon.sources.ble import BleSource
from tests.fake_bluez import FakeBlueZ, start_dbus_daemon
from tests.vendor_sims import FwSim


async def _run(address: str, seconds: float) -> None:
    fb = FakeBlueZ(address)
    await fb.start()
    sim = FwSim(flood=True)
    fb.add_device(sim)
    src = BleSource(sim.name, settings=BleSettings(scan_timeout_s=3))
    n = 0
    async with contextlib.aclosing(src.stream()) as stream:
        t0 = None
        async for b in stream:
            if t0 is None:
                t0, n0, s0 = time.perf_counter(), src.stats["notifications"], fb.notifications_sent
            n += len(b)
            if time.perf_counter() - t0 > seconds:
                break
        dt = time.perf_counter() - t0
        got = src.stats["notifications"] - n0
        print(
            f"sent {fb.notifications_sent - s0} notifications, client decoded {got} in {dt:.1f} s: "
            f"{got / dt:.0f} notifications/s, {n / dt:.0f} samples/s; skipped {src.stats['skipped']}"
        )
    sim.stop_stream()
    await fb.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    proc, address, _ = start_dbus_daemon()
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = address
    try:
        asyncio.run(_run(address, args.seconds))
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
