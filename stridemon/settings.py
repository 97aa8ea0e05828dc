"""Per-runner settings and the cadence plan (pure: no Qt, no I/O except load/save).

A runner's settings live in one JSON file, ``<config dir>/runners/<name>.json``. The config dir is
``$STRIDEMON_CONFIG_DIR`` if set (tests use it), else ``$XDG_CONFIG_HOME/stridemon``, else
``~/.config/stridemon``.

The cadence plan raises the target from the runner's measured baseline by ``step_spm`` every
``every_weeks`` weeks up to ``cap_spm`` (coaches move runners toward ~180 spm, about +5 spm every
4 weeks). The rotation budget is a yaw range in degrees; it can be set as "cm each way at the side
of the torso" (``arc = r·θ/2``; about an inch each way with a 15 cm half-width is ≈ 19.4°).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stridemon.dsp.rotation import arc_cm, rotation_from_arc_deg
from stridemon.errors import InputError

INCH_CM = 2.54
DEFAULT_TARGET_SPM = 170.0  # used until the runner has a measured baseline


@dataclass
class CadencePlan:
    """Target cadence over the weeks: baseline + step every N weeks, capped."""

    baseline_spm: float | None = None  # the runner's measured cadence when the plan started
    start_date: str | None = None  # ISO date (YYYY-MM-DD) the plan started
    step_spm: float = 5.0  # raise per stage, steps/min
    every_weeks: float = 4.0  # stage length, weeks
    cap_spm: float = 180.0  # never plan above this

    def target_spm(self, on: dt.date | None = None) -> float:
        """The planned target (spm) on date ``on`` (today by default)."""
        if self.baseline_spm is None or not math.isfinite(self.baseline_spm):
            return DEFAULT_TARGET_SPM
        if self.baseline_spm >= self.cap_spm:
            return float(self.baseline_spm)
        on = on or dt.date.today()
        start = dt.date.fromisoformat(self.start_date) if self.start_date else on
        weeks = max((on - start).days, 0) / 7.0
        stages = math.floor(weeks / self.every_weeks + 1e-9) if self.every_weeks > 0 else 0
        return float(min(self.baseline_spm + stages * self.step_spm, self.cap_spm))

    def start(self, baseline_spm: float, on: dt.date | None = None) -> None:
        """(Re)start the plan from a measured baseline cadence (spm) on date ``on``."""
        self.baseline_spm = round(float(baseline_spm), 1)
        self.start_date = (on or dt.date.today()).isoformat()


@dataclass
class RunnerSettings:
    """Everything the dashboard and the alert engine need about one runner."""

    name: str = "runner"
    plan: CadencePlan = field(default_factory=CadencePlan)
    target_offset_spm: float = 0.0  # manual adjustment on top of the plan (the +/- keys)
    cadence_tolerance_spm: float = 3.0  # alert below target minus this
    cadence_alert_after_s: float = 10.0  # ... for this long (debounce)
    cadence_clear_margin_spm: float = 1.5  # hysteresis: clear only this far above the alert line
    rotation_budget_deg: float = rotation_from_arc_deg(INCH_CM, 15.0)  # yaw range per stride, deg
    torso_half_width_cm: float = 15.0  # lever for "cm each way"
    rotation_alert_n: int = 4  # alert when N ...
    rotation_alert_m: int = 6  # ... of the last M strides are over budget
    rotation_clear_margin_deg: float = 1.0  # hysteresis: clear when few strides exceed budget minus this
    cooldown_s: float = 30.0  # after an alert clears, the same alert is not raised again this soon
    sound: bool = True  # audible cues (when the machine has audio)
    speech: bool = True  # spoken words instead of tones, where a speech engine exists
    metronome: bool = False  # a click at the target cadence

    # -- derived ------------------------------------------------------------------------
    def target_cadence_spm(self, on: dt.date | None = None) -> float:
        """Today's target: the plan's target plus the manual offset (spm)."""
        return self.plan.target_spm(on) + self.target_offset_spm

    @property
    def rotation_budget_cm(self) -> float:
        """The budget as arc length each way at the side of the torso (cm)."""
        return arc_cm(self.rotation_budget_deg, self.torso_half_width_cm)

    def set_rotation_budget_cm(self, cm_each_way: float) -> None:
        """Set the budget as cm each way at the side of the torso."""
        self.rotation_budget_deg = rotation_from_arc_deg(cm_each_way, self.torso_half_width_cm)

    # -- JSON ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunnerSettings:
        """Build from a dict; unknown keys are ignored (files from newer versions still load)."""
        known = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in known and k != "plan"}
        plan_known = {f.name for f in dataclasses.fields(CadencePlan)}
        plan = CadencePlan(**{k: v for k, v in (d.get("plan") or {}).items() if k in plan_known})
        return cls(plan=plan, **kw)


def config_dir() -> Path:
    """Where stridemon keeps its settings (see module docstring)."""
    if os.environ.get("STRIDEMON_CONFIG_DIR"):
        return Path(os.environ["STRIDEMON_CONFIG_DIR"])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "stridemon"


def _safe_name(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_.-]+", "_", name.strip()).strip("._")
    return s or "runner"


def runner_path(name: str, directory: Path | None = None) -> Path:
    """The JSON file of runner ``name``."""
    return (directory or config_dir()) / "runners" / f"{_safe_name(name)}.json"


def load_runner(name: str = "runner", directory: Path | None = None) -> RunnerSettings:
    """The saved settings of ``name``, or defaults if there are none yet."""
    p = runner_path(name, directory)
    if not p.exists():
        return RunnerSettings(name=name)
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(d, dict):
            raise ValueError("not a JSON object")
        s = RunnerSettings.from_dict(d)
    except (ValueError, TypeError) as e:
        raise InputError(f"{p}: unreadable runner settings ({e}); fix or delete the file") from None
    s.name = name
    return s


def save_runner(settings: RunnerSettings, directory: Path | None = None) -> Path:
    """Write the settings (atomically) and return the file."""
    p = runner_path(settings.name, directory)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(settings.to_dict(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    tmp.replace(p)
    return p
