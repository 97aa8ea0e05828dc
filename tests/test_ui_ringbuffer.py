"""Ring buffer: keeps the last rows in order, contiguous, bounded memory."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from stridemon.ui.ringbuffer import RingBuffer


@given(st.integers(1, 50), st.lists(st.integers(0, 120), max_size=30))
def test_keeps_last_rows_in_order(cap, sizes):
    rb = RingBuffer(cap, 2)
    everything = np.empty((0, 2))
    k = 0
    for n in sizes:
        rows = np.column_stack([np.arange(k, k + n), -np.arange(k, k + n)]).astype(float)
        k += n
        rb.extend(rows)
        everything = np.vstack([everything, rows])
        assert np.array_equal(rb.view(), everything[-cap:]) if len(everything) else len(rb) == 0
        assert rb._buf.shape == (2 * cap, 2)


def test_append_and_columns():
    rb = RingBuffer(3)
    for i in range(5):
        rb.append(i)
    assert rb.column(0).tolist() == [2, 3, 4]
    assert rb.last()[0] == 4
    rb.clear()
    assert len(rb) == 0 and rb.last() is None
