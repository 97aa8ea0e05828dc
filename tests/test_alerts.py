"""Alert engine: the demo run (steady / cadence drop / swivel) and the nag-proofing rules."""

from __future__ import annotations

import math

import pytest

from stridemon.events import Alert, Step, Stride, event_to_dict
from stridemon.pipeline import Metrics, Pipeline
from stridemon.settings import RunnerSettings
from stridemon.sinks.alerts import AlertEngine, AlertSettings
from stridemon.sources.base import batches_of
from tests.fixtures.standin_runner import DEMO_SEGMENTS, standin_run


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


@pytest.fixture(scope="module")
def demo_alerts() -> list[Alert]:
    """The stand-in demo run through the real pipeline and the alert engine, 50 ms batches."""
    run, _ = standin_run()
    pipe = Pipeline()
    engine = AlertEngine(AlertSettings.from_runner(RunnerSettings()))  # target 170, budget ≈ 19.4°
    alerts = []
    for b in batches_of(run, 0.05):
        alerts += engine.update(pipe.feed(b), pipe.metrics)
    alerts += engine.update(pipe.finish(), pipe.metrics)
    assert all(isinstance(a, Alert) for a in alerts)
    return alerts


def test_demo_run_alerts_fire_in_the_right_segments(demo_alerts):
    seg = {s.name: s for s in DEMO_SEGMENTS}
    raised = [a for a in demo_alerts if a.state == "raised"]
    assert [a.kind for a in raised] == ["cadence", "rotation"], demo_alerts
    cad, rot = raised
    drop, swivel = seg["cadence drop"], seg["swivel"]
    s = AlertSettings()
    # Cadence: not before it has been low for the debounce time, and within the drop (allowing
    # the 10 s smoothing window and the 3 s ramp of the stand-in).
    assert drop.start_s + s.cadence_after_s <= cad.t_s <= drop.start_s + s.cadence_after_s + s.cadence_window_s + 4
    assert cad.t_s < drop.end_s
    assert cad.value < cad.limit == pytest.approx(167.0)
    # Rotation: after N over-budget strides of the swivel, well inside it.
    assert swivel.start_s < rot.t_s <= swivel.start_s + 3 + 8 * 0.7
    assert rot.value > rot.limit == pytest.approx(19.4, abs=0.05)
    # Both clear after their segment; nothing at all happens in the steady segments.
    cleared = {a.kind: a for a in demo_alerts if a.state == "cleared"}
    assert drop.end_s < cleared["cadence"].t_s < drop.end_s + 20
    assert swivel.end_s < cleared["rotation"].t_s < swivel.end_s + 10
    for a in demo_alerts:
        assert not (a.t_s < drop.start_s), a  # first steady segment is quiet
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
