"""Events the pipeline emits: what sinks (dashboard, recorder, alerts, reports) consume.

All times are on the device clock of the samples (s).
"""

from __future__ import annotations

import math
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
    tilt_range_deg: float = math.nan  # pelvic anterior/posterior tilt range over the stride (deg)


@dataclass(frozen=True)
class StepDynamics:
    """Running dynamics of the step whose initial contact is at ``t_s`` (NaN: not measurable —
    walking, next to a gap, or before the forward axis is known). Emitted once the next contact
    is in, so after the :class:`Step` itself."""

    t_s: float  # the step's initial contact (the Step's t_s)
    contact_ms: float  # ground contact time: IC to toe-off
    vertical_oscillation_cm: float  # pelvis vertical excursion, this IC to the next
    braking_mps: float  # forward speed lost after contact
    impact_g: float  # peak vertical specific force in the first half of contact (g, gravity included)
    pelvic_drop_deg: float  # drop of the swing side during this stance


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


Event = Step | Stride | Gap | Alert | Marker | StepDynamics


def event_to_dict(event: Event) -> dict:
    """Plain dict with a ``type`` key (for JSON and recordings)."""
    d = asdict(event)
    d["type"] = type(event).__name__.lower()
    return d


_TYPES = {
    "step": Step,
    "stride": Stride,
    "gap": Gap,
    "alert": Alert,
    "marker": Marker,
    "stepdynamics": StepDynamics,
}


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
