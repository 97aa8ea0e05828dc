"""Movesense sensors through the GATT SensorData Protocol ("GSP", sample app ``gatt_sensordata_app``):
constants, decoder, commands, the driver and how the advertisement is recognised (Movesense's 16-bit
UUID or the GSP service, or a name starting ``Movesense``).

Sources checked:

- Movesense "GATT SensorData Protocol specification" (GD-77 v1.0),
  https://movesense.com/docs/esw/gatt_sensordata_protocol : service ``34802252-7185-4d5d-b431-630e7050e8f0``,
  client→sensor write ``34800001-…``, sensor→client notify ``34800002-…``; commands carry a
  client-chosen 8-bit reference echoed in every response and data packet.
- Movesense's Python client of that sample (``movesense-device-lib/samples/gatt_sensordata_app/
  python_client/movesense_sensor_data.py``; read in mirrors of it on GitHub): SUBSCRIBE is
  ``01 ref "/Meas/IMU9/104"`` (UTF-8 path, no terminator), UNSUBSCRIBE ``02 ref``; data notifications
  are ``02 ref ts:u32 (ms) …`` and, when a packet is longer than the MTU, continue in a ``03 ref …``
  (DATA_PART2) notification; IMU arrays are consecutive blocks of float32 x,y,z per sensor (all
  acc samples, then all gyro samples); sample i has time ``ts + i·1000/rate`` ms.
- ``movesense-device-lib/MovesenseCoreLib/resources/movesense-api/meas/imu.yaml``: ``/Meas/IMU6/{SampleRate}``
  combines ``ArrayAcc`` (m/s²) and ``ArrayGyro`` (deg/s); rates 13, 26, 52, 104, 208, 416, 833, 1666 Hz.

Doubtful (not in the excerpts read): the exact COMMAND_RESULT layout. We accept ``01 ref status:u16``
(HTTP-like status, 200/201 = OK) and ignore anything after it.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass

import numpy as np

from stridemon.devices._common import DecodeError, reason_of
from stridemon.devices.base import BleSettings, Family, Gatt, Link, TimestampedDriver, pick_rate
from stridemon.devices.timing import Unwrapper
from stridemon.errors import DeviceError
from stridemon.samples import SampleBatch

log = logging.getLogger(__name__)

GSP_SERVICE_UUID = "34802252-7185-4d5d-b431-630e7050e8f0"
WRITE_UUID = "34800001-7185-4d5d-b431-630e7050e8f0"
NOTIFY_UUID = "34800002-7185-4d5d-b431-630e7050e8f0"
ADV_UUID = "0000fdf3-0000-1000-8000-00805f9b34fb"  # Movesense's SIG-assigned 16-bit UUID

CMD_HELLO = 0x00
CMD_SUBSCRIBE = 0x01
CMD_UNSUBSCRIBE = 0x02
PKT_RESPONSE = 0x01
PKT_DATA = 0x02
PKT_DATA_PART2 = 0x03
IMU_RATES_HZ = (13, 26, 52, 104, 208, 416, 833, 1666)
ACC_RANGE_G = 8.0  # Movesense IMU default range; GSP v1 has no command to change it
GYRO_RANGE_DPS = 2000.0


def subscribe_command(ref: int, rate_hz: int) -> bytes:
    """``01 ref "/Meas/IMU6/<rate>"``."""
    if rate_hz not in IMU_RATES_HZ:
        raise ValueError(f"Movesense IMU rates are {IMU_RATES_HZ}, not {rate_hz}")
    return bytes((CMD_SUBSCRIBE, ref & 0xFF)) + f"/Meas/IMU6/{rate_hz}".encode()


def unsubscribe_command(ref: int) -> bytes:
    return bytes((CMD_UNSUBSCRIBE, ref & 0xFF))


@dataclass(frozen=True)
class ImuPacket:
    """One reassembled IMU6 data packet."""

    ref: int
    t0_ms: int  # device time of the first sample, ms (u32)
    acc_mps2: np.ndarray  # (n, 3)
    gyro_dps: np.ndarray  # (n, 3)


def parse_response(data: bytes) -> tuple[int, int]:
    """A COMMAND_RESULT notification → (ref, status)."""
    if len(data) < 4 or data[0] != PKT_RESPONSE:
        raise DecodeError("not a GSP command response")
    return data[1], struct.unpack_from("<H", data, 2)[0]


def decode_imu6(data: bytes) -> ImuPacket:
    """Decode a complete (reassembled) DATA packet of ``/Meas/IMU6``: ``02 ref ts acc[n] gyro[n]``."""
    if len(data) < 6 or data[0] != PKT_DATA:
        raise DecodeError(f"not a GSP data packet ({len(data)} bytes, type {data[0] if data else None})")
    body = len(data) - 6
    if body == 0 or body % 24:
        raise DecodeError(f"IMU6 body of {body} bytes is not a whole number of acc+gyro samples")
    n = body // 24
    t0 = struct.unpack_from("<I", data, 2)[0]
    raw = np.frombuffer(data, dtype="<f4", offset=6, count=n * 6)
    if not np.all(np.isfinite(raw)):
        raise DecodeError("IMU6 packet holds NaN or infinity")
    vals = raw.astype(np.float64)
    return ImuPacket(data[1], t0, vals[: 3 * n].reshape(n, 3), vals[3 * n :].reshape(n, 3))


class Reassembler:
    """Joins DATA + DATA_PART2 notifications into whole packets (GSP splits long packets in two).

    ``push(notification)`` returns a whole DATA packet or None. The sample client always holds back a
    DATA packet until the next notification shows whether a PART2 follows; for IMU6 we know the
    expected length from the rate, so a packet whose length already fits is released at once.
    """

    def __init__(self, ref: int, samples_per_packet: int | None = None) -> None:
        self.ref = ref
        self.expected_len = None if samples_per_packet is None else 6 + 24 * samples_per_packet
        self._part: bytes | None = None
        self.orphans = 0  # PART2 with no first part, or a first part that was never completed

    def push(self, data: bytes) -> bytes | None:
        if len(data) < 2 or data[1] != self.ref or data[0] not in (PKT_DATA, PKT_DATA_PART2):
            raise DecodeError("not a data packet of our subscription")
        if data[0] == PKT_DATA_PART2:
            if self._part is None:
                self.orphans += 1
                raise DecodeError("DATA_PART2 without a first part")
            whole, self._part = self._part + data[2:], None
            return whole
        out = None
        if self._part is not None:  # previous first part never got its PART2: try it alone
            out, self._part = self._part, None
        if self.expected_len is not None and len(data) >= self.expected_len:
            if out is not None:
                self.orphans += 1
            return bytes(data)
        if self.expected_len is None and (len(data) - 6) % 24 == 0 and len(data) > 6:
            return bytes(data)
        self._part = bytes(data)
        return out


FAMILY = Family(
    "movesense",
    Gatt(service=GSP_SERVICE_UUID, data=NOTIFY_UUID, control=WRITE_UUID),
    title="Movesense",
    adv_services=(ADV_UUID, GSP_SERVICE_UUID),
    name_prefixes=("Movesense",),
)


class MovesenseDriver(TimestampedDriver):
    family = FAMILY
    acc_range_g = ACC_RANGE_G
    gyro_range_dps = GYRO_RANGE_DPS
    REF = 0x63

    def __init__(self, settings: BleSettings) -> None:
        super().__init__(settings)
        self.unwrap = Unwrapper(1 << 32, 1e-3)
        self.reasm = Reassembler(self.REF)

    async def configure(self, link: Link) -> None:
        self.rate_hz = float(pick_rate(IMU_RATES_HZ, self.settings.rate_hz))

    async def start(self, link: Link) -> None:
        self.reasm = Reassembler(self.REF)
        await link.start_notify(NOTIFY_UUID)
        await link.write(WRITE_UUID, subscribe_command(self.REF, int(self.rate_hz or 104)))
        try:  # GSP responses are notifications and not guaranteed: a missing one is only logged
            _ref, status = parse_response(await self._response("the IMU6 subscription"))
        except DeviceError as e:
            log.info("%s; going on (data may still come)", e)
            return
        if status >= 300:
            raise DeviceError(f"Movesense refused /Meas/IMU6/{self.rate_hz:g} (status {status}); update its firmware")

    async def stop(self, link: Link) -> None:
        await link.write(WRITE_UUID, unsubscribe_command(self.REF))

    def on_notify(self, uuid: str, data: bytes, t_host: float) -> list[SampleBatch]:
        if data[:1] == bytes((PKT_RESPONSE,)):
            self._responses.put_nowait(bytes(data))
            return []
        self.stats.packets += 1
        try:
            whole = self.reasm.push(data)
            if whole is None:
                return []
            p = decode_imu6(whole)
        except DecodeError as e:
            self.stats.skip(reason_of(e))
            return []
        t_s = self.unwrap(p.t0_ms) + np.arange(len(p.acc_mps2)) / float(self.rate_hz or 104)
        return self._timed(t_s, p.acc_mps2, p.gyro_dps, t_host)
