"""A watch's FIT activity (running dynamics) read with Garmin's official SDK (``garmin_fit_sdk``).

A watch with a running-dynamics pod or chest strap writes one ``record`` message per second (or
"smart recording", irregular) with the *watch's own* cadence, stance time and vertical
oscillation. stridemon does not recompute them: the document has the same top level as
``analyze --json`` with ``steps`` and ``strides`` empty (a watch gives per-second values, not
contacts), the per-record values in ``watch_records`` and their medians in ``summary``, labelled
``"source": "watch (FIT), the watch's own numbers, not recomputed"``.

Units, from the FIT profile (Profile.xlsx as shipped in ``garmin_fit_sdk`` 21.218, the version
the tests ran against; see docs/formats.md):

- ``record.cadence`` (uint8, "rpm") + ``record.fractional_cadence`` (uint8, scale 128, "rpm"):
  for running this is *strides* per minute (one foot's cycles; the profile's running subfields
  ``session.avg_running_cadence`` / ``lap.avg_running_cadence`` are in "strides/min"), so steps/min
  = 2 × (cadence + fractional_cadence).
- ``record.stance_time`` (uint16, scale 10, "ms"), ``record.vertical_oscillation`` (uint16,
  scale 10, "mm"), ``record.step_length`` (uint16, scale 10, "mm"), ``record.vertical_ratio``
  (scale 100, "percent"), ``record.stance_time_balance`` (scale 100, "percent").
- ``session.total_cycles`` → subfield ``total_strides`` ("strides") for running and walking:
  steps = 2 × total_strides.

The SDK applies the scales and expands the subfields; a file that fails the SDK's integrity check
(header, CRC) or its decoder is refused with one line.
"""

from __future__ import annotations

import logging
import math
import statistics
from pathlib import Path
from typing import Any

from stridemon.errors import InputError

log = logging.getLogger(__name__)

SOURCE_LABEL = "watch (FIT), the watch's own numbers, not recomputed"
MAX_FIT_BYTES = 256 << 20  # a day of 1 s records is ~10 MB; more is not an activity
_RUNNING_SPORTS = {"running", "walking", "hiking", "generic", "training", "fitness_equipment"}


def is_fit(path: str | Path) -> bool:
    """True if ``path`` starts with a FIT file header: size 12 or 14, ".FIT" at byte 8."""
    try:
        with open(path, "rb") as f:
            head = f.read(14)
    except OSError:
        return False
    return len(head) >= 12 and head[0] in (12, 14) and head[8:12] == b".FIT"


def _num(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _median(values: list[float], digits: int) -> float | None:
    return round(statistics.median(values), digits) if values else None


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


def read_fit_messages(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """The decoded messages of a FIT file (the SDK's dict), or InputError naming what is wrong."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FIT_BYTES:
            raise InputError(f"{p}: {size} bytes is too big for a FIT activity (limit {MAX_FIT_BYTES >> 20} MiB)")
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"{p}: cannot read the file ({e.strerror or e})") from None
    from garmin_fit_sdk import Decoder, Stream

    try:
        if not Decoder(Stream.from_byte_array(bytearray(data))).is_fit():
            raise InputError(f"{p}: not a FIT file (bad header)")
        if not Decoder(Stream.from_byte_array(bytearray(data))).check_integrity():
            raise InputError(f"{p}: damaged FIT file (failed the integrity check: cut short or bad CRC)")
        messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read(convert_datetimes_to_dates=False)
    except InputError:
        raise
    except Exception as e:  # the SDK on hostile bytes: never a traceback
        raise InputError(f"{p}: damaged FIT file ({type(e).__name__}: {str(e)[:120]})") from None
    if errors:
        raise InputError(f"{p}: damaged FIT file ({str(errors[0]).strip().splitlines()[0][:160]})")
    return messages


def read_fit_document(path: str | Path) -> dict[str, Any]:
    """The ``analyze --json``-shaped document of a FIT activity (see the module docstring)."""
    p = Path(path)
    messages = read_fit_messages(p)
    try:
        return _document(p, messages)
    except InputError:
        raise
    except Exception as e:  # unexpected value types in a hostile file
        raise InputError(f"{p}: unreadable FIT activity ({type(e).__name__}: {str(e)[:120]})") from None


def _document(p: Path, messages: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    records = [m for m in messages.get("record_mesgs", []) if _num(m.get("timestamp")) is not None]
    sessions = messages.get("session_mesgs", [])
    if not records and not sessions:
        raise InputError(f"{p}: FIT file without record or session messages; is it an activity file?")
    assumptions: list[str] = []
    sport = None
    for m in [*sessions, *messages.get("sport_mesgs", [])]:
        if isinstance(m.get("sport"), str):
            sport = m["sport"]
            break
    if sport is None:
        assumptions.append("no sport in the file: cadence read as running cadence (strides/min per the FIT profile)")
    elif sport not in _RUNNING_SPORTS:
        raise InputError(
            f"{p}: a {sport} activity; stridemon reads running (and walking) FIT activities, "
            "whose cadence is in strides/min"
        )

    records.sort(key=lambda m: m["timestamp"])
    t0 = float(records[0]["timestamp"]) if records else None
    rows = []
    for m in records:
        cad = _num(m.get("cadence"))
        frac = _num(m.get("fractional_cadence")) or 0.0
        spm = 2.0 * (cad + frac) if cad is not None else None
        st = _num(m.get("stance_time"))
        vo = _num(m.get("vertical_oscillation"))
        sl = _num(m.get("step_length"))
        rows.append(
            {
                "t": round(float(m["timestamp"]) - t0, 3),
                "cadence_spm": _round(spm, 2),
                "contact_ms": _round(st if st else None, 1),
                "vertical_oscillation_cm": _round(vo / 10.0 if vo else None, 2),
                "step_length_cm": _round(sl / 10.0 if sl else None, 1),
                "vertical_ratio_pct": _round(_num(m.get("vertical_ratio")) or None, 2),
            }
        )
    moving = [r for r in rows if r["cadence_spm"]]  # cadence 0: standing (a pause), not a cadence

    session = sessions[0] if sessions else {}
    strides = _num(session.get("total_strides"))
    if strides is None and sport in (None, "running", "walking"):
        strides = _num(session.get("total_cycles"))
    steps = int(round(2 * strides)) if strides is not None else None
    if strides is None:
        assumptions.append("no total strides in the session message: steps not given")
    if len(sessions) > 1:
        assumptions.append(f"{len(sessions)} sessions in the file: steps from the first")
    duration = _num(session.get("total_timer_time"))
    if duration is None:
        duration = rows[-1]["t"] if rows else 0.0
        assumptions.append("no session timer time: duration from the first to the last record")

    device = _device(messages)
    summary = {
        "steps": steps,
        "duration_s": round(duration, 3),
        "cadence_spm_median": _median([r["cadence_spm"] for r in moving], 1),
        "rotation_deg_median": None,
        "contact_ms_median": _median([r["contact_ms"] for r in rows if r["contact_ms"]], 1),
        "vertical_oscillation_cm_median": _median(
            [r["vertical_oscillation_cm"] for r in rows if r["vertical_oscillation_cm"]], 2
        ),
        "step_length_cm_median": _median([r["step_length_cm"] for r in rows if r["step_length_cm"]], 1),
        "source": SOURCE_LABEL,
        "device": device,
        "sport": sport,
        "records": len(rows),
        "input_assumptions": assumptions,
    }
    for a in assumptions:
        log.info("%s: %s", p, a)
    return {"steps": [], "strides": [], "summary": summary, "watch_records": rows}


def _device(messages: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    fid = (messages.get("file_id_mesgs") or [{}])[0]
    product = fid.get("garmin_product", fid.get("product"))
    out = {
        "manufacturer": fid.get("manufacturer"),
        "product": product,
        "serial_number": fid.get("serial_number"),
    }
    for d in messages.get("device_info_mesgs", []):  # the creator's software version, if given
        if d.get("device_index") in (0, "creator") and d.get("software_version") is not None:
            out["software_version"] = d.get("software_version")
            break
    return {k: (v if isinstance(v, (str, int, float)) or v is None else str(v)) for k, v in out.items()}
