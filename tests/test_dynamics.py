"""Running dynamics per step (contact time, vertical oscillation, braking, impact, pelvic drop)
and tilt per stride: streaming ≡ batch, the analyze JSON keys, and accuracy on real running
references (skipped where those are absent; see benchmarks/real_running/README.md)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from benchmarks.real_running import evaluate as E
from stridemon.pipeline import Pipeline
from stridemon.sim.model import SensorModel, simulate
from stridemon.sim.scenarios import get_scenario
from tests.conftest import run_cli


def _same(a, b) -> bool:
    """Dataclass lists equal, NaN equal to NaN."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for u, v in zip(vars(x).values(), vars(y).values(), strict=True):
            if not (u == v or (isinstance(u, float) and isinstance(v, float) and math.isnan(u) and math.isnan(v))):
                return False
    return True


def test_dynamics_do_not_depend_on_chunking():
    sc = get_scenario("steady-run", 60.0)
    sensor = SensorModel(rate_hz=104.0, jitter_s=0.0003, gaps=((25.0, 0.4), (40.0, 2.0)))
    batch, _ = simulate(sc.segments, sensor, "back-upright", 331)
    whole = Pipeline()
    whole.feed(batch)
    whole.finish()
    parts = Pipeline()
    for i in range(0, len(batch), 37):
        parts.feed(batch.slice(i, i + 37))
    parts.finish()
    assert len(whole.dynamics) > 100
    assert _same(list(parts.dynamics), list(whole.dynamics))
    assert _same(list(parts.strides), list(whole.strides))
    finite = [d for d in whole.dynamics if math.isfinite(d.braking_mps)]
    assert len(finite) > 50  # the forward axis is frozen after the first strides


def test_analyze_json_carries_the_dynamics_keys(tmp_path):
    sc = get_scenario("steady-run", 40.0)
    batch, _ = simulate(sc.segments, SensorModel(rate_hz=100.0), "back-upright", 332)
    path = tmp_path / "run.csv"
    np.savetxt(
        path,
        np.column_stack([batch.t_s, batch.acc_mps2, batch.gyro_dps]),
        delimiter=",",
        fmt="%.5f",
        header="t_s,ax,ay,az,gx,gy,gz",
        comments="",
    )
    p = run_cli("analyze", str(path), "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    keys = ("contact_ms", "vertical_oscillation_cm", "braking_mps", "impact_g", "pelvic_drop_deg")
    for s in doc["steps"]:
        assert set(keys) <= set(s)
    late = [s for s in doc["steps"] if s["t"] > 15.0][:-1]
    assert all(s["contact_ms"] is not None and 120 < s["contact_ms"] < 400 for s in late)
    assert all(s["vertical_oscillation_cm"] is not None and 3 < s["vertical_oscillation_cm"] < 15 for s in late)
    summ = doc["summary"]
    for k in keys:
        assert f"{k}_median" in summ
    assert 0.2 < summ["duty_factor_median"] < 0.5
    assert "tilt_range_deg" in doc["strides"][-1]


def _rows(set_name, keep):
    root = E.data_root()
    if root is None or not E.trials(root, set_name):
        pytest.skip(f"real running set {set_name} not on this machine")
    groups: dict[str, dict[str, list]] = {}
    for csv, ref in E.trials(root, set_name):
        if not keep(ref):
            continue
        t, acc, gyro = E.load_csv(csv)
        pairs = E.dynamics_errors(E.analyse(t, acc, gyro, np.eye(3)), ref)
        g = groups.setdefault(E.group_key(set_name, ref), {})
        for k, v in pairs.items():
            g.setdefault(k, []).extend(v)
    return {(grp, k): np.subtract(*np.asarray(v, float).T) for grp, g in groups.items() for k, v in g.items() if v}


def test_vertical_oscillation_braking_drop_tilt_on_real_running_per_speed():
    err = _rows("fukuchi2017", lambda ref: int(ref["subject"][4:]) >= 13)  # held-out runners
    for speed in ("2.5 m/s", "3.5 m/s", "4.5 m/s"):
        assert np.median(np.abs(err[(speed, "vertical_oscillation_cm")])) <= 1.0
        assert np.median(np.abs(err[(speed, "pelvic_drop_deg")])) <= 1.5
        assert np.median(np.abs(err[(speed, "braking_mps")])) <= 0.1
        assert np.median(np.abs(err[(speed, "tilt_range_deg")])) <= 1.5


def test_contact_time_on_a_real_accelerometer_is_not_worse_than_measured():
    # Target 15 ms median |error|; measured ~23 ms on held-out trials (docs/benchmarks.md):
    # this floor guards against getting worse, not a claim that the target is met.
    err = _rows("alcantara2022", lambda ref: ref["trial"] % 2 == 0)
    e = np.concatenate([v for (grp, k), v in err.items() if k == "contact_ms"])
    assert np.median(np.abs(e)) <= 30.0 and abs(np.median(e)) <= 25.0
