"""Whole-run summary and the ``analyze --json`` document (docs/interfaces.md; keep it exact)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from stridemon.dsp.cadence import step_time_asymmetry_pct
from stridemon.events import Step, StepDynamics, Stride


def _num(x: float, nd: int = 3) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def _pct(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else math.nan


def summarize(
    steps: list[Step],
    strides: list[Stride],
    duration_s: float,
    gaps: int = 0,
    target_cadence_spm: float | None = None,
    rotation_budget_deg: float | None = None,
) -> dict[str, Any]:
    """Headline numbers of a run. The first four keys are the fixed interface; the rest are extras."""
    cad = np.array([s.cadence_spm for s in steps], dtype=float)
    cad = cad[np.isfinite(cad)]
    rot = np.array([s.rotation_deg for s in strides], dtype=float)
    rot = rot[np.isfinite(rot)]
    rot_cm = np.array([s.rotation_cm for s in strides], dtype=float)
    asym = step_time_asymmetry_pct(steps)  # (L - R) / mean of the median step times, percent
    out: dict[str, Any] = {
        "steps": len(steps),
        "duration_s": _num(duration_s),
        "cadence_spm_median": _num(float(np.median(cad)) if len(cad) else math.nan, 1),
        "rotation_deg_median": _num(float(np.median(rot)) if len(rot) else math.nan, 1),
        "strides": len(strides),
        "cadence_spm_iqr": [_num(_pct(cad, 25), 1), _num(_pct(cad, 75), 1)],
        "rotation_deg_p90": _num(_pct(rot, 90), 1),
        "rotation_cm_median": _num(float(np.median(rot_cm)) if len(rot_cm) else math.nan, 2),
        "step_time_asymmetry_pct": _num(asym, 1),
        "left_steps": sum(1 for s in steps if s.side == "left"),
        "right_steps": sum(1 for s in steps if s.side == "right"),
        "gaps": gaps,
    }
    if target_cadence_spm is not None and len(cad):
        out["steps_below_target_pct"] = _num(100.0 * float(np.mean(cad < target_cadence_spm)), 1)
    if rotation_budget_deg is not None and len(rot):
        out["strides_over_budget_pct"] = _num(100.0 * float(np.mean(rot > rotation_budget_deg)), 1)
    return out


DYNAMICS_KEYS = ("contact_ms", "vertical_oscillation_cm", "braking_mps", "impact_g", "pelvic_drop_deg")
_DYNAMICS_DIGITS = {
    "contact_ms": 1,
    "vertical_oscillation_cm": 2,
    "braking_mps": 3,
    "impact_g": 2,
    "pelvic_drop_deg": 2,
}


def dynamics_summary(steps: list[Step], dynamics: list[StepDynamics], strides: list[Stride]) -> dict[str, Any]:
    """Medians of the running dynamics (``<key>_median``), the left/right asymmetry of contact
    time ((L − R) / mean, %), the duty factor (contact time / stride time) and the median tilt
    range per stride; null where not measured (walking, no gyroscope)."""
    side_of = {s.t_s: s.side for s in steps}
    out: dict[str, Any] = {}
    for key in DYNAMICS_KEYS:
        v = np.array([getattr(d, key) for d in dynamics], dtype=float)
        v = v[np.isfinite(v)]
        out[f"{key}_median"] = _num(float(np.median(v)) if len(v) else math.nan, _DYNAMICS_DIGITS[key])
    contact = {"left": [], "right": []}
    duty = []
    for d in dynamics:
        if math.isfinite(d.contact_ms) and side_of.get(d.t_s) in contact:
            contact[side_of[d.t_s]].append(d.contact_ms)
    steps_t = np.array([s.t_s for s in steps])
    cad = np.array([s.cadence_spm for s in steps], dtype=float)
    for d in dynamics:  # duty factor: contact over the stride (two steps) around it
        i = int(np.searchsorted(steps_t, d.t_s))
        if math.isfinite(d.contact_ms) and i + 1 < len(steps_t) and math.isfinite(cad[i + 1]):
            duty.append(d.contact_ms / 1000.0 / (2 * 60.0 / cad[i + 1]))
    asym = math.nan
    if len(contact["left"]) >= 3 and len(contact["right"]) >= 3:
        ml, mr = float(np.median(contact["left"])), float(np.median(contact["right"]))
        asym = 100.0 * (ml - mr) / (0.5 * (ml + mr))
    out["contact_time_asymmetry_pct"] = _num(asym, 1)
    out["duty_factor_median"] = _num(float(np.median(duty)) if duty else math.nan, 3)
    tilt = np.array([s.tilt_range_deg for s in strides], dtype=float)
    tilt = tilt[np.isfinite(tilt)]
    out["tilt_range_deg_median"] = _num(float(np.median(tilt)) if len(tilt) else math.nan, 2)
    return out


def analysis_document(
    steps: list[Step],
    strides: list[Stride],
    duration_s: float,
    gaps: int = 0,
    extra: dict | None = None,
    dynamics: list[StepDynamics] | None = None,
) -> dict[str, Any]:
    """The ``stridemon analyze --json`` object: steps, strides and summary (times on the input clock).

    Each step carries its running dynamics (``contact_ms`` …; docs/interfaces.md), null where
    not measured."""
    dyn = {d.t_s: d for d in dynamics or []}
    none = dict.fromkeys(DYNAMICS_KEYS)
    step_rows = []
    for s in steps:
        row = {"t": round(s.t_s, 4), "side": s.side, "cadence_spm": _num(s.cadence_spm, 2)}
        d = dyn.get(s.t_s)
        if d is None:
            row.update(none)
        else:
            row.update({k: _num(getattr(d, k), _DYNAMICS_DIGITS[k]) for k in DYNAMICS_KEYS})
        step_rows.append(row)
    return {
        "steps": step_rows,
        "strides": [
            {
                "t": round(s.t_s, 4),
                "rotation_deg": _num(s.rotation_deg, 2),
                "end": round(s.end_s, 4),
                "side": s.side,
                "rotation_cm": _num(s.rotation_cm, 2),
                "tilt_range_deg": _num(s.tilt_range_deg, 2),
            }
            for s in strides
        ],
        "summary": {
            **summarize(steps, strides, duration_s, gaps),
            **dynamics_summary(steps, list(dynamics or []), strides),
            **(extra or {}),
        },
    }
