"""Alert engine: the demo run (steady / cadence drop / swivel) and the nag-proofing rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stridemon.events import Alert, Step, Stride, event_to_dict
from stridemon.pipeline import Metrics, Pipeline
from stridemon.settings import RunnerSettings
from stridemon.sinks.alerts import AlertEngine, AlertSettings
from stridemon.sources.base import batches_of
from stridemon.sources.simulator import simulate_run


def _steps(t0: float, t1: float, spm: float) -> list[Step]:
    dt = 60.0 / spm
    n = int((t1 - t0) / dt)
    return [Step(t0 + i * dt, "left" if i % 2 == 0 else "right", spm) for i in range(1, n + 1)]


def _feed_steps(engine: AlertEngine, steps: list[Step], chunk: int = 5) -> list[Alert]:
    out: list[Alert] = []
    for i in range(0, len(steps), chunk):
        part = steps[i : i + chunk]
        out += engine.update(part, Metrics(t_s=part[-1].t_s + 0.3))
    return out


def _strides(rotations: list[float], t0: float = 0.0, period: float = 0.7) -> list[Stride]:
    return [Stride(t0 + i * period, t0 + (i + 1) * period, "left", r, math.nan) for i, r in enumerate(rotations)]


def true_crossings(t_s: np.ndarray, value: np.ndarray, level: float) -> tuple[float, float]:
    """When a true per-step/per-stride value first goes past ``level`` and when it first comes back."""
    above = value > level
    first = int(np.argmax(above != above[0]))
    back = first + int(np.argmax(above[first:] == above[0]))
    return float(t_s[first]), float(t_s[back])


@pytest.fixture(scope="module")
def demo():
    """The simulator's demo run (steady, cadence dip to 164 spm, swivel to 22°) through the real
    pipeline and the alert engine in 50 ms batches, with the simulator's truth."""
    run, truth = simulate_run("demo", seed=1)
    pipe = Pipeline()
    engine = AlertEngine(AlertSettings.from_runner(RunnerSettings()))  # target 170, budget ≈ 19.4°
    alerts = []
    for b in batches_of(run, 0.05):
        alerts += engine.update(pipe.feed(b), pipe.metrics)
    alerts += engine.update(pipe.finish(), pipe.metrics)
    assert all(isinstance(a, Alert) for a in alerts)
    return alerts, truth


def test_demo_run_alerts_fire_in_the_right_segments(demo):
    alerts, truth = demo
    s = AlertSettings.from_runner(RunnerSettings())
    raised = [a for a in alerts if a.state == "raised"]
    assert [a.kind for a in raised] == ["cadence", "rotation"], alerts
    cad, rot = raised
    # Truth: when the runner's own cadence (centred 31-step mean, about 10 s: single steps vary by
    # a few spm) went below the alert line and back above it.
    true_spm = np.convolve(60.0 / truth.step_period_s, np.ones(31) / 31, mode="valid")
    low_from, low_to = true_crossings(truth.ic_t_s[15:-15], -true_spm, -s.cadence_limit_spm)
    # Raised once the 10 s cadence has been low for the debounce time: not earlier than that
    # after the true crossing, and not later than the smoothing window on top.
    assert low_from + s.cadence_after_s <= cad.t_s <= low_from + s.cadence_after_s + s.cadence_window_s
    assert cad.t_s < low_to and cad.value < cad.limit == pytest.approx(167.0)
    # Rotation: true per-stride yaw range over budget; raised after N of the last M strides.
    over_from, over_to = true_crossings(truth.stride_end_s, truth.stride_yaw_range_deg, s.rotation_budget_deg)
    stride_s = float(np.median(np.diff(truth.stride_end_s)))
    assert over_from - 2 * stride_s <= rot.t_s <= over_from + s.rotation_m * stride_s
    assert rot.value > rot.limit == pytest.approx(19.4, abs=0.05)
    # Both clear after the truth comes back; nothing at all happens before the cadence dip.
    cleared = {a.kind: a for a in alerts if a.state == "cleared"}
    assert low_to < cleared["cadence"].t_s < low_to + s.cadence_window_s + 5
    # (it clears once the strides are back under the budget minus the hysteresis margin)
    _, under_margin = true_crossings(
        truth.stride_end_s, truth.stride_yaw_range_deg, s.rotation_budget_deg - s.rotation_clear_margin_deg
    )
    assert over_to < cleared["rotation"].t_s <= under_margin + s.rotation_m * stride_s
    assert all(a.t_s > low_from for a in alerts)
    dip = next(seg for seg in truth.segments if seg["label"] == "cadence drop")
    assert all(a.t_s > dip["start_s"] + s.cadence_after_s for a in alerts)  # the steady start is quiet
    d = event_to_dict(cad)
    assert d["type"] == "alert" and d["kind"] == "cadence" and d["state"] == "raised"


def test_short_dip_does_not_alert():
    """A few slow steps (a hill crest, a drink) do not take the 10 s cadence below the line for long."""
    e = AlertEngine(AlertSettings(target_cadence_spm=170, cadence_after_s=10))
    steps = _steps(0, 60, 172) + _steps(60, 63, 158) + _steps(63, 120, 172)
    assert _feed_steps(e, steps) == []


def test_hovering_at_the_line_does_not_flap():
    """Cadence just above and below the line: one raise, no clear until clearly back above."""
    e = AlertEngine(AlertSettings(target_cadence_spm=170, cadence_tolerance_spm=3, cadence_window_s=2.0))
    steps = _steps(0, 20, 172) + _steps(20, 40, 165)
    t = 40.0
    for i in range(20):  # 166.5 / 167.5 alternating every 5 s: inside the hysteresis band
        spm = 166.5 if i % 2 == 0 else 167.5
        steps += _steps(t, t + 5, spm)
        t += 5
    alerts = _feed_steps(e, steps)
    assert [(a.kind, a.state) for a in alerts] == [("cadence", "raised")]


def test_cooldown_stops_nagging():
    s = AlertSettings(target_cadence_spm=170, cadence_window_s=2.0, cooldown_s=30.0)
    e = AlertEngine(s)
    steps = (
        _steps(0, 10, 172) + _steps(10, 25, 160) + _steps(25, 35, 172)  # raise, clear
        + _steps(35, 50, 160)  # low again within the cool-down: silent
        + _steps(50, 80, 160)  # still low after the cool-down: raised again
    )
    alerts = _feed_steps(e, steps)
    states = [(a.state, round(a.t_s)) for a in alerts]
    assert [st for st, _ in states] == ["raised", "cleared", "raised"], states
    assert alerts[2].t_s - alerts[1].t_s >= s.cooldown_s


def test_stopping_clears_and_does_not_alert():
    e = AlertEngine(AlertSettings(target_cadence_spm=170, cadence_window_s=2.0))
    alerts = _feed_steps(e, _steps(0, 10, 172) + _steps(10, 30, 150))
    assert [a.state for a in alerts] == ["raised"]
    # Standing still: time goes on without steps.
    alerts = e.update([], Metrics(t_s=40.0))
    assert [(a.kind, a.state) for a in alerts] == [("cadence", "cleared")]
    assert e.update([], Metrics(t_s=100.0)) == []


def test_rotation_n_of_m():
    s = AlertSettings(rotation_budget_deg=19.4, rotation_n=4, rotation_m=6)
    e = AlertEngine(s)
    # Isolated big strides (3 of any 6) never alert.
    assert e.update(_strides([12, 25, 12, 25, 12, 25, 12, 12, 25, 12] * 3)) == []
    alerts = e.update(_strides([25, 26, 27, 28], t0=100))
    assert [(a.kind, a.state) for a in alerts] == [("rotation", "raised")]
    assert alerts[0].value > 19.4
    # Back to small: clears once at most 1 of the last 6 is near the budget.
    alerts = e.update(_strides([12] * 6, t0=110))
    assert [(a.kind, a.state) for a in alerts] == [("rotation", "cleared")]


def test_target_change_applies_live():
    e = AlertEngine(AlertSettings(target_cadence_spm=170, cadence_window_s=2.0))
    assert [a.state for a in _feed_steps(e, _steps(0, 30, 165))] == ["raised"]  # 165 < 167
    e2 = AlertEngine(AlertSettings(target_cadence_spm=170, cadence_window_s=2.0))
    e2.set_target(165.0)  # line 162: 165 is fine
    assert _feed_steps(e2, _steps(0, 30, 165)) == []
