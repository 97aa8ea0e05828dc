"""Events the pipeline emits: what sinks (dashboard, recorder, alerts, reports) consume.

All times are on the device clock of the samples (s).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Side = Literal["left", "right"] | None


@dataclass(frozen=True)
class Step:
    """An initial contact (foot strike)."""

    t_s: float
    side: Side
    cadence_spm: float  # instantaneous, 60 / (time since the previous step); nan for a bout's first step


@dataclass(frozen=True)
class Stride:
    """One gait cycle, from an initial contact to the next one of the same foot."""

    t_s: float  # start (its first initial contact)
    end_s: float
    side: Side  # the foot that starts it
    rotation_deg: float  # pelvis/trunk yaw range, peak-to-peak, heading changes removed
    rotation_cm: float  # the same as arc length each way at the side of the torso (cm)


@dataclass(frozen=True)
class Gap:
    """No usable samples between t_s and end_s: no step or stride spans it."""

    t_s: float
    end_s: float
    reason: str  # "time gap" | "source" | "saturation" ...


@dataclass(frozen=True)
class Alert:
    """A cadence or rotation alert raised (or cleared) by the alert sink."""

    t_s: float
    kind: Literal["cadence", "rotation"]
    state: Literal["raised", "cleared"]
    message: str
    value: float
    limit: float


@dataclass(frozen=True)
class Marker:
    """A user marker or lap."""

    t_s: float
    label: str


Event = Step | Stride | Gap | Alert | Marker


def event_to_dict(event: Event) -> dict:
    """Plain dict with a ``type`` key (for JSON and recordings)."""
    d = asdict(event)
    d["type"] = type(event).__name__.lower()
    return d


_TYPES = {"step": Step, "stride": Stride, "gap": Gap, "alert": Alert, "marker": Marker}


def event_from_dict(d: dict) -> Event | None:
    """Inverse of :func:`event_to_dict`; None for an unknown or malformed entry (newer files)."""
    if not isinstance(d, dict):
        return None
    cls = _TYPES.get(d.get("type"))
    if cls is None:
        return None
    import dataclasses
    import math

    fields = {k: v for k, v in d.items() if k != "type"}
    for f in dataclasses.fields(cls):  # null in JSON was a NaN float
        if f.type == "float" and fields.get(f.name, 0.0) is None:
            fields[f.name] = math.nan
    try:
        return cls(**fields)
    except TypeError:
        return None
