"""stridemon's own open firmware (``firmware_notes/``): GATT layout, packet decoder, control commands,
the driver and how its advertisement is recognised (service UUID, or a name starting ``stridemon``).

GATT (all 128-bit, base ``5d7e0000-8c2b-4f1e-9a51-3c8e1b2a6d40``; the firmware notes have the table):

- service ``…0001…``; data ``…0002…`` (notify); control ``…0003…`` (write with response, read);
- standard Battery Service 0x180F / Battery Level 0x2A19 (uint8 %).

Data packet (little-endian), 12-byte header then ``n`` samples of 6 × int16::

    0  u8   version (= 1)
    1  u8   n, samples in this packet (1..19 with a 247-byte ATT MTU)
    2  u16  seq, packet sequence number (wraps at 65536)
    4  u32  t0_us, device time of the first sample, µs (wraps after 71.6 min)
    8  u16  dt_us, sample period, µs
    10 u8   acc_fs_g, accelerometer full scale in g (2, 4, 8, 16)
    11 u8   gyro_fs_code, gyro full scale = 125 · 2^code deg/s (0..4 → 125..2000)
    12 …    n × (ax, ay, az, gx, gy, gz) int16; value · fs / 32768

Control write: ``01 rate_hz:u16 acc_fs_g:u8 gyro_fs_dps:u16`` (SET_CONFIG). Control read: ``status:u8
rate_hz:u16 acc_fs_g:u8 gyro_fs_dps:u16`` where status 0 = accepted, 1 = rejected (unsupported value).
The spec is ours, so the test vectors in tests/test_devices_stridemon_fw.py are the reference.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from stridemon.devices._common import DecodeError, bt_uuid16, reason_of
from stridemon.devices.base import BleSettings, Family, Gatt, Link, TimestampedDriver, pick_rate
from stridemon.devices.timing import Unwrapper
from stridemon.errors import DeviceError
from stridemon.samples import STANDARD_GRAVITY_MPS2, SampleBatch

_BASE = "5d7e{:04x}-8c2b-4f1e-9a51-3c8e1b2a6d40"
SERVICE_UUID = _BASE.format(1)
DATA_UUID = _BASE.format(2)
CONTROL_UUID = _BASE.format(3)
BATTERY_SERVICE_UUID = bt_uuid16(0x180F)
BATTERY_LEVEL_UUID = bt_uuid16(0x2A19)

VERSION = 1
HEADER = struct.Struct("<BBHIHBB")
HEADER_SIZE = HEADER.size  # 12
SAMPLE_SIZE = 12
MAX_SAMPLES = 19
OP_SET_CONFIG = 0x01
CONFIG = struct.Struct("<BHBH")  # op/status, rate_hz, acc_fs_g, gyro_fs_dps
ACC_RANGES_G = (2, 4, 8, 16)
GYRO_RANGES_DPS = (125, 250, 500, 1000, 2000)
RATES_HZ = (50, 100, 104, 200, 208)


@dataclass(frozen=True)
class FwPacket:
    """One decoded data notification (arrays in SI-ish units, times on the device clock)."""

    seq: int
    t0_us: int  # device time of the first sample, µs, as sent (wrapping u32)
    dt_us: int
    acc_mps2: np.ndarray  # (n, 3)
    gyro_dps: np.ndarray  # (n, 3)
    acc_fs_g: int
    gyro_fs_dps: int


def decode(data: bytes) -> FwPacket:
    """Decode one data notification; raises :class:`DecodeError` naming the defect."""
    if len(data) < HEADER_SIZE:
        raise DecodeError(f"short packet: {len(data)} bytes < {HEADER_SIZE}-byte header")
    version, n, seq, t0_us, dt_us, acc_fs, gyro_code = HEADER.unpack_from(data)
    if version != VERSION:
        raise DecodeError(f"unknown packet version {version}")
    if not 1 <= n <= MAX_SAMPLES:
        raise DecodeError(f"bad sample count {n}")
    if len(data) != HEADER_SIZE + n * SAMPLE_SIZE:
        raise DecodeError(f"length {len(data)} does not match {n} samples")
    if acc_fs not in ACC_RANGES_G or gyro_code > 4 or dt_us == 0:
        raise DecodeError(f"bad scale/period fields (acc {acc_fs} g, gyro code {gyro_code}, dt {dt_us} µs)")
    gyro_fs = 125 << gyro_code
    raw = np.frombuffer(data, dtype="<i2", offset=HEADER_SIZE, count=n * 6).reshape(n, 6).astype(np.float64)
    acc = raw[:, :3] * (acc_fs * STANDARD_GRAVITY_MPS2 / 32768.0)
    gyro = raw[:, 3:] * (gyro_fs / 32768.0)
    return FwPacket(seq, t0_us, dt_us, acc, gyro, acc_fs, gyro_fs)


def set_config_command(rate_hz: int, acc_fs_g: int = 16, gyro_fs_dps: int = 2000) -> bytes:
    """The control-point write that asks for a sample rate and ranges."""
    return CONFIG.pack(OP_SET_CONFIG, rate_hz, acc_fs_g, gyro_fs_dps)


def parse_config(data: bytes) -> tuple[int, int, int, int]:
    """Control read → (status, rate_hz, acc_fs_g, gyro_fs_dps); raises :class:`DecodeError` if malformed."""
    if len(data) != CONFIG.size:
        raise DecodeError(f"control read has {len(data)} bytes, expected {CONFIG.size}")
    return CONFIG.unpack(data)


FAMILY = Family(
    "stridemon-fw",
    Gatt(service=SERVICE_UUID, data=DATA_UUID, control=CONTROL_UUID),
    title="stridemon firmware",
    adv_services=(SERVICE_UUID,),
    name_prefixes=("stridemon",),
    name_case_sensitive=False,
)


class StridemonFwDriver(TimestampedDriver):
    family = FAMILY

    def __init__(self, settings: BleSettings) -> None:
        super().__init__(settings)
        self.unwrap = Unwrapper(1 << 32, 1e-6)
        self.last_seq: int | None = None

    async def configure(self, link: Link) -> None:
        rate = pick_rate(RATES_HZ, self.settings.rate_hz)
        acc = pick_rate(ACC_RANGES_G, self.settings.acc_range_g)
        gyro = pick_rate(GYRO_RANGES_DPS, self.settings.gyro_range_dps)
        await link.write(CONTROL_UUID, set_config_command(rate, acc, gyro))
        try:
            status, rate_now, acc_now, gyro_now = parse_config(await link.read(CONTROL_UUID))
        except DecodeError as e:
            raise DeviceError(f"stridemon firmware: unreadable configuration ({e}); update the firmware") from None
        if status != 0 or rate_now != rate:
            raise DeviceError(
                f"stridemon firmware refused {rate} Hz ±{acc} g ±{gyro} deg/s (it runs at {rate_now} Hz); "
                "flash the current firmware from firmware_notes/"
            )
        self.rate_hz, self.acc_range_g, self.gyro_range_dps = float(rate_now), float(acc_now), float(gyro_now)
        if link.has(BATTERY_LEVEL_UUID):
            batt = await link.read(BATTERY_LEVEL_UUID)
            if batt:
                self.extra["battery_pct"] = batt[0]

    async def start(self, link: Link) -> None:
        await link.start_notify(DATA_UUID)

    async def stop(self, link: Link) -> None:
        """Nothing to send: the firmware streams while notifications are on."""

    def link_lost(self) -> None:
        super().link_lost()
        self.last_seq = None

    def on_notify(self, uuid: str, data: bytes, t_host: float) -> list[SampleBatch]:
        self.stats.packets += 1
        try:
            p = decode(data)
        except DecodeError as e:
            self.stats.skip(reason_of(e))
            return []
        if self.last_seq is not None:
            jump = (p.seq - self.last_seq) % 65536
            if jump == 0 or jump > 32768:
                self.stats.skip("out of order")
                return []
        self.last_seq = p.seq
        t0 = self.unwrap(p.t0_us)
        t_s = t0 + np.arange(len(p.acc_mps2)) * (p.dt_us * 1e-6)
        return self._timed(t_s, p.acc_mps2, p.gyro_dps, t_host)
