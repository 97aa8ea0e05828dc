"""Unit tests of the streaming DSP building blocks: chunked == whole, and correct values."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stridemon.dsp.filters import StreamingFIR, gaussian_kernel
from stridemon.dsp.resample import GridResampler
from stridemon.dsp.rotation import arc_cm, rotation_from_arc_deg, yaw_range_deg


def _feed_chunked(r: GridResampler, t, x, sizes):
    out, i = [], 0
    for n in sizes:
        if i >= len(t):
            break
        out += r.feed(t[i : i + n], x[i : i + n])
        i += n
    if i < len(t):
        out += r.feed(t[i:], x[i:])
    return out


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 400), min_size=1, max_size=60), rate=st.sampled_from([50.0, 100.0, 230.0, 400.0]))
def test_resampler_chunking_is_bit_identical(sizes, rate):
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(0.6, 1.4, 4000) / rate)
    t[1500:] += 0.4  # a gap longer than max_bridge_s
    x = np.column_stack([np.sin(7 * t), np.cos(3 * t), t])
    whole = GridResampler(100.0, 0.1).feed(t, x)
    parts = _feed_chunked(GridResampler(100.0, 0.1), t, x, sizes)
    a = np.concatenate([c.values for c in whole])
    b = np.concatenate([c.values for c in parts])
    assert np.array_equal(a, b)
    assert np.array_equal(np.concatenate([c.k for c in whole]), np.concatenate([c.k for c in parts]))
    assert sum(c.new_segment for c in whole) == sum(c.new_segment for c in parts) == 2


def test_resampler_cell_mean_and_gap():
    t = np.arange(0, 10, 0.0025)  # 400 Hz
    x = (2.0 + np.sin(2 * np.pi * 1.0 * t))[:, None]
    chunks = GridResampler(100.0).feed(t, x)
    assert len(chunks) == 1 and chunks[0].new_segment
    c = chunks[0]
    # Mean of a 1 Hz sine over a 10 ms cell equals its centre value to within 2e-4.
    assert np.allclose(c.values[:, 0], 2.0 + np.sin(2 * np.pi * c.t_s), atol=2e-4)
    assert np.allclose(np.diff(c.t_s), 0.01)
    # A gap of 0.5 s starts a new segment and reports where it was.
    t2 = np.concatenate([t, t[-1] + 0.5 + np.arange(0, 1, 0.0025)])
    r = GridResampler(100.0, max_bridge_s=0.1)
    ch = r.feed(t2, np.ones((len(t2), 1)))
    assert [c.new_segment for c in ch] == [True, True]
    assert abs(ch[1].gap_from_s - t[-1]) < 1e-12 and abs(ch[1].gap_to_s - (t[-1] + 0.5)) < 1e-12
    assert ch[1].t_s[0] >= ch[1].gap_to_s  # no cell spans the gap


def test_gyro_integral_is_preserved_with_jitter():
    rng = np.random.default_rng(0)
    t = np.cumsum(rng.uniform(0.003, 0.007, 3000))
    w = 50 * np.sin(2 * np.pi * 1.5 * t)
    c = GridResampler(100.0).feed(t, w[:, None])[0]
    edges = np.r_[c.k[0], c.k + 1] / 100.0
    m = (t >= edges[0]) & (t <= edges[-1])
    true_angle = np.trapezoid(np.interp(np.r_[edges[0], t[m], edges[-1]], t, w), np.r_[edges[0], t[m], edges[-1]])
    assert abs(c.values[:, 0].sum() * 0.01 - true_angle) < 1e-9


@settings(max_examples=30, deadline=None)
@given(cuts=st.lists(st.integers(0, 999), max_size=20))
def test_streaming_fir_chunking(cuts):
    x = np.random.default_rng(1).normal(size=(1000, 2))
    f1 = StreamingFIR(gaussian_kernel(0.03, 100.0, derivative=True))
    whole = f1(x)
    f2 = StreamingFIR(gaussian_kernel(0.03, 100.0, derivative=True))
    bounds = [0, *sorted(set(cuts)), 1000]
    parts = np.concatenate([f2(x[a:b]) for a, b in itertools.pairwise(bounds)])
    assert np.array_equal(whole, parts)


def test_gaussian_derivative_has_unit_slope_gain():
    f = StreamingFIR(gaussian_kernel(0.03, 100.0, derivative=True))
    t = np.arange(300) / 100.0
    y = f(3.5 * t)
    assert np.allclose(y[20:], 3.5)


def test_yaw_range_ignores_turns_and_bias():
    fs, f_stride, R = 100.0, 1.4, 12.0
    t = np.arange(0, 6, 1 / fs) + 0.5 / fs
    # Yaw = swivel of range R + a constant-rate bend of 30 deg/s + gyro bias 2 deg/s.
    psi_rate = (R / 2) * 2 * np.pi * f_stride * np.cos(2 * np.pi * f_stride * t) + 30.0 + 2.0
    start, end = 2.0, 2.0 + 1 / f_stride
    assert abs(yaw_range_deg(t, psi_rate, start, end) - R) < 0.15
    # A turn whose rate ramps up within the stride is removed too.
    ramp = np.clip((t - 1.8) / 1.5, 0, 1) * 30.0  # entering a bend: 0 -> 30 deg/s in 1.5 s
    assert abs(yaw_range_deg(t, psi_rate + ramp, start, end) - R) < 0.3


def test_arc_conversion_round_trip():
    # One inch each way at 15 cm half-width is about 19.4 deg peak-to-peak.
    deg = rotation_from_arc_deg(2.54, 15.0)
    assert 19.0 < deg < 19.8
    assert abs(arc_cm(deg, 15.0) - 2.54) < 1e-9
