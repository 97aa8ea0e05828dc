"""Encoders of the four vendor formats (the inverse of the decoders), written from the same documents.

Used to build test vectors and to drive the fake sensors in ``tests/vendor_sims.py``.
"""

from __future__ import annotations

import struct

import numpy as np

from stridemon.devices import movesense, polar, stridemon_fw, witmotion
from stridemon.samples import STANDARD_GRAVITY_MPS2


def _i16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype("<i2")


def encode_fw(
    seq: int, t0_us: int, dt_us: int, acc_mps2, gyro_dps, acc_fs_g: int = 16, gyro_code: int = 4
) -> bytes:
    acc = np.asarray(acc_mps2, float).reshape(-1, 3) / (acc_fs_g * STANDARD_GRAVITY_MPS2) * 32768
    gyro = np.asarray(gyro_dps, float).reshape(-1, 3) / (125 << gyro_code) * 32768
    n = len(acc)
    head = stridemon_fw.HEADER.pack(1, n, seq & 0xFFFF, t0_us & 0xFFFFFFFF, dt_us, acc_fs_g, gyro_code)
    return head + _i16(np.hstack([acc, gyro])).tobytes()


def encode_wit(acc_mps2, gyro_dps, angle_deg=None) -> bytes:
    acc = np.asarray(acc_mps2, float).reshape(-1, 3) / witmotion.ACC_SCALE_MPS2
    gyro = np.asarray(gyro_dps, float).reshape(-1, 3) / witmotion.GYRO_SCALE_DPS
    ang = (
        np.zeros_like(acc) if angle_deg is None else np.asarray(angle_deg, float).reshape(-1, 3) / 180 * 32768
    )
    body = _i16(np.hstack([acc, gyro, ang]))
    return b"".join(witmotion.HEADER + row.tobytes() for row in body)


def wit_reply(reg: int, values: list[int]) -> bytes:
    vals = (list(values) + [0] * 8)[:8]
    return b"\x55\x71" + struct.pack("<H8h", reg, *vals)


def encode_gsp_imu6(ref: int, t0_ms: int, acc_mps2, gyro_dps) -> bytes:
    acc = np.asarray(acc_mps2, "<f4").reshape(-1, 3)
    gyro = np.asarray(gyro_dps, "<f4").reshape(-1, 3)
    return (
        bytes((movesense.PKT_DATA, ref))
        + struct.pack("<I", t0_ms & 0xFFFFFFFF)
        + acc.tobytes()
        + gyro.tobytes()
    )


def split_gsp(packet: bytes, max_len: int) -> list[bytes]:
    """GSP splits a too-long DATA packet into DATA + DATA_PART2 (``03 ref rest``)."""
    if len(packet) <= max_len:
        return [packet]
    return [packet[:max_len], bytes((movesense.PKT_DATA_PART2, packet[1])) + packet[max_len:]]


def gsp_response(ref: int, status: int) -> bytes:
    return bytes((movesense.PKT_RESPONSE, ref)) + struct.pack("<H", status)


def pack_deltas(samples: np.ndarray, resolution: int = 16, block: int = 8) -> bytes:
    """Delta-compress (n, ch) ints: reference sample, then blocks of fixed-width deltas (LSB first)."""
    s = np.asarray(samples, np.int64)
    rb = (resolution + 7) // 8
    out = bytearray()
    for v in s[0]:
        out += int(v).to_bytes(rb, "little", signed=True)
    d = np.diff(s, axis=0)
    for i in range(0, len(d), block):
        blk = d[i : i + block]
        m = int(np.max(np.abs(blk))) if len(blk) else 0
        bits = max(2, m.bit_length() + 1)
        vals = (blk.reshape(-1) & ((1 << bits) - 1)).astype(np.int64)
        bitarr = ((vals[:, None] >> np.arange(bits)) & 1).astype(np.uint8).reshape(-1)
        out += bytes((bits, len(blk))) + np.packbits(bitarr, bitorder="little").tobytes()
    return bytes(out)


def encode_pmd(kind: int, t_last_ns: int, raw: np.ndarray, compressed: bool = True) -> bytes:
    """A PMD data frame: ACC compressed type 1 / raw type 1, or GYRO compressed type 0."""
    ftype = (1 if kind == polar.ACC else 0) | (0x80 if compressed else 0)
    head = bytes((kind,)) + int(t_last_ns).to_bytes(8, "little") + bytes((ftype,))
    if compressed:
        return head + pack_deltas(raw)
    return head + np.asarray(raw, "<i2").tobytes()


def pmd_settings(settings: dict[int, list]) -> bytes:
    out = bytearray()
    for typ, vals in settings.items():
        out += bytes((typ, len(vals)))
        for v in vals:
            out += (
                struct.pack("<f", v)
                if typ == polar.SET_FACTOR
                else int(v).to_bytes(polar._FIELD_SIZE[typ], "little")
            )
    return bytes(out)


def pmd_response(op: int, kind: int, status: int, params: bytes = b"") -> bytes:
    return bytes((0xF0, op, kind, status, 0)) + params
