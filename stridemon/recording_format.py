"""The native session file (``.smrec``): an append-only sequence of checksummed blocks.

Layout (all integers little-endian; docs/recording-format.md has the full description):

    file header  16 bytes   MAGIC (8) | version u16 | flags u16 | reserved u32
    block        14 + n     SYNC (4) | type u8 | flags u8 | length u32 | crc32 u32 | payload (length bytes)

The CRC covers type, flags, length and payload. A reader that meets a bad block (wrong sync,
bad CRC, impossible length, cut short) counts it and searches forward for the next SYNC, so a
file truncated at any byte or corrupted in the middle keeps every intact block. Unknown block
types are skipped (older readers survive newer writers that only add block types); a newer
*version* number in the header is refused with a clear error.

Block types:
    META     JSON object: format, start time, device, runner, targets, notes, tags
    SAMPLES  one batch of samples, quantised and zlib-compressed (see :func:`encode_samples`)
    EVENTS   JSON list of events (``event_to_dict``)
    END      JSON object written by a clean close (absent after a crash)
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from dataclasses import dataclass

import numpy as np

from stridemon import limits
from stridemon.limits import LimitExceeded
from stridemon.samples import STANDARD_GRAVITY_MPS2, SampleBatch

MAGIC = b"\x89SMREC\r\n"  # \x89 and \r\n catch 7-bit and text-mode mangling, as in PNG
VERSION = 1
SYNC = b"\xa5SMB"
FILE_HEADER = struct.Struct("<8sHHI")
BLOCK_HEADER = struct.Struct("<4sBBII")  # sync, type, flags, length, crc
MAX_BLOCK = 64 * 1024 * 1024  # a longer length field is damage, not data

META, SAMPLES, EVENTS, END = 1, 2, 3, 4
BLOCK_NAMES = {META: "meta", SAMPLES: "samples", EVENTS: "events", END: "end"}

# Samples are stored as integers: acceleration and angular rate with a per-block scale (the
# smallest of these full scales that holds the block, 16 bits), device time as microseconds
# from the block's first sample, host time likewise.
ACC_FULL_SCALES_MPS2 = tuple(g * STANDARD_GRAVITY_MPS2 for g in (16.0, 32.0, 64.0, 256.0, 4096.0))
GYRO_FULL_SCALES_DPS = (2000.0, 4000.0, 16000.0, 1.0e6)
_SAMPLES_HEAD = struct.Struct("<IddffB")  # n, t0_s, host_t0_s, acc_lsb, gyro_lsb, flags
_F_HOST, _F_GAP = 1, 2


def file_header() -> bytes:
    return FILE_HEADER.pack(MAGIC, VERSION, 0, 0)


def block(kind: int, payload: bytes, flags: int = 0) -> bytes:
    """One framed block."""
    head = struct.pack("<BBI", kind, flags, len(payload))
    crc = zlib.crc32(payload, zlib.crc32(head))
    return BLOCK_HEADER.pack(SYNC, kind, flags, len(payload), crc) + payload


def _finite(obj):
    """JSON has no NaN: non-finite floats become null (readers turn them back into NaN)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def json_block(kind: int, obj) -> bytes:
    return block(kind, json.dumps(_finite(obj), separators=(",", ":"), allow_nan=False).encode())


def _lsb(max_abs: float, scales: tuple[float, ...]) -> float:
    for fs in scales:
        if max_abs <= fs:
            return fs / 32767.0
    return max_abs / 32767.0


def quantise(batch: SampleBatch) -> SampleBatch:
    """The batch exactly as it will read back from a recording (what the live pipeline should see)."""
    return decode_samples(encode_samples(batch))


def encode_samples(batch: SampleBatch) -> bytes:
    """Payload of a SAMPLES block: a small header, then zlib of byte-shuffled delta columns.

    Columns: device time as int32 µs deltas (and host time likewise, when present), then the six
    channels as int16 counts of the block's LSB, delta-coded with 16-bit wrap-around (exactly
    invertible). Byte shuffling puts the mostly-zero high bytes together, which zlib packs well.
    """
    n = len(batch)
    t0 = float(batch.t_s[0]) if n else 0.0
    # float32 in the header: use the rounded value so encoder and decoder agree exactly
    acc_lsb = float(np.float32(_lsb(float(np.max(np.abs(batch.acc_mps2), initial=0.0)), ACC_FULL_SCALES_MPS2)))
    gyro_lsb = float(np.float32(_lsb(float(np.max(np.abs(batch.gyro_dps), initial=0.0)), GYRO_FULL_SCALES_DPS)))
    flags = _F_GAP if batch.gap_before else 0
    host_t0 = math.nan
    times = [np.round((batch.t_s - t0) * 1e6).astype(np.int64)]
    if batch.host_t_s is not None and n:
        flags |= _F_HOST
        host_t0 = float(batch.host_t_s[0])
        times.append(np.round((batch.host_t_s - host_t0) * 1e6).astype(np.int64))
    t_cols = np.stack([np.diff(c, prepend=0) for c in times]).astype("<i4")
    q = np.vstack([np.round(batch.acc_mps2.T / acc_lsb), np.round(batch.gyro_dps.T / gyro_lsb)])
    q = np.clip(q, -32767, 32767).astype("<i2")
    v_cols = np.diff(q, axis=1, prepend=np.zeros((6, 1), "<i2"))  # int16 arithmetic wraps: invertible
    body = _shuffle(t_cols) + _shuffle(v_cols)
    head = _SAMPLES_HEAD.pack(n, t0, host_t0, acc_lsb, gyro_lsb, flags)
    return head + zlib.compress(body, 6)


def _shuffle(a: np.ndarray) -> bytes:
    return np.frombuffer(a.tobytes(), np.uint8).reshape(-1, a.itemsize).T.tobytes()


def _unshuffle(b: bytes, dtype: str, shape: tuple[int, int]) -> np.ndarray:
    size = np.dtype(dtype).itemsize
    raw = np.frombuffer(b, np.uint8).reshape(size, -1).T.tobytes()
    return np.frombuffer(raw, dtype).reshape(shape)


def decode_samples(payload: bytes) -> SampleBatch:
    """Inverse of :func:`encode_samples`; raises ValueError on a malformed payload.

    Memory is bounded by the block's *declared* sample count, checked against
    ``MAX_SAMPLES_PER_BLOCK`` first: the zlib stream is inflated at most one byte past the size
    that count implies, so a small block that would inflate to gigabytes (a "zip bomb") costs
    no more than an honest one (:class:`LimitExceeded`).
    """
    if len(payload) < _SAMPLES_HEAD.size:
        raise ValueError("samples block too short")
    n, t0, host_t0, acc_lsb, gyro_lsb, flags = _SAMPLES_HEAD.unpack_from(payload)
    if n > limits.MAX_SAMPLES_PER_BLOCK:
        raise LimitExceeded(f"samples block claims {n} samples (limit {limits.MAX_SAMPLES_PER_BLOCK})")
    nt = 2 if flags & _F_HOST else 1
    expected = n * (limits.SAMPLE_BYTES_HOST if nt == 2 else limits.SAMPLE_BYTES_NO_HOST)
    inflater = zlib.decompressobj()
    body = inflater.decompress(memoryview(payload)[_SAMPLES_HEAD.size :], expected + 1)
    if len(body) > expected:
        raise LimitExceeded(f"samples block inflates past the {expected} bytes its {n} samples need")
    if len(body) != expected:
        raise ValueError("samples block length does not match its sample count")
    if not (math.isfinite(acc_lsb) and acc_lsb > 0 and math.isfinite(gyro_lsb) and gyro_lsb > 0):
        raise ValueError("samples block has an impossible scale")
    if n == 1:
        row = _one_row(body, t0, host_t0, acc_lsb, gyro_lsb, flags)
        return SampleBatch(np.array([row[0]]), np.array([row[1:4]]), np.array([row[4:7]]), *_row_host(row))
    t_cols = _unshuffle(body[: 4 * nt * n], "<i4", (nt, n)).astype(np.int64).cumsum(axis=1)
    q = _unshuffle(body[4 * nt * n :], "<i2", (6, n)).cumsum(axis=1, dtype=np.int16).astype(np.float64)
    t = t0 + t_cols[0] / 1e6
    host = host_t0 + t_cols[1] / 1e6 if nt == 2 else None
    return SampleBatch(t, (q[:3] * acc_lsb).T, (q[3:] * gyro_lsb).T, host, bool(flags & _F_GAP))


def decode_one(payload: bytes) -> tuple | None:
    """A one-sample SAMPLES block (a writer flushing every sample) as a plain tuple
    ``(t, ax, ay, az, gx, gy, gz, host_t or None, gap_before)``, without numpy's per-call cost;
    None if the block holds more than one sample (use :func:`decode_samples`). Raises ValueError
    as ``decode_samples`` does."""
    if len(payload) < _SAMPLES_HEAD.size:
        raise ValueError("samples block too short")
    n, t0, host_t0, acc_lsb, gyro_lsb, flags = _SAMPLES_HEAD.unpack_from(payload)
    if n != 1:
        return None
    expected = limits.SAMPLE_BYTES_HOST if flags & _F_HOST else limits.SAMPLE_BYTES_NO_HOST
    body = zlib.decompressobj().decompress(memoryview(payload)[_SAMPLES_HEAD.size :], expected + 1)
    if len(body) > expected:
        raise LimitExceeded(f"samples block inflates past the {expected} bytes its 1 sample needs")
    if len(body) != expected:
        raise ValueError("samples block length does not match its sample count")
    if not (math.isfinite(acc_lsb) and acc_lsb > 0 and math.isfinite(gyro_lsb) and gyro_lsb > 0):
        raise ValueError("samples block has an impossible scale")
    return _one_row(body, t0, host_t0, acc_lsb, gyro_lsb, flags)


# One sample, byte-shuffled int16 columns: the low bytes of the six channels, then the high bytes.
_ONE_SAMPLE = struct.Struct("<12B")


def _one_row(body: bytes, t0: float, host_t0: float, acc_lsb: float, gyro_lsb: float, flags: int) -> tuple:
    q = _ONE_SAMPLE.unpack_from(body, 8 if flags & _F_HOST else 4)
    v = [(lo | (hi << 8)) - ((hi & 0x80) << 9) for lo, hi in zip(q[:6], q[6:], strict=True)]
    host = host_t0 if flags & _F_HOST else None
    return (
        t0,
        v[0] * acc_lsb,
        v[1] * acc_lsb,
        v[2] * acc_lsb,
        v[3] * gyro_lsb,
        v[4] * gyro_lsb,
        v[5] * gyro_lsb,
        host,
        bool(flags & _F_GAP),
    )


def _row_host(row: tuple) -> tuple:
    return (None if row[7] is None else np.array([row[7]]), row[8])


@dataclass
class Damage:
    """What a reader could not use."""

    bad_blocks: int = 0  # blocks with a wrong checksum, length or content
    skipped_bytes: int = 0  # bytes passed over while searching for the next block
    truncated_tail: bool = False  # the file ends inside a block (a crash while writing)
    gave_up_at: int | None = None  # byte offset where checking stopped (a forged flood of headers)

    @property
    def any(self) -> bool:
        return bool(self.bad_blocks or self.skipped_bytes or self.truncated_tail)


def iter_blocks(data: bytes, start: int, damage: Damage):
    """Yield (type, flags, payload) of every intact block from ``start``; count what is not.

    The checksums of candidate blocks that turn out bad are the only cost that could grow faster
    than the file (overlapping headers, each claiming a long payload, would each be checked):
    past a budget of CRC_WASTE_FACTOR × the file's size, only candidates of a normal block's
    size are checked; past twice the budget the rest of the file is given up as damage
    (``damage.gave_up_at``). Real damage never comes near; a forged flood of headers does.
    """
    pos, end = start, len(data)
    budget = limits.CRC_WASTE_FACTOR * end + limits.CRC_WASTE_MIN
    wasted = 0
    while pos < end:
        if end - pos < BLOCK_HEADER.size:
            damage.truncated_tail = True
            damage.skipped_bytes += end - pos
            return
        sync, kind, flags, length, crc = BLOCK_HEADER.unpack_from(data, pos)
        ok = sync == SYNC and length <= MAX_BLOCK
        if ok and pos + BLOCK_HEADER.size + length > end:
            # Cut short: the tail of a file that was being written, unless the length field
            # itself is damaged and more blocks follow.
            if data.find(SYNC, pos + 1) < 0:
                damage.truncated_tail = True
                damage.skipped_bytes += end - pos
                return
            ok = False
        if ok and wasted > budget and length > limits.CRC_CHECK_AFTER_BUDGET:
            ok = False  # past the budget: a long claim among so much damage is not worth checking
        if ok:
            payload = data[pos + BLOCK_HEADER.size : pos + BLOCK_HEADER.size + length]
            head = struct.pack("<BBI", kind, flags, length)
            ok = zlib.crc32(payload, zlib.crc32(head)) == crc
            if not ok:
                wasted += length
        if ok:
            yield kind, flags, payload
            pos += BLOCK_HEADER.size + length
            continue
        # Damage: find the next sync marker after this position.
        damage.bad_blocks += 1
        nxt = data.find(SYNC, pos + 1)
        if nxt < 0 or wasted > 2 * budget:
            damage.skipped_bytes += end - pos
            if nxt >= 0:
                damage.gave_up_at = pos
            return
        damage.skipped_bytes += nxt - pos
        pos = nxt
