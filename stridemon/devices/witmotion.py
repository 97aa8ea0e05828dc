"""WitMotion BLE 5.0 IMUs (WT901BLECL, BWT901BLECL, WT9011DCL): GATT constants, frame decoder, commands,
the driver and how the advertisement is recognised (service FFE5, or a name starting WT901/BWT901).

Verified against WitMotion's own SDK, repository ``WITMOTION/WitBluetooth_BWT901BLE5_0``:

- ``Python/BWT901BLE5.0_python_sdk/device_model.py``: service FFE5, notify FFE4, write FFE9; frames
  start ``0x55 0x61`` and are 20 bytes; 9 little-endian int16 after the 2-byte header: acceleration
  ``/32768·16`` g, angular rate ``/32768·2000`` deg/s, angle ``/32768·180`` deg; a register write is
  ``FF AA reg lo hi``; unlock is register 0x69 value 0xB588 (``FF AA 69 88 B5``); save is
  ``FF AA 00 00 00``; a register read is ``FF AA 27 reg 00``.
- ``Android_Java/wit-example-ble5/…/components/Bwt901bleProcessor.java``: the same scale factors.
- Output rate register RRATE = 0x03 with codes 0x06 = 10 Hz (factory default), 0x08 = 50 Hz,
  0x09 = 100 Hz, 0x0B = 200 Hz (WIT standard protocol, ``REG.h`` of the WIT C SDK).

UUID base: the SDK spells the UUIDs on ``…-0000-1000-8000-00805f9a34fb``, and so do BLE 5.0 sensors
in the field and the independent clients written against them; other units answer on the Bluetooth
base ``…9b34fb``. The constants below are on the Bluetooth base and every lookup matches the 16-bit
id on either base (:func:`stridemon.devices._common.same_uuid`); ``VENDOR_*`` are the SDK spellings.
The sensor sends no timestamp and no sequence number: see :mod:`stridemon.devices.timing`.
"""

from __future__ import annotations

import asyncio
import logging

import numpy as np

from stridemon.devices._common import VENDOR_BASE_TAIL, bt_uuid16
from stridemon.devices.base import BleSettings, Driver, Family, Gatt, Link, pick_rate
from stridemon.devices.timing import ArrivalClock
from stridemon.errors import DeviceError
from stridemon.samples import STANDARD_GRAVITY_MPS2, SampleBatch

log = logging.getLogger(__name__)

SERVICE_UUID = bt_uuid16(0xFFE5)
NOTIFY_UUID = bt_uuid16(0xFFE4)
WRITE_UUID = bt_uuid16(0xFFE9)
VENDOR_SERVICE_UUID = "0000ffe5" + VENDOR_BASE_TAIL
VENDOR_NOTIFY_UUID = "0000ffe4" + VENDOR_BASE_TAIL
VENDOR_WRITE_UUID = "0000ffe9" + VENDOR_BASE_TAIL

FRAME_SIZE = 20
HEADER = b"\x55\x61"
ACC_SCALE_MPS2 = 16.0 * STANDARD_GRAVITY_MPS2 / 32768.0
GYRO_SCALE_DPS = 2000.0 / 32768.0
ANGLE_SCALE_DEG = 180.0 / 32768.0
ACC_RANGE_G = 16.0  # fixed by the firmware
GYRO_RANGE_DPS = 2000.0

REG_SAVE = 0x00
REG_RRATE = 0x03
REG_KEY = 0x69
KEY_UNLOCK = 0xB588
RATE_CODES = {10: 0x06, 20: 0x07, 50: 0x08, 100: 0x09, 200: 0x0B}


def write_register(reg: int, value: int) -> bytes:
    """``FF AA reg lo hi``."""
    return bytes((0xFF, 0xAA, reg & 0xFF, value & 0xFF, (value >> 8) & 0xFF))


UNLOCK = write_register(REG_KEY, KEY_UNLOCK)  # FF AA 69 88 B5
SAVE = write_register(REG_SAVE, 0)  # FF AA 00 00 00


def rate_commands(rate_hz: int) -> list[bytes]:
    """Unlock, set RRATE, save: the documented sequence (send ~100 ms apart)."""
    if rate_hz not in RATE_CODES:
        raise ValueError(f"WitMotion rates are {sorted(RATE_CODES)} Hz, not {rate_hz}")
    return [UNLOCK, write_register(REG_RRATE, RATE_CODES[rate_hz]), SAVE]


def decode(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """All ``0x55 0x61`` frames in one notification.

    Returns ``(acc_mps2 (n,3), gyro_dps (n,3), angle_deg (n,3), skipped_bytes)``. A notification may hold
    several frames back to back, register replies (``0x55 0x71``) or garbage; bytes that are not part of
    a complete data frame are skipped and counted, never raised.
    """
    buf = bytes(data)
    starts: list[int] = []
    i = 0
    n = len(buf)
    while i + FRAME_SIZE <= n:
        j = buf.find(HEADER, i)
        if j < 0 or j + FRAME_SIZE > n:
            break
        starts.append(j)
        i = j + FRAME_SIZE
    skipped = n - FRAME_SIZE * len(starts)
    if not starts:
        e = np.empty((0, 3))
        return e, e.copy(), e.copy(), skipped
    arr = np.frombuffer(buf, dtype=np.uint8)
    idx = np.asarray(starts)[:, None] + np.arange(2, FRAME_SIZE)[None, :]
    raw = arr[idx].copy().view("<i2").astype(np.float64)  # (k, 9)
    return raw[:, 0:3] * ACC_SCALE_MPS2, raw[:, 3:6] * GYRO_SCALE_DPS, raw[:, 6:9] * ANGLE_SCALE_DEG, skipped


REPLY_HEADER = b"\x55\x71"  # register read reply: 55 71 reg_lo reg_hi then 8 int16 registers


def read_register(reg: int) -> bytes:
    """``FF AA 27 reg 00``: the sensor answers with a ``55 71`` frame starting at ``reg``."""
    return bytes((0xFF, 0xAA, 0x27, reg & 0xFF, 0x00))


FAMILY = Family(
    "witmotion",
    Gatt(service=SERVICE_UUID, data=NOTIFY_UUID, control=WRITE_UUID),
    title="WitMotion",
    adv_services=(SERVICE_UUID,),
    generic_services=True,  # FFE5 is a common serial-module id: every other family is tried first
    name_prefixes=("WT901", "WT9011", "BWT901"),
    name_case_sensitive=False,
)


class WitMotionDriver(Driver):
    """No device timestamps: :class:`ArrivalClock` times the samples."""

    family = FAMILY
    notify_first = (NOTIFY_UUID,)
    acc_range_g = ACC_RANGE_G
    gyro_range_dps = GYRO_RANGE_DPS

    def __init__(self, settings: BleSettings) -> None:
        super().__init__(settings)
        self.timer: ArrivalClock | None = None
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []

    async def configure(self, link: Link) -> None:
        rate = pick_rate(sorted(RATE_CODES), self.settings.rate_hz)
        for cmd in rate_commands(rate):
            await link.write(WRITE_UUID, cmd, response=False)
            await asyncio.sleep(0.1)  # the SDK waits 100 ms between unlock, write and save
        await link.write(WRITE_UUID, read_register(REG_RRATE), response=False)
        try:
            reply = await self._response("the RRATE read-back")
        except DeviceError as e:
            log.warning("%s; assuming %d Hz", e, rate)
        else:
            if reply[2] == REG_RRATE and reply[4] != RATE_CODES[rate]:
                raise DeviceError(
                    f"WitMotion sensor refused {rate} Hz (rate register reads {reply[4]:#04x}); "
                    "set it with WitMotion's app or check the firmware"
                )
        self.rate_hz = float(rate)
        if self.timer is None:
            self.timer = ArrivalClock(rate)

    async def start(self, link: Link) -> None:
        pass  # notifications were started in configure()

    async def stop(self, link: Link) -> None:
        """Nothing to send: the sensor streams whenever it is connected."""

    def link_lost(self) -> None:
        super().link_lost()
        if self.timer is not None:
            self.timer.mark_gap()

    def on_notify(self, uuid: str, data: bytes, t_host: float) -> list[SampleBatch]:
        if data[:2] == REPLY_HEADER and len(data) >= 20:
            self._responses.put_nowait(bytes(data[:20]))
            data = data[20:]
            if not data:
                return []
        self.stats.packets += 1
        acc, gyro, _angle, skipped = decode(data)
        if skipped:
            self.stats.skip("bytes outside 0x55 0x61 frames")
        if not len(acc) or self.timer is None:
            return []
        out = []
        self._pending.append((acc, gyro))
        for rel in self.timer.push(t_host, len(acc)):
            out.append(self._release(rel))
        return out

    def _release(self, rel) -> SampleBatch:
        acc, gyro = self._pending.pop(0)
        if rel.gap_before:
            self._gap = True
            self.stats.lost_samples += rel.lost_samples
            self.stats.lost_packets += rel.lost_samples > 0
        return self._batch(rel.t_s, acc, gyro, rel.host_t_s)

    def flush(self) -> list[SampleBatch]:
        if self.timer is None:
            return []
        return [self._release(rel) for rel in self.timer.flush()]
