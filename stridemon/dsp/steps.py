"""Initial contacts (ICs) from a lower-back IMU, streaming, for walking and running.

Two stages, each a small class with its parameters in ``__init__``:

1. :class:`LoadingPeakDetector` finds one *candidate* per foot contact. Every contact loads the
   body: the vertical acceleration of the sacrum rises sharply from its pre-contact low (late
   swing in walking, free fall in the flight phase of running) to a stance peak. Candidates are
   local maxima of the Gaussian-smoothed vertical acceleration that rise far enough above the
   preceding trough (Zijlstra & Hof 2003, Gait & Posture 18:1–10, describe this loading pattern).
   Where the IC lies on that rise depends on the gait:

   * walking: the steepest point of the rise — the maximum of the vertical acceleration filtered
     with a derivative of Gaussian, in the spirit of McCamley et al. (2012, Gait & Posture
     36:316–318), who locate IC on a Gaussian CWT of the vertical acceleration; on the real
     mobgap walking trials it falls 0–10 ms after the reference contact;
   * running (the low before the rise is free fall: a flight phase): where the lightly smoothed
     signal rises through 15 % of the way from the flight low to the stance high. In flight the
     specific force is ~0; at contact the ground force, and with it the pelvis' acceleration,
     rises out of that plateau, so this is the accelerometer's counterpart of a force plate's
     threshold crossing. On a real sacral accelerometer on a force treadmill (Alcantara et al.
     2022, 2.5–4.2 m/s, −10° to +10°) it is 6 ms from the force IC (median |error|, held-out
     trials); the steepest point would be 15–40 ms late, more so uphill.

   After a gap, a contact whose rise began before the first sample is dropped (not timed), and
   at the end of a segment the signal is mirrored so the last contact is still found.

2. :class:`StepTracker` keeps candidates that form a gait: a bout starts after three candidates
   with consistent intervals, then each next step is the strongest candidate near the expected
   time (one step period on), so a double bump or a stumble does not double the cadence; a bout
   ends after two missing steps or a long gap, while across a short gap (lost packets) it goes
   on, skipping the steps that fell into the gap. Left/right comes from the yaw rate about the
   vertical around each contact — a different rule for walking and running, because the pelvis
   turns differently (:meth:`LoadingPeakDetector._side_evidence`) — and the sides must
   alternate, so the side is a vote of this step's evidence and, with weights decaying by
   ``side_memory`` per step, the alternating evidence of the steps before it in the bout: one
   extra or missed step then does not flip the rest of the bout. Where that evidence disagrees
   with itself the side is ``None`` rather than a guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from stridemon.dsp.filters import StreamingFIR, gaussian_kernel
from stridemon.events import Side


@dataclass(frozen=True)
class Candidate:
    """A loading peak: one probable foot contact."""

    peak_t_s: float  # stance peak of the smoothed vertical acceleration
    ic_t_s: float  # initial contact: steepest point of the loading rise
    amplitude_mps2: float  # peak minus the preceding trough
    left_evidence_dps: float  # side evidence from the yaw rate about up around the IC: > 0 left foot, NaN none
    flight: bool  # the low before the loading rise was free fall: a running contact


class LoadingPeakDetector:
    """Streaming candidate detector on the uniform grid (one segment at a time)."""

    def __init__(
        self,
        rate_hz: float = 100.0,
        smooth_sigma_s: float = 0.05,
        slope_sigma_s: float = 0.03,
        peak_halfwidth_s: float = 0.12,
        trough_window_s: float = 0.4,
        ic_search_s: float = 0.25,
        side_window_s: float = 0.15,
        run_side_phase_deg: float = 40.0,
        run_side_half_window_s: float = 0.35,
        run_side_stride_s: float = 0.7,
        min_amplitude_mps2: float = 0.6,
        min_peak_mps2: float = -0.5,
        flight_threshold_mps2: float = -6.0,
        onset_fraction: float = 0.15,
        onset_sigma_s: float = 0.01,
    ) -> None:
        self.rate_hz = rate_hz
        self.smooth_sigma_s = smooth_sigma_s
        self.slope_sigma_s = slope_sigma_s
        self.peak_halfwidth_s = peak_halfwidth_s
        self.trough_window_s = trough_window_s
        self.ic_search_s = ic_search_s
        self.side_window_s = side_window_s
        self.min_amplitude_mps2 = min_amplitude_mps2
        self.min_peak_mps2 = min_peak_mps2
        self.flight_threshold_mps2 = flight_threshold_mps2  # vertical acc below this before contact = flight
        self.onset_fraction = onset_fraction  # running IC: this fraction of the loading rise (0..1)
        self.onset_sigma_s = onset_sigma_s  # light smoothing of the signal the running IC is read on
        self._M = max(int(round(peak_halfwidth_s * rate_hz)), 1)
        self._W = max(int(round(trough_window_s * rate_hz)), 1)
        self._S = max(int(round(ic_search_s * rate_hz)), 2)
        self._Y = max(int(round(side_window_s * rate_hz)), 1)
        # Running side evidence: the yaw rate over about one stride around the contact projected
        # on the oscillation expected for a left contact (see _side_evidence).
        self.run_side_phase_deg = run_side_phase_deg
        H = max(int(round(run_side_half_window_s * rate_hz)), 1)
        tau = np.arange(-H, H + 1) / rate_hz
        om, ph = 2 * np.pi / run_side_stride_s, math.radians(run_side_phase_deg)
        self._run_kernel = (math.sin(ph) * np.cos(om * tau) - math.cos(ph) * np.sin(om * tau)) / len(tau)
        self._H = H
        self._B = max(self._Y, H)  # the yaw rate needed after a contact, samples
        self._keep = self._W + self._S + self._M + 2 * self._B + 8  # history kept, samples
        self.untimed = 0  # loading peaks dropped because their contact lay before the data (a gap)
        self._pad_n = max(len(gaussian_kernel(smooth_sigma_s, rate_hz)) // 2 + self._M, self._B) + 1
        self.reset()

    def reset(self) -> None:
        """Forget everything (start of a new segment)."""
        self._smooth = StreamingFIR(gaussian_kernel(self.smooth_sigma_s, self.rate_hz))
        self._slope = StreamingFIR(gaussian_kernel(self.slope_sigma_s, self.rate_hz, derivative=True))
        self._fine = StreamingFIR(gaussian_kernel(self.onset_sigma_s, self.rate_hz))
        self._k0: int | None = None  # grid index of buffer[0]
        self._s = np.empty(0)  # smoothed a_v, aligned to grid index (delay removed)
        self._d = np.empty(0)  # slope of a_v, aligned
        self._r = np.empty(0)  # lightly smoothed a_v, aligned
        self._raw_k_end = 0  # grid index one past the last input sample
        self._next_k: int | None = None  # first grid index not yet tested as a peak
        self._tail_a = np.empty(0)  # the last input samples, for the mirror padding at the end

    @property
    def decided_until_k(self) -> int:
        """Every candidate with peak index below this is already reported."""
        return -(2**62) if self._next_k is None else self._next_k

    def feed(self, k: np.ndarray, a_v: np.ndarray, w_v: np.ndarray) -> list[Candidate]:
        """Add grid samples (consecutive indices k) of vertical acc (m/s²) and yaw rate (deg/s)."""
        if len(k) == 0:
            return []
        if self._k0 is None:
            self._k0 = int(k[0]) - self._keep  # pretend history before the segment (masked below)
            self._seg_start_k = int(k[0])
            pad = self._keep
            self._s = np.full(pad, np.nan)
            self._d = np.full(pad, np.nan)
            self._r = np.full(pad, np.nan)
            self._w_raw = np.full(pad, np.nan)
            self._next_k = int(k[0])
        s_new = self._smooth(a_v)  # value for input index (i - delay)
        d_new = self._slope(a_v)
        self._raw_k_end = int(k[-1]) + 1
        ds, dd = self._smooth.delay, self._slope.delay
        # Align: filtered output j corresponds to grid index k[j] - delay; the first ``delay``
        # outputs of a segment belong to indices before its start and are dropped.
        self._s = np.concatenate([self._s, s_new])
        self._d = np.concatenate([self._d, d_new])
        self._r = np.concatenate([self._r, self._fine(a_v)])
        self._w_raw = np.concatenate([self._w_raw, w_v])
        s_end = self._raw_k_end - ds  # aligned validity ends
        d_end = self._raw_k_end - dd
        w_end = self._raw_k_end
        self._tail_a = np.concatenate([self._tail_a, a_v])[-self._pad_n - 1 :]
        return self._scan(s_end, d_end, w_end)

    def flush(self) -> list[Candidate]:
        """End of the segment (a gap or the end of the data): decide the peaks up to the last sample.

        The filters and the peak test need ~0.3 s of signal after a peak; here the signal is
        extended by its mirror image about the last sample (and the yaw rate by nothing), so a
        contact whose loading rise is under way when the data end is still found, its peak at
        the last sample. Call :meth:`reset` before feeding a new segment.
        """
        if self._k0 is None or self._next_k is None or len(self._tail_a) < 2:
            return []
        ds, dd = self._smooth.delay, self._slope.delay
        real_end = self._raw_k_end
        mirror = self._tail_a[-2::-1]
        pad = np.concatenate([mirror, np.full(self._pad_n - len(mirror), mirror[-1])])[: self._pad_n]
        self._s = np.concatenate([self._s, self._smooth(pad)])
        self._d = np.concatenate([self._d, self._slope(pad)])
        self._r = np.concatenate([self._r, self._fine(pad)])
        self._w_raw = np.concatenate([self._w_raw, np.full(len(pad), np.nan)])
        end = real_end + len(pad)
        return self._scan(end - ds, end - dd, end, limit_k=real_end)

    def _scan(self, s_end: int, d_end: int, w_end: int, limit_k: int | None = None) -> list[Candidate]:
        M, W = self._M, self._W
        ds, dd = self._smooth.delay, self._slope.delay
        # Aligned views over absolute grid indices [k0, ...): index k lives at k - k0 + delay.
        s = self._s[ds:]
        d = self._d[dd:]
        r = self._r[self._fine.delay :]
        w = self._w_raw
        seg0 = self._seg_start_k - self._k0
        s = s.copy()
        s[: max(seg0, 0)] = np.nan
        # Decide peaks at indices whose right neighbourhood (M), IC search and side window are known.
        last = min(s_end - M, d_end, w_end - self._B) - 1
        if limit_k is not None:
            last = min(last, limit_k - 1)
        first = self._next_k
        out: list[Candidate] = []
        if last < first:
            return out
        i0, i1 = first - self._k0, last - self._k0 + 1
        lo = i0 - max(M, W)  # >= 0: the buffer always holds that much history (NaN-padded)
        seg = s[lo : i1 + M]
        finite = np.where(np.isfinite(seg), seg, -np.inf)
        centre = finite[i0 - lo : i1 - lo]
        left = sliding_window_view(finite[i0 - lo - M : i1 - lo - 1], M).max(axis=1)
        right = sliding_window_view(finite[i0 - lo + 1 : i1 - lo + M], M).max(axis=1)
        segm = np.where(np.isfinite(seg), seg, np.inf)
        trough = sliding_window_view(segm[i0 - lo - W : i1 - lo - 1], W).min(axis=1)
        amp = centre - trough
        is_peak = (
            (centre > left)
            & (centre >= right)
            & (centre > self.min_peak_mps2)
            & np.isfinite(trough)
            & (amp >= self.min_amplitude_mps2)
        )
        for j in np.flatnonzero(is_peak):
            i = i0 + int(j)
            c = self._candidate(i, float(amp[j]), s, d, r, w)
            if c is None:
                self.untimed += 1
            else:
                out.append(c)
        self._next_k = last + 1
        self._trim()
        return out

    def _candidate(self, i: int, amp: float, s, d, r, w) -> Candidate | None:
        """The candidate of the peak at buffer index ``i``; None when its contact cannot be
        timed because the loading rise began before the segment's first sample (after a gap)."""
        T = 1.0 / self.rate_hz
        # Slopes within the derivative kernel's reach of the segment start are not trustworthy
        # (the filter sees the first value repeated before it).
        a = max(i - self._S, self._seg_start_k - self._k0 + self._slope.delay)
        truncated = a > i - self._S
        # The windows are ~25 samples: plain Python lists are much faster than numpy calls here
        # (the helpers below give exactly numpy's nanargmax / nanmin / nanmax).
        win = d[a : i + 1].tolist()
        j, frac = i, 0.0
        if truncated and len(win) < 3:
            return None
        trough = math.nan
        if len(win) >= 3 and any(map(math.isfinite, win)):
            j = a + _nanargmax(win)
            if truncated and j == a:
                return None
            rw = r[a : i + 1].tolist()  # rw[n] is r[a + n]
            trough = _nanmin(rw)  # the low just before this contact
            if a < j < i:
                y0, y1, y2 = win[j - 1 - a], win[j - a], win[j + 1 - a]
                if math.isfinite(y0) and math.isfinite(y2):
                    den = y0 - 2 * y1 + y2
                    if den < 0:
                        frac = min(max(0.5 * (y0 - y2) / den, -0.5), 0.5)
            if trough < self.flight_threshold_mps2:
                # Running: the trough is free fall (flight), where the specific force is ~0; at
                # contact the ground force, and with it the pelvis' vertical acceleration, rises
                # out of that plateau. As a force plate marks IC where the force crosses a small
                # threshold, IC here is where the lightly smoothed signal (σ 10 ms) last rose
                # through ``onset_fraction`` of its rise from the flight low to the stance high.
                lo = _nanmin(rw[: j - a + 1])
                hi = _nanmax(rw[j - a :])
                level = lo + self.onset_fraction * (hi - lo)
                k = j
                while k > a and rw[k - 1 - a] > level:
                    k -= 1
                if k == a and truncated:
                    return None
                if k > a and rw[k - a] != rw[k - 1 - a]:
                    j, frac = k, -((rw[k - a] - level) / (rw[k - a] - rw[k - 1 - a]))
        k_ic = j + self._k0
        ic_t = (k_ic + 0.5 + frac) * T
        flight = trough < self.flight_threshold_mps2
        return Candidate(
            peak_t_s=(i + self._k0 + 0.5) * T,
            ic_t_s=ic_t,
            amplitude_mps2=amp,
            left_evidence_dps=self._side_evidence(w, j, flight),
            flight=flight,
        )

    def _side_evidence(self, w: np.ndarray, j: int, flight: bool) -> float:
        """Which foot landed at buffer index ``j``, from the yaw rate about up (deg/s, CCW +):
        > 0 means left. NaN without a gyroscope.

        The pelvis turns differently in walking and running, so each gait has its own rule,
        both measured on real data (docs/dsp.md):

        * walking: the pelvis is still turning the landing side's hip forward at contact,
          clockwise seen from above for the left foot (mobgap lab trials) — evidence is minus
          the mean yaw rate in ±``side_window_s``;
        * running: the pelvis turns the other way — it is turned furthest *towards* the landing
          foot's side (counter-clockwise for the left foot) shortly after contact: 12–18 % of a
          stride later in 25 treadmill runners (Fukuchi et al. 2017), at about the contact in
          Hamner & Delp's (2013). The yaw rate over one stride around the contact, mean removed,
          is projected on the oscillation of a left contact with its extreme ``run_side_phase_deg``
          later; that holds for phases from about −50° to +130°.

        Both cancel a constant turn rate and gyroscope bias.
        """
        if flight:
            H = self._H
            seg = w[j - H : j + H + 1] if j >= H else np.empty(0)
            if len(seg) < 2 * H + 1:
                return math.nan
            total = float(np.add.reduce(seg))  # the sum seg.mean() takes
            if not math.isfinite(total):  # a NaN (no gyroscope) or inf among the samples
                return math.nan
            return float((seg - total / len(seg)) @ self._run_kernel)
        Y = self._Y
        before, after = w[max(j - Y, 0) : j], w[j + 1 : j + Y + 1]
        fb, fa = np.isfinite(before), np.isfinite(after)
        if fb.sum() < Y // 2 or fa.sum() < Y // 2:
            return math.nan
        return -0.5 * (float(before[fb].mean()) + float(after[fa].mean()))

    def _trim(self) -> None:
        # Drop history older than needed; keep buffers aligned (same absolute start index).
        cut = (self._next_k - self._k0) - self._keep
        if cut > 4096:
            self._s, self._d, self._r = self._s[cut:], self._d[cut:], self._r[cut:]
            self._w_raw = self._w_raw[cut:]
            self._k0 += cut


def _nanargmax(x: list[float]) -> int:
    """Index of the first largest value, NaNs skipped (np.nanargmax); x holds a non-NaN value."""
    best, best_v = 0, -math.inf
    for n, v in enumerate(x):
        if v > best_v:  # False for NaN
            best, best_v = n, v
    return best


def _nanmin(x: list[float]) -> float:
    """Smallest value, NaNs skipped; NaN if all are NaN (np.nanmin without its warning)."""
    finite = [v for v in x if v == v]
    return min(finite) if finite else math.nan


def _nanmax(x: list[float]) -> float:
    """Largest value, NaNs skipped; NaN if all are NaN (np.nanmax without its warning)."""
    finite = [v for v in x if v == v]
    return max(finite) if finite else math.nan


def _median(x: list[float]) -> float:
    """Median of a short list of numbers (not NaN) exactly as np.median computes it: the
    middle value, or the mean of the middle two; NaN if empty."""
    v = sorted(x)
    n = len(v)
    if n == 0:
        return math.nan
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


@dataclass
class TrackedStep:
    """A step accepted by the tracker (before it becomes a :class:`stridemon.events.Step`)."""

    candidate: Candidate
    bout: int
    index_in_bout: int  # counts missed steps too, so parity gives the foot
    side: Side
    cadence_spm: float


@dataclass
class _Bout:
    number: int
    period_s: float
    last_peak_s: float
    last_ic_s: float
    last_index: int
    vote: float = 0.0  # decaying sum of side evidence aligned to even steps (> 0: even steps are left)
    vote_abs: float = 0.0  # the same sum of its magnitudes
    intervals: list[float] = field(default_factory=list)
    amplitudes: list[float] = field(default_factory=list)
    misses: int = 0
    skipped: int = 0  # expected steps that fell in a data gap (not misses: nothing could be seen)
    late: int = 0  # consecutive steps accepted only after a missed one
    early: int = 0  # consecutive steps with a strong contact just before the expected window
    real_ic_s: float = math.nan  # the last accepted contact (last_ic_s moves on over a miss)


class StepTracker:
    """Turns candidates into steps: bouts of consistent gait, one step per expected contact."""

    def __init__(
        self,
        min_step_s: float = 0.25,
        max_step_s: float = 1.0,
        start_candidates: int = 3,
        start_interval_ratio: float = 1.35,
        window_early: float = 0.6,
        window_late: float = 1.4,
        min_relative_amplitude: float = 0.25,
        max_missed_steps: int = 2,
        side_memory: float = 0.4,
        strong_fraction: float = 0.5,
        side_min_agreement: float = 0.25,
    ) -> None:
        self.min_step_s = min_step_s
        self.max_step_s = max_step_s
        self.start_candidates = start_candidates
        self.start_interval_ratio = start_interval_ratio
        self.window_early = window_early
        self.window_late = window_late
        self.min_relative_amplitude = min_relative_amplitude
        self.max_missed_steps = max_missed_steps
        self.side_memory = side_memory  # weight of the previous steps' side vote (0: each step alone)
        self.strong_fraction = strong_fraction  # of the window's strongest peak, to count as a contact
        # The side is reported only where the recent steps' evidence agrees this much (0..1:
        # |weighted sum of parity-aligned evidence| / weighted sum of its magnitudes); else None.
        self.side_min_agreement = side_min_agreement
        self._bouts = 0
        self.rejected = 0  # candidates not taken as steps
        self.reset()

    def reset(self) -> None:
        """End any bout (gap or end of stream); keeps counters."""
        self._bout: _Bout | None = None
        self._pending: list[Candidate] = []
        self._blind: list[tuple[float, float]] = []

    def bridge(self, gap_from_s: float, gap_to_s: float, margin_s: float = 0.1) -> None:
        """A short data gap (lost packets): keep the bout going across it.

        Expected steps whose window touches the gap (± ``margin_s``, where the detector is half
        blind) are skipped, not counted as misses; their count keeps the foot parity, so the
        first contact after the gap resumes the bout with the right side. Call it after the
        last candidates before the gap were given to :meth:`update`.
        """
        if self._bout is None:
            self._pending = []  # too few candidates before the gap to start a bout: start afresh
            return
        self._blind.append((gap_from_s - margin_s, gap_to_s + margin_s))

    def update(self, candidates: list[Candidate], decided_until_s: float) -> list[TrackedStep]:
        """Add new candidates (all with peak < decided_until_s are known); return new steps."""
        out: list[TrackedStep] = []
        for c in candidates:
            # Everything before this candidate's peak is known: settle it first, so a batch of
            # many candidates is handled exactly like the same candidates one by one.
            out += self._resolve(c.peak_t_s)
            if self._bout is None:
                out += self._try_start(c)
            else:
                self._pending.append(c)
        out += self._resolve(decided_until_s)
        return out

    def _try_start(self, c: Candidate) -> list[TrackedStep]:
        self._pending.append(c)
        K = self.start_candidates
        self._pending = self._pending[-(K + 8) :]  # older ones may still join the bout backwards
        if len(self._pending) < K:
            return []
        start = self._pending[-K:]
        peaks = np.array([p.peak_t_s for p in start])
        iv = np.diff(peaks)
        amps = np.array([p.amplitude_mps2 for p in start])
        if (
            iv.min() < self.min_step_s
            or iv.max() > self.max_step_s
            or iv.max() / iv.min() > self.start_interval_ratio
            or amps.min() < 0.4 * amps.max()
        ):
            return []
        period = float(np.median(iv))
        # Walk backwards from the first consistent candidate: earlier contacts of the same bout
        # (the first steps after standing are often less regular) join if they sit where one
        # step period earlier says they should.
        chain = list(start)
        earlier = self._pending[:-K]
        while earlier:
            lo = chain[0].peak_t_s - self.window_late * period
            hi = chain[0].peak_t_s - self.window_early * period
            fits = [p for p in earlier if lo <= p.peak_t_s <= hi and p.amplitude_mps2 >= 0.3 * float(amps.min())]
            if not fits:
                break
            best = max(fits, key=lambda p: p.amplitude_mps2)
            chain.insert(0, best)
            earlier = [p for p in earlier if p.peak_t_s < best.peak_t_s]
        self._bouts += 1
        first = chain[0]
        b = _Bout(self._bouts, period, first.peak_t_s, first.ic_t_s, 0)
        self._bout = b
        self.rejected += len(self._pending) - len(chain)
        steps = [self._accept(first, 0, math.nan)]
        for p in chain[1:]:
            steps.append(self._accept(p, b.last_index + 1, p.ic_t_s - b.last_ic_s))
        self._pending = []
        return self._sided(steps)

    def _accept(self, c: Candidate, index: int, interval_s: float) -> TrackedStep:
        b = self._bout
        assert b is not None
        e = c.left_evidence_dps
        if e == e:
            b.vote = self.side_memory * b.vote + e * (1.0 if index % 2 == 0 else -1.0)
            b.vote_abs = self.side_memory * b.vote_abs + abs(e)
        b.last_peak_s, b.last_ic_s, b.last_index, b.real_ic_s = c.peak_t_s, c.ic_t_s, index, c.ic_t_s
        b.amplitudes = [*b.amplitudes[-7:], c.amplitude_mps2]
        cad = 60.0 / interval_s if interval_s == interval_s and interval_s > 0 else math.nan
        if cad == cad:
            b.intervals = [*b.intervals[-4:], interval_s]
        return TrackedStep(c, b.number, index, None, cad)

    def _sided(self, steps: list[TrackedStep]) -> list[TrackedStep]:
        b = self._bout
        assert b is not None
        for s in steps:
            if b.vote_abs <= 0 or abs(b.vote) < self.side_min_agreement * b.vote_abs:
                s.side = None  # no gyroscope, or the evidence disagrees: do not guess
            else:
                even_is_left = b.vote > 0
                s.side = "left" if (s.index_in_bout % 2 == 0) == even_is_left else "right"
        return steps

    def _resolve(self, decided_until_s: float) -> list[TrackedStep]:
        out: list[TrackedStep] = []
        while self._bout is not None:
            b = self._bout
            P = b.period_s
            lo = b.last_peak_s + self.window_early * P
            hi = b.last_peak_s + self.window_late * P
            if decided_until_s < hi:
                break  # the expected window is not complete yet
            inwin = [c for c in self._pending if lo <= c.peak_t_s <= hi]
            amp_floor = self.min_relative_amplitude * _median(b.amplitudes)
            inwin = [c for c in inwin if c.amplitude_mps2 >= amp_floor]
            if inwin:
                # The earliest strong contact: a weaker bump between steps (double loading peak)
                # is passed over, but when the cadence rises (walk -> run) the next real step,
                # not the one after it, is taken.
                strongest = max(c.amplitude_mps2 for c in inwin)
                best = next(c for c in inwin if c.amplitude_mps2 >= self.strong_fraction * strongest)
                missed = b.misses
                # A strong contact just before the window, step after step, means a higher cadence
                # (walk -> run: the period nearly halves); take it once it has happened 3 times.
                early = [
                    c
                    for c in self._pending
                    if b.last_peak_s + 0.4 * P <= c.peak_t_s < lo
                    and c.amplitude_mps2 >= self.strong_fraction * best.amplitude_mps2
                ]
                b.early = b.early + 1 if early and not missed else 0
                if b.early >= 3:
                    best, b.early, b.intervals = early[0], 0, []
                interval = best.ic_t_s - b.real_ic_s
                b.late = b.late + 1 if missed else 0
                if b.late >= 2:
                    # Every contact comes one period late: not missed steps but a lower cadence
                    # (run -> walk). Take the real interval as the new period.
                    missed, b.late, b.intervals = 0, 0, []
                lost = missed + b.skipped  # steps not seen since the last one (index keeps the foot)
                step = self._accept(best, b.last_index + 1 + lost, math.nan if lost else interval)
                b.misses = b.skipped = 0
                if not lost:
                    b.period_s = _median(b.intervals)  # follows cadence changes within ~3 steps
                self.rejected += sum(1 for c in self._pending if c.peak_t_s <= best.peak_t_s) - 1
                self._pending = [c for c in self._pending if c.peak_t_s > best.peak_t_s]
                out += self._sided([step])
            else:
                # No contact where one was due: a missed step, or the end of the bout, unless the
                # window lies in a data gap (then nothing could be seen: skip it).
                self.rejected += sum(1 for c in self._pending if c.peak_t_s <= hi)
                self._pending = [c for c in self._pending if c.peak_t_s > hi]
                self._blind = [z for z in self._blind if z[1] >= lo]
                if any(a <= hi and lo <= z for a, z in self._blind):
                    b.skipped += 1
                    b.last_peak_s += P
                    b.last_ic_s += P
                    continue
                b.misses += 1
                if b.misses > self.max_missed_steps:
                    rest = self._pending
                    self.reset()
                    for c in rest:
                        out += self._try_start(c)
                    break
                b.last_peak_s += P  # expect the next one a period after the missed one
                b.last_ic_s += P
        return out
