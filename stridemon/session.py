"""Connect a source to the pipeline and to sinks: the offline loop (analyze, the library, export).

The live entry points (the dashboard, ``record``, ``live --no-window``, ``replay``) use
:class:`stridemon.live_session.LiveSession`, which adds the alerts, the recorder and the controls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from stridemon.pipeline import Pipeline, PipelineOutput
from stridemon.sources.base import Source

Sink = Callable[[PipelineOutput], None]


async def run_pipeline(source: Source, pipeline: Pipeline, sinks: Iterable[Sink] = ()) -> Pipeline:
    """Feed every batch of ``source`` through ``pipeline``; hand each output to every sink."""
    sinks = list(sinks)
    async for batch in source.stream():
        out = pipeline.feed(batch)
        for sink in sinks:
            sink(out)
    out = pipeline.finish()
    for sink in sinks:
        sink(out)
    return pipeline
