"""stridemon on real running references (benchmarks/real_running): steps, contact timing, side
and rotation per speed, through the same pipeline as ``analyze`` and several sensor mountings.

The derived reference sets are not in the repository (their sources' terms: see
benchmarks/real_running/README.md); the tests skip, saying so, where they are absent. Floors sit
a little below the figures in docs/benchmarks.md so the tests stay stable; the side rule and the
contact-timing fraction were chosen on other trials (Fukuchi runners 001–012 and Alcantara odd
trials, Hamner subjects 01–02), so these check held-out data.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.real_running import evaluate as E

ROOT = E.data_root()


def _need(set_name: str) -> list:
    if ROOT is None or not E.trials(ROOT, set_name):
        pytest.skip(f"real running set {set_name} not on this machine (see benchmarks/real_running/README.md)")
    return E.trials(ROOT, set_name)


def _tally(set_name, keep, mounts=("upright", "upside-down", "on-its-side")):
    groups: dict[str, E.Tally] = {}
    for csv, ref in _need(set_name):
        if not keep(ref):
            continue
        t, acc, gyro = E.load_csv(csv)
        ml = E.ml_axis_heading_deg(ref)
        has_gyro = np.isfinite(gyro).any()
        for m in mounts if has_gyro else ("upright",):
            sc = E.score(E.analyse(t, acc, gyro, E.MOUNTS[m]), ref, ml, E.MOUNTS[m])
            groups.setdefault(E.group_key(set_name, ref), E.Tally()).add(sc)
    return {k: v.row() for k, v in groups.items()}


def test_fukuchi_held_out_runners_side_rotation_and_steps_per_speed():
    rows = _tally("fukuchi2017", lambda ref: int(ref["subject"][4:]) >= 13)
    assert len(rows) == 3
    for speed, r in rows.items():
        assert r["F1"] >= 0.98, (speed, r)
        assert r["side_pct"] >= 97.0 and r["side_none_pct"] <= 3.0, (speed, r)
        # Rotation: the pelvis' facing (medio-lateral axis) range, within 1° or 10 % per speed.
        assert abs(r["rot_ours"] - r["rot_ref_ml"]) <= max(1.0, 0.1 * r["rot_ref_ml"]), (speed, r)
        assert r["rot_mae_ml"] <= 1.2, (speed, r)
        # The forward axis (braking right after contact) within 30° of the truth, any mounting.
        assert r["fwd_within_30deg_pct"] >= 80.0, (speed, r)


def test_alcantara_real_accelerometer_contact_timing_held_out_trials():
    rows = _tally("alcantara2022", lambda ref: ref["trial"] % 2 == 0)
    assert len(rows) >= 8
    for cond, r in rows.items():
        assert r["F1"] >= 0.94, (cond, r)
        # Target: median |error| ≤ 15 ms, bias ≤ 10 ms per condition (one or two trials each here).
        assert r["ic_abs_ms"] <= 15.0 and abs(r["ic_bias_ms"]) <= 12.0, (cond, r)
        assert r["fwd_within_30deg_pct"] >= 50.0, (cond, r)  # never backwards in most trials again


def test_hamner_side_does_not_depend_on_the_mounting():
    rows = _tally("hamner2013", lambda ref: True, mounts=tuple(E.MOUNTS))
    sides = [r["side_pct"] for r in rows.values()]
    assert np.nanmedian(sides) >= 95.0, rows
