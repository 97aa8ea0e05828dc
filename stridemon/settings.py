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
import hashlib
import itertools
import json
import logging
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stridemon.dsp.rotation import arc_cm, rotation_from_arc_deg
from stridemon.errors import InputError

INCH_CM = 2.54
DEFAULT_TARGET_SPM = 170.0  # used until the runner has a measured baseline

log = logging.getLogger(__name__)


# -- JSON from files other people send (settings, sidecars, the folder cache) ------------------------
MAX_JSON_DEPTH = 32  # ours are 3 deep at most; deeper members are dropped before json can recurse
MAX_INT_DIGITS = 30  # a 64-bit count has 20 digits; longer integers are junk, not measurements
MAX_KEY_CHARS = 255  # a file name's length on common file systems


class HugeInt:
    """Stands for an integer over :data:`MAX_INT_DIGITS` digits while parsing (never a valid value)."""

    def __repr__(self) -> str:
        return f"<an integer over {MAX_INT_DIGITS} digits>"


HUGE_INT = HugeInt()
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def _parse_int(text: str) -> int | HugeInt:
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else HUGE_INT


def _loads(text: str) -> Any:
    # NaN / Infinity literals become NaN: every validator rejects non-finite numbers.
    return json.loads(text, parse_int=_parse_int, parse_constant=lambda _c: math.nan)


def parse_json_object(text: str, max_depth: int = MAX_JSON_DEPTH) -> tuple[dict[str, Any], list[str]]:
    """A JSON object from untrusted text, without recursion trouble: ``(object, problems)``.

    Depth is measured before parsing (brackets outside strings, a cumulative sum: no recursion), so
    100,000 levels cost a linear scan, not a RecursionError. A top-level member nested deeper than
    ``max_depth`` is dropped and named in ``problems``; the other members are kept. Integers over
    :data:`MAX_INT_DIGITS` digits parse as :data:`HUGE_INT` and NaN/Infinity as NaN, for the
    validators to reject field by field. Raises ValueError if the text is not a JSON object.
    """
    import numpy as np

    skel = _JSON_STRING.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', text)  # same length
    codes = np.frombuffer(skel.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    depth = np.cumsum(((codes == 91) | (codes == 123)).astype(np.int64) - ((codes == 93) | (codes == 125)))
    if not len(depth) or depth.max() <= max_depth:
        obj = _loads(text)
        if not isinstance(obj, dict):
            raise ValueError("not a JSON object")
        return obj, []
    start = len(skel) - len(skel.lstrip())
    if skel[start : start + 1] != "{":
        raise ValueError(f"nested deeper than {max_depth} levels")
    ends = np.flatnonzero(depth[start:] == 0)
    if not len(ends):
        raise ValueError("not a complete JSON object")
    end = start + int(ends[0])
    seps = [start, *(start + 1 + np.flatnonzero((codes[start + 1 : end] == 44) & (depth[start + 1 : end] == 1))), end]
    obj: dict[str, Any] = {}
    problems: list[str] = []
    for a, b in itertools.pairwise(seps):
        member = text[a + 1 : b]
        if not member.strip():
            continue
        m = _JSON_STRING.match(member.strip())
        key = _loads(m.group()) if m else "?"
        if int(depth[a + 1 : b].max()) - 1 > max_depth - 1:
            problems.append(f"'{str(key)[:40]}': nested deeper than {max_depth} levels (ignored)")
            continue
        obj.update(_loads("{" + member + "}"))
    return obj, problems


def describe(v: Any) -> str:
    """A short, printable description of a rejected value (never the whole of a long one)."""
    if v is HUGE_INT or (isinstance(v, int) and v.bit_length() > 100):
        return repr(HUGE_INT)
    if isinstance(v, dict | list):
        return f"a {'list' if isinstance(v, list) else 'JSON object'}"
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


def check_number(v: Any, lo: float, hi: float, integer: bool = False) -> float | int | None:
    """``v`` if it is a finite number (an int with ``integer``) in [lo, hi], else None."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    if integer and not (isinstance(v, int) or float(v).is_integer()):
        return None
    try:
        x = float(v)
    except OverflowError:
        return None
    if not (math.isfinite(x) and lo <= x <= hi):
        return None
    return int(x) if integer else x


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
    def from_dict(cls, d: dict[str, Any], problems: list[str] | None = None) -> RunnerSettings:
        """Build from a dict; unknown keys are ignored (files from newer versions still load).

        Every known field is checked (type, finite, range): a bad one keeps its default and is
        described in ``problems`` (one line each), the others are used.
        """
        problems = problems if problems is not None else []
        kw: dict[str, Any] = {}
        for key, v in d.items():
            if key not in _FIELDS:
                continue
            ok = _check_field(_FIELDS[key], v)
            if ok is None:
                problems.append(f"'{key}' must be {_expect(_FIELDS[key])}, not {describe(v)} (default kept)")
            else:
                kw[key] = ok
        if kw.get("rotation_alert_n", 4) > kw.get("rotation_alert_m", 6):
            problems.append("'rotation_alert_n' is more than 'rotation_alert_m' (defaults kept)")
            kw.pop("rotation_alert_n", None)
            kw.pop("rotation_alert_m", None)
        plan_d = d.get("plan")
        pkw: dict[str, Any] = {}
        if plan_d is not None and not isinstance(plan_d, dict):
            problems.append(f"'plan' must be a JSON object, not {describe(plan_d)} (default kept)")
        elif isinstance(plan_d, dict):
            for key, v in plan_d.items():
                if key not in _PLAN_FIELDS:
                    continue
                ok = _check_field(_PLAN_FIELDS[key], v)
                if ok is None and not (v is None and key in ("baseline_spm", "start_date")):
                    problems.append(
                        f"'plan.{key}' must be {_expect(_PLAN_FIELDS[key])}, not {describe(v)} (default kept)"
                    )
                elif ok is not None:
                    pkw[key] = ok
        return cls(plan=CadencePlan(**pkw), **kw)


# Field checks: ("float", lo, hi) | ("int", lo, hi) | ("bool",) | ("text",) | ("date",).
_FIELDS: dict[str, tuple] = {
    "target_offset_spm": ("float", -100.0, 100.0),
    "cadence_tolerance_spm": ("float", 0.0, 50.0),
    "cadence_alert_after_s": ("float", 0.0, 3600.0),
    "cadence_clear_margin_spm": ("float", 0.0, 50.0),
    "rotation_budget_deg": ("float", 0.1, 180.0),
    "torso_half_width_cm": ("float", 1.0, 100.0),
    "rotation_alert_n": ("int", 1, 100),
    "rotation_alert_m": ("int", 1, 100),
    "rotation_clear_margin_deg": ("float", 0.0, 90.0),
    "cooldown_s": ("float", 0.0, 3600.0),
    "sound": ("bool",),
    "speech": ("bool",),
    "metronome": ("bool",),
}
_PLAN_FIELDS: dict[str, tuple] = {
    "baseline_spm": ("float", 30.0, 400.0),
    "start_date": ("date",),
    "step_spm": ("float", 0.0, 50.0),
    "every_weeks": ("float", 0.1, 520.0),
    "cap_spm": ("float", 30.0, 400.0),
}


def _check_field(spec: tuple, v: Any) -> Any:
    kind = spec[0]
    if kind == "bool":
        return v if isinstance(v, bool) else None
    if kind == "date":
        if not isinstance(v, str) or len(v) > 10:
            return None
        try:
            return dt.date.fromisoformat(v).isoformat()
        except ValueError:
            return None
    return check_number(v, spec[1], spec[2], integer=kind == "int")


def _expect(spec: tuple) -> str:
    if spec[0] == "bool":
        return "true or false"
    if spec[0] == "date":
        return "a date YYYY-MM-DD"
    if spec[0] == "int":
        return f"a whole number from {spec[1]} to {spec[2]}"
    return f"a number from {spec[1]:g} to {spec[2]:g}"


def config_dir() -> Path:
    """Where stridemon keeps its settings (see module docstring)."""
    if os.environ.get("STRIDEMON_CONFIG_DIR"):
        return Path(os.environ["STRIDEMON_CONFIG_DIR"])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "stridemon"


def _safe_name(name: str) -> str:
    """The readable ASCII part of a file name (the whole name of releases before 0.x: see below)."""
    s = re.sub(r"[^A-Za-z0-9_.-]+", "_", name.strip()).strip("._")
    return s or "runner"


def _file_stem(name: str) -> str:
    """A file name for ``name``, one per name: plain ASCII names (``Anna``, ``bo_2``) are their own
    file name, as before; any other name (``Zoë``, ``Zoé``, ``Ana María``) is a readable ASCII slug
    plus ``+`` and a 10-hex-digit hash of its exact NFC form. ``+`` never occurs in a plain name,
    so the two kinds cannot meet; two hashed names meet only on a 40-bit hash collision.
    (Names differing only in case share a file on a case-insensitive file system.)"""
    nfc = unicodedata.normalize("NFC", name.strip())
    slug = _safe_name(nfc)
    if slug == nfc:
        return slug
    h = hashlib.blake2b(nfc.encode("utf-8", "surrogatepass"), digest_size=5).hexdigest()
    return f"{slug[:60]}+{h}"


def runner_path(name: str, directory: Path | None = None) -> Path:
    """The JSON file of runner ``name``."""
    return (directory or config_dir()) / "runners" / f"{_file_stem(name)}.json"


MAX_SETTINGS_BYTES = 1 << 20  # a settings file is ~1 KB


def _read_settings_file(p: Path) -> tuple[dict[str, Any], list[str]]:
    try:
        if p.stat().st_size > MAX_SETTINGS_BYTES:
            raise ValueError(f"{p.stat().st_size} bytes, more than {MAX_SETTINGS_BYTES}")
        return parse_json_object(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise InputError(f"{p}: unreadable runner settings ({e}); fix or delete the file") from None


def _legacy_path(name: str, directory: Path | None) -> Path | None:
    """Where releases before injective file names kept ``name``'s settings (``Zoë`` → ``Zo.json``)."""
    p = (directory or config_dir()) / "runners" / f"{_safe_name(name)}.json"
    return p if p != runner_path(name, directory) and p.is_file() else None


def load_runner(name: str = "runner", directory: Path | None = None) -> RunnerSettings:
    """The saved settings of ``name``, or defaults if there are none yet.

    A field of the wrong type or out of range is logged (one line) and keeps its default. A file
    saved by an older release under the old, shared file name is read when the name stored in it
    is this runner's (so ``Zoé`` never gets ``Zoë``'s settings); the next save moves it.
    """
    p = runner_path(name, directory)
    if not p.exists():
        old = _legacy_path(name, directory)
        if old is None:
            return RunnerSettings(name=name)
        d, problems = _read_settings_file(old)
        stored = d.get("name")
        same = isinstance(stored, str) and unicodedata.normalize("NFC", stored.strip()) == unicodedata.normalize(
            "NFC", name.strip()
        )
        if not (same or (stored is None and name.isascii())):
            return RunnerSettings(name=name)
        p = old
    else:
        d, problems = _read_settings_file(p)
    s = RunnerSettings.from_dict(d, problems)
    for msg in problems:
        log.warning("%s: %s", p, msg)
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
