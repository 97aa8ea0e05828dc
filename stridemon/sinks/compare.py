"""Comparing runs: per-run metrics, per-minute and per-lap segments, and differences between runs.

Pure functions over pipeline results (steps, strides, gaps, the yaw-rate signal) and recording
metadata; nothing here reads files or draws (``stridemon.library`` loads runs, ``sinks.report``
and ``ui.compare_window`` show them).

Conventions
-----------
* Times of steps, strides and markers are on the device clock (s); *elapsed* time is measured
  from the run's first sample, and *normalised* time is elapsed / duration × 100 (%).
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stridemon.events import Gap, Marker, Step, Stride
from stridemon.sinks.summary import summarize

BLOCK = 10  # moving-block bootstrap: consecutive steps/strides per block
N_BOOT = 1000  # bootstrap draws
SMOOTH_WINDOW_S = 10.0  # centred window of the cadence timeline (s), as the dashboard's cadence


# -- metadata ----------------------------------------------------------------------------------
MAX_TEXT_CHARS = 10_000  # notes; runner names 200
MAX_TAGS = 100
MAX_MARKERS = 10_000


def _describe(v: Any) -> str:
    """A short, printable description of a rejected value."""
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 100:
        return "an integer that long"
    if isinstance(v, dict | list | tuple):
        return "a list" if not isinstance(v, dict) else "a JSON object"
    if type(v).__name__ == "HugeInt":
        return "an integer that long"
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


@dataclass(frozen=True)
class RunMeta:
    """Recording metadata (the native recording's header, or a CSV's ``<file>.meta.json`` sidecar)."""

    runner: str | None = None
    tags: tuple[str, ...] = ()  # e.g. ("fresh",), ("fatigued", "after drill")
    notes: str | None = None
    target_cadence_spm: float | None = None  # the runner's target cadence, steps/min
    rotation_budget_deg: float | None = None  # most pelvis/trunk rotation per stride wanted, deg
    device: str | None = None
    title: str | None = None
    recorded_at: str | None = None  # ISO 8601 start time, if known
    markers: tuple[Marker, ...] = ()  # laps / user markers (device clock, s)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> RunMeta:
        """Build from a plain dict (unknown keys ignored). Raises ValueError naming a bad value."""
        meta, problems = cls.parse(d)
        if problems:
            raise ValueError(problems[0])
        return meta

    @classmethod
    def parse(cls, d: Any) -> tuple[RunMeta, list[str]]:
        """Build from untrusted data, field by field: ``(meta, problems)``. A field of the wrong type,
        not finite or out of range is left out and described in ``problems`` (one line each); the
        other fields are kept. Text is cut to :data:`MAX_TEXT_CHARS`, tags and markers are capped."""
        if not d:
            return cls(), []
        if not isinstance(d, Mapping):
            return cls(), ["metadata must be a JSON object"]
        problems: list[str] = []

        def bad(key: str, what: str, v: Any) -> None:
            problems.append(f"'{key}' must be {what}, not {_describe(v)} (ignored)")

        def text(key: str, limit: int = MAX_TEXT_CHARS) -> str | None:
            v = d.get(key)
            if v is None:
                return None
            if (
                isinstance(v, bool)
                or not isinstance(v, str | int | float)
                or (isinstance(v, float) and not math.isfinite(v))
            ):
                bad(key, "text", v)
                return None
            if isinstance(v, int) and v.bit_length() > 100:
                bad(key, "text", v)
                return None
            v = str(v)
            if len(v) > limit:
                problems.append(f"'{key}': {len(v)} characters cut to {limit}")
                v = v[:limit]
            return v

        def number(hi: float, *keys: str) -> float | None:
            for k in keys:
                v = d.get(k)
                if v is None:
                    continue
                x = None
                if not isinstance(v, bool) and isinstance(v, int | float):
                    try:
                        x = float(v)
                    except OverflowError:
                        x = None
                if x is None or not (math.isfinite(x) and 0 < x <= hi):
                    bad(k, f"a positive number up to {hi:g}", v)
                    return None
                return x
            return None

        tags: list[str] = []
        raw = d.get("tags") or ()
        if isinstance(raw, str):
            raw = [t.strip() for t in raw.split(",") if t.strip()]
        if not isinstance(raw, list | tuple):
            bad("tags", "a list of words", raw)
            raw = ()
        for t in raw[:MAX_TAGS]:
            if isinstance(t, str) and t.strip():
                tags.append(t.strip()[:100])
            else:
                bad("tags", "a list of words", t)
                break
        if len(raw) > MAX_TAGS:
            problems.append(f"'tags': {len(raw)} tags, only the first {MAX_TAGS} kept")
        markers = []
        raw = d.get("markers") or ()
        if not isinstance(raw, list | tuple):
            bad("markers", 'a list of {"t_s": seconds, "label": text}', raw)
            raw = ()
        skipped = 0
        for m in raw[:MAX_MARKERS]:
            t = m.get("t_s") if isinstance(m, Mapping) else None
            label = m.get("label", "") if isinstance(m, Mapping) else None
            if isinstance(t, bool) or not isinstance(t, int | float) or isinstance(label, dict | list):
                skipped += 1
                continue
            try:
                tf = float(t)
            except OverflowError:
                tf = math.nan
            if not math.isfinite(tf):
                skipped += 1
                continue
            markers.append(Marker(tf, "" if label is None else str(label)[:200]))
        if skipped:
            problems.append(f'\'markers\': {skipped} not of the form {{"t_s": seconds, "label": text}} (ignored)')
        if len(raw) > MAX_MARKERS:
            problems.append(f"'markers': {len(raw)} markers, only the first {MAX_MARKERS} kept")
        meta = cls(
            runner=text("runner", 200),
            tags=tuple(tags),
            notes=text("notes"),
            target_cadence_spm=number(400.0, "target_cadence_spm", "target_cadence"),
            rotation_budget_deg=number(360.0, "rotation_budget_deg", "rotation_budget"),
            device=text("device", 500),
            title=text("title", 500),
            recorded_at=text("recorded_at", 100),
            markers=tuple(sorted(markers, key=lambda m: m.t_s)),
        )
        return meta, problems

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, the same keys ``from_dict`` reads."""
        return {
            "runner": self.runner,
            "tags": list(self.tags),
            "notes": self.notes,
            "target_cadence_spm": self.target_cadence_spm,
            "rotation_budget_deg": self.rotation_budget_deg,
            "device": self.device,
            "title": self.title,
            "recorded_at": self.recorded_at,
            "markers": [{"t_s": m.t_s, "label": m.label} for m in self.markers],
        }


# -- one run -----------------------------------------------------------------------------------
@dataclass
class RunData:
    """One analysed run: the pipeline's results, its signal for rotation halves, and metadata.

    ``error`` is set (and the lists are empty) when the file could not be analysed.
    """

    path: str
    meta: RunMeta = field(default_factory=RunMeta)
    steps: list[Step] = field(default_factory=list)
    strides: list[Stride] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    first_t_s: float = math.nan  # device clock of the first sample, s
    last_t_s: float = math.nan
    samples: int = 0
    rate_hz: float | None = None  # nominal sample rate of the input
    family: str | None = None  # source family: "csv", "recording", ...
    forward_axis: list[float] | None = None  # unit vector, sensor frame
    yaw_t_s: np.ndarray | None = None  # internal-grid times (device clock, s)
    yaw_rate_dps: np.ndarray | None = None  # yaw rate about the vertical, deg/s, CCW +
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def duration_s(self) -> float:
        d = self.last_t_s - self.first_t_s
        return float(d) if math.isfinite(d) else 0.0

    @property
    def name(self) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]


def _finite(x: Sequence[float] | np.ndarray) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    return a[np.isfinite(a)]


def _num(x: float | None, nd: int = 1) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def step_cadence(run: RunData) -> np.ndarray:
    """Per-step instantaneous cadence (spm), finite values in time order."""
    return _finite([s.cadence_spm for s in run.steps])


def stride_rotation(run: RunData) -> np.ndarray:
    """Per-stride rotation (deg, yaw range), finite values in time order."""
    return _finite([s.rotation_deg for s in run.strides])


def smoothed_cadence(run: RunData, window_s: float = SMOOTH_WINDOW_S) -> tuple[np.ndarray, np.ndarray]:
    """Cadence timeline: (step times (device s), median cadence of the steps within ±window/2 (spm))."""
    t = np.array([s.t_s for s in run.steps if math.isfinite(s.cadence_spm)], dtype=float)
    c = step_cadence(run)
    if not len(t):
        return t, c
    lo = np.searchsorted(t, t - window_s / 2)
    hi = np.searchsorted(t, t + window_s / 2, side="right")
    return t, np.array([np.median(c[a:b]) for a, b in zip(lo, hi, strict=True)])


def smoothed_rotation(run: RunData, n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Rotation timeline: (stride start times (device s), running median of ``n`` strides (deg))."""
    t = np.array([s.t_s for s in run.strides if math.isfinite(s.rotation_deg)], dtype=float)
    r = stride_rotation(run)
    if not len(t):
        return t, r
    h = n // 2
    return t, np.array([np.median(r[max(0, i - h) : i + h + 1]) for i in range(len(r))])


def _below_target_parts(run: RunData, target: float) -> tuple[np.ndarray, np.ndarray]:
    """Per step: its step time (s) and 1.0 if the smoothed cadence there is below ``target``."""
    _, smooth = smoothed_cadence(run)
    return 60.0 / step_cadence(run), (smooth < target).astype(float)


def time_below_target_pct(run: RunData, target: float | None) -> float:
    """% of running time (sum of step times) when the 10-s cadence is below the target; NaN if none."""
    if target is None or not run.steps:
        return math.nan
    dt, below = _below_target_parts(run, target)
    return 100.0 * float(np.sum(dt * below) / np.sum(dt)) if len(dt) else math.nan


def rotation_halves(run: RunData) -> tuple[np.ndarray, np.ndarray]:
    """Yaw range (deg) within the left step and within the right step of every stride.

    The yaw (integrated yaw rate) over the stride, less the straight line through its ends
    (heading change, bias), split at the contact of the other foot: the range over [left IC,
    right IC] is the rotation during the left step, the rest during the right step. A
    symmetric swivel puts half the stride's range in each.
    """
    if run.yaw_t_s is None or run.yaw_rate_dps is None or len(run.yaw_t_s) < 3:
        return np.empty(0), np.empty(0)
    t, w = run.yaw_t_s, run.yaw_rate_dps
    step_t = np.array([s.t_s for s in run.steps], dtype=float)
    left, right = [], []
    for st in run.strides:
        if st.side not in ("left", "right"):
            continue
        inner = step_t[(step_t > st.t_s + 1e-6) & (step_t < st.end_s - 1e-6)]
        if len(inner) != 1:
            continue
        a, b = np.searchsorted(t, [st.t_s, st.end_s])
        if b - a < 6 or b >= len(t):
            continue
        dt = float(t[a + 1] - t[a])
        if np.any(np.diff(t[a : b + 1]) > 1.5 * dt):  # a gap inside: skip
            continue
        psi = np.concatenate([[0.0], np.cumsum(w[a:b]) * dt])
        tt = np.concatenate([[t[a] - dt / 2], t[a:b] + dt / 2])
        psi = psi - (psi[0] + (psi[-1] - psi[0]) * (tt - tt[0]) / (tt[-1] - tt[0]))
        first = tt <= inner[0]
        h1, h2 = psi[first], psi[~first]
        if len(h1) < 2 or len(h2) < 2:
            continue
        r1, r2 = float(h1.max() - h1.min()), float(h2.max() - h2.min())
        if st.side == "left":
            left.append(r1)
            right.append(r2)
        else:
            right.append(r1)
            left.append(r2)
    return np.array(left), np.array(right)


def _asym(left: np.ndarray, right: np.ndarray) -> float:
    """(left − right) / mean of the two medians, %; NaN with fewer than 3 of either."""
    if len(left) < 3 or len(right) < 3:
        return math.nan
    ml, mr = float(np.median(left)), float(np.median(right))
    return 100.0 * (ml - mr) / (0.5 * (ml + mr)) if ml + mr > 0 else math.nan


def _side_step_times(run: RunData) -> tuple[np.ndarray, np.ndarray]:
    lt = _finite([60.0 / s.cadence_spm for s in run.steps if s.side == "left" and s.cadence_spm > 0])
    rt = _finite([60.0 / s.cadence_spm for s in run.steps if s.side == "right" and s.cadence_spm > 0])
    return lt, rt


def run_summary(run: RunData) -> dict[str, Any]:
    """Headline numbers: analyze's summary keys (same meaning), then the comparison's extras.

    Extras: ``time_below_target_pct`` (% of running time with the 10-s cadence under target),
    ``rotation_asymmetry_pct`` ((left-step − right-step yaw range)/mean, %), spreads (SD of
    per-step cadence, spm, and per-stride rotation, deg), bouts, running time (s), sample rate,
    the targets used.
    """
    m = run.meta
    s = summarize(run.steps, run.strides, run.duration_s, len(run.gaps), m.target_cadence_spm, m.rotation_budget_deg)
    s["forward_axis_sensor"] = run.forward_axis
    cad, rot = step_cadence(run), stride_rotation(run)
    s["steps_below_target_pct"] = s.get("steps_below_target_pct")
    s["strides_over_budget_pct"] = s.get("strides_over_budget_pct")
    s["time_below_target_pct"] = _num(time_below_target_pct(run, m.target_cadence_spm))
    s["cadence_spm_sd"] = _num(float(np.std(cad, ddof=1)) if len(cad) > 1 else math.nan, 2)
    s["rotation_deg_iqr"] = [
        _num(float(np.percentile(rot, 25)) if len(rot) else math.nan),
        _num(float(np.percentile(rot, 75)) if len(rot) else math.nan),
    ]
    s["rotation_deg_sd"] = _num(float(np.std(rot, ddof=1)) if len(rot) > 1 else math.nan, 2)
    s["rotation_asymmetry_pct"] = _num(_asym(*rotation_halves(run)))
    bouts = sum(1 for st in run.steps if not math.isfinite(st.cadence_spm))
    s["bouts"] = bouts
    s["running_time_s"] = _num(float(np.sum(60.0 / cad)) if len(cad) else 0.0, 1)
    s["samples"] = run.samples
    s["sample_rate_hz"] = _num(run.rate_hz, 1) if run.rate_hz else None
    s["target_cadence_spm"] = m.target_cadence_spm
    s["rotation_budget_deg"] = m.rotation_budget_deg
    return s


# -- segments ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Segment:
    """A stretch of one run (elapsed s from the run's first sample) and its numbers."""

    label: str
    start_s: float
    end_s: float
    steps: int
    cadence_spm_median: float | None
    rotation_deg_median: float | None
    rotation_deg_p90: float | None
    strides_over_budget_pct: float | None
    time_below_target_pct: float | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _segment(run: RunData, label: str, a: float, b: float) -> Segment:
    """Numbers of the steps and strides starting in elapsed [a, b) s."""
    t0 = run.first_t_s
    steps = [s for s in run.steps if a <= s.t_s - t0 < b]
    strides = [s for s in run.strides if a <= s.t_s - t0 < b]
    cad = _finite([s.cadence_spm for s in steps])
    rot = _finite([s.rotation_deg for s in strides])
    budget, target = run.meta.rotation_budget_deg, run.meta.target_cadence_spm
    below = None
    if target is not None and len(cad):
        tt, smooth = smoothed_cadence(run)
        m = (tt - t0 >= a) & (tt - t0 < b)
        dt = 60.0 / step_cadence(run)[m]
        below = _num(100.0 * float(np.sum(dt * (smooth[m] < target)) / np.sum(dt))) if m.any() else None
    return Segment(
        label=label,
        start_s=round(a, 3),
        end_s=round(b, 3),
        steps=len(steps),
        cadence_spm_median=_num(float(np.median(cad))) if len(cad) else None,
        rotation_deg_median=_num(float(np.median(rot))) if len(rot) else None,
        rotation_deg_p90=_num(float(np.percentile(rot, 90))) if len(rot) else None,
        strides_over_budget_pct=_num(100.0 * float(np.mean(rot > budget))) if budget is not None and len(rot) else None,
        time_below_target_pct=below,
    )


MAX_SEGMENTS = 300  # per run and kind: a bound on work and output whatever the time stamps claim


def minute_segments(run: RunData, minutes: float = 1.0) -> list[Segment]:
    """One segment per ``minutes`` of elapsed time (the last one may be shorter).

    Time stamps may claim a far longer run than the data holds (a device clock that jumps to UNIX
    time, a last ``t_s`` of 1e300): past :data:`MAX_SEGMENTS` minutes, only the minutes that hold a
    step or a stride get a segment (the first :data:`MAX_SEGMENTS` of them), so the work is bounded
    by the data, not by the clock.
    """
    if not run.ok:
        return []
    w = 60.0 * minutes
    dur = run.duration_s
    n = math.ceil(dur / w - 1e-9) if math.isfinite(dur / w) else MAX_SEGMENTS + 1
    if max(1, n) <= MAX_SEGMENTS:
        starts = [i * w for i in range(max(1, n))]
    else:
        t0 = run.first_t_s
        el = np.array([s.t_s - t0 for s in run.steps] + [s.t_s - t0 for s in run.strides], dtype=float)
        el = el[np.isfinite(el) & (el >= 0) & (el <= dur)]
        starts = [float(i) * w for i in np.unique(np.floor(el / w))[:MAX_SEGMENTS]]
    return [_segment(run, f"{_mmss(a)}–{_mmss(min(a + w, dur))}", a, min(a + w, dur + 1e-6)) for a in starts]


def sparse_segments(run: RunData, minutes: float = 1.0) -> bool:
    """True when :func:`minute_segments` lists only the minutes that hold data (see there)."""
    d = run.duration_s / (60.0 * minutes)
    return run.ok and not (math.isfinite(d) and math.ceil(d - 1e-9) <= MAX_SEGMENTS)


def marker_segments(run: RunData) -> list[Segment]:
    """Segments between laps/markers (start → first marker, marker → next, ..., last → end); [] without
    markers. At most :data:`MAX_SEGMENTS` (the first markers inside the run)."""
    if not run.meta.markers or not run.ok:
        return []
    inside = [
        (m.t_s - run.first_t_s, m.label or f"marker {i + 1}")
        for i, m in enumerate(run.meta.markers)
        if 0 < m.t_s - run.first_t_s < run.duration_s
    ][: MAX_SEGMENTS - 1]
    labels = ["start", *[lab for _, lab in inside]]
    bounds = [0.0, *[c for c, _ in inside], run.duration_s + 1e-6]
    return [_segment(run, labels[i], bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _mmss(s: float) -> str:
    s = max(0.0, s)
    if not s < 1e7:  # over ~115 days: a clock that jumped, not a run
        return f"{s:.3g} s"
    return f"{int(s // 60)}:{int(round(s % 60)):02d}" if round(s % 60) < 60 else f"{int(s // 60) + 1}:00"


# -- differences -----------------------------------------------------------------------------------
Parts = list[tuple[np.ndarray, ...]]  # per run: groups of aligned arrays, each group resampled jointly


@dataclass(frozen=True)
class MetricDef:
    """A compared metric: how to get its per-item data from a run and the statistic over it."""

    key: str  # summary key
    label: str  # plain-language name
    unit: str
    better: str  # "cadence" (toward/above target) | "lower" | "toward_zero"
    parts: Callable[[RunData], Parts]
    stat: Callable[[Parts], float]
    spread: Callable[[RunData], float] | None = None  # stride-to-stride SD, in the metric's unit


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
    return _asym(p[0][0], p[1][0])


def _over_budget(run: RunData) -> Parts:
    b = run.meta.rotation_budget_deg
    rot = stride_rotation(run)
    return [((rot > b).astype(float) if b is not None else np.empty(0),)]


def _below_target(run: RunData) -> Parts:
    t = run.meta.target_cadence_spm
    return [_below_target_parts(run, t) if t is not None and run.steps else (np.empty(0), np.empty(0))]


def _sd(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1)) if len(x) > 1 else math.nan


METRICS: tuple[MetricDef, ...] = (
    MetricDef(
        "cadence_spm_median",
        "cadence (median)",
        "spm",
        "cadence",
        lambda r: [(step_cadence(r),)],
        _median0,
        lambda r: _sd(step_cadence(r)),
    ),
    MetricDef(
        "rotation_deg_median",
        "rotation per stride (median)",
        "°",
        "lower",
        lambda r: [(stride_rotation(r),)],
        _median0,
        lambda r: _sd(stride_rotation(r)),
    ),
    MetricDef(
        "rotation_deg_p90",
        "rotation per stride (90th percentile)",
        "°",
        "lower",
        lambda r: [(stride_rotation(r),)],
        _p90,
        lambda r: _sd(stride_rotation(r)),
    ),
    MetricDef("time_below_target_pct", "time below target cadence", "%", "lower", _below_target, _weighted_pct),
    MetricDef("strides_over_budget_pct", "strides over rotation budget", "%", "lower", _over_budget, _mean_pct),
    MetricDef(
        "step_time_asymmetry_pct",
        "step-time asymmetry (left − right)",
        "%",
        "toward_zero",
        lambda r: [(a,) for a in _side_step_times(r)],
        _asym_parts,
    ),
    MetricDef(
        "rotation_asymmetry_pct",
        "rotation asymmetry (left − right step)",
        "%",
        "toward_zero",
        lambda r: [(a,) for a in rotation_halves(r)],
        _asym_parts,
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


@dataclass(frozen=True)
class Difference:
    """One metric, run ``b`` against the baseline run ``a`` (indices into the compared runs)."""

    metric: str
    label: str
    unit: str
    a: int
    b: int
    a_value: float | None
    b_value: float | None
    difference: float | None  # b − a
    direction: str  # "better" | "worse" | "same" | "n/a"  (b relative to a)
    clear: bool | None  # the 95 % bootstrap CI excludes 0
    ci95: tuple[float, float] | None
    pooled_sd: float | None  # pooled stride-to-stride SD (cadence, rotation only)
    beyond_variability: bool | None  # |difference| > pooled_sd
    why: str  # the rule used for the direction
    text: str  # one plain-language sentence

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
        if direction == "n/a":
            out.append(
                Difference(
                    md.key,
                    md.label,
                    md.unit,
                    a,
                    b,
                    _num(va, 2),
                    _num(vb, 2),
                    None,
                    "n/a",
                    None,
                    None,
                    None,
                    None,
                    why,
                    f"{md.label}: not available for both runs",
                )
            )
            continue
        if md.stat in (_median0, _p90):
            q = 50.0 if md.stat is _median0 else 90.0
            ba = _vectorised_median_boot(pa[0][0], n_boot, rng, q)
            bb = _vectorised_median_boot(pb[0][0], n_boot, rng, q)
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
            md.key,
            md.label,
            md.unit,
            a,
            b,
            _num(va, 2),
            _num(vb, 2),
            _num(d, 2),
            direction,
            clear,
            ci_r,
            _num(sd, 2) if sd is not None else None,
            beyond,
            why,
            "",
        )
        out.append(Difference(**{**diff.__dict__, "text": difference_text(diff, ra, rb)}))
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


def letter(i: int) -> str:
    """Run label by position: A, B, ..., Z, AA, AB, ..."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


# -- the whole comparison ------------------------------------------------------------------------
@dataclass
class Comparison:
    """Everything a report or window shows: runs (baseline first), summaries, segments, differences."""

    runs: list[RunData]
    summaries: list[dict[str, Any] | None]  # None for a damaged run
    minutes: list[list[Segment]]
    laps: list[list[Segment]]
    differences: list[Difference]

    @property
    def good(self) -> list[int]:
        return [i for i, r in enumerate(self.runs) if r.ok]


def compare_runs(runs: Sequence[RunData], n_boot: int = N_BOOT, seed: int = 0) -> Comparison:
    """Compare runs: the first readable run is the baseline; damaged runs are kept but not compared."""
    runs = list(runs)
    summaries = [run_summary(r) if r.ok else None for r in runs]
    good = [i for i, r in enumerate(runs) if r.ok]
    diffs: list[Difference] = []
    if good:
        base = good[0]
        for k, i in enumerate(good[1:]):
            diffs += compare_pair(runs[base], runs[i], base, i, n_boot, seed + k)
    for r in runs:
        if sparse_segments(r):
            r.warnings.append(
                f"{r.path}: its time stamps span {r.duration_s:.3g} s; per-minute segments only for the "
                f"minutes that hold steps (at most {MAX_SEGMENTS})"
            )
    return Comparison(
        runs=runs,
        summaries=summaries,
        minutes=[minute_segments(r) for r in runs],
        laps=[marker_segments(r) for r in runs],
        differences=diffs,
    )


def headline(cmp: Comparison, metric: str, b: int) -> Difference | None:
    """The difference of ``metric`` for run ``b`` against the baseline, if compared."""
    return next((d for d in cmp.differences if d.metric == metric and d.b == b), None)


def comparison_document(cmp: Comparison) -> dict[str, Any]:
    """The ``stridemon compare --json`` object: ``{"runs": [...], "differences": [...], "method": ...}``."""
    runs = []
    for i, r in enumerate(cmp.runs):
        runs.append(
            {
                "label": letter(i),
                "path": r.path,
                "ok": r.ok,
                "error": r.error,
                "warnings": list(r.warnings),
                "meta": r.meta.to_dict(),
                "device_family": r.family,
                "summary": cmp.summaries[i],
                "segments": {
                    "minutes": [s.to_dict() for s in cmp.minutes[i]],
                    "laps": [s.to_dict() for s in cmp.laps[i]],
                },
            }
        )
    return {
        "runs": runs,
        "baseline": letter(cmp.good[0]) if cmp.good else None,
        "differences": [{**d.to_dict(), "a": letter(d.a), "b": letter(d.b)} for d in cmp.differences],
        "method": METHOD,
    }


METHOD = (
    f"Each run is compared with the baseline (the first readable run). Difference = run − baseline. "
    f"95% CI: moving-block bootstrap (blocks of {BLOCK} consecutive steps or strides, {N_BOOT} draws) of the "
    "difference; 'clear' when the CI excludes 0. Stride-to-stride variability: pooled SD of per-step cadence or "
    "per-stride rotation, sqrt((SD_a² + SD_b²)/2); 'beyond_variability' when |difference| > pooled SD. "
    "Cadence is better nearer or above the runner's target (shortfall below target; without a target, higher); "
    "rotation is better lower (the budget is the reference); asymmetries are better nearer 0."
)
