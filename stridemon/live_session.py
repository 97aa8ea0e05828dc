"""One live session: source → pipeline → alerts → recorder, the same for every entry point.

    session = LiveSession(load_runner("ana"), recorder=Recorder(path, info))
    await session.run(source)            # or session.feed(batch) / enqueue + process_queued
    session.finish()

The dashboard (which only draws), ``stridemon record``, ``live --no-window`` and ``replay`` all
drive this object; nothing here needs Qt. It holds:

* the :class:`~stridemon.pipeline.Pipeline` (keeping only the last ``keep_last_events`` events:
  memory stays flat however long the session runs) and the
  :class:`~stridemon.sinks.alerts.AlertEngine`, rebuilt when a source starts or a replay seeks back;
* the recorder, if any: every batch, event, alert and lap marker from the moment it is set;
* the per-frame queue (:meth:`enqueue` / :meth:`process_queued`): a sensor's many small batches
  are joined into one pipeline call, split where a source flags a gap or time goes back;
* the controls of the source (pause, seek, speed) and lap markers;
* the runner's settings: a change reaches the alerts and the pipeline at once (the torso
  half-width gives ``Stride.rotation_cm`` from the next stride on).

Listeners (``listeners``: ``fn(output, alerts)``) see every pipeline output after the session has
handled it, ``batch_listeners`` (``fn(batch, arrivals_s)``) every batch before the pipeline, and
``on_reset`` callables are told when the session starts afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from stridemon.dsp.cadence import step_time_asymmetry_pct
from stridemon.dsp.rotation import arc_cm
from stridemon.events import Alert, Event, Gap, Marker, Step, Stride
from stridemon.pipeline import Pipeline, PipelineOutput, PipelineSettings
from stridemon.samples import SampleBatch
from stridemon.settings import RunnerSettings
from stridemon.sinks.alerts import AlertEngine, AlertSettings, cadence_message, rotation_message

log = logging.getLogger(__name__)

Listener = Callable[[PipelineOutput, list[Alert]], Any]


class LiveSession:
    """Source → pipeline → alerts → recorder, with pause, seek, laps and bounded memory."""

    def __init__(
        self,
        settings: RunnerSettings | None = None,
        *,
        recorder: Any = None,
        feed_as_recorded: bool = False,
        keep_last_events: int | None = 1000,
        max_queue_s: float = 0.25,
        recent_steps: int = 41,
        rotation_readout_strides: int = 4,
        on_record_error: Callable[[Exception], Any] | None = None,
    ) -> None:
        """``recorder``: ``write_batch(batch)``, ``write_events(events)``, ``close()``.
        ``feed_as_recorded``: the pipeline sees the batches as the recorder stored them
        (``write_batch`` returns them), so the file replays to exactly the live events.
        ``on_record_error(e)``: a failing recorder is closed and dropped and this is told;
        without it the error is raised (``stridemon record`` stops on a full disk)."""
        self.settings = settings or RunnerSettings()
        self.recorder = recorder
        self.feed_as_recorded = feed_as_recorded
        self.keep_last_events = keep_last_events
        self.max_queue_s = max_queue_s
        self.on_record_error = on_record_error
        self._recent_steps_n = recent_steps
        self._rotation_readout_strides = rotation_readout_strides
        self.listeners: list[Listener] = []
        self.batch_listeners: list[Callable[[SampleBatch, list[float] | None], Any]] = []
        self.on_reset: list[Callable[[], Any]] = []
        self.source: Any = None
        self.paused = False
        self._lap = 0
        self.reset()

    # -- state ----------------------------------------------------------------------------
    def reset(self) -> None:
        """Start afresh: new pipeline and alert engine, empty state (new source or seek back).
        The recorder, the settings and the source stay."""
        self._queue: list[SampleBatch] = []
        self._queue_arrivals: list[float] = []
        self.pipeline = Pipeline(self.pipeline_settings())
        self.engine = AlertEngine(AlertSettings.from_runner(self.settings))
        self.recent_steps: deque[Step] = deque(maxlen=self._recent_steps_n)
        self.recent_rot: deque[float] = deque(maxlen=self._rotation_readout_strides)
        self.markers: deque[Marker] = deque(maxlen=100)
        self.alerts: deque[Alert] = deque(maxlen=200)
        self.step_count = 0
        self.t0: float | None = None
        self.t_now = math.nan
        self.rate_window: deque[tuple[float, int]] = deque(maxlen=400)  # (device t, samples)
        self.last_batch_host = math.nan  # time.monotonic() of the newest batch
        for fn in self.on_reset:
            fn()

    def pipeline_settings(self) -> PipelineSettings:
        return PipelineSettings(
            torso_half_width_cm=self.settings.torso_half_width_cm, keep_last_events=self.keep_last_events
        )

    @property
    def session_s(self) -> float:
        """Session clock (s) on the device time of the samples."""
        return self.t_now - self.t0 if self.t0 is not None and math.isfinite(self.t_now) else 0.0

    @property
    def cadence_spm(self) -> float:
        """The displayed cadence (the pipeline's 10 s cadence; NaN when not running)."""
        return self.engine.cadence_spm

    @property
    def queued(self) -> int:
        """Batches waiting in the per-frame queue."""
        return len(self._queue)

    # -- settings -------------------------------------------------------------------------
    def apply_settings(self, settings: RunnerSettings | None = None) -> None:
        """New (or changed in place) runner settings: alerts and pipeline follow at once."""
        if settings is not None:
            self.settings = settings
        self.engine.set_settings(AlertSettings.from_runner(self.settings))
        self.pipeline.set_torso_half_width_cm(self.settings.torso_half_width_cm)

    # -- data in --------------------------------------------------------------------------
    def enqueue(self, batch: SampleBatch, arrival_s: float | None = None) -> None:
        """Queue a source's batch; :meth:`process_queued` runs the queue (once per frame).

        A BLE sensor delivers 25-200 small batches a second, but nothing is drawn between frames:
        one pipeline call per frame costs far less than one per notification, and adds no latency
        to what is on screen. A backlog longer than ``max_queue_s`` is processed at once.
        """
        self._queue.append(batch)
        self._queue_arrivals.append(time.perf_counter() if arrival_s is None else arrival_s)
        if float(batch.t_s[-1]) - float(self._queue[0].t_s[0]) >= self.max_queue_s:
            self.process_queued()

    def process_queued(self) -> None:
        """Run the queued batches through the pipeline: joined, but split where a source flagged a
        gap or time went back (a replay seek)."""
        queue, arrivals = self._queue, self._queue_arrivals
        if not queue:
            return
        self._queue, self._queue_arrivals = [], []
        runs: list[tuple[list[SampleBatch], list[float]]] = []
        for b, a in zip(queue, arrivals, strict=True):
            if not runs or b.gap_before or b.t_s[0] <= runs[-1][0][-1].t_s[-1]:
                runs.append(([], []))
            runs[-1][0].append(b)
            runs[-1][1].append(a)
        for batches, times in runs:
            self.feed(SampleBatch.concat(batches) if len(batches) > 1 else batches[0], times)

    def feed(self, batch: SampleBatch, arrivals_s: list[float] | None = None) -> PipelineOutput:
        """Process one batch now: record it, run the pipeline and the alerts, tell the listeners.
        (``arrivals_s``: when its parts arrived, for the listeners' latency figures.)"""
        if len(batch) == 0:
            return PipelineOutput()
        if math.isfinite(self.t_now) and batch.t_s[0] < self.t_now - 0.5:  # replay went back: start afresh
            self.reset()
        if self.t0 is None:
            self.t0 = float(batch.t_s[0])
        self.t_now = float(batch.t_s[-1])
        self.rate_window.append((self.t_now, len(batch)))
        self.last_batch_host = time.monotonic()
        for fn in self.batch_listeners:
            fn(batch, arrivals_s)
        if self.recorder is not None and self.feed_as_recorded:
            stored = self._record(lambda r: r.write_batch(batch)) or []
            out = PipelineOutput()
            for b in stored:
                part = self.pipeline.feed(b)
                self.handle(part)
                out = part
            return out
        if self.recorder is not None:
            self._record(lambda r: r.write_batch(batch))
        out = self.pipeline.feed(batch)
        self.handle(out)
        return out

    def handle(self, out: PipelineOutput) -> list[Alert]:
        """Alerts, state, recorder and listeners for one pipeline output; returns its alerts."""
        alerts = self.engine.update(out, self.pipeline.metrics)
        for e in out.events:
            if isinstance(e, Step):
                self.step_count += 1
                self.recent_steps.append(e)
            elif isinstance(e, Stride):
                if math.isfinite(e.rotation_deg):
                    self.recent_rot.append(e.rotation_deg)
            elif isinstance(e, Gap):
                self.recent_steps.clear()
        self.alerts.extend(alerts)
        if self.recorder is not None and (out.events or alerts):
            events: list[Event] = [*out.events, *alerts]
            self._record(lambda r: r.write_events(events))
        for fn in self.listeners:
            fn(out, alerts)
        return alerts

    def finish(self) -> PipelineOutput:
        """End of the source: the queue, then what the pipeline held back (and, when the pipeline
        sees what the file holds, the recorder's last samples first)."""
        self.process_queued()
        if self.recorder is not None and self.feed_as_recorded:
            for b in self._record(lambda r: r.close_samples()) or []:
                self.handle(self.pipeline.feed(b))
        out = self.pipeline.finish()
        self.handle(out)
        return out

    async def run(
        self,
        source: Any,
        stop_after_s: float | None = None,
        *,
        queued: bool = False,
        on_batch: Callable[[SampleBatch], Any] | None = None,
        report_errors: bool = False,
        finish: bool = True,
    ) -> str:
        """Feed ``source`` until it ends, fails, ``stop_after_s`` session seconds have passed or
        ``on_batch(batch)`` returns true; return why ("ended", "stopped", "disconnected: …").

        ``queued``: batches go through the per-frame queue (the window processes it per frame).
        ``report_errors``: a failing source ends the run with "disconnected: …" instead of raising.
        """
        self.source = source
        self.reset()
        reason = "ended"
        stream = source.stream()
        t_first = math.nan
        dying = False
        try:
            async for batch in stream:
                if not len(batch):
                    continue
                if queued:
                    self.enqueue(batch)
                else:
                    self.feed(batch)
                if math.isnan(t_first):
                    t_first = float(batch.t_s[0])
                if stop_after_s is not None and float(batch.t_s[-1]) - t_first >= stop_after_s:
                    reason = "stopped"
                    break
                if on_batch is not None and on_batch(batch):
                    reason = "stopped"
                    break
        except asyncio.CancelledError:
            reason = "stopped"
            raise
        except Exception as e:  # a sensor gone, a broken file
            if not report_errors:
                raise
            reason = f"disconnected: {e}" if str(e) else f"disconnected: {type(e).__name__}"
            log.warning("source stopped: %s", reason)
        except GeneratorExit:  # never resumed: the event loop went away first; nothing may await
            dying = True
            raise
        finally:
            if not dying and hasattr(stream, "aclose"):
                with contextlib.suppress(Exception):
                    await stream.aclose()  # a BLE source disconnects here
            if finish and not dying:
                self.finish()
        return reason

    # -- recorder -------------------------------------------------------------------------
    def _record(self, fn: Callable[[Any], Any]) -> Any:
        try:
            return fn(self.recorder)
        except Exception as e:
            if self.on_record_error is None:
                raise
            log.warning("recording stopped: %s", e)
            with contextlib.suppress(Exception):
                self.recorder.close()
            self.recorder = None
            self.on_record_error(e)
            return None

    def start_recording(self, recorder: Any) -> None:
        """Record from now on (batches, events, alerts and markers)."""
        self.stop_recording()
        self.recorder = recorder

    def stop_recording(self, summary: dict | None = None) -> None:
        """Close the recorder (if any)."""
        rec, self.recorder = self.recorder, None
        if rec is not None:
            with contextlib.suppress(Exception):
                rec.close(summary) if summary is not None else rec.close()

    # -- controls -------------------------------------------------------------------------
    def add_marker(self) -> Marker | None:
        """A lap marker at the newest sample time (recorded)."""
        if not math.isfinite(self.t_now):
            return None
        self._lap += 1
        m = Marker(self.t_now, f"lap {self._lap}")
        self.markers.append(m)
        if self.recorder is not None:
            self._record(lambda r: r.write_events([m]))
        return m

    def set_paused(self, paused: bool) -> None:
        """Pause the source if it can (replay); a live sensor keeps streaming."""
        self.paused = paused
        fn = getattr(self.source, "pause" if paused else "resume", None)
        if callable(fn):
            fn()

    def toggle_pause(self) -> bool:
        self.set_paused(not self.paused)
        return self.paused

    def seek(self, delta_s: float) -> None:
        """Jump in a replay (sources with ``seek``); going back starts the session afresh there."""
        fn = getattr(self.source, "seek", None)
        if callable(fn) and math.isfinite(self.t_now):
            fn(max(self.t_now + delta_s, 0.0))

    def change_speed(self, factor: float) -> None:
        """Replay slower or faster (sources with ``set_speed``), between 0.25× and 64×."""
        fn = getattr(self.source, "set_speed", None)
        if callable(fn):
            speed = float(getattr(self.source, "speed", None) or 1.0) * factor
            fn(min(max(speed, 0.25), 64.0))

    # -- readouts -------------------------------------------------------------------------
    def left_pct(self) -> float:
        """Share of step time (%) of steps ending on the left foot, over the recent steps: the
        same step-time asymmetry as ``analyze`` (medians), as a balance (50 = even)."""
        asym = step_time_asymmetry_pct(self.recent_steps)
        return 50.0 + asym / 4.0 if math.isfinite(asym) else math.nan

    def cadence_state(self) -> str:
        """"alert", "warning" (below the line, not yet alerting), "ok" or "idle" (no cadence)."""
        if "cadence" in self.engine.active:
            return "alert"
        c = self.engine.cadence_spm
        if not math.isfinite(c):
            return "idle"
        return "warning" if c < self.engine.settings.cadence_limit_spm else "ok"

    def rotation_state(self) -> str:
        """"alert", "warning" (the last stride over budget), "ok" or "idle" (no stride yet)."""
        if "rotation" in self.engine.active:
            return "alert"
        if not self.recent_rot:
            return "idle"
        return "warning" if self.recent_rot[-1] > self.settings.rotation_budget_deg else "ok"

    def alert_text(self, a: Alert) -> str:
        """An active alert with today's numbers (the recorded message keeps those of its start)."""
        if a.kind == "cadence" and math.isfinite(self.engine.cadence_spm):
            return cadence_message(self.engine.cadence_spm, self.engine.settings.target_cadence_spm)
        if a.kind == "rotation" and self.recent_rot:
            rot = float(np.median(self.recent_rot))
            return rotation_message(rot, arc_cm(rot, self.settings.torso_half_width_cm))
        return a.message
