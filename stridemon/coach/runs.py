"""A run and its metadata: :class:`RunMeta` (the recording's header or a CSV's sidecar, checked
field by field) and :class:`RunData` (one analysed run: the pipeline's results and its yaw-rate
signal). Nothing here reads files (:mod:`stridemon.coach.library` does) or computes numbers
(:mod:`stridemon.coach.metrics`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stridemon.events import Gap, Marker, Step, Stride

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


def letter(i: int) -> str:
    """Run label by position: A, B, ..., Z, AA, AB, ..."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
