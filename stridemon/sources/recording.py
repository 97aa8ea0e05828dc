"""Read a session file (``.smrec``), whatever happened to it, and replay it as a source.

Reading never crashes on a damaged file: intact blocks are kept, damage is counted
(:class:`~stridemon.recording_format.Damage`), and a file without its END block — the recorder
was killed or lost power — opens with a warning and everything written before that.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from stridemon import limits
from stridemon.errors import InputError
from stridemon.events import Event, event_from_dict
from stridemon.recording_format import (
    BLOCK_NAMES,
    END,
    EVENTS,
    FILE_HEADER,
    MAGIC,
    META,
    SAMPLES,
    VERSION,
    Damage,
    LimitExceeded,
    decode_one,
    decode_samples,
    iter_blocks,
)
from stridemon.samples import SampleBatch, SourceInfo
from stridemon.textsafe import clean_text

log = logging.getLogger(__name__)

# Consecutive SAMPLES blocks are joined into batches of up to this span (device time), so a file
# of tiny blocks (one sample each) reaches the pipeline in ~1 s batches, at the per-sample cost
# of a normal file; normal 1 s blocks are left as they are.
COALESCE_S = 1.0


@dataclass
class Recording:
    """Everything readable in a session file."""

    path: Path
    version: int
    metadata: dict[str, Any]
    batches: list[SampleBatch]
    events: list[Event]
    damage: Damage
    end: dict[str, Any] | None  # None: not closed cleanly (crash, power loss, still recording)
    skipped_events: int = 0
    unknown_blocks: int = 0
    notes: list[str] = field(default_factory=list)
    over_limit_blocks: int = 0  # blocks past a limit of stridemon/limits.py (also in damage.bad_blocks)
    skipped_samples: int = 0  # samples with a non-finite, absurd or backwards time stamp
    clock_jumps: list[tuple[float, float]] = field(default_factory=list)  # (t_s after the fix, jump s)
    metadata_problems: list[str] = field(default_factory=list)  # fields ignored (wrong type, range)

    @property
    def closed_cleanly(self) -> bool:
        return self.end is not None

    @property
    def n_samples(self) -> int:
        return sum(len(b) for b in self.batches)

    @property
    def first_t_s(self) -> float | None:
        return float(self.batches[0].t_s[0]) if self.batches else None

    @property
    def last_t_s(self) -> float | None:
        return float(self.batches[-1].t_s[-1]) if self.batches else None

    @property
    def duration_s(self) -> float:
        """Last minus first sample time (s); clock jumps count as CLOCK_JUMP_GAP_S, not their size."""
        return (self.last_t_s - self.first_t_s) if self.batches else 0.0

    def samples(self) -> SampleBatch:
        """All samples in one batch (gap flags of inner batches are not kept: use ``batches``)."""
        return SampleBatch.concat(self.batches)

    def source_info(self) -> SourceInfo:
        d = self.metadata.get("device")
        d = d if isinstance(d, dict) else {}
        try:
            info = SourceInfo(**{k: v for k, v in d.items() if k in SourceInfo.__dataclass_fields__})
        except TypeError:
            info = SourceInfo(name=self.path.name, family="recording")
        own = info.extra if isinstance(info.extra, dict) else {}
        extra = {**own, "metadata": self.metadata, "recording": str(self.path)}
        name = info.name if isinstance(info.name, str) and info.name else self.path.name
        family = info.family if isinstance(info.family, str) and info.family else "recording"
        return dataclasses.replace(info, name=name, family=family, extra=extra)


def is_recording(path: str | Path) -> bool:
    """True if the file starts with the recording magic bytes."""
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


# -- metadata schema -----------------------------------------------------------------------------

_TEXT_FIELDS = ("format", "stridemon_version", "start_utc", "start_local", "runner", "notes", "mounting")
# field: (low, high) of a plausible value (exclusive low, inclusive high)
_NUMBER_FIELDS = {"target_cadence_spm": (0.0, 400.0), "rotation_budget_deg": (0.0, 360.0)}
_DEVICE_TEXT = ("name", "family", "address", "firmware")
_DEVICE_NUMBERS = {
    "nominal_rate_hz": (0.0, 100_000.0),
    "acc_range_mps2": (0.0, 1.0e6),
    "gyro_range_dps": (0.0, 1.0e7),
}


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _kind(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(type(v), type(v).__name__)


def validate_metadata(obj: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """The META object with every field of the wrong type or out of range removed (one line in
    ``problems`` each); unknown fields are kept, made safe (:func:`stridemon.limits.sanitize`)."""
    found: list[str] = []
    meta = limits.sanitize(obj, found)
    problems += [f"metadata {p}" for p in found]
    for k in _TEXT_FIELDS:
        if k in meta and meta[k] is not None and not isinstance(meta[k], str):
            problems.append(f"metadata '{k}': expected text, got {_kind(meta.pop(k))} (ignored)")
    for k, (lo, hi) in _NUMBER_FIELDS.items():
        v = meta.get(k)
        if v is not None and not (_is_number(v) and lo < v <= hi):
            meta.pop(k)
            problems.append(f"metadata '{k}': expected a number in ({lo:g}, {hi:g}], got {_short(v)} (ignored)")
    if "tags" in meta and meta["tags"] is not None:
        tags = meta["tags"]
        if not isinstance(tags, list):
            meta.pop("tags")
            problems.append(f"metadata 'tags': expected a list of text, got {_kind(tags)} (ignored)")
        elif not all(isinstance(t, str) for t in tags):
            meta["tags"] = [t for t in tags if isinstance(t, str)]
            problems.append("metadata 'tags': entries that are not text ignored")
    dev = meta.get("device")
    if dev is not None and not isinstance(dev, dict):
        meta.pop("device")
        problems.append(f"metadata 'device': expected an object, got {_kind(dev)} (ignored)")
    elif isinstance(dev, dict):
        for k in _DEVICE_TEXT:
            if dev.get(k) is not None and not isinstance(dev[k], str):
                problems.append(f"metadata 'device.{k}': expected text, got {_kind(dev.pop(k))} (ignored)")
        for k, (lo, hi) in _DEVICE_NUMBERS.items():
            v = dev.get(k)
            if v is not None and not (_is_number(v) and lo < v <= hi):
                dev.pop(k)
                problems.append(
                    f"metadata 'device.{k}': expected a number in ({lo:g}, {hi:g}], got {_short(v)} (ignored)"
                )
        if dev.get("extra") is not None and not isinstance(dev["extra"], dict):
            problems.append(f"metadata 'device.extra': expected an object, got {_kind(dev.pop('extra'))} (ignored)")
    return meta


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


# -- events --------------------------------------------------------------------------------------

_SIDES = ("left", "right", None)


def _valid_event(d: Any) -> Event | None:
    """An event from its dict, or None if any field has the wrong type or a time is not finite."""
    e = event_from_dict(d)
    if e is None:
        return None
    for f in dataclasses.fields(e):
        v = getattr(e, f.name)
        if f.type == "float":
            if isinstance(v, bool) or not isinstance(v, int | float):
                return None
            if f.name in ("t_s", "end_s") and not (math.isfinite(v) and abs(v) <= limits.MAX_ABS_TIME_S):
                return None
        elif f.type == "Side":
            if v not in _SIDES:
                return None
        elif not isinstance(v, str):
            return None
    return e


# -- samples -------------------------------------------------------------------------------------


class _SampleAssembler:
    """Joins decoded blocks into batches of up to COALESCE_S, and cleans their time stamps:

    - non-finite or absurd (> MAX_ABS_TIME_S) time stamps: those samples are skipped, counted;
    - a jump of more than MAX_CLOCK_JUMP_S either way (a clock reset or a switch to UNIX time):
      a gap; the later samples are moved to CLOCK_JUMP_GAP_S after the earlier ones, reported;
    - samples not after the last one kept (a duplicated or out-of-order block): skipped, counted.
    """

    def __init__(self, rec: Recording) -> None:
        self.rec = rec
        self.pending: list[SampleBatch] = []
        self.rows: list[tuple] = []  # one-sample blocks not yet made into a batch
        self.pending_t0 = math.nan
        self.pending_last = math.nan
        self.pending_host: bool | None = None
        self.pending_gap = False
        self.last_t: float | None = None  # the last sample kept, after clock-jump shifts
        self.anchor: tuple[float, float] | None = None  # (raw time, its time after the last clock jump)
        self.total = 0

    def add(self, b: SampleBatch) -> None:
        if not len(b):
            return
        self._start(b.gap_before, b.host_t_s is not None, float(b.t_s[0]), float(b.t_s[-1]))
        self._rows_to_batch()
        self.pending.append(b)

    def add_row(self, row: tuple) -> None:
        """One sample as :func:`~stridemon.recording_format.decode_one` gives it (tiny blocks)."""
        self._start(row[8], row[7] is not None, row[0], row[0])
        self.rows.append(row)

    def _start(self, gap: bool, host: bool, t_first: float, t_last: float) -> None:
        # Join only what plainly continues the pending samples (in order, within COALESCE_S of
        # their start; NaN fails every test): anything odd is cleaned in a batch of its own.
        if (self.pending or self.rows) and (
            gap
            or host != self.pending_host
            or not (self.pending_last < t_first and t_last - self.pending_t0 <= COALESCE_S)
        ):
            self.flush()
        if not (self.pending or self.rows):
            self.pending_t0 = t_first
            self.pending_host = host
            self.pending_gap = gap
        self.pending_last = t_last

    def _rows_to_batch(self) -> None:
        if not self.rows:
            return
        a = np.array([r[:7] for r in self.rows], dtype=np.float64)
        host = np.array([r[7] for r in self.rows], dtype=np.float64) if self.pending_host else None
        gap = self.rows[0][8] and not self.pending
        self.pending.append(SampleBatch(a[:, 0], a[:, 1:4], a[:, 4:7], host, gap))
        self.rows = []

    def flush(self) -> None:
        self._rows_to_batch()
        if not self.pending:
            return
        gap = self.pending_gap
        b = self.pending[0] if len(self.pending) == 1 else SampleBatch.concat(self.pending)
        self.pending = []
        t = b.t_s
        if self.anchor is None and self._plain(t):  # the common case, checked cheaply
            b.gap_before = gap
            self._emit(b)
            self.last_t = float(t[-1])
            return
        ok = np.isfinite(t) & (np.abs(t) <= limits.MAX_ABS_TIME_S)
        if not ok.all():
            self.rec.skipped_samples += int((~ok).sum())
            if not ok.any():
                return
            b = _take(b, ok)
            t = b.t_s
        if self.anchor is not None:  # after a clock jump: continue from where it was moved to
            raw0, new0 = self.anchor
            t = new0 + (t - raw0)
        starts = [0]
        jumps = limits.clock_jumps(t, self.last_t)
        if len(jumps):
            raw = b.t_s
            t = t.copy()
            for i in jumps:
                prev = self.last_t if i == 0 else float(t[i - 1])
                if prev is None:
                    continue
                new0 = prev + limits.CLOCK_JUMP_GAP_S
                self.rec.clock_jumps.append((new0, float(t[i]) - prev))
                t[i:] = new0 + (raw[i:] - raw[i])  # differences of raw times: exact, whatever the jump
                self.anchor = (float(raw[i]), new0)
                if i == 0:
                    gap = True  # the batch itself starts after the jump
                else:
                    starts.append(int(i))
        b = SampleBatch(t, b.acc_mps2, b.gyro_dps, b.host_t_s, gap)
        # Strictly increasing after the last sample kept (duplicated blocks, a clock going back).
        floor = -math.inf if self.last_t is None else self.last_t
        run_max = np.maximum.accumulate(np.concatenate([[floor], t]))[:-1]
        keep = t > run_max
        if not keep.all():
            dropped = int((~keep).sum())
            self.rec.skipped_samples += dropped
            if not keep.any():
                self.rec.damage.bad_blocks += 1  # all out of order (a duplicated block): untrusted
                return
        cut_at = sorted(set(starts) - {0})
        pieces = np.split(np.arange(len(t)), cut_at) if cut_at else [np.arange(len(t))]
        for j, idx in enumerate(pieces):
            m = keep[idx]
            if not m.any():
                continue
            sel = idx[m] if not m.all() else idx
            p = b if (len(pieces) == 1 and len(sel) == len(t)) else _take(b, sel)
            p.gap_before = gap if j == 0 else True
            self._emit(p)
        self.last_t = float(t[keep][-1])

    def _plain(self, t: np.ndarray) -> bool:
        """True if ``t`` needs no cleaning: finite, possible, increasing, no jump (NaN fails every test)."""
        lo, hi = float(t[0]), float(t[-1])
        if not (-limits.MAX_ABS_TIME_S <= lo and hi <= limits.MAX_ABS_TIME_S):
            return False
        if self.last_t is not None and not (0.0 < lo - self.last_t <= limits.MAX_CLOCK_JUMP_S):
            return False
        if len(t) == 1:
            return True
        with np.errstate(invalid="ignore"):
            dt = np.diff(t)
        return bool(0.0 < dt.min() and dt.max() <= limits.MAX_CLOCK_JUMP_S)

    def _emit(self, b: SampleBatch) -> None:
        room = limits.MAX_RECORDING_SAMPLES - self.total
        if room <= 0:
            self.rec.skipped_samples += len(b)
            return
        if len(b) > room:
            self.rec.skipped_samples += len(b) - room
            b = b.slice(0, room)
        self.total += len(b)
        self.rec.batches.append(b)


def _take(b: SampleBatch, sel: np.ndarray) -> SampleBatch:
    return SampleBatch(
        b.t_s[sel], b.acc_mps2[sel], b.gyro_dps[sel], None if b.host_t_s is None else b.host_t_s[sel], b.gap_before
    )


def read_recording(path: str | Path) -> Recording:
    """Read a session file; raises InputError only if it is not a (readable) recording at all.

    Whatever the file claims, memory and time follow its plausible content (stridemon/limits.py):
    blocks past a limit, samples with impossible time stamps and fields of the wrong type are
    skipped, counted and logged (one line each), and everything else is kept.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    if len(data) < FILE_HEADER.size or data[: len(MAGIC)] != MAGIC:
        raise InputError(f"{path}: not a stridemon recording (no recording header)")
    _, version, _, _ = FILE_HEADER.unpack_from(data)
    if version > VERSION:
        raise InputError(
            f"{path}: recording format v{version} is newer than this stridemon reads (v{VERSION}); "
            "upgrade stridemon to open it"
        )
    damage = Damage()
    rec = Recording(path, version, {}, [], [], damage, None)
    samples = _SampleAssembler(rec)
    over: list[str] = []
    for kind, _flags, payload in iter_blocks(data, FILE_HEADER.size, damage):
        try:
            if kind == SAMPLES:
                row = decode_one(payload)
                if row is None:
                    samples.add(decode_samples(payload))
                else:
                    samples.add_row(row)
            elif kind == META:
                obj = limits.loads_json(payload, limits.MAX_METADATA_BYTES)
                if isinstance(obj, dict):
                    rec.metadata.update(validate_metadata(obj, rec.metadata_problems))
                else:
                    rec.metadata_problems.append(f"metadata block: expected an object, got {_kind(obj)} (ignored)")
            elif kind == EVENTS:
                lst = limits.loads_json(payload, limits.MAX_EVENTS_BLOCK_BYTES)
                if not isinstance(lst, list):
                    raise ValueError("events block is not a list")
                if len(lst) > limits.MAX_EVENTS_PER_BLOCK:
                    raise LimitExceeded(f"events block of {len(lst)} events (limit {limits.MAX_EVENTS_PER_BLOCK})")
                room = limits.MAX_EVENTS_TOTAL - len(rec.events)
                for d in lst:
                    e = _valid_event(d) if room > 0 else None
                    if e is None:
                        rec.skipped_events += 1
                    else:
                        rec.events.append(e)
                        room -= 1
            elif kind == END:
                obj = limits.loads_json(payload, limits.MAX_END_BYTES)
                rec.end = limits.sanitize(obj, []) if isinstance(obj, dict) else {}
            else:
                rec.unknown_blocks += 1  # a newer writer's block type: skip it
        except LimitExceeded as e:
            rec.over_limit_blocks += 1
            damage.bad_blocks += 1
            over.append(f"{BLOCK_NAMES.get(kind, kind)} block past a limit: {e}")
        except (ValueError, TypeError, KeyError, RecursionError, MemoryError, zlib.error) as e:
            # CRC was right but the content is not (a writer bug or a deliberate forgery): skip it.
            damage.bad_blocks += 1
            if kind == META:
                rec.metadata_problems.append(f"metadata block unreadable ({str(e)[:80]}): ignored")
    samples.flush()
    _report(rec, over)
    return rec


def _report(rec: Recording, over: list[str]) -> None:
    """Notes on what was skipped, each logged once (as one line)."""
    damage = rec.damage
    if not rec.metadata:
        rec.notes.append("metadata block lost")
    rec.notes += rec.metadata_problems
    if rec.end is None:
        rec.notes.append("not closed cleanly (crash, power loss or still recording): kept everything written")
    for text in dict.fromkeys(over):  # each limit once
        rec.notes.append(f"skipped: {text}")
    if rec.skipped_samples:
        rec.notes.append(
            f"skipped {rec.skipped_samples} sample(s) with a missing, impossible or out-of-order time stamp"
        )
    for t, jump in rec.clock_jumps:
        rec.notes.append(
            f"the device clock jumped by {jump:+.6g} s: treated as a gap of {limits.CLOCK_JUMP_GAP_S:g} s, "
            f"later times moved to continue at t = {t:.3f} s"
        )
    if damage.any:
        rec.notes.append(
            f"damage: {damage.bad_blocks} bad block(s), {damage.skipped_bytes} byte(s) skipped"
            + (", file cut short" if damage.truncated_tail else "")
            + (
                f"; gave up at byte {damage.gave_up_at} (a flood of forged block headers)"
                if damage.gave_up_at is not None
                else ""
            )
        )
    for n in rec.notes:
        log.warning("%s: %s", clean_text(rec.path), clean_text(n, 300))


class RecordingSource:
    """A recording replayed through the same interface as a live sensor.

    ``speed`` is × real time on the device clock (None = as fast as possible). A dashboard can
    ``pause()``, ``resume()``, ``set_speed(x)`` and ``seek(t_s)``; after a seek the next batch
    carries ``gap_before`` so the pipeline restarts instead of bridging the jump.
    """

    def __init__(self, path: str | Path, speed: float | None = None, batch_s: float = 1.0) -> None:
        self.recording = read_recording(path)
        self.speed = speed
        self.batch_s = batch_s
        self.info = self.recording.source_info()
        self.metadata = self.recording.metadata
        if not self.recording.batches:
            raise InputError(f"{path}: the recording holds no samples")
        self._pieces = list(self._split())
        self._starts = np.array([float(b.t_s[0]) for b in self._pieces])
        self._paused = False
        self._seek_to: float | None = None
        self._anchor: tuple[float, float] | None = None  # (host monotonic, device t) of pacing

    @property
    def duration_s(self) -> float:
        return float(self._pieces[-1].t_s[-1] - self._pieces[0].t_s[0])

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        self._anchor = None

    def set_speed(self, speed: float | None) -> None:
        self.speed = speed
        self._anchor = None

    def seek(self, t_s: float) -> None:
        """Continue from device time ``t_s`` (s, the recording's clock)."""
        self._seek_to = float(t_s)

    def _split(self):
        """Batches of ~batch_s each (the first piece of a batch keeps its gap flag); cost follows
        the number of samples, never the span of time they cover."""
        for b in self.recording.batches:
            if float(b.t_s[-1] - b.t_s[0]) < self.batch_s:
                yield b
                continue
            idx = np.floor((b.t_s - b.t_s[0]) / self.batch_s).astype(np.int64)
            cuts = np.flatnonzero(idx[1:] != idx[:-1]) + 1
            start = 0
            for stop in [*cuts.tolist(), len(b)]:
                yield b.slice(start, stop)
                start = stop

    async def stream(self) -> AsyncIterator[SampleBatch]:
        i = 0
        while i < len(self._pieces):
            if self._seek_to is not None:
                i = min(int(np.searchsorted(self._starts, self._seek_to)), len(self._pieces) - 1)
                self._seek_to, self._anchor = None, None
                b = self._pieces[i]
                b = SampleBatch(b.t_s, b.acc_mps2, b.gyro_dps, b.host_t_s, gap_before=True)
            elif self._paused:
                await asyncio.sleep(0.05)
                continue
            else:
                b = self._pieces[i]
            if self.speed is None:
                await asyncio.sleep(0)
            else:
                if self._anchor is None:
                    self._anchor = (time.monotonic(), float(b.t_s[0]))
                host0, dev0 = self._anchor
                delay = host0 + (float(b.t_s[-1]) - dev0) / self.speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            yield b
            i += 1
