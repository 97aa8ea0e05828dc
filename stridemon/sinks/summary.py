"""Whole-run summary and the ``analyze --json`` document (docs/interfaces.md; keep it exact)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from stridemon.events import Step, Stride


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
    left = np.array([s.cadence_spm for s in steps if s.side == "left"], dtype=float)
    right = np.array([s.cadence_spm for s in steps if s.side == "right"], dtype=float)
    # Step time ending on each foot (s): asymmetry = (L - R) / mean, percent.
    lt = 60.0 / left[np.isfinite(left)] if len(left) else np.empty(0)
    rt = 60.0 / right[np.isfinite(right)] if len(right) else np.empty(0)
    asym = math.nan
    if len(lt) >= 3 and len(rt) >= 3:
        ml, mr = float(np.median(lt)), float(np.median(rt))
        asym = 100.0 * (ml - mr) / (0.5 * (ml + mr))
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


def analysis_document(
    steps: list[Step], strides: list[Stride], duration_s: float, gaps: int = 0, extra: dict | None = None
) -> dict[str, Any]:
    """The ``stridemon analyze --json`` object: steps, strides and summary (times on the input clock)."""
    return {
        "steps": [
            {"t": round(s.t_s, 4), "side": s.side, "cadence_spm": _num(s.cadence_spm, 2)} for s in steps
        ],
        "strides": [
            {
                "t": round(s.t_s, 4),
                "rotation_deg": _num(s.rotation_deg, 2),
                "end": round(s.end_s, 4),
                "side": s.side,
                "rotation_cm": _num(s.rotation_cm, 2),
            }
            for s in strides
        ],
        "summary": {**summarize(steps, strides, duration_s, gaps), **(extra or {})},
    }
