"""Fixed-size ring buffers for the dashboard: memory stays flat however long the session runs."""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """The last ``capacity`` rows of a stream of ``width`` floats, readable as one contiguous view.

    Rows are stored twice the capacity long and shifted down when the end is reached, so
    :meth:`view` is always a slice (no copy) and appending is amortised O(1).
    """

    def __init__(self, capacity: int, width: int = 1) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = int(capacity)
        self.width = int(width)
        self._buf = np.full((2 * self.capacity, self.width), np.nan)
        self._start = 0
        self._end = 0

    def __len__(self) -> int:
        return self._end - self._start

    def clear(self) -> None:
        self._start = self._end = 0

    def extend(self, rows: np.ndarray) -> None:
        """Append rows ((n,) for width 1, or (n, width)); only the last ``capacity`` are kept."""
        rows = np.asarray(rows, dtype=float).reshape(-1, self.width)
        n = len(rows)
        if n == 0:
            return
        if n >= self.capacity:
            self._buf[: self.capacity] = rows[-self.capacity :]
            self._start, self._end = 0, self.capacity
            return
        if self._end + n > len(self._buf):
            keep = min(len(self), self.capacity - n)
            self._buf[:keep] = self._buf[self._end - keep : self._end]
            self._start, self._end = 0, keep
        self._buf[self._end : self._end + n] = rows
        self._end += n
        if len(self) > self.capacity:
            self._start = self._end - self.capacity

    def append(self, *row: float) -> None:
        """Append one row given as ``width`` numbers."""
        self.extend(np.asarray(row, dtype=float).reshape(1, self.width))

    def view(self) -> np.ndarray:
        """The stored rows, oldest first: (n, width) — a view, valid until the next append."""
        return self._buf[self._start : self._end]

    def column(self, i: int) -> np.ndarray:
        return self._buf[self._start : self._end, i]

    def last(self) -> np.ndarray | None:
        return self._buf[self._end - 1] if len(self) else None
