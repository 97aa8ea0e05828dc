"""stridemon's own open firmware (``firmware_notes/``): GATT layout, packet decoder, control commands.

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

from stridemon.devices._common import DecodeError, bt_uuid16
from stridemon.samples import STANDARD_GRAVITY_MPS2

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
