"""Irregular device samples -> a uniform time grid, by cell averaging ("integrate and dump").

Each grid cell k covers [k·T, (k+1)·T) on the device clock (T = 1/rate) and gets the mean of
the piecewise-linear signal through the samples over that cell, time-stamped at its centre.
For gyroscope data this keeps the integrated angle exact; for fast sensors (200–400 Hz) the
cell mean is a simple anti-alias filter; slow sensors (50 Hz) are linearly interpolated. Jitter
does no harm. Consecutive samples further apart than ``max_bridge_s`` are not bridged: the
stream is cut into *segments* and downstream stages restart, so no step is invented across a gap.

A cell is computed only once a sample at or past its end has arrived, and only from the samples
around it, so any chunking of the input gives bit-identical output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class GridChunk:
    """Newly completed grid cells of one segment."""

    k: np.ndarray  # (m,) int64 cell indices; time of cell k = (k + 0.5) / rate_hz
    t_s: np.ndarray  # (m,) cell centre times, s (device clock)
    values: np.ndarray  # (m, c) cell means
    new_segment: bool  # True: a gap precedes these cells; downstream state must restart
    gap_from_s: float = math.nan  # the gap (last sample before, first sample after), when new_segment
    gap_to_s: float = math.nan


class GridResampler:
    """Streaming cell-average resampler with gap detection."""

    def __init__(self, rate_hz: float = 100.0, max_bridge_s: float = 0.1) -> None:
        self.rate_hz = float(rate_hz)
        self.period_s = 1.0 / self.rate_hz
        self.max_bridge_s = float(max_bridge_s)
        self._t = np.empty(0)  # held-back samples of the current segment
        self._x = np.empty((0, 0))
        self._next_k = 0  # first cell not yet emitted in this segment
        self._new_segment = False  # the next emitted chunk starts a segment
        self._gap = (math.nan, math.nan)

    def feed(self, t_s: np.ndarray, x: np.ndarray, gap_before: bool = False) -> list[GridChunk]:
        """Add samples (t increasing); return completed cells, split at gaps."""
        t_s = np.asarray(t_s, dtype=np.float64)
        x = np.asarray(x, dtype=np.float64).reshape(len(t_s), -1)
        out: list[GridChunk] = []
        if len(t_s) == 0:
            return out
        cuts = (np.flatnonzero(np.diff(t_s) > self.max_bridge_s) + 1).tolist()
        for j, (a, b) in enumerate(zip([0, *cuts], [*cuts, len(t_s)], strict=True)):
            held = len(self._t) > 0
            if j > 0 or not held or gap_before or t_s[a] - self._t[-1] > self.max_bridge_s:
                self._start_segment(float(self._t[-1]) if held else math.nan, float(t_s[a]))
                self._t, self._x = t_s[a:b], x[a:b]
            else:
                self._t = np.concatenate([self._t, t_s[a:b]])
                self._x = np.concatenate([self._x, x[a:b]])
            chunk = self._emit()
            if chunk is not None:
                out.append(chunk)
        return out

    def _start_segment(self, gap_from_s: float, gap_to_s: float) -> None:
        self._new_segment = True
        self._gap = (gap_from_s, gap_to_s)
        self._next_k = math.ceil(gap_to_s * self.rate_hz - 1e-9)  # first cell starting at/after t0

    def _emit(self) -> GridChunk | None:
        t, x, T = self._t, self._x, self.period_s
        k0 = self._next_k
        k1 = math.floor(t[-1] * self.rate_hz + 1e-9)  # cells [k0, k1) end at or before the last sample
        if k1 <= k0:
            return None
        ks = np.arange(k0, k1, dtype=np.int64)
        edges = np.arange(k0, k1 + 1, dtype=np.int64) * T
        # Samples needed: from the last one at/before edges[0] to the first one at/after edges[-1].
        i0 = max(int(np.searchsorted(t, edges[0], side="right")) - 1, 0)
        i1 = min(int(np.searchsorted(t, edges[-1], side="left")), len(t) - 1)
        ts, xs = t[i0 : i1 + 1], x[i0 : i1 + 1]
        inner = ts[(ts > edges[0]) & (ts < edges[-1])]
        pts = np.concatenate([edges, inner])
        order = np.argsort(pts, kind="stable")  # an edge sorts before a sample at the same time
        pts = pts[order]
        cell_of_pt = np.concatenate([np.arange(len(edges)), np.searchsorted(edges, inner, side="right") - 1])
        cell = cell_of_pt[order][:-1]  # elementary interval [pts[i], pts[i+1]) lies in this cell
        vals = np.column_stack([np.interp(pts, ts, xs[:, c]) for c in range(xs.shape[1])])
        area = 0.5 * (vals[1:] + vals[:-1]) * np.diff(pts)[:, None]
        starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
        values = np.add.reduceat(area, starts, axis=0) / T
        self._next_k = k1
        keep = max(int(np.searchsorted(t, k1 * T, side="right")) - 1, 0)
        self._t, self._x = t[keep:], x[keep:]
        chunk = GridChunk(ks, (ks + 0.5) * T, values, self._new_segment, *self._gap)
        self._new_segment = False
        self._gap = (math.nan, math.nan)
        return chunk
