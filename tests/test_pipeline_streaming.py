"""The pipeline gives the same steps and strides however the input is chunked."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stridemon.pipeline import Pipeline
from stridemon.samples import SampleBatch
from stridemon.sources.csvfile import read_imu_csv
from tests.conftest import mobgap_or_skip

_CACHE: dict = {}


def _trial(seconds: float = 60.0) -> SampleBatch:
    if "b" not in _CACHE:
        _CACHE["b"] = read_imu_csv(mobgap_or_skip() / "imu" / "HA_001_Test11_Trial1.csv")[0]
    b = _CACHE["b"]
    m = b.t_s < seconds  # the first minute has bouts, turns and standing
    return SampleBatch(b.t_s[m], b.acc_mps2[m], b.gyro_dps[m])


def _run(batches) -> Pipeline:
    p = Pipeline()
    for b in batches:
        p.feed(b)
    p.finish()
    return p


def _chunks(b: SampleBatch, sizes: list[int]):
    i, k = 0, 0
    while i < len(b):
        n = sizes[k % len(sizes)]
        yield b.slice(i, i + n)
        i += n
        k += 1


@settings(max_examples=12, deadline=None)
@given(sizes=st.lists(st.integers(1, 700), min_size=1, max_size=30))
def test_chunked_equals_whole_on_real_data(sizes):
    b = _trial()
    whole = _run([b])
    parts = _run(_chunks(b, sizes))
    assert len(whole.steps) > 12
    assert parts.steps == whole.steps
    assert parts.strides == whole.strides
    assert parts.gaps == whole.gaps


def test_one_long_batch_equals_one_second_batches():
    b = _trial(seconds=1000.0)  # the whole 138 s trial in one batch
    whole = _run([b])
    parts = _run(_chunks(b, [100]))
    assert len(whole.strides) > 0.3 * len(whole.steps)
    assert parts.steps == whole.steps and parts.strides == whole.strides


def test_gap_splits_and_no_step_spans_it():
    b = _trial()
    # Cut 3 s out of the middle of a walking bout (38.5–50.8 s): the time jumps.
    keep = (b.t_s < 42.0) | (b.t_s > 45.0)
    cut = SampleBatch(b.t_s[keep], b.acc_mps2[keep], b.gyro_dps[keep])
    p = _run([cut])
    assert len(p.gaps) == 1 and abs(p.gaps[0].t_s - 42.0) < 0.02 and abs(p.gaps[0].end_s - 45.0) < 0.02
    assert not any(42.0 < s.t_s < 45.0 for s in p.steps)
    for st_ in p.strides:
        assert not (st_.t_s < 42.0 < st_.end_s)
    # Steps after the gap start a new bout: the first has no cadence (no step interval across a gap).
    after = [s for s in p.steps if s.t_s > 45.0]
    assert after and np.isnan(after[0].cadence_spm)


def test_source_gap_flag_is_honoured():
    b = _trial()
    i = int(np.searchsorted(b.t_s, 44.0))
    first, second = b.slice(0, i), b.slice(i, len(b))
    second.gap_before = True  # e.g. a BLE sequence-number jump with no time jump
    p = _run([first, second])
    assert len(p.gaps) == 1


def test_rest_gives_no_steps():
    rng = np.random.default_rng(0)
    t = np.arange(0, 120, 0.01)
    acc = np.tile([0.3, 9.7, 1.0], (len(t), 1)) + rng.normal(0, 0.05, (len(t), 3))
    gyro = rng.normal(0, 0.3, (len(t), 3)) + [0.8, -0.5, 0.2]  # bias
    p = _run([SampleBatch(t, acc, gyro)])
    assert p.steps == [] and p.strides == []


def test_keep_last_events_bounds_memory_not_results():
    """A live window keeps only the last N events; counts and the events it keeps are unchanged."""
    from stridemon.pipeline import PipelineSettings
    from stridemon.sources.simulator import simulate_run

    run, _ = simulate_run("steady-run", seconds=60, seed=5)
    full = _run([run])
    short = Pipeline(PipelineSettings(keep_last_events=40))
    short.feed(run)
    short.finish()
    assert len(full.steps) > 150 and len(short.steps) == 40 and len(short.strides) == 40
    assert short.metrics.steps == full.metrics.steps == len(full.steps)
    assert [s.t_s for s in short.steps] == [s.t_s for s in full.steps[-40:]]
    assert [s.rotation_deg for s in short.strides] == [s.rotation_deg for s in full.strides[-40:]]
