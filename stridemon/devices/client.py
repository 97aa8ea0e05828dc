"""The BLE connection over bleak, shared by all families: scan, connect, configure, stream, reconnect.
Families come from :mod:`stridemon.devices.registry`; nothing here is specific to one.

:class:`SensorLink` yields lists of :class:`SampleBatch` as notifications arrive. On link loss it
flushes what the driver holds, marks the next batch ``gap_before``, scans for the sensor and
reconnects (back-off 0.1 s doubling to 0.5 s between failed attempts, so a sensor that comes back
is connected again within ~1 s of its first advertisement); a sensor that stays away for
``reconnect_timeout_s`` ends the stream cleanly. Everything is plain asyncio (runs under qasync).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from stridemon.devices._common import same_uuid
from stridemon.devices.base import BleSettings, Driver
from stridemon.devices.registry import DRIVERS, FAMILIES, identify
from stridemon.errors import DeviceError
from stridemon.samples import SampleBatch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    """One advertising sensor stridemon recognises."""

    name: str
    address: str
    family: str
    rssi: int
    device: BLEDevice = field(repr=False, compare=False)


async def scan(timeout_s: float = 5.0, all_devices: bool = False) -> list[Found]:
    """Advertising devices seen within ``timeout_s``: recognised ones (or all with ``all_devices``)."""
    try:
        seen = await BleakScanner.discover(timeout=timeout_s, return_adv=True)
    except (BleakError, OSError) as e:
        raise DeviceError(f"cannot scan for Bluetooth devices: {e}; is Bluetooth on and BlueZ running?") from None
    out = []
    for dev, adv in seen.values():
        fam = identify(adv.local_name or dev.name, adv.service_uuids)
        if fam or all_devices:
            out.append(Found(adv.local_name or dev.name or "?", dev.address, fam or "unknown", adv.rssi, dev))
    return sorted(out, key=lambda f: -f.rssi)


async def find(target: str, timeout_s: float) -> Found | None:
    """The first advertisement whose address or name matches ``target`` (case-insensitive)."""
    t = target.lower()

    def match(dev: BLEDevice, adv: AdvertisementData) -> bool:
        return dev.address.lower() == t or (adv.local_name or dev.name or "").lower() == t

    try:
        dev = await BleakScanner.find_device_by_filter(match, timeout=timeout_s)
    except (BleakError, OSError) as e:
        raise DeviceError(f"cannot scan for Bluetooth devices: {e}; is Bluetooth on and BlueZ running?") from None
    if dev is None:
        return None
    return Found(dev.name or target, dev.address, identify(dev.name, _uuids(dev)) or "unknown", 0, dev)


def _uuids(dev: BLEDevice) -> list[str]:
    details = dev.details if isinstance(dev.details, dict) else {}
    props = details.get("props", {}) if isinstance(details, dict) else {}
    return list(props.get("UUIDs", []))


class _BleakLink:
    """:class:`stridemon.devices.base.Link` over a connected BleakClient."""

    def __init__(self, client: BleakClient, on_data) -> None:
        self.client = client
        self.on_data = on_data

    def _find(self, uuid: str):
        """The characteristic ``uuid`` names: the exact UUID, else the same 16-bit id on the other
        base (WitMotion's vendor base or the Bluetooth base; :func:`same_uuid`)."""
        chars = list(self.client.services.characteristics.values())
        want = uuid.lower()
        exact = [c for c in chars if c.uuid.lower() == want]
        hits = exact or [c for c in chars if same_uuid(c.uuid, want)]
        return min(hits, key=lambda c: c.handle) if hits else None

    def has(self, uuid: str) -> bool:
        return self._find(uuid) is not None

    def _char(self, uuid: str):
        c = self._find(uuid)
        if c is None:
            raise DeviceError(f"the sensor has no characteristic {uuid}: not the device family expected")
        return c

    async def write(self, uuid: str, data: bytes, response: bool = True) -> None:
        c = self._char(uuid)
        if response and "write" not in c.properties:
            response = False
        await self.client.write_gatt_char(c, data, response=response)

    async def read(self, uuid: str) -> bytes:
        return bytes(await self.client.read_gatt_char(self._char(uuid)))

    async def start_notify(self, uuid: str) -> None:
        c = self._char(uuid)
        u = uuid  # the driver's own spelling, whichever base the sensor answers on

        def cb(_char, data: bytearray) -> None:
            self.on_data(u, bytes(data), time.time())

        await self.client.start_notify(c, cb)


@dataclass
class LinkStats:
    """Connection-level figures (the driver's DecodeStats hold the packet-level ones)."""

    connects: int = 0
    link_losses: int = 0
    reconnect_s: list[float] = field(default_factory=list)  # link loss → streaming again
    notifications: int = 0


class SensorLink:
    """One sensor, by address or name; ``stream()`` yields lists of batches until the sensor is gone."""

    def __init__(self, target: str, family: str | None = None, settings: BleSettings | None = None) -> None:
        self.target = target
        self.family = family
        self.settings = settings or BleSettings()
        self.driver: Driver | None = None
        self.found: Found | None = None
        self.stats = LinkStats()
        self._queue: asyncio.Queue[list[SampleBatch] | None] = asyncio.Queue()
        self._client: BleakClient | None = None

    def _on_data(self, uuid: str, data: bytes, t_host: float) -> None:
        self.stats.notifications += 1
        assert self.driver is not None
        try:
            out = self.driver.on_notify(uuid, data, t_host)
        except Exception as e:  # a decoder bug must not kill the stream: count it
            self.driver.stats.skip(f"decoder error {type(e).__name__}")
            log.debug("decoder error on %d bytes: %s", len(data), e)
            return
        if out:
            self._queue.put_nowait(out)

    def _on_disconnect(self, _client: BleakClient) -> None:
        self._queue.put_nowait(None)

    async def open(self) -> None:
        """Find, connect and configure (raises :class:`DeviceError` with a one-line reason)."""
        self.found = await find(self.target, self.settings.scan_timeout_s)
        if self.found is None:
            raise DeviceError(
                f"no sensor '{self.target}' seen in {self.settings.scan_timeout_s:g} s; "
                "is it on, charged and not connected to another app? (`stridemon scan` lists sensors)"
            )
        fam = self.family or self.found.family
        if fam not in DRIVERS:
            raise DeviceError(
                f"'{self.found.name}' ({self.found.address}) is not a sensor family stridemon knows; "
                f"use --family {{{','.join(FAMILIES)}}} if you are sure"
            )
        self.family = fam
        self.driver = DRIVERS[fam](self.settings)
        await self._connect(self.found.device, first=True)

    async def _connect(self, device: BLEDevice, first: bool) -> None:
        assert self.driver is not None
        client = BleakClient(device, disconnected_callback=self._on_disconnect, timeout=self.settings.connect_timeout_s)
        try:
            await client.connect()
            link = _BleakLink(client, self._on_data)
            for uuid in self.driver.notify_first:
                await link.start_notify(uuid)
            await self.driver.configure(link)
            await self.driver.start(link)
        except DeviceError:
            with contextlib.suppress(Exception):
                await client.disconnect()
            raise
        except (BleakError, OSError, TimeoutError) as e:
            with contextlib.suppress(Exception):
                await client.disconnect()
            if first:
                raise DeviceError(
                    f"cannot connect to {device.name or device.address}: {e or type(e).__name__}"
                ) from None
            raise
        self._client = client
        self._link = link
        self.stats.connects += 1

    async def _reconnect(self) -> bool:
        """Scan and reconnect until ``reconnect_timeout_s`` passes; True if streaming again."""
        assert self.driver is not None and self.found is not None
        t_lost = time.monotonic()
        backoff = 0.1
        while (left := self.settings.reconnect_timeout_s - (time.monotonic() - t_lost)) > 0:
            again = await find(self.found.address, min(left, 2.0))
            if again is not None:
                try:
                    await self._connect(again.device, first=False)
                except (BleakError, OSError, TimeoutError) as e:
                    log.info("reconnect attempt failed: %s", e)
                else:
                    self.stats.reconnect_s.append(time.monotonic() - t_lost)
                    return True
            await asyncio.sleep(min(backoff, max(0.0, left)))
            backoff = min(backoff * 2, 0.5)
        return False

    async def stream(self) -> AsyncIterator[list[SampleBatch]]:
        """Yield lists of batches; reconnects on link loss; ends after a sensor stays away."""
        if self.driver is None:
            await self.open()
        assert self.driver is not None
        try:
            while True:
                item = await self._queue.get()
                if item is not None:
                    yield item
                    continue
                # Link lost: what the driver holds is final, the next batch starts after a gap.
                self.stats.link_losses += 1
                self._client = None
                rest = self.driver.flush()
                self.driver.link_lost()
                if rest:
                    yield rest
                log.warning("link to %s lost; reconnecting", self.target)
                if not await self._reconnect():
                    log.warning(
                        "%s did not come back within %g s; stream ends",
                        self.target,
                        self.settings.reconnect_timeout_s,
                    )
                    return
        finally:
            await self.close()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.driver.stop(self._link), 1.0)  # type: ignore[union-attr]
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 2.0)
