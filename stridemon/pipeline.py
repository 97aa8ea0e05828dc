"""The one pipeline: sample batches in, events and metrics out — live, replay and analyze alike.

    pipe = Pipeline(PipelineSettings())
    for batch in batches:
        out = pipe.feed(batch)      # PipelineOutput: new events + the processed signal
    out = pipe.finish()             # end of stream: resolves what the fixed delay held back

Stages (dsp/): uniform grid and gap detection -> "up" (AHRS) -> vertical acceleration and yaw
rate -> loading-peak candidates -> step tracker (bouts, left/right) -> cadence; strides ->
rotation. Fed chunk by chunk it gives exactly the same steps and strides as fed the whole
file at once: every stage carries its state explicitly and decides only on data it has seen.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from stridemon.dsp import dynamics
from stridemon.dsp.cadence import CadenceSmoother
from stridemon.dsp.forward import ForwardEstimator, braking_window_s
from stridemon.dsp.orientation import AhrsSettings, UpEstimator, vertical_signals
from stridemon.dsp.resample import GridChunk, GridResampler
from stridemon.dsp.rotation import arc_cm, yaw_range_deg
from stridemon.dsp.steps import LoadingPeakDetector, StepTracker, TrackedStep
from stridemon.events import Event, Gap, Step, StepDynamics, Stride
from stridemon.samples import SampleBatch


@dataclass(frozen=True)
class PipelineSettings:
    """Every tuning value of the pipeline in one flat object (units in the names)."""

    internal_rate_hz: float = 100.0  # all DSP runs on this uniform grid of the device clock
    max_bridge_s: float = 0.1  # sample gaps up to this are interpolated; longer ones split the analysis
    max_dropout_s: float = 1.0  # across gaps up to this (lost packets) the gait tracker keeps its bout
    torso_half_width_cm: float = 15.0  # lever for rotation as arc length at the side of the torso
    cadence_window_s: float = 10.0  # smoothing window of the displayed cadence (and of the cadence alert)
    cadence_restart_after_s: float = 3.0  # no step this long (stopped): the displayed cadence starts afresh
    ahrs: AhrsSettings = field(default_factory=AhrsSettings)
    keep_last_events: int | None = None  # keep only the last N steps/strides/gaps (live windows); None = all


@dataclass
class PipelineOutput:
    """What one ``feed`` produced: new events and the newly processed signal on the internal grid."""

    events: list[Event] = field(default_factory=list)
    t_s: np.ndarray = field(default_factory=lambda: np.empty(0))  # device clock, s
    vertical_acc_mps2: np.ndarray = field(default_factory=lambda: np.empty(0))  # gravity removed, up +
    yaw_rate_dps: np.ndarray = field(default_factory=lambda: np.empty(0))  # about vertical, CCW from above +
    # The displayed (smoothed) cadence at each Step of ``events``, in order (spm; NaN when unknown):
    # the one number the dashboard shows and the cadence alert uses.
    step_cadence_spm: list[float] = field(default_factory=list)


@dataclass
class Metrics:
    """Running figures for a display (all NaN until there is data for them)."""

    t_s: float = math.nan  # device time of the newest processed sample
    steps: int = 0
    cadence_spm: float = math.nan  # smoothed over ``cadence_window_s``
    last_rotation_deg: float = math.nan
    last_rotation_cm: float = math.nan
    samples: int = 0
    gaps: int = 0


class _Buffer:
    """Grid samples of the current segment still needed by strides and step dynamics: time (s),
    yaw rate (deg/s), vertical acceleration (m/s², gravity removed), and in the sensor frame the
    horizontal acceleration (m/s²), up, and the angular rate (deg/s)."""

    NAMES = ("t", "w", "a_v", "a_h", "up", "gyro")

    def __init__(self) -> None:
        self.clear()

    def add(self, **arrays: np.ndarray) -> None:
        for name in self.NAMES:
            setattr(self, name, np.concatenate([getattr(self, name), arrays[name]]))

    def drop_before(self, t_s: float) -> None:
        i = int(np.searchsorted(self.t, t_s))
        if i > 4096:  # amortised: trim in big steps
            for name in self.NAMES:
                setattr(self, name, getattr(self, name)[i:])

    def clear(self) -> None:
        self.t, self.w, self.a_v = np.empty(0), np.empty(0), np.empty(0)
        self.a_h, self.up, self.gyro = np.empty((0, 3)), np.empty((0, 3)), np.empty((0, 3))

    def span(self, t0: float, t1: float) -> slice:
        """Indices of the samples with t0 <= t <= t1 (times are sorted)."""
        return slice(int(self.t.searchsorted(t0, "left")), int(self.t.searchsorted(t1, "right")))

    def mean(self, arr: np.ndarray, t0: float, t1: float) -> np.ndarray:
        sl = self.span(t0, t1)
        n = sl.stop - sl.start
        # The sum and division arr[sl].mean(axis=0) does, without its per-call overhead.
        return np.add.reduce(arr[sl], axis=0) / n if n > 0 else np.full(arr.shape[1:], np.nan)


class Pipeline:
    """Turns sample batches into steps, strides, gaps and running metrics."""

    def __init__(self, settings: PipelineSettings | None = None) -> None:
        self.settings = s = settings or PipelineSettings()
        self._grid = GridResampler(s.internal_rate_hz, s.max_bridge_s)
        self._up = UpEstimator(s.internal_rate_hz, s.ahrs)
        self._detector = LoadingPeakDetector(s.internal_rate_hz)
        self._tracker = StepTracker()
        self._cadence = CadenceSmoother(s.cadence_window_s, s.cadence_restart_after_s)
        self._buffer = _Buffer()
        self._out = PipelineOutput()  # the output being built (feed / finish)
        self._bout_steps: list[TrackedStep] = []  # recent steps of the current bout
        # start IC, mid IC, end IC (s), side, running (the stride's first contact followed a flight)
        self._pending_strides: list[tuple[float, float, float, str | None, bool]] = []
        self._pending_dynamics: list[tuple[float, float, str | None]] = []  # IC, next IC (s), side
        self.forward = ForwardEstimator()
        self._segment_started = False
        self._segment_t0_s = -math.inf  # first grid time of the current segment
        # Every event of the session (analyze, replay), or the last N (an all-day live window).
        keep = s.keep_last_events
        self.steps: list[Step] | deque[Step] = deque(maxlen=keep) if keep else []
        self.strides: list[Stride] | deque[Stride] = deque(maxlen=keep) if keep else []
        self.gaps: list[Gap] | deque[Gap] = deque(maxlen=keep) if keep else []
        self.dynamics: list[StepDynamics] | deque[StepDynamics] = deque(maxlen=keep) if keep else []
        self.metrics = Metrics()
        self.samples_in = 0
        self.first_t_s: float | None = None
        self.last_t_s: float | None = None

    # -- public -------------------------------------------------------------------------
    def feed(self, batch: SampleBatch) -> PipelineOutput:
        """Process a batch; return the events it completed and the processed signal."""
        out = PipelineOutput()
        n = len(batch)
        if n == 0:
            return out
        if self.first_t_s is None:
            self.first_t_s = float(batch.t_s[0])
        self.last_t_s = float(batch.t_s[-1])
        self.samples_in += n
        self.metrics.samples = self.samples_in
        x = np.hstack([batch.acc_mps2, batch.gyro_dps])
        ts, avs, wvs = [], [], []
        self._out = out
        for chunk in self._grid.feed(batch.t_s, x, batch.gap_before):
            t, a_v, w_v = self._process(chunk, out.events)
            ts.append(t)
            avs.append(a_v)
            wvs.append(w_v)
        if ts:
            out.t_s, out.vertical_acc_mps2, out.yaw_rate_dps = map(np.concatenate, (ts, avs, wvs))
            self.metrics.t_s = float(out.t_s[-1])
        return out

    def finish(self) -> PipelineOutput:
        """End of stream: settle the last bout and strides."""
        out = self._out = PipelineOutput()
        self._end_segment(out.events)
        return out

    def set_torso_half_width_cm(self, cm: float) -> None:
        """A new torso half-width (settings changed while running): strides settled from now on
        give their ``rotation_cm`` with it."""
        self.settings = replace(self.settings, torso_half_width_cm=cm)

    # -- stages -------------------------------------------------------------------------
    def _process(self, chunk: GridChunk, events: list[Event]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if chunk.new_segment:
            gap_s = chunk.gap_to_s - chunk.gap_from_s  # NaN at the start, < 0 after a seek back
            if self._segment_started and 0.0 < gap_s <= self.settings.max_dropout_s:
                self._bridge_segment(events, chunk.gap_from_s, chunk.gap_to_s)
            elif self._segment_started:
                self._end_segment(events)
            self._segment_t0_s = float(chunk.t_s[0])
            if math.isfinite(chunk.gap_from_s):
                gap = Gap(chunk.gap_from_s, chunk.gap_to_s, "time gap")
                self.gaps.append(gap)
                self.metrics.gaps += 1
                events.append(gap)
                self._cadence.reset()  # the displayed cadence never spans a gap in the data
            self._segment_started = True
            self._up.new_segment()
        acc, gyro = chunk.values[:, :3], chunk.values[:, 3:]
        no_gyro = ~np.isfinite(gyro).all(axis=1)  # accelerometer-only input: NaN angular rate
        if no_gyro.any():
            gyro = np.where(no_gyro[:, None], 0.0, gyro)  # "up" then follows the low-passed gravity alone
        up = self._up(chunk.k, acc, gyro)
        a_v, w_v = vertical_signals(acc, gyro, up)
        if no_gyro.any():
            w_v[no_gyro] = np.nan  # no yaw rate: no side, no rotation (never 0)
        a_h = acc - (acc * up).sum(axis=1, keepdims=True) * up  # horizontal specific force, sensor frame
        self._buffer.add(t=chunk.t_s, w=w_v, a_v=a_v, a_h=a_h, up=up, gyro=np.where(no_gyro[:, None], np.nan, gyro))
        candidates = self._detector.feed(chunk.k, a_v, w_v)
        decided_s = self._detector.decided_until_k / self.settings.internal_rate_hz
        self._add_steps(self._tracker.update(candidates, decided_s), events)
        self._settle_strides(events, final=False)
        return chunk.t_s, a_v, w_v

    def _end_segment(self, events: list[Event]) -> None:
        """A long gap or the end of the data: settle everything, the gait starts afresh after it."""
        self._add_steps(self._tracker.update(self._detector.flush(), math.inf), events)
        self._close_segment(events)
        self._tracker.reset()

    def _bridge_segment(self, events: list[Event], gap_from_s: float, gap_to_s: float) -> None:
        """A short gap (lost packets): the signal restarts, the gait tracker carries on across it."""
        flushed = self._detector.flush()
        decided_s = self._detector.decided_until_k / self.settings.internal_rate_hz
        self._add_steps(self._tracker.update(flushed, decided_s), events)
        self._tracker.bridge(gap_from_s, gap_to_s)
        self._close_segment(events)

    def _close_segment(self, events: list[Event]) -> None:
        self._settle_strides(events, final=True)
        self._detector.reset()
        self._buffer.clear()
        self._bout_steps = []  # no stride spans a gap
        self._segment_started = False

    def _add_steps(self, tracked: list[TrackedStep], events: list[Event]) -> None:
        for ts in tracked:
            if self._bout_steps and self._bout_steps[-1].bout != ts.bout:
                self._bout_steps = []
            step = Step(ts.candidate.ic_t_s, ts.side, ts.cadence_spm)
            self.steps.append(step)
            events.append(step)
            self.metrics.steps += 1
            smoothed = math.nan
            if math.isfinite(ts.cadence_spm):
                smoothed = self.metrics.cadence_spm = self._cadence.add(step.t_s, ts.cadence_spm)
            self._out.step_cadence_spm.append(smoothed)
            if step.t_s < self._segment_t0_s:
                continue  # settled after a gap but before it: no stride pairs it with later steps
            # A stride ends at this step if the step two before (same foot) is in the bout.
            for prev in self._bout_steps:
                if prev.index_in_bout == ts.index_in_bout - 2:
                    starts_left = prev.side == "left" or (prev.side is None and prev.index_in_bout % 2 == 0)
                    if starts_left:
                        mid = next(
                            (p.candidate.ic_t_s for p in self._bout_steps if p.index_in_bout == ts.index_in_bout - 1),
                            math.nan,
                        )
                        self._pending_strides.append(
                            (prev.candidate.ic_t_s, mid, step.t_s, prev.side, prev.candidate.flight)
                        )
            # This step completes the previous one: its running dynamics can be measured.
            prev = self._bout_steps[-1] if self._bout_steps else None
            if prev is not None and prev.index_in_bout == ts.index_in_bout - 1 and prev.candidate.flight:
                self._pending_dynamics.append((prev.candidate.ic_t_s, step.t_s, prev.side))
            self._bout_steps = [*self._bout_steps[-3:], ts]

    def _settle_strides(self, events: list[Event], final: bool) -> None:
        keep = []
        buf = self._buffer
        newest = buf.t[-1] if len(buf.t) else -math.inf
        for start, mid, end, side, running in self._pending_strides:
            half = (end - start) / 2
            if not final and newest < end + 2 * half + 0.05:  # a stride beyond its end removes bends
                keep.append((start, mid, end, side, running))
                continue
            sl = buf.span(start - 2 * half - 0.05, end + 2 * half + 0.05)
            rot = yaw_range_deg(buf.t[sl], buf.w[sl], start, end)
            # Without a gyroscope the stride is there, its rotation unknown (checked only if NaN).
            if rot == rot or (sl.stop > sl.start and not np.isfinite(buf.w[sl]).any()):
                tilt = math.nan
                fwd = self.forward.frozen_before(start)
                if fwd is not None:  # pitch about the left axis (up × forward): pelvic tilt
                    inner = buf.span(start - 0.02, end + 0.02)
                    left = np.cross(buf.up[inner], fwd)
                    pitch_rate = np.einsum("ij,ij->i", buf.gyro[inner], left)
                    tilt = dynamics.tilt_range_deg(buf.t[inner], pitch_rate, start, end)
                stride = Stride(start, end, side, rot, arc_cm(rot, self.settings.torso_half_width_cm), tilt)
                self.strides.append(stride)
                events.append(stride)
                self.metrics.last_rotation_deg = rot
                self.metrics.last_rotation_cm = stride.rotation_cm
            if mid == mid:  # both steps of the stride: their medio-lateral parts cancel
                a, b = braking_window_s(half, running)
                brake = 0.5 * (buf.mean(buf.a_h, start + a, start + b) + buf.mean(buf.a_h, mid + a, mid + b))
                self.forward.add_stride(brake, buf.mean(buf.up, start, end), end)
        self._pending_strides = keep
        self._settle_dynamics(events, final, newest)
        # Keep what unsettled strides and step dynamics (and the steps that may still open one)
        # need: 10 s is more than a stride plus the tracker's delay at the slowest cadence.
        oldest = min([s[0] for s in keep] + [d[0] for d in self._pending_dynamics] + [newest - 10.0])
        buf.drop_before(oldest - 5.0)

    def _settle_dynamics(self, events: list[Event], final: bool, newest: float) -> None:
        """Running dynamics of each completed step, once they cannot change any more.

        Braking and pelvic drop need the forward axis; to give the same numbers however the data
        are chunked, a step uses the estimate frozen after the first strides only if it was
        complete before the step's contact — and waits until that is certain (3 s of data later,
        all strides ending before the contact have been added) — else they are NaN.
        """
        buf, keep = self._buffer, []
        for ic, next_ic, side in self._pending_dynamics:
            undecided = self.forward.frozen is None and newest < ic + 3.0
            if not final and (newest < next_ic + 0.05 or undecided):
                keep.append((ic, next_ic, side))
                continue
            sl = buf.span(ic - 0.05, next_ic + 0.05)
            t, a_v = buf.t[sl], buf.a_v[sl]
            if len(t) < 8:
                continue  # the data were cut away (a gap): nothing to measure
            to = dynamics.toe_off_s(t, a_v, ic, next_ic)
            fwd = self.forward.frozen_before(ic)
            a_f = roll = np.full(len(t), np.nan)
            if fwd is not None:
                a_f = buf.a_h[sl] @ fwd
                roll = buf.gyro[sl] @ fwd  # about forward: + = left side up
            step = StepDynamics(
                ic,
                1000.0 * (to - ic),
                dynamics.vertical_oscillation_cm(t, a_v, ic, next_ic),
                dynamics.braking_mps(t, a_f, ic, next_ic, to),
                dynamics.impact_g(t, a_v, ic, to),
                dynamics.pelvic_drop_deg(t, roll, ic, to, side),
            )
            self.dynamics.append(step)
            events.append(step)
        self._pending_dynamics = keep
