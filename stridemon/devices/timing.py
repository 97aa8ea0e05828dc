"""Time on the device clock and on the host clock, kept apart.

- :class:`Unwrapper` turns a wrapping device counter (u32 µs, u32 ms) into monotonic seconds.
- :class:`DeviceClock` maps device time to host time (UNIX s) with offset *and drift*: BLE adds a
  positive, bursty latency, so the lower envelope of ``host_receive − device_time`` is the clean
  signal; a line fitted through per-bucket minima gives offset and drift (ppm-level crystals,
  but a few % for sensors whose "rate" is a firmware timer).
- :class:`Continuity` checks a timestamped stream for lost packets (jump forward) and stale or
  out-of-order packets (jump back).
- :class:`ArrivalClock` times a stream with *no* device timestamps (WitMotion): the k-th sample is at
  ``k / rate`` on the device's own clock (the device samples on its crystal at the configured rate);
  arrival times only map that to the host clock and reveal lost notifications, decided after a short
  hold-back so a delayed burst is not mistaken for a loss.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


class Unwrapper:
    """Monotonic seconds from a counter that wraps at ``modulus`` ticks of ``tick_s`` seconds."""

    def __init__(self, modulus: int, tick_s: float) -> None:
        self.modulus = modulus
        self.tick_s = tick_s
        self._last: int | None = None
        self._epochs = 0

    def __call__(self, raw: int) -> float:
        if self._last is not None and raw < self._last and self._last - raw > self.modulus // 2:
            self._epochs += 1  # wrapped forward
        elif self._last is not None and raw > self._last and raw - self._last > self.modulus // 2:
            return (raw + (self._epochs - 1) * self.modulus) * self.tick_s  # a straggler from before a wrap
        self._last = raw
        return (raw + self._epochs * self.modulus) * self.tick_s


class DeviceClock:
    """Device time (s) → host time (UNIX s), from (device time, host receive time) observations.

    ``observe(t_dev, t_host)`` with the device time of a packet's last sample and the time the
    notification arrived. ``to_host(t_dev)`` = ``t_dev + offset + drift·(t_dev − t_ref)`` where the line
    is fitted to the minimum of ``t_host − t_dev`` per ``bucket_s`` bucket over the last ``window_s``.
    """

    def __init__(self, bucket_s: float = 0.5, window_s: float = 60.0, min_span_s: float = 2.0) -> None:
        self.bucket_s = bucket_s
        self.window_s = window_s
        self.min_span_s = min_span_s
        self._buckets: dict[int, tuple[float, float]] = {}  # bucket -> (t_dev, min offset)
        self._dirty = True
        self._t_ref = 0.0
        self._offset = 0.0
        self.drift = 0.0  # host s per device s − 1

    def reset(self) -> None:
        self._buckets.clear()
        self._dirty = True

    def observe(self, t_dev: float, t_host: float) -> None:
        off = t_host - t_dev
        b = int(t_dev // self.bucket_s)
        cur = self._buckets.get(b)
        if cur is None or off < cur[1]:
            self._buckets[b] = (t_dev, off)
            self._dirty = True
        if cur is None:
            lo = b - int(self.window_s / self.bucket_s)
            for k in [k for k in self._buckets if k < lo]:
                del self._buckets[k]

    @property
    def ready(self) -> bool:
        return bool(self._buckets)

    def _fit(self) -> None:
        self._dirty = False
        pts = np.array(list(self._buckets.values()))
        if len(pts) == 0:
            return
        t, off = pts[:, 0], pts[:, 1]
        span = t.max() - t.min()
        if len(pts) >= 4 and span >= self.min_span_s:
            # Least squares on the bucket minima, then shift the line down onto the envelope.
            t_ref = float(t.mean())
            slope, icpt = np.polyfit(t - t_ref, off, 1)
            icpt += float(np.min(off - (icpt + slope * (t - t_ref))))
            self._t_ref, self._offset, self.drift = t_ref, float(icpt), float(slope)
        else:
            self._t_ref, self._offset, self.drift = float(t.mean()), float(off.min()), 0.0

    def to_host(self, t_dev: np.ndarray | float) -> np.ndarray:
        if self._dirty:
            self._fit()
        t = np.asarray(t_dev, dtype=np.float64)
        return t + self._offset + self.drift * (t - self._t_ref)


@dataclass
class Continuity:
    """Checks that each packet starts where the previous one ended (device time, s)."""

    period_s: float
    tolerance: float = 0.5  # in sample periods
    next_t: float | None = None

    def check(self, t0: float, n: int) -> tuple[str, int]:
        """→ ("ok" | "first" | "gap" | "stale", lost samples). Call :meth:`accept` for ok/first/gap."""
        if self.next_t is None:
            return "first", 0
        d = (t0 - self.next_t) / self.period_s
        if d < -self.tolerance:
            return "stale", 0
        if d > self.tolerance:
            return "gap", max(1, round(d))
        return "ok", 0

    def accept(self, t0: float, n: int) -> None:
        self.next_t = t0 + n * self.period_s


@dataclass
class Released:
    """Samples of one notification, timed."""

    t_s: np.ndarray  # device clock (k / rate)
    host_t_s: np.ndarray
    gap_before: bool
    lost_samples: int


class ArrivalClock:
    """Sample times for a stream without device timestamps (see the module docstring).

    ``push(t_host, n)`` registers a notification of ``n`` samples and returns those whose timing is
    decided (after ``hold_s`` of later arrivals); ``flush()`` decides the rest. A loss before a
    notification is declared when *every* notification from it over the hold window is later than the
    envelope by more than ``loss_threshold_s``: a delayed burst catches up, a loss does not.
    """

    def __init__(self, rate_hz: float, hold_s: float = 0.3, loss_threshold_s: float | None = None) -> None:
        self.period_s = 1.0 / rate_hz
        self.hold_s = hold_s
        self.loss_threshold_s = (
            loss_threshold_s if loss_threshold_s is not None else max(4 * self.period_s, 0.05)
        )
        self.clock = DeviceClock()
        self.k_next = 0  # device sample index of the next released sample
        self._pending: deque[tuple[float, int]] = deque()
        self._gap_next = False

    def mark_gap(self) -> None:
        """Link loss: the next samples follow a gap of unknown length (found from arrival times)."""
        self._gap_next = True

    def push(self, t_host: float, n: int) -> list[Released]:
        if n <= 0:
            return []
        if not self.clock.ready:
            self.clock.observe((n - 1) * self.period_s, t_host)
        self._pending.append((t_host, n))
        out = []
        while self._pending and t_host - self._pending[0][0] >= self.hold_s:
            out.append(self._release())
        return out

    def flush(self) -> list[Released]:
        out = []
        while self._pending:
            out.append(self._release())
        return out

    def _release(self) -> Released:
        k = self.k_next
        lateness = []
        for h, n in self._pending:
            k += n
            lateness.append(h - float(self.clock.to_host((k - 1) * self.period_s)))
        min_late = min(lateness)
        lost = 0
        if min_late > self.loss_threshold_s or (self._gap_next and min_late > self.period_s):
            lost = max(1, round(min_late / self.period_s))
        h, n = self._pending.popleft()
        self.k_next += lost
        k = self.k_next + np.arange(n)
        self.k_next += n
        t_s = k * self.period_s
        self.clock.observe(float(t_s[-1]), h)
        gap = lost > 0 or self._gap_next
        self._gap_next = False
        return Released(t_s, self.clock.to_host(t_s), gap, lost)
