"""Streaming FIR filters with explicit state (the last len-1 inputs are carried over).

Symmetric (linear-phase) kernels delay every frequency by the same ``delay`` samples, so event
times are recovered exactly by subtracting it. The convolution is written as a fixed-order sum
over taps, so chunked and whole-signal filtering are bit-identical (BLAS/SIMD dot products may
reorder sums depending on memory alignment; this does not).
"""

from __future__ import annotations

import numpy as np


def gaussian_kernel(sigma_s: float, rate_hz: float, derivative: bool = False) -> np.ndarray:
    """Unit-gain Gaussian smoother, or its time derivative (unit slope gain, 1/s), over ±3σ."""
    sigma = sigma_s * rate_hz
    half = max(int(np.ceil(3.0 * sigma)), 1)
    n = np.arange(-half, half + 1, dtype=np.float64)
    g = np.exp(-0.5 * (n / sigma) ** 2)
    if not derivative:
        return g / g.sum()
    # Convolution y[i] = Σ h[j] x[i-j]: a ramp x = i/rate gives y = -Σ n·h[n] / rate, so this
    # normalisation makes the slope gain exactly 1 (d/dt in units per second).
    h = -n * g
    return h / float(np.sum(n * n * g)) * rate_hz


class StreamingFIR:
    """y = h * x along axis 0, chunk by chunk; output lags input by ``delay`` samples."""

    def __init__(self, taps: np.ndarray) -> None:
        self.taps = np.asarray(taps, dtype=np.float64)
        self.delay = (len(self.taps) - 1) // 2
        self._hist: np.ndarray | None = None

    def reset(self) -> None:
        self._hist = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        n, m = len(x), len(self.taps)
        if n == 0:
            return x.copy()
        if self._hist is None:  # start as if the first value had always been there
            self._hist = np.repeat(x[:1], m - 1, axis=0)
        xs = np.concatenate([self._hist, x])
        y = np.zeros_like(x)
        for j in range(m):  # fixed summation order: identical results for any chunking
            y += self.taps[j] * xs[m - 1 - j : m - 1 - j + n]
        self._hist = xs[len(xs) - (m - 1) :]
        return y
