"""The one async interface shared by the simulator, file replay and BLE sensors.

A source is an object with ``info`` (:class:`SourceInfo`) and an async generator
``stream()`` yielding :class:`SampleBatch` in time order. Live and offline analysis consume it
the same way, so the pipeline cannot tell a replay from a sensor.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Protocol, runtime_checkable

from stridemon.samples import SampleBatch, SourceInfo


@runtime_checkable
class Source(Protocol):
    """Anything that streams sample batches."""

    info: SourceInfo

    def stream(self) -> AsyncIterator[SampleBatch]:
        """Yield batches until the source ends (file end, ``--seconds`` reached, sensor gone)."""
        ...


def batches_of(batch: SampleBatch, duration_s: float = 1.0) -> Iterator[SampleBatch]:
    """Split one long batch into consecutive batches of about ``duration_s`` each."""
    n = len(batch)
    if n == 0:
        return
    t0 = batch.t_s[0]
    # Batch boundaries at multiples of duration_s on the device clock.
    idx = ((batch.t_s - t0) // duration_s).astype(int)
    cuts = list(1 + (idx[1:] != idx[:-1]).nonzero()[0])
    start = 0
    for stop in [*cuts, n]:
        yield batch.slice(start, stop)
        start = stop


async def paced(batches: Iterable[SampleBatch], speed: float | None) -> AsyncIterator[SampleBatch]:
    """Yield batches at ``speed`` × real time (device clock); ``None`` means as fast as possible.

    Pacing sleeps on the host's monotonic clock until the batch's last sample is "due", so a
    replay at 1× looks to the pipeline and the dashboard exactly like a live sensor.
    """
    start_host = time.monotonic()
    start_dev: float | None = None
    for b in batches:
        if speed is not None and len(b):
            if start_dev is None:
                start_dev = float(b.t_s[0])
            due = start_host + (float(b.t_s[-1]) - start_dev) / speed
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        else:
            await asyncio.sleep(0)  # let the event loop breathe
        yield b
