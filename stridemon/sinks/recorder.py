"""Write a session file (``.smrec``) as data arrives, safe against a crash or power loss.

Samples are buffered for at most ``flush_s`` (device time, or wall-clock time when data trickle)
and then written as one checksummed block together with the events of that second, and the
file is fsync'ed: a ``kill -9`` or a dead battery loses at most the last second. The file is
never rewritten, only appended to, so a crash cannot damage what is already on disk.
See docs/recording-format.md for the layout and why this format was chosen.

A full disk (or a file-size limit or quota: ENOSPC, EFBIG, EDQUOT) or any other write error stops
the recording cleanly: the half-written block is cut off, an END block is added if it still fits,
the file is closed, and :class:`~stridemon.errors.DiskFullError` (or ``OutputError``) says which
file holds how many seconds. Every later call is a no-op; ``failed`` holds the error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import os
import time
from pathlib import Path
from typing import Any

from stridemon import __version__
from stridemon.errors import DiskFullError, InputError, OutputError
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
            self._f = open(path, "wb", buffering=0)  # unbuffered: we know what reached the disk
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
        self._pending: list[SampleBatch] = []
        self._events: list[dict] = []
        self._last_flush = time.monotonic()
        self.samples_written = 0
        self.first_t_s: float | None = None
        self.last_t_s: float | None = None
        self.closed = False
        self.failed: OutputError | None = None
        self._good_size = 0  # bytes of whole blocks on disk
        self._kept_first_t: float | None = None  # device time span of the samples on disk
        self._kept_last_t: float | None = None
        try:
            self._write(file_header() + json_block(META, meta))
            self._sync()
        except OSError as e:
            self._f.close()
            with contextlib.suppress(OSError):
                path.unlink()
            raise OutputError(f"{path}: cannot start the recording: {_reason(e)}; nothing was recorded") from None
        self._good_size = self._f.tell()

    @property
    def kept_s(self) -> float:
        """Seconds of samples safely on disk (device time)."""
        if self._kept_first_t is None or self._kept_last_t is None:
            return 0.0
        return self._kept_last_t - self._kept_first_t

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
        if self.closed:
            return []
        out, data, span = self._encode_samples()
        if self._events:
            data += json_block(EVENTS, self._events)
            self._events = []
        try:
            if data:
                self._write(data)
            self._sync()
        except OSError as e:
            self._fail(e)
        self._good_size += len(data)
        if span is not None:
            self.samples_written += span[2]
            if self._kept_first_t is None:
                self._kept_first_t = span[0]
            self._kept_last_t = span[1]
        self._last_flush = time.monotonic()
        return out

    def _flush_samples(self) -> list[SampleBatch]:
        """Write the buffered samples as one block now (before a gap), with an fsync."""
        return self.flush()

    def _encode_samples(self) -> tuple[list[SampleBatch], bytes, tuple[float, float, int] | None]:
        if not self._pending:
            return [], b"", None
        merged = SampleBatch.concat(self._pending)
        payload = encode_samples(merged)
        self._pending = []
        span = (float(merged.t_s[0]), float(merged.t_s[-1]), len(merged))
        return [decode_samples(payload)], block(SAMPLES, payload), span

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = self._f.write(view)
            if not n:
                raise OSError(errno.EIO, "write made no progress")
            view = view[n:]

    def _sync(self) -> None:
        os.fsync(self._f.fileno())

    def _fail(self, e: OSError) -> None:
        """Stop after a write error: cut off the half-written block, add END if it fits, close."""
        self.closed = True
        self._pending, self._events = [], []
        with contextlib.suppress(OSError):
            self._f.seek(self._good_size)  # truncate does not move the write position
            self._f.truncate()
            end = {"end_utc": dt.datetime.now(dt.UTC).isoformat(), "samples": self.samples_written}
            end |= {"duration_s": self.kept_s, "stopped": f"write error: {_reason(e)}"}
            try:
                self._write(json_block(END, end))
                self._sync()
            except OSError:
                self._f.seek(self._good_size)
                self._f.truncate()
                with contextlib.suppress(OSError):
                    self._sync()
        with contextlib.suppress(OSError):
            self._f.close()
        kept = f"kept {self.kept_s:.1f} s in {self.path}"
        if e.errno in _FULL:
            self.failed = DiskFullError(f"{_reason(e)}: {kept} (free some space to record more)")
        else:
            self.failed = OutputError(f"cannot write {self.path} ({_reason(e)}): {kept}")
        raise self.failed

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
        try:
            self._write(json_block(END, end))
            self._sync()
        except OSError as e:
            self._fail(e)
        self._f.close()
        self.closed = True
        return out

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def _reason(e: OSError) -> str:
    if e.errno == errno.ENOSPC:
        return "disk full"
    if e.errno == errno.EFBIG:
        return "file size limit reached"
    if e.errno == errno.EDQUOT:
        return "disk quota exceeded"
    return e.strerror or str(e)
