"""Runner settings: cadence plan, budget in cm, JSON round-trip in a private config dir."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from stridemon.errors import InputError
from stridemon.settings import (
    DEFAULT_TARGET_SPM,
    CadencePlan,
    RunnerSettings,
    config_dir,
    load_runner,
    runner_path,
    save_runner,
)


@pytest.fixture(autouse=True)
def private_config(tmp_path, monkeypatch):
    monkeypatch.setenv("STRIDEMON_CONFIG_DIR", str(tmp_path / "cfg"))
    return tmp_path / "cfg"


def test_plan_raises_5_every_4_weeks_up_to_cap():
    d0 = dt.date(2025, 1, 6)
    plan = CadencePlan()
    assert plan.target_spm(d0) == DEFAULT_TARGET_SPM  # no baseline yet
    plan.start(163.4, on=d0)
    assert plan.target_spm(d0) == pytest.approx(163.4)
    assert plan.target_spm(d0 + dt.timedelta(weeks=3, days=6)) == pytest.approx(163.4)
    assert plan.target_spm(d0 + dt.timedelta(weeks=4)) == pytest.approx(168.4)
    assert plan.target_spm(d0 + dt.timedelta(weeks=8)) == pytest.approx(173.4)
    assert plan.target_spm(d0 + dt.timedelta(weeks=40)) == 180.0  # cap
    assert plan.target_spm(d0 - dt.timedelta(days=10)) == pytest.approx(163.4)  # before the start
    fast = CadencePlan(baseline_spm=185, start_date="2025-01-01")
    assert fast.target_spm(d0) == 185  # already above the cap: never lowered
    custom = CadencePlan(baseline_spm=160, start_date="2025-01-01", step_spm=3, every_weeks=2, cap_spm=170)
    assert custom.target_spm(dt.date(2025, 1, 29)) == 166


def test_budget_in_cm_each_way():
    s = RunnerSettings()
    assert s.rotation_budget_deg == pytest.approx(19.4, abs=0.05)  # an inch each way at 15 cm
    assert s.rotation_budget_cm == pytest.approx(2.54)
    s.set_rotation_budget_cm(2.0)
    assert s.rotation_budget_cm == pytest.approx(2.0)
    s.torso_half_width_cm = 18.0
    s.set_rotation_budget_cm(2.54)
    assert s.rotation_budget_deg == pytest.approx(16.17, abs=0.01)


def test_round_trip(private_config):
    s = RunnerSettings(name="Ana María", target_offset_spm=-2, metronome=True, rotation_alert_n=3)
    s.plan.start(166.0, on=dt.date(2025, 3, 1))
    s.set_rotation_budget_cm(2.2)
    p = save_runner(s)
    assert p.parent == private_config / "runners" and p.suffix == ".json"
    assert p == runner_path("Ana María")
    back = load_runner("Ana María")
    assert back == s
    assert json.loads(p.read_text())["plan"]["baseline_spm"] == 166.0


def test_defaults_when_missing_and_clear_error_when_broken(private_config):
    assert load_runner("new") == RunnerSettings(name="new")
    p = runner_path("bad")
    p.parent.mkdir(parents=True)
    p.write_text("{not json")
    with pytest.raises(InputError, match="fix or delete"):
        load_runner("bad")


def test_unknown_keys_ignored(private_config):
    p = runner_path("x")
    p.parent.mkdir(parents=True)
    p.write_text(json.dumps({"cadence_tolerance_spm": 4, "future_key": 1, "plan": {"cap_spm": 175, "zzz": 2}}))
    s = load_runner("x")
    assert s.cadence_tolerance_spm == 4 and s.plan.cap_spm == 175


def test_config_dir_env(monkeypatch, tmp_path):
    monkeypatch.delenv("STRIDEMON_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_dir() == tmp_path / "stridemon"
