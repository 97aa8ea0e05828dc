"""Read a session file (``.smrec``), whatever happened to it, and replay it as a source.

Reading never crashes on a damaged file: intact blocks are kept, damage is counted
(:class:`~stridemon.recording_format.Damage`), and a file without its END block — the recorder
was killed or lost power — opens with a warning and everything written before that.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from stridemon.errors import InputError
from stridemon.events import Event, event_from_dict
from stridemon.recording_format import (
    END,
    EVENTS,
    FILE_HEADER,
    MAGIC,
    META,
    SAMPLES,
    VERSION,
    Damage,
    decode_samples,
    iter_blocks,
)
from stridemon.samples import SampleBatch, SourceInfo

log = logging.getLogger(__name__)


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

    def samples(self) -> SampleBatch:
        """All samples in one batch (gap flags of inner batches are not kept: use ``batches``)."""
        return SampleBatch.concat(self.batches)

    def source_info(self) -> SourceInfo:
        d = self.metadata.get("device") or {}
        try:
            info = SourceInfo(**{k: v for k, v in d.items() if k in SourceInfo.__dataclass_fields__})
        except TypeError:
            info = SourceInfo(name=self.path.name, family="recording")
        extra = {**(info.extra or {}), "metadata": self.metadata, "recording": str(self.path)}
        return dataclasses.replace(
            info, name=info.name or self.path.name, family=info.family or "recording", extra=extra
        )


def is_recording(path: str | Path) -> bool:
    """True if the file starts with the recording magic bytes."""
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def read_recording(path: str | Path) -> Recording:
    """Read a session file; raises InputError only if it is not a (readable) recording at all."""
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
    for kind, _flags, payload in iter_blocks(data, FILE_HEADER.size, damage):
        try:
            if kind == SAMPLES:
                b = decode_samples(payload)
                if len(b) and (not rec.batches or b.t_s[0] > rec.batches[-1].t_s[-1]):
                    rec.batches.append(b)
                elif len(b):
                    damage.bad_blocks += 1  # out of order: cannot be trusted
            elif kind == META:
                obj = json.loads(payload)
                if isinstance(obj, dict):
                    rec.metadata.update(obj)
            elif kind == EVENTS:
                for d in json.loads(payload):
                    e = event_from_dict(d)
                    if e is None:
                        rec.skipped_events += 1
                    else:
                        rec.events.append(e)
            elif kind == END:
                obj = json.loads(payload)
                rec.end = obj if isinstance(obj, dict) else {}
            else:
                rec.unknown_blocks += 1  # a newer writer's block type: skip it
        except (ValueError, TypeError, KeyError, RecursionError, MemoryError, zlib.error):
            # CRC was right but the content is not (a writer bug or a deliberate forgery): skip it.
            damage.bad_blocks += 1
    if not rec.metadata:
        rec.notes.append("metadata block lost")
    if rec.end is None:
        rec.notes.append("not closed cleanly (crash, power loss or still recording): kept everything written")
    if damage.any:
        rec.notes.append(
            f"damage: {damage.bad_blocks} bad block(s), {damage.skipped_bytes} byte(s) skipped"
            + (", file cut short" if damage.truncated_tail else "")
        )
    for n in rec.notes:
        log.warning("%s: %s", path, n)
    return rec


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
        for b in self.recording.batches:
            n = len(b)
            # Split long blocks into ~batch_s pieces (the first keeps the gap flag).
            pieces = int(np.ceil((b.t_s[-1] - b.t_s[0]) / self.batch_s)) + 1
            edges = np.searchsorted(b.t_s, b.t_s[0] + self.batch_s * np.arange(1, pieces))
            start = 0
            for stop in [*[int(e) for e in edges if 0 < e < n], n]:
                if stop > start:
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
