"""Write a session file (``.smrec``) as data arrives, safe against a crash or power loss.

Samples are buffered for at most ``flush_s`` (device time, or wall-clock time when data trickle)
and then written as one checksummed block together with the events of that second, and the
file is fsync'ed: a ``kill -9`` or a dead battery loses at most the last second. The file is
never rewritten, only appended to, so a crash cannot damage what is already on disk.
See docs/recording-format.md for the layout and why this format was chosen.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

from stridemon import __version__
from stridemon.errors import InputError
from stridemon.events import Event, event_to_dict
from stridemon.recording_format import (
    END,
    EVENTS,
    META,
    SAMPLES,
    block,
    decode_samples,
    encode_samples,
    file_header,
    json_block,
)
from stridemon.samples import SampleBatch, SourceInfo

SUFFIX = ".smrec"


class Recorder:
    """Appends samples and events to a new session file; ``close()`` marks it complete."""

    def __init__(
        self,
        path: str | Path,
        info: SourceInfo | None = None,
        metadata: dict[str, Any] | None = None,
        flush_s: float = 1.0,
        overwrite: bool = False,
    ) -> None:
        path = Path(path)
        if path.suffix == "":
            path = path.with_suffix(SUFFIX)
        self.path = path
        self.flush_s = flush_s
        if path.exists() and not overwrite:
            raise InputError(f"{path}: already exists; choose another name (or --force to replace it)")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._f = open(path, "wb")
        except OSError as e:
            raise InputError(f"{path}: cannot create the recording ({e.strerror})") from None
        now = dt.datetime.now(dt.UTC)
        meta = {
            "format": "stridemon recording",
            "stridemon_version": __version__,
            "start_utc": now.isoformat(),
            "start_local": now.astimezone().isoformat(),
            "device": dataclasses.asdict(info) if info is not None else None,
            **(metadata or {}),
        }
        self._f.write(file_header())
        self._f.write(json_block(META, meta))
        self._sync()
        self._pending: list[SampleBatch] = []
        self._events: list[dict] = []
        self._last_flush = time.monotonic()
        self.samples_written = 0
        self.first_t_s: float | None = None
        self.last_t_s: float | None = None
        self.closed = False

    def write_batch(self, batch: SampleBatch) -> list[SampleBatch]:
        """Add samples; returns the batches written to disk by this call, exactly as a reader will
        see them (quantised) — feed those to a pipeline to make live and replay identical."""
        out: list[SampleBatch] = []
        if self.closed or len(batch) == 0:
            return out
        if batch.gap_before and self._pending:
            out += self._flush_samples()  # a gap starts a new block, so its flag survives
        self._pending.append(batch)
        if self.first_t_s is None:
            self.first_t_s = float(batch.t_s[0])
        self.last_t_s = float(batch.t_s[-1])
        span = float(batch.t_s[-1] - self._pending[0].t_s[0])
        if span >= self.flush_s or time.monotonic() - self._last_flush >= self.flush_s:
            out += self.flush()
        return out

    def write_events(self, events: list[Event]) -> None:
        """Add events (steps, strides, alerts, markers, gaps); written with the next flush."""
        if not self.closed:
            self._events += [event_to_dict(e) for e in events]
            if time.monotonic() - self._last_flush >= self.flush_s:
                self.flush()

    def flush(self) -> list[SampleBatch]:
        """Write what is buffered and fsync (called at least once a second while data arrive)."""
        out = self._flush_samples()
        if self._events:
            self._f.write(json_block(EVENTS, self._events))
            self._events = []
        self._sync()
        self._last_flush = time.monotonic()
        return out

    def _flush_samples(self) -> list[SampleBatch]:
        if not self._pending:
            return []
        merged = SampleBatch.concat(self._pending)
        payload = encode_samples(merged)
        self._f.write(block(SAMPLES, payload))
        self.samples_written += len(merged)
        self._pending = []
        return [decode_samples(payload)]

    def _sync(self) -> None:
        self._f.flush()
        os.fsync(self._f.fileno())

    def close_samples(self) -> list[SampleBatch]:
        """Write the buffered samples now (before the last events and ``close``)."""
        return [] if self.closed else self.flush()

    def close(self, summary: dict[str, Any] | None = None) -> list[SampleBatch]:
        """Flush, write the END block (a clean close) and close the file. Safe to call twice."""
        if self.closed:
            return []
        out = self.flush()
        end = {
            "end_utc": dt.datetime.now(dt.UTC).isoformat(),
            "samples": self.samples_written,
            "duration_s": (self.last_t_s - self.first_t_s) if self.first_t_s is not None else 0.0,
            **(summary or {}),
        }
        self._f.write(json_block(END, end))
        self._sync()
        self._f.close()
        self.closed = True
        return out

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
