"""Polar sensors (Verity Sense, OH1, H10) through the Polar Measurement Data (PMD) service.

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

from stridemon.devices._common import DecodeError
from stridemon.samples import STANDARD_GRAVITY_MPS2

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
