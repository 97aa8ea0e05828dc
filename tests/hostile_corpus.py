"""Generators of hostile input files (recordings and CSVs), built in a temporary folder.

Each generator writes one small file (a few MB at most on disk) from a clean simulated run and
returns its path; ``CASES`` names them for the tests in ``tests/test_hostile_files.py`` and for
before/after measurements (``python -m tests.hostile_corpus OUTDIR`` writes them all).

The bad part sits in the middle: the good blocks before and after it must survive.
"""

from __future__ import annotations

import json
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from stridemon.recording_format import (
    END,
    EVENTS,
    FILE_HEADER,
    MAGIC,
    META,
    SAMPLES,
    Damage,
    block,
    encode_samples,
    file_header,
    iter_blocks,
)
from stridemon.samples import SampleBatch
from stridemon.sim.model import SensorModel, simulate
from stridemon.sim.scenarios import get_scenario
from stridemon.sinks.recorder import Recorder
from stridemon.sources.base import batches_of

CLEAN_SECONDS = 40.0
_SAMPLES_HEAD = struct.Struct("<IddffB")


def sim_batch(seconds: float = CLEAN_SECONDS, rate: float = 100.0, seed: int = 3) -> SampleBatch:
    sc = get_scenario("steady-run", seconds)
    batch, _ = simulate(sc.segments, SensorModel(rate_hz=rate), "back-upright", seed)
    return batch


def clean_recording(path: Path, seconds: float = CLEAN_SECONDS, metadata: dict | None = None) -> Path:
    """A clean recording of a steady run, written by the real recorder (1 s blocks)."""
    meta = {"runner": "Ann", "tags": ["t"], "notes": "clean"} if metadata is None else metadata
    with Recorder(path, metadata=meta, overwrite=True) as rec:
        for b in batches_of(sim_batch(seconds), 0.5):
            rec.write_batch(b)
    return path


def blocks_of(path: Path) -> list[tuple[int, int, bytes]]:
    return blocks_of_bytes(path.read_bytes())


def blocks_of_bytes(data: bytes) -> list[tuple[int, int, bytes]]:
    """(type, flags, payload) of every intact block."""
    return list(iter_blocks(data, FILE_HEADER.size, Damage()))


def samples_in(payload: bytes) -> int:
    """The sample count a SAMPLES payload declares (0 if it has no header)."""
    return _SAMPLES_HEAD.unpack_from(payload)[0] if len(payload) >= _SAMPLES_HEAD.size else 0


def forged_samples(payload: bytes, field: str, value: float | int) -> bytes:
    """A SAMPLES payload with one header field (or one body byte) replaced: what a CRC cannot catch."""
    if len(payload) < _SAMPLES_HEAD.size:
        return payload
    n, t0, host_t0, a, g, flags = _SAMPLES_HEAD.unpack_from(payload)
    body = payload[_SAMPLES_HEAD.size :]
    iv = int(value) if isinstance(value, int) or np.isfinite(value) else 0
    if field == "n":
        n = iv % 2**32
    elif field == "t0":
        t0 = float(value)
    elif field == "lsb":
        a = float(np.float32(value)) if abs(float(value)) < 3e38 else float("inf")
    elif field == "flags":
        flags = iv % 256
    else:
        b = bytearray(body)
        if b:
            b[iv % len(b)] ^= 0x5A
        body = bytes(b)
    return _SAMPLES_HEAD.pack(n, t0, host_t0, a, g, flags) + body


def assemble(path: Path, blocks: list[tuple[int, int, bytes]]) -> Path:
    path.write_bytes(file_header() + b"".join(block(k, p, f) for k, f, p in blocks))
    return path


def _with_bad_in_middle(tmp: Path, name: str, bad: list[tuple[int, int, bytes]]) -> Path:
    """The clean recording with ``bad`` blocks inserted halfway through its samples."""
    blocks = blocks_of(clean_recording(tmp / f"_{name}.clean.smrec"))
    idx = [i for i, (k, _, _) in enumerate(blocks) if k == SAMPLES]
    mid = idx[len(idx) // 2]
    out = assemble(tmp / name, blocks[:mid] + bad + blocks[mid:])
    (tmp / f"_{name}.clean.smrec").unlink()
    return out


def _samples_payload(n: int, t0: float, body: bytes, flags: int = 0, host_t0: float = float("nan")) -> bytes:
    return _SAMPLES_HEAD.pack(n, t0, host_t0, 16 * 9.80665 / 32767, 2000 / 32767, flags) + body


def _retimed(payload: bytes, t0: float) -> bytes:
    """A SAMPLES payload with another first time stamp."""
    n, _, host_t0, a, g, flags = _SAMPLES_HEAD.unpack_from(payload)
    return _SAMPLES_HEAD.pack(n, t0, host_t0, a, g, flags) + payload[_SAMPLES_HEAD.size :]


# --- recordings ---------------------------------------------------------------------------------


def zeros_zlib(size: int) -> bytes:
    """A valid zlib stream of ``size`` zero bytes (a multiple of 1 MiB), built in milliseconds:
    full-flushed deflate blocks of 1 MiB repeat byte for byte; adler32 of n zeros is n << 16 | 1."""
    mib = 1 << 20
    z = zlib.compressobj(9)
    first = z.compress(bytes(mib)) + z.flush(zlib.Z_FULL_FLUSH)
    again = z.compress(bytes(mib)) + z.flush(zlib.Z_FULL_FLUSH)
    return first + again * (size // mib - 1) + b"\x03\x00" + struct.pack(">I", ((size % 65521) << 16) | 1)


def zip_bomb(tmp: Path, size: int = 1 << 30) -> Path:
    """One SAMPLES block claiming 1,000 samples whose zlib stream inflates to 1 GiB (about 1 MB
    compressed), between good blocks."""
    return _with_bad_in_middle(tmp, "bomb.smrec", [(SAMPLES, 0, _samples_payload(1000, 20.5, zeros_zlib(size)))])


def honest_giant_block(tmp: Path) -> Path:
    """A block that honestly declares 50 million samples (800 MB inflated): past the per-block cap."""
    n = 50_000_000
    body = zeros_zlib(n * 16)
    return _with_bad_in_middle(tmp, "giant.smrec", [(SAMPLES, 0, _samples_payload(n, 20.5, body))])


def tiny_blocks(tmp: Path, n_blocks: int = 300_000, rate: float = 100.0) -> Path:
    """A run stored as one-sample blocks (a writer that flushes every sample), each with events
    blocks now and then."""
    b = sim_batch(n_blocks / rate + 1.0, rate=rate)
    blocks = blocks_of(clean_recording(tmp / "_tiny.clean.smrec", seconds=2.0))
    meta = [x for x in blocks if x[0] == META]
    parts = [block(META, meta[0][2])]
    for i in range(min(n_blocks, len(b))):
        parts.append(block(SAMPLES, encode_samples(b.slice(i, i + 1))))
    parts.append(block(END, b'{"samples": %d}' % n_blocks))
    (tmp / "_tiny.clean.smrec").unlink()
    out = tmp / f"tiny{n_blocks}.smrec"
    out.write_bytes(file_header() + b"".join(parts))
    return out


def _meta_variant(tmp: Path, name: str, meta_json: bytes) -> Path:
    blocks = blocks_of(clean_recording(tmp / f"_{name}.clean.smrec"))
    (tmp / f"_{name}.clean.smrec").unlink()
    blocks = [(k, f, meta_json if k == META else p) for k, f, p in blocks]
    return assemble(tmp / name, blocks)


def _base_meta() -> dict:
    return {
        "format": "stridemon recording",
        "start_local": "2025-01-01T10:00:00+01:00",
        "runner": "Ann",
        "device": {"name": "WT", "family": "witmotion", "nominal_rate_hz": 100.0, "extra": {}},
    }


def meta_device_string(tmp: Path) -> Path:
    return _meta_variant(tmp, "meta_device_str.smrec", json.dumps({**_base_meta(), "device": "WT901"}).encode())


def meta_device_list(tmp: Path) -> Path:
    return _meta_variant(tmp, "meta_device_list.smrec", json.dumps({**_base_meta(), "device": [1, 2]}).encode())


def meta_extra_string(tmp: Path) -> Path:
    m = _base_meta()
    m["device"]["extra"] = "oops"
    return _meta_variant(tmp, "meta_extra_str.smrec", json.dumps(m).encode())


def meta_rate_string(tmp: Path) -> Path:
    m = _base_meta()
    m["device"]["nominal_rate_hz"] = "fast"
    return _meta_variant(tmp, "meta_rate_str.smrec", json.dumps(m).encode())


def meta_runner_dict(tmp: Path) -> Path:
    m = {**_base_meta(), "runner": {"name": "Ann"}, "tags": "a,b", "notes": 7}
    return _meta_variant(tmp, "meta_runner_dict.smrec", json.dumps(m).encode())


def meta_huge_ints(tmp: Path) -> Path:
    big = "9" * 400
    text = json.dumps({**_base_meta(), "target_cadence_spm": 0, "x": 0}).replace(
        '"target_cadence_spm": 0', f'"target_cadence_spm": {big}'
    )
    text = text.replace('"x": 0', f'"x": {"1" * 5000}')  # beyond Python's int-parsing limit
    text = text.replace('"nominal_rate_hz": 100.0', f'"nominal_rate_hz": {big}')
    return _meta_variant(tmp, "meta_huge_ints.smrec", text.encode())


def meta_nan_deep(tmp: Path) -> Path:
    deep = "[" * 100_000 + "]" * 100_000
    text = json.dumps({**_base_meta(), "rotation_budget_deg": 0, "deep": 0}).replace(
        '"rotation_budget_deg": 0', '"rotation_budget_deg": NaN'
    )
    text = text.replace('"deep": 0', f'"deep": {deep}, "inf": Infinity')
    return _meta_variant(tmp, "meta_nan_deep.smrec", text.encode())


def meta_control_chars(tmp: Path) -> Path:
    m = {
        **_base_meta(),
        "runner": "Ann\x1b[2J\x1b]0;pwned\x07",
        "notes": "ok\rFAKE\x9b31m\u202eevil",
        "tags": ["\x1b[5m"],
    }
    m["device"]["name"] = "dev\x1b[31m"
    return _meta_variant(tmp, "meta_ctrl.smrec", json.dumps(m).encode())


def nan_first_time(tmp: Path) -> Path:
    """The first SAMPLES block's time stamp is NaN (every later good block must survive)."""
    blocks = blocks_of(clean_recording(tmp / "_nanfirst.clean.smrec"))
    (tmp / "_nanfirst.clean.smrec").unlink()
    i = next(i for i, (k, _, _) in enumerate(blocks) if k == SAMPLES)
    k, f, p = blocks[i]
    blocks[i] = (k, f, _retimed(p, float("nan")))
    return assemble(tmp / "nan_first.smrec", blocks)


def inf_times_inside(tmp: Path) -> Path:
    """Blocks in the middle with +inf, -inf and NaN time stamps."""
    blocks = blocks_of(clean_recording(tmp / "_inf.clean.smrec"))
    (tmp / "_inf.clean.smrec").unlink()
    idx = [i for i, (k, _, _) in enumerate(blocks) if k == SAMPLES]
    for j, v in zip(idx[10:13], (float("inf"), float("-inf"), float("nan")), strict=True):
        k, f, p = blocks[j]
        blocks[j] = (k, f, _retimed(p, v))
    return assemble(tmp / "inf_inside.smrec", blocks)


def clock_jump(tmp: Path, jump_s: float = 1.7e9) -> Path:
    """From the middle on, the device clock reads ``jump_s`` more (a switch to UNIX time)."""
    blocks = blocks_of(clean_recording(tmp / "_jump.clean.smrec"))
    (tmp / "_jump.clean.smrec").unlink()
    idx = [i for i, (k, _, _) in enumerate(blocks) if k == SAMPLES]
    for j in idx[len(idx) // 2 :]:
        k, f, p = blocks[j]
        t0 = _SAMPLES_HEAD.unpack_from(p)[1]
        blocks[j] = (k, f, _retimed(p, t0 + jump_s))
    return assemble(tmp / "clock_jump.smrec", blocks)


def hopping_clock(tmp: Path, hop_s: float = 23 * 3600.0) -> Path:
    """Every SAMPLES block ``hop_s`` (just under a day) after the previous one: no single jump is
    past the limit, but the "duration" is a month."""
    blocks = blocks_of(clean_recording(tmp / "_hop.clean.smrec"))
    (tmp / "_hop.clean.smrec").unlink()
    idx = [i for i, (k, _, _) in enumerate(blocks) if k == SAMPLES]
    for n, j in enumerate(idx):
        k, f, p = blocks[j]
        blocks[j] = (k, f, _retimed(p, _SAMPLES_HEAD.unpack_from(p)[1] + n * hop_s))
    return assemble(tmp / "hopping_clock.smrec", blocks)


def many_events(tmp: Path) -> Path:
    """An EVENTS block of 150,000 markers (past the per-block cap) and one of deep nesting."""
    ev = json.dumps([{"type": "marker", "t_s": 1.0, "label": "x"}] * 150_000).encode()
    deep = b"[" * 50_000 + b"]" * 50_000
    bad_types = json.dumps(
        [
            {"type": "step", "t_s": "soon"},
            {"type": "marker", "t_s": None, "label": "n"},
            {"type": "marker", "t_s": 1e400},
        ]
    ).encode()
    return _with_bad_in_middle(tmp, "many_events.smrec", [(EVENTS, 0, ev), (EVENTS, 0, deep), (EVENTS, 0, bad_types)])


def huge_metadata(tmp: Path) -> Path:
    """A second META block of 8 MiB (past the metadata cap)."""
    big = json.dumps({"notes": "x" * (8 << 20)}).encode()
    return _with_bad_in_middle(tmp, "huge_meta.smrec", [(META, 0, big)])


def sync_flood(tmp: Path, size: int = 2 << 20, claim: int = 1 << 20, name: str = "sync_flood.smrec") -> Path:
    """2 MB of block headers back to back between good blocks, each claiming a 1 MB payload with a
    wrong CRC: every one must be rejected, at a bounded cost (not 75,000 checksums of 1 MB)."""
    blocks = blocks_of(clean_recording(tmp / "_flood.clean.smrec"))
    (tmp / "_flood.clean.smrec").unlink()
    idx = [i for i, (k, _, _) in enumerate(blocks) if k == SAMPLES]
    mid = idx[len(idx) // 2]
    head = struct.pack("<4sBBII", b"\xa5SMB", SAMPLES, 0, claim, 0)
    flood = head * (size // len(head))
    out = tmp / name
    framed = [block(k, p, f) for k, f, p in blocks]
    out.write_bytes(file_header() + b"".join(framed[:mid]) + flood + b"".join(framed[mid:]))
    return out


def sync_flood_small_claims(tmp: Path) -> Path:
    """The same flood, each header claiming 8 KiB (a size still checked past the budget): the
    reader gives up on the rest of the file after a bounded amount of checking, and says so."""
    return sync_flood(tmp, claim=8 << 10, name="sync_flood_small.smrec")


def duplicated_blocks(tmp: Path) -> Path:
    blocks = blocks_of(clean_recording(tmp / "_dup.clean.smrec"))
    (tmp / "_dup.clean.smrec").unlink()
    return assemble(tmp / "dup.smrec", blocks[:20] + blocks[5:])


# --- CSVs ---------------------------------------------------------------------------------------


def _csv_rows(b: SampleBatch) -> list[str]:
    return [
        f"{t:.5f},{a[0]:.4f},{a[1]:.4f},{a[2]:.4f},{g[0]:.3f},{g[1]:.3f},{g[2]:.3f}"
        for t, a, g in zip(b.t_s, b.acc_mps2, b.gyro_dps, strict=True)
    ]


def clean_csv(tmp: Path) -> Path:
    out = tmp / "clean.csv"
    out.write_text("t_s,ax,ay,az,gx,gy,gz\n" + "\n".join(_csv_rows(sim_batch())) + "\n")
    return out


def csv_last_time_huge(tmp: Path) -> Path:
    rows = _csv_rows(sim_batch())
    rows[-1] = "1e300," + rows[-1].split(",", 1)[1]
    out = tmp / "t1e300.csv"
    out.write_text("t_s,ax,ay,az,gx,gy,gz\n" + "\n".join(rows) + "\n")
    return out


def csv_clock_jump(tmp: Path) -> Path:
    b = sim_batch()
    t = b.t_s.copy()
    t[len(t) // 2 :] += 1.7e9
    b = SampleBatch(t, b.acc_mps2, b.gyro_dps)
    out = tmp / "csv_jump.csv"
    out.write_text("t_s,ax,ay,az,gx,gy,gz\n" + "\n".join(_csv_rows(b)) + "\n")
    return out


def csv_duplicate_column(tmp: Path) -> Path:
    rows = [r + ",0.0" for r in _csv_rows(sim_batch(10.0))]
    out = tmp / "dup_col.csv"
    out.write_text("t_s,ax,ay,az,gx,gy,gz,ax\n" + "\n".join(rows) + "\n")
    return out


# name -> (generator, what `analyze` must keep: "all" of the clean steps, "half" or None = an error)
CASES: dict[str, tuple[Callable[[Path], Path], str | None]] = {
    "zip_bomb": (zip_bomb, "all"),
    "honest_giant_block": (honest_giant_block, "all"),
    "meta_device_string": (meta_device_string, "all"),
    "meta_device_list": (meta_device_list, "all"),
    "meta_extra_string": (meta_extra_string, "all"),
    "meta_rate_string": (meta_rate_string, "all"),
    "meta_runner_dict": (meta_runner_dict, "all"),
    "meta_huge_ints": (meta_huge_ints, "all"),
    "meta_nan_deep": (meta_nan_deep, "all"),
    "meta_control_chars": (meta_control_chars, "all"),
    "nan_first_time": (nan_first_time, "all"),
    "inf_times_inside": (inf_times_inside, "all"),
    "clock_jump": (clock_jump, "all"),
    "hopping_clock": (hopping_clock, "all"),
    "many_events": (many_events, "all"),
    "huge_metadata": (huge_metadata, "all"),
    "duplicated_blocks": (duplicated_blocks, "all"),
    "sync_flood": (sync_flood, "all"),
    "sync_flood_small_claims": (sync_flood_small_claims, "half"),
    "csv_last_time_huge": (csv_last_time_huge, "all"),
    "csv_clock_jump": (csv_clock_jump, "all"),
    "csv_duplicate_column": (csv_duplicate_column, None),
}


__all__ = ["CASES", "MAGIC", "blocks_of_bytes", "forged_samples", "samples_in"]

if __name__ == "__main__":  # write every case to a folder (for measurements by hand)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, (gen, _) in CASES.items():
        print(name, gen(out))
    print("tiny", tiny_blocks(out))
    print("clean", clean_recording(out / "clean.smrec"), clean_csv(out))
