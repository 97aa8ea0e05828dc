"""Differences between runs: each compared metric (:data:`METRICS`), a moving-block bootstrap of
its difference, and one plain-language sentence per difference.

* The first run is the baseline: every other run is compared with it (B − A, C − A, ...).
* Direction against the runner's targets (each run's own metadata): for cadence the shortfall
  below the target cadence counts (higher toward the target is better; at or above the target is
  "on target"); with no target, higher cadence is taken as better. Lower rotation is better
  (the rotation budget is the reference line); lower % below target / % over budget is better;
  asymmetries are better nearer 0.
* Is a difference real? Two yardsticks, both reported:
  - ``ci95``: a 95 % moving-block bootstrap confidence interval of the difference (blocks of
    ``BLOCK`` consecutive steps or strides resampled within each run, so slow drift and
    stride-to-stride correlation are kept); ``clear`` means the interval excludes 0;
  - ``pooled_sd``: the pooled stride-to-stride SD (sqrt of the mean of both runs' variances of
    per-step cadence, per-stride rotation); ``beyond_variability`` means |difference| > pooled SD.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from stridemon.coach.metrics import (
    asymmetry_pct,
    below_target_parts,
    rotation_halves,
    side_step_times,
    step_cadence,
    stride_rotation,
)
from stridemon.coach.runs import RunData, letter
from stridemon.sinks.summary import _num

BLOCK = 10  # moving-block bootstrap: consecutive steps/strides per block
N_BOOT = 1000  # bootstrap draws


# -- differences -----------------------------------------------------------------------------------
Parts = list[tuple[np.ndarray, ...]]  # per run: groups of aligned arrays, each group resampled jointly


@dataclass(frozen=True, kw_only=True)
class MetricDef:
    """A compared metric: how to get its per-item data from a run and the statistic over it."""

    key: str  # summary key
    label: str  # plain-language name
    unit: str
    better: str  # "cadence" (toward/above target) | "lower" | "toward_zero"
    parts: Callable[[RunData], Parts]
    stat: Callable[[Parts], float]
    spread: Callable[[RunData], float] | None = None  # stride-to-stride SD, in the metric's unit
    quantile: float | None = None  # ``stat`` is this percentile of one array (bootstrapped all at once)


def _median0(p: Parts) -> float:
    return float(np.median(p[0][0])) if len(p[0][0]) else math.nan


def _p90(p: Parts) -> float:
    return float(np.percentile(p[0][0], 90)) if len(p[0][0]) else math.nan


def _weighted_pct(p: Parts) -> float:
    dt, ind = p[0]
    return 100.0 * float(np.sum(dt * ind) / np.sum(dt)) if len(dt) else math.nan


def _mean_pct(p: Parts) -> float:
    return 100.0 * float(np.mean(p[0][0])) if len(p[0][0]) else math.nan


def _asym_parts(p: Parts) -> float:
    return asymmetry_pct(p[0][0], p[1][0])


def _over_budget(run: RunData) -> Parts:
    b = run.meta.rotation_budget_deg
    rot = stride_rotation(run)
    return [((rot > b).astype(float) if b is not None else np.empty(0),)]


def _below_target(run: RunData) -> Parts:
    t = run.meta.target_cadence_spm
    return [below_target_parts(run, t) if t is not None and run.steps else (np.empty(0), np.empty(0))]


def _sd(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1)) if len(x) > 1 else math.nan


METRICS: tuple[MetricDef, ...] = (
    MetricDef(
        key="cadence_spm_median",
        label="cadence (median)",
        unit="spm",
        better="cadence",
        parts=lambda r: [(step_cadence(r),)],
        stat=_median0,
        quantile=50.0,
        spread=lambda r: _sd(step_cadence(r)),
    ),
    MetricDef(
        key="rotation_deg_median",
        label="rotation per stride (median)",
        unit="°",
        better="lower",
        parts=lambda r: [(stride_rotation(r),)],
        stat=_median0,
        quantile=50.0,
        spread=lambda r: _sd(stride_rotation(r)),
    ),
    MetricDef(
        key="rotation_deg_p90",
        label="rotation per stride (90th percentile)",
        unit="°",
        better="lower",
        parts=lambda r: [(stride_rotation(r),)],
        stat=_p90,
        quantile=90.0,
        spread=lambda r: _sd(stride_rotation(r)),
    ),
    MetricDef(
        key="time_below_target_pct",
        label="time below target cadence",
        unit="%",
        better="lower",
        parts=_below_target,
        stat=_weighted_pct,
    ),
    MetricDef(
        key="strides_over_budget_pct",
        label="strides over rotation budget",
        unit="%",
        better="lower",
        parts=_over_budget,
        stat=_mean_pct,
    ),
    MetricDef(
        key="step_time_asymmetry_pct",
        label="step-time asymmetry (left − right)",
        unit="%",
        better="toward_zero",
        parts=lambda r: [(a,) for a in side_step_times(r)],
        stat=_asym_parts,
    ),
    MetricDef(
        key="rotation_asymmetry_pct",
        label="rotation asymmetry (left − right step)",
        unit="%",
        better="toward_zero",
        parts=lambda r: [(a,) for a in rotation_halves(r)],
        stat=_asym_parts,
    ),
)


def _block_indices(n: int, n_boot: int, rng: np.random.Generator, block: int = BLOCK) -> np.ndarray:
    """(n_boot, n) indices of a moving-block bootstrap of a series of length n."""
    L = max(1, min(block, n))
    k = math.ceil(n / L)
    starts = rng.integers(0, n - L + 1, size=(n_boot, k))
    return (starts[:, :, None] + np.arange(L)).reshape(n_boot, -1)[:, :n]


def _bootstrap(parts: Parts, stat: Callable[[Parts], float], n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot`` bootstrap replicates of ``stat`` (each group of arrays resampled jointly)."""
    idx = [_block_indices(len(g[0]), n_boot, rng) if len(g[0]) else None for g in parts]
    out = np.empty(n_boot)
    for i in range(n_boot):
        out[i] = stat([tuple(a[ix[i]] for a in g) if ix is not None else g for g, ix in zip(parts, idx, strict=True)])
    return out


def _vectorised_median_boot(x: np.ndarray, n_boot: int, rng: np.random.Generator, q: float = 50.0) -> np.ndarray:
    if not len(x):
        return np.full(n_boot, np.nan)
    return np.percentile(x[_block_indices(len(x), n_boot, rng)], q, axis=1)


@dataclass(frozen=True, kw_only=True)
class Difference:
    """One metric, run ``b`` against the baseline run ``a`` (indices into the compared runs)."""

    metric: str
    label: str
    unit: str
    a: int
    b: int
    a_value: float | None
    b_value: float | None
    difference: float | None = None  # b − a
    direction: str  # "better" | "worse" | "same" | "n/a"  (b relative to a)
    clear: bool | None = None  # the 95 % bootstrap CI excludes 0
    ci95: tuple[float, float] | None = None
    pooled_sd: float | None = None  # pooled stride-to-stride SD (cadence, rotation only)
    beyond_variability: bool | None = None  # |difference| > pooled_sd
    why: str  # the rule used for the direction
    text: str = ""  # one plain-language sentence

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["ci95"] = list(self.ci95) if self.ci95 is not None else None
        return d


def _cadence_score(x: float, target: float | None) -> float:
    """Smaller is better: shortfall below the target (spm), or −cadence without a target."""
    return max(0.0, target - x) if target is not None else -x


def _direction(md: MetricDef, ra: RunData, rb: RunData, va: float, vb: float) -> tuple[str, str]:
    if not (math.isfinite(va) and math.isfinite(vb)):
        return "n/a", "not available for both runs"
    if md.better == "cadence":
        ta = ra.meta.target_cadence_spm or rb.meta.target_cadence_spm
        tb = rb.meta.target_cadence_spm or ra.meta.target_cadence_spm
        sa, sb = _cadence_score(va, ta), _cadence_score(vb, tb)
        if ta is None:
            why = "no target cadence set, so higher counts as better"
        elif sa == 0 and sb == 0:
            why = f"both at or above the {_g(ta)}" + (f"/{_g(tb)}" if tb != ta else "") + " spm target"
        else:
            why = f"judged by the shortfall below the {_g(ta)}" + (f"/{_g(tb)}" if tb != ta else "") + " spm target"
    elif md.better == "lower":
        sa, sb, why = va, vb, "lower is better"
    else:
        sa, sb, why = abs(va), abs(vb), "nearer 0 is better"
    if abs(sb - sa) < 1e-9:
        return "same", why
    return ("better" if sb < sa else "worse"), why


def _g(x: float | None) -> str:
    return "–" if x is None else f"{x:g}"


def compare_pair(
    ra: RunData, rb: RunData, a: int = 0, b: int = 1, n_boot: int = N_BOOT, seed: int = 0
) -> list[Difference]:
    """Differences of every metric in :data:`METRICS`, ``rb`` against baseline ``ra``."""
    rng = np.random.default_rng(seed)
    out = []
    for md in METRICS:
        pa, pb = md.parts(ra), md.parts(rb)
        va, vb = md.stat(pa), md.stat(pb)
        direction, why = _direction(md, ra, rb, va, vb)
        common = dict(metric=md.key, label=md.label, unit=md.unit, a=a, b=b, a_value=_num(va, 2), b_value=_num(vb, 2))
        if direction == "n/a":
            out.append(Difference(**common, direction="n/a", why=why, text=f"{md.label}: not available for both runs"))
            continue
        if md.quantile is not None:  # a percentile of one array: all draws at once
            ba = _vectorised_median_boot(pa[0][0], n_boot, rng, md.quantile)
            bb = _vectorised_median_boot(pb[0][0], n_boot, rng, md.quantile)
        else:
            ba, bb = _bootstrap(pa, md.stat, n_boot, rng), _bootstrap(pb, md.stat, n_boot, rng)
        diffs = bb - ba
        diffs = diffs[np.isfinite(diffs)]
        ci = (float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))) if len(diffs) > 20 else None
        clear = None if ci is None else bool(ci[0] > 0 or ci[1] < 0)
        sd = None
        if md.spread is not None:
            sa_, sb_ = md.spread(ra), md.spread(rb)
            if math.isfinite(sa_) and math.isfinite(sb_):
                sd = math.sqrt(0.5 * (sa_**2 + sb_**2))
        d = vb - va
        beyond = None if sd is None else bool(abs(d) > sd)
        ci_r = None if ci is None else (round(ci[0], 2), round(ci[1], 2))
        diff = Difference(
            **common,
            difference=_num(d, 2),
            direction=direction,
            clear=clear,
            ci95=ci_r,
            pooled_sd=_num(sd, 2) if sd is not None else None,
            beyond_variability=beyond,
            why=why,
        )
        out.append(replace(diff, text=difference_text(diff, ra, rb)))
    return out


def difference_text(d: Difference, ra: RunData, rb: RunData) -> str:
    """One sentence a coach can read, e.g. 'B's cadence is 12 spm higher than A's (176 vs 164): better
    (shortfall below target 175 spm); a clear difference, larger than the stride-to-stride spread.'"""
    A, B = letter(d.a), letter(d.b)
    if d.difference is None:
        return f"{d.label}: not available for both runs"
    unit = "" if d.unit in ("%", "°") else " "
    size = abs(d.difference)
    if d.unit == "%":
        amount = f"{size:.1f} points"
    else:
        amount = f"{size:.1f}{unit}{d.unit}"
    if size < 0.05:
        s = f"{B}'s {d.label} is the same as {A}'s ({d.b_value:.1f}{unit}{d.unit})"
    else:
        word = "higher" if d.difference > 0 else "lower"
        s = f"{B}'s {d.label} is {amount} {word} than {A}'s ({d.b_value:.1f} vs {d.a_value:.1f}{unit}{d.unit})"
    if d.direction in ("better", "worse"):
        s += f": {d.direction} ({d.why})"
    elif d.direction == "same":
        s += f": no better or worse ({d.why})"
    if d.clear is None:
        s += "."
    elif not d.clear:
        s += "; not distinguishable from stride-to-stride noise."
    elif d.beyond_variability is False:
        s += "; a real but small difference (within the stride-to-stride spread)."
    elif d.beyond_variability:
        s += "; a clear difference, larger than the stride-to-stride spread."
    else:
        s += "; a clear difference."
    return s


METHOD = (
    f"Each run is compared with the baseline (the first readable run). Difference = run − baseline. "
    f"95% CI: moving-block bootstrap (blocks of {BLOCK} consecutive steps or strides, {N_BOOT} draws) of the "
    "difference; 'clear' when the CI excludes 0. Stride-to-stride variability: pooled SD of per-step cadence or "
    "per-stride rotation, sqrt((SD_a² + SD_b²)/2); 'beyond_variability' when |difference| > pooled SD. "
    "Cadence is better nearer or above the runner's target (shortfall below target; without a target, higher); "
    "rotation is better lower (the budget is the reference); asymmetries are better nearer 0."
)
