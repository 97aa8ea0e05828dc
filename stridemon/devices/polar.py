"""Polar sensors (Verity Sense, OH1, H10) through the Polar Measurement Data (PMD) service: constants,
decoder, commands, the driver and how the advertisement is recognised (PMD service or Polar's 16-bit
UUID, or a name starting ``Polar``).

Checked against Polar's SDK, repository ``polarofficial/polar-ble-sdk``, Android sources under
``sources/Android/android-communications/library/src/main/java/com/polar/androidcommunications/api/ble/
model/gatt/client/pmd/``:

- ``BlePMDClient.kt``: service ``FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8``, control point ``…5C81…``
  (write + indicate), data ``…5C82…`` (notify); delta frames: reference sample of ``channels``
  little-endian signed values of ``ceil(resolution/8)`` bytes, then blocks of ``delta_bits:u8
  count:u8`` followed by ``count·channels`` deltas of ``delta_bits`` bits each, packed LSB-first,
  two's complement; each delta adds to the previous sample.
- ``PmdDataFrame.kt``: frame = ``type:u8 timestamp:u64 (ns) frame_type:u8 data…``; bit 7 of
  ``frame_type`` = compressed; the timestamp belongs to the *last* sample of the frame.
- ``PmdMeasurementType.kt``: ACC = 2, GYRO = 5.  ``PmdControlPointCommand.kt``: GET_MEASUREMENT_SETTINGS = 1,
  REQUEST_MEASUREMENT_START = 2, STOP_MEASUREMENT = 3.
- ``PmdSetting.kt``: setting types SAMPLE_RATE 0 (u16), RESOLUTION 1 (u16), RANGE 2 (u16),
  RANGE_MILLIUNIT 3 (u32), CHANNELS 4 (u8), FACTOR 5 (4 bytes, IEEE float); a selection is
  serialised as ``type 1 value``.
- ``PmdControlPointResponse.kt``: response = ``0xF0 op type status more params…``; status 0 = success.
- ``model/AccData.kt``: compressed frame type 1 → 16-bit, value·factor = mG; raw type 1 = int16 mG.
  ``model/GyrData.kt``: compressed type 0 → 16-bit, value·factor = deg/s.
- ``model/PmdDataModelUtils.kt``: sample spacing = (t_frame − t_previous_frame)/n, or 1/rate for the
  first frame.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from stridemon.devices._common import DecodeError, reason_of, same_uuid
from stridemon.devices.base import BleSettings, Driver, Family, Gatt, Link, pick_rate
from stridemon.devices.timing import DeviceClock
from stridemon.errors import DeviceError
from stridemon.samples import STANDARD_GRAVITY_MPS2, SampleBatch

PMD_SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
PMD_CP_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
PMD_DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"
ADV_UUID = "0000feee-0000-1000-8000-00805f9b34fb"  # Polar Electro's 16-bit UUID

ACC = 2
GYRO = 5
OP_GET_SETTINGS = 0x01
OP_START = 0x02
OP_STOP = 0x03
RESPONSE_CODE = 0xF0
SET_RATE, SET_RESOLUTION, SET_RANGE, SET_RANGE_MILLI, SET_CHANNELS, SET_FACTOR = range(6)
_FIELD_SIZE = {
    SET_RATE: 2,
    SET_RESOLUTION: 2,
    SET_RANGE: 2,
    SET_RANGE_MILLI: 4,
    SET_CHANNELS: 1,
    SET_FACTOR: 4,
}
MG_TO_MPS2 = STANDARD_GRAVITY_MPS2 / 1000.0


@dataclass(frozen=True)
class PmdFrame:
    """One decoded PMD data frame (one measurement type)."""

    kind: int  # ACC or GYRO
    t_last_ns: int  # device time of the last sample
    values: np.ndarray  # (n, 3): m/s² for ACC, deg/s for GYRO


def parse_settings(data: bytes) -> dict[int, list[int | float]]:
    """Settings TLV list (from a GET_MEASUREMENT_SETTINGS or start response) → {type: values}."""
    out: dict[int, list[int | float]] = {}
    i = 0
    while i < len(data):
        if i + 2 > len(data):
            raise DecodeError("truncated PMD settings")
        typ, count = data[i], data[i + 1]
        i += 2
        size = _FIELD_SIZE.get(typ)
        if size is None or i + size * count > len(data):
            raise DecodeError(f"bad PMD setting type {typ} or length")
        vals: list[int | float] = []
        for _ in range(count):
            chunk = data[i : i + size]
            vals.append(
                struct.unpack("<f", chunk)[0] if typ == SET_FACTOR else int.from_bytes(chunk, "little")
            )
            i += size
        out[typ] = vals
    return out


def serialize_settings(selected: dict[int, int]) -> bytes:
    out = bytearray()
    for typ, value in selected.items():
        if typ == SET_FACTOR:
            continue
        out += bytes((typ, 1)) + int(value).to_bytes(_FIELD_SIZE[typ], "little")
    return bytes(out)


def get_settings_command(kind: int) -> bytes:
    return bytes((OP_GET_SETTINGS, kind))


def start_command(kind: int, selected: dict[int, int]) -> bytes:
    return bytes((OP_START, kind)) + serialize_settings(selected)


def stop_command(kind: int) -> bytes:
    return bytes((OP_STOP, kind))


def parse_cp_response(data: bytes) -> tuple[int, int, int, bytes]:
    """Control-point indication → (op, kind, status, params)."""
    if len(data) < 4 or data[0] != RESPONSE_CODE:
        raise DecodeError("not a PMD control point response")
    return data[1], data[2], data[3], bytes(data[5:])


def unpack_deltas(data: bytes, channels: int, resolution: int) -> np.ndarray:
    """Delta-compressed payload → (n, channels) int64 samples (reference sample first)."""
    rb = (resolution + 7) // 8
    if len(data) < channels * rb:
        raise DecodeError("delta frame shorter than its reference sample")
    ref = [int.from_bytes(data[c * rb : (c + 1) * rb], "little", signed=True) for c in range(channels)]
    rows = [np.asarray(ref, dtype=np.int64)[None, :]]
    i = channels * rb
    last = rows[0][0]
    while i < len(data):
        if i + 2 > len(data):
            raise DecodeError("delta block header truncated")
        bits, count = data[i], data[i + 1]
        i += 2
        if bits == 0 or bits > 32:
            raise DecodeError(f"bad delta width {bits}")
        nbits = bits * count * channels
        nbytes = (nbits + 7) // 8
        if i + nbytes > len(data):
            raise DecodeError("delta block truncated")
        if count:
            bitarr = np.unpackbits(np.frombuffer(data, np.uint8, nbytes, i), bitorder="little")[:nbits]
            fields = bitarr.reshape(-1, bits).astype(np.int64)
            vals = fields @ (np.int64(1) << np.arange(bits, dtype=np.int64))
            vals = np.where(vals >= (1 << (bits - 1)), vals - (1 << bits), vals).reshape(count, channels)
            block = last + np.cumsum(vals, axis=0)
            rows.append(block)
            last = block[-1]
        i += nbytes
    return np.concatenate(rows)


def decode_frame(data: bytes, factor: float = 1.0) -> PmdFrame:
    """Decode one PMD data notification of ACC or GYRO; ``factor`` comes from the start response."""
    if len(data) < 10:
        raise DecodeError(f"short PMD frame: {len(data)} bytes")
    kind = data[0] & 0x3F
    t_ns = int.from_bytes(data[1:9], "little")
    ftype = data[9]
    compressed, ftype = bool(ftype & 0x80), ftype & 0x7F
    body = bytes(data[10:])
    if kind == ACC and compressed and ftype == 1:
        mg = unpack_deltas(body, 3, 16) * factor
    elif kind == ACC and not compressed and ftype == 1:
        if not body or len(body) % 6:
            raise DecodeError("raw ACC frame is not a whole number of int16 x,y,z samples")
        mg = np.frombuffer(body, "<i2").reshape(-1, 3).astype(np.float64) * factor
    elif kind == GYRO and compressed and ftype == 0:
        return PmdFrame(kind, t_ns, unpack_deltas(body, 3, 16) * float(factor))
    else:
        raise DecodeError(f"unsupported PMD frame: type {kind}, frame type {ftype}, compressed {compressed}")
    return PmdFrame(kind, t_ns, np.asarray(mg, dtype=np.float64) * MG_TO_MPS2)


FAMILY = Family(
    "polar",
    Gatt(service=PMD_SERVICE_UUID, data=PMD_DATA_UUID, control=PMD_CP_UUID),
    title="Polar",
    adv_services=(PMD_SERVICE_UUID, ADV_UUID),
    name_prefixes=("Polar ",),
)


class PolarDriver(Driver):
    """PMD: ACC and GYRO arrive as separate frames; gyro is interpolated onto the acc sample times."""

    family = FAMILY
    notify_first = (PMD_CP_UUID,)

    def __init__(self, settings: BleSettings) -> None:
        super().__init__(settings)
        self.factor = {ACC: 1.0, GYRO: 1.0}
        self.rates = {ACC: 52, GYRO: 52}
        self.clock = DeviceClock()
        self._last_ns: dict[int, int] = {}
        self._acc: list[tuple[np.ndarray, np.ndarray]] = []  # (t, values) awaiting gyro
        self._gyro_t = np.empty(0)
        self._gyro_v = np.empty((0, 3))

    async def configure(self, link: Link) -> None:
        self.selected: dict[int, dict[int, int]] = {}
        for kind, want_range in (
            (ACC, self.settings.acc_range_g),
            (GYRO, self.settings.gyro_range_dps),
        ):
            await link.write(PMD_CP_UUID, get_settings_command(kind))
            _op, _k, status, params = parse_cp_response(await self._response("GET_MEASUREMENT_SETTINGS"))
            if status != 0:
                raise DeviceError(
                    f"Polar sensor does not offer {'ACC' if kind == ACC else 'GYRO'} (status {status})"
                )
            avail = parse_settings(params)
            sel = {SET_RATE: pick_rate([int(v) for v in avail.get(SET_RATE, [52])], self.settings.rate_hz)}
            for typ, want in (
                (SET_RESOLUTION, 16),
                (SET_RANGE, want_range),
                (SET_CHANNELS, 3),
            ):
                if typ in avail:
                    sel[typ] = pick_rate([int(v) for v in avail[typ]], want)
            self.selected[kind] = sel
            self.rates[kind] = sel[SET_RATE]
        self.rate_hz = float(self.rates[ACC])
        self.acc_range_g = float(self.selected[ACC].get(SET_RANGE, 8))
        self.gyro_range_dps = float(self.selected[GYRO].get(SET_RANGE, 2000))

    async def start(self, link: Link) -> None:
        await link.start_notify(PMD_DATA_UUID)
        for kind in (ACC, GYRO):
            await link.write(PMD_CP_UUID, start_command(kind, self.selected[kind]))
            _op, _k, status, params = parse_cp_response(await self._response("REQUEST_MEASUREMENT_START"))
            if status == 6:  # already streaming (reconnect to a sensor that kept going): fine
                continue
            if status != 0:
                raise DeviceError(
                    f"Polar sensor refused to start stream {kind} with {self.selected[kind]} (status {status})"
                )
            try:
                fac = parse_settings(params).get(SET_FACTOR)
            except DecodeError:
                fac = None
            if fac:
                self.factor[kind] = float(fac[0])

    async def stop(self, link: Link) -> None:
        for kind in (ACC, GYRO):
            await link.write(PMD_CP_UUID, stop_command(kind))

    def link_lost(self) -> None:
        super().link_lost()
        self._last_ns.clear()
        self._acc.clear()
        self._gyro_t, self._gyro_v = np.empty(0), np.empty((0, 3))

    def on_notify(self, uuid: str, data: bytes, t_host: float) -> list[SampleBatch]:
        if same_uuid(uuid, PMD_CP_UUID):
            self._responses.put_nowait(bytes(data))
            return []
        self.stats.packets += 1
        try:
            f = decode_frame(data, self.factor.get(data[0] & 0x3F, 1.0) if data else 1.0)
        except DecodeError as e:
            self.stats.skip(reason_of(e))
            return []
        n = len(f.values)
        nominal_ns = 1e9 / self.rates[f.kind]
        prev = self._last_ns.get(f.kind)
        if prev is not None and f.t_last_ns <= prev:
            self.stats.skip("out of order")
            return []
        step_ns = nominal_ns
        if prev is not None:
            step_ns = (f.t_last_ns - prev) / n
            if step_ns > 1.5 * nominal_ns:  # frames lost in between
                self.stats.lost_packets += 1
                self.stats.lost_samples += round((f.t_last_ns - prev) / nominal_ns) - n
                self._gap = True
                step_ns = nominal_ns
        self._last_ns[f.kind] = f.t_last_ns
        t = (f.t_last_ns - step_ns * np.arange(n - 1, -1, -1)) * 1e-9
        if f.kind == GYRO:
            keep = self._gyro_t >= t[0] - 1.0
            self._gyro_t = np.concatenate([self._gyro_t[keep], t])
            self._gyro_v = np.concatenate([self._gyro_v[keep], f.values])
        else:
            self.clock.observe(float(t[-1]), t_host)
            self._acc.append((t, f.values))
        return self._merge()

    def _merge(self) -> list[SampleBatch]:
        out = []
        while self._acc and len(self._gyro_t) and self._acc[0][0][-1] <= self._gyro_t[-1]:
            t, acc = self._acc.pop(0)
            gyro = np.column_stack([np.interp(t, self._gyro_t, self._gyro_v[:, i]) for i in range(3)])
            out.append(self._batch(t, acc, gyro, self.clock.to_host(t)))
        if len(self._acc) > 50:  # gyro stopped: do not hold acc forever
            self.stats.skip("acc without gyro")
            self._acc.pop(0)
        return out
