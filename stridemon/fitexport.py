"""A stridemon run as a FIT activity file (Garmin Connect, Strava, every training log reads FIT).

Written with ``fit_tool`` (no hand-made binary) and checked in the tests with Garmin's own decoder
(``garmin_fit_sdk``). What goes in, in the order of the FIT SDK's activity-file recipe:

- ``file_id`` (activity, manufacturer "development", product name "stridemon"), ``device_info``
  for stridemon (device index 0, the creator) and for the sensor (index 1);
- ``developer_data_id`` and one ``field_description`` (name and units) per developer field;
- a timer-start ``event``, then one ``record`` per second of the run, a timer-stop ``event``;
- one ``lap`` per stretch between lap markers, one ``session``, one ``activity``.

Cadence as FIT defines it (FIT SDK Profile 21.218, the version ``garmin_fit_sdk`` ships): the
record's ``cadence`` (field 4, uint8, units "rpm") and ``fractional_cadence`` (field 53, uint8,
scale 128, "rpm") count *cycles* per minute, and for running a cycle is a stride (two steps):
the session's and lap's ``avg_cadence`` / ``max_cadence`` have the sub-field
``avg_running_cadence`` / ``max_running_cadence`` in "strides/min" when sport = running, and
``total_cycles`` is ``total_strides``. Watches and Garmin Connect show steps/min as
2 × (cadence + fractional_cadence). So stridemon writes, from a cadence ``spm`` in steps/min,
``cadence = floor(spm / 2)`` and ``fractional_cadence = spm / 2 − cadence`` (rounded to 1/128
rpm first, so the fraction never reaches 1); ``2 × (cadence + fractional_cadence)`` gives spm back
within 1/128 spm.

Per second (record ``k`` covers ``[t0 + k, t0 + k + 1)`` s of the device clock, ``t0`` the first
sample): cadence is the mean of the per-step cadences of the steps in that second;
``stance_time`` (ms) and ``vertical_oscillation`` (mm) the mean contact time and vertical
oscillation of those steps; a field is left invalid (absent) in a second without a measured value.
Developer fields carry what FIT has no field for: per second the rotation of the strides that
ended in it (deg, and cm each way at the torso side), pelvic tilt range, braking, impact and pelvic
drop; per lap and session the medians of rotation and the dynamics, step-time and contact-time
asymmetry and duty factor, and the median cadence in steps/min.

Time stamps: the recording's host start time when it has one (the host clock of the first
sample when the samples carry host times, else the header's ``start_utc``, the host clock when
recording began), converted from UNIX time to the FIT epoch (1989-12-31T00:00:00Z) by fit_tool.
A plain CSV or an analysis document without a start time gets the placeholder
:data:`PLACEHOLDER_START_UNIX_S` (2000-01-01T00:00:00Z), and ``FitSummary.start_source`` says so.
"""

from __future__ import annotations

import asyncio
import math
import os
import uuid
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from stridemon.errors import InputError, OutputError
from stridemon.events import Marker

FIT_EPOCH_UNIX_S = 631065600  # 1989-12-31T00:00:00Z, the FIT epoch, as UNIX time
PLACEHOLDER_START_UNIX_S = 946684800  # 2000-01-01T00:00:00Z: start time unknown (a plain CSV)
# stridemon's developer application id (FIT: 16 bytes), fixed so apps can recognise its fields.
APPLICATION_ID = uuid.uuid5(uuid.NAMESPACE_URL, "https://stridemon.invalid/fit-developer-fields").bytes
DEV_INDEX = 0
FRACTION_STEPS = 128  # fractional_cadence has scale 128


# -- the analysis (what `stridemon analyze` computes) ---------------------------------------------
@dataclass
class AnalyzedRun:
    """One file analysed exactly as ``stridemon analyze`` does, with what FIT/batch also need."""

    path: str
    document: dict[str, Any]  # the analyze --json document
    first_t_s: float  # first sample (device clock, s); step times are on this clock
    family: str  # "recording", "csv", "simulator", ... (SourceInfo.family)
    device: str | None
    meta: Any  # stridemon.sinks.compare.RunMeta (runner, tags, markers, recorded_at)
    warnings: list[str]
    start_unix_s: float | None  # host clock of the first sample, if known
    start_source: str  # "host sample times", "recording start_utc", "metadata recorded_at" or "unknown"
    samples: int = 0


def analyze_file(path: str | os.PathLike, acc_unit: str = "auto", gyro_unit: str = "auto") -> AnalyzedRun:
    """Analyse ``path`` with the code ``stridemon analyze`` runs (same document, bit for bit).

    Raises :class:`~stridemon.errors.StridemonError` for a file stridemon cannot read."""
    from stridemon.library import read_meta
    from stridemon.pipeline import Pipeline
    from stridemon.session import run_pipeline
    from stridemon.sinks.summary import analysis_document
    from stridemon.sources.files import open_file_source

    path = str(path)
    source = open_file_source(path, acc_unit=acc_unit, gyro_unit=gyro_unit, batch_s=60.0)
    pipe = asyncio.run(run_pipeline(source, Pipeline()))
    duration = (pipe.last_t_s - pipe.first_t_s) if pipe.first_t_s is not None else 0.0
    fwd = pipe.forward.forward
    extra = {"forward_axis_sensor": [round(float(v), 3) for v in fwd] if all(v == v for v in fwd) else None}
    report = getattr(source, "report", None)
    if report is not None:
        extra["skipped_nan_rows"] = report.skipped_nan_rows
        extra["skipped_bad_rows"] = report.skipped_bad_rows
    doc = analysis_document(pipe.steps, pipe.strides, duration, len(pipe.gaps), extra, pipe.dynamics)
    meta, warnings = read_meta(path, source)
    rec = getattr(source, "recording", None)
    warnings = [*warnings, *(f"{path}: {n}" for n in getattr(rec, "notes", []))]
    start, how = _start_time(source, meta, pipe.first_t_s)
    info = source.info
    return AnalyzedRun(
        path=path,
        document=doc,
        first_t_s=float(pipe.first_t_s) if pipe.first_t_s is not None else 0.0,
        family=str(info.family),
        device=meta.device or (info.name if info.family != "csv" else None),
        meta=meta,
        warnings=warnings,
        start_unix_s=start,
        start_source=how,
        samples=int(pipe.samples_in),
    )


def _start_time(source: Any, meta: Any, first_t_s: float | None) -> tuple[float | None, str]:
    """UNIX time of the first sample: host sample times, else the header's start time."""
    rec = getattr(source, "recording", None)
    batches = getattr(rec, "batches", None) or [getattr(source, "batch", None)]
    for b in batches:
        host = getattr(b, "host_t_s", None)
        if host is not None and len(host) and first_t_s is not None:
            off = np.asarray(host, dtype=float) - np.asarray(b.t_s, dtype=float)
            off = off[np.isfinite(off)]
            if len(off):
                t = float(first_t_s + np.median(off))
                if _plausible(t):
                    return t, "host sample times"
            break
    md = getattr(rec, "metadata", None) or {}
    for key, how in ((md.get("start_utc"), "recording start_utc"), (meta.recorded_at, "metadata recorded_at")):
        t = _parse_iso(key)
        if t is not None:
            return t, how
    return None, "unknown"


def _parse_iso(v: Any) -> float | None:
    if not isinstance(v, str):
        return None
    try:
        d = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)  # a naive time: taken as UTC
    t = d.timestamp()
    return t if _plausible(t) else None


def _plausible(t: float) -> bool:
    # FIT date_time is uint32 seconds since 1989-12-31; values below 0x10000000 mean "since power on".
    return math.isfinite(t) and FIT_EPOCH_UNIX_S + 0x10000000 <= t < FIT_EPOCH_UNIX_S + 0xFFFFFFF0


# -- the FIT file ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DevField:
    """A developer field: its number, name, units and the message it belongs to."""

    number: int
    name: str
    units: str
    mesg: str  # "record" | "lap" | "session"


# Record (per second): what FIT has no field for.
DEV_RECORD = (
    DevField(0, "pelvis_rotation", "deg", "record"),  # facing range of the hip line per stride
    DevField(1, "pelvis_rotation_cm", "cm", "record"),  # the same, cm each way at the side of the torso
    DevField(2, "pelvic_tilt_range", "deg", "record"),
    DevField(3, "braking", "m/s", "record"),  # forward speed lost in the braking phase of a step
    DevField(4, "impact", "g", "record"),
    DevField(5, "pelvic_drop", "deg", "record"),
    DevField(6, "step_cadence", "steps/min", "record"),  # the same cadence, in steps/min as stridemon shows it
)
# Lap and session: medians and asymmetries.
DEV_SUMMARY = (
    DevField(10, "cadence_median", "steps/min", ""),
    DevField(11, "pelvis_rotation_median", "deg", ""),
    DevField(12, "pelvis_rotation_p90", "deg", ""),
    DevField(13, "braking_median", "m/s", ""),
    DevField(14, "impact_median", "g", ""),
    DevField(15, "pelvic_drop_median", "deg", ""),
    DevField(16, "step_time_asymmetry", "%", ""),
    DevField(17, "contact_time_asymmetry", "%", ""),
    DevField(18, "duty_factor", "ratio", ""),  # contact time / stride time
)
_NATIVE_MESG = {"record": 20, "lap": 19, "session": 18}


@dataclass
class FitSummary:
    """What :func:`write_fit` wrote."""

    path: str
    bytes: int
    start_unix_s: float  # the first record's time (whole seconds)
    start_source: str  # where the start time came from ("placeholder" if unknown)
    duration_s: float
    records: int
    laps: int
    steps: int
    strides: int
    sport: str  # "running" or "walking"
    avg_cadence_spm: float | None
    developer_fields: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def write_fit(
    run: str | os.PathLike | Mapping[str, Any] | AnalyzedRun,
    out_path: str | os.PathLike,
    *,
    markers: Sequence[Marker | Mapping[str, Any]] | None = None,
    start_unix_s: float | None = None,
    first_t_s: float | None = None,
    device: str | None = None,
    overwrite: bool = True,
) -> FitSummary:
    """Write ``run`` as a FIT activity file at ``out_path`` and say what was written.

    ``run`` is one of:
      - a path (a recording, a plain IMU CSV, anything ``stridemon analyze`` reads): analysed here,
        its lap markers, start time and device taken from the file;
      - an :class:`AnalyzedRun` (:func:`analyze_file`);
      - an ``analyze --json`` document (a dict, or an object with ``.document`` such as
        ``stridemon.analyze(path)``'s result): then ``first_t_s`` is the device time of its
        first sample (default 0.0, or the object's ``first_t_s``), and ``markers`` /
        ``start_unix_s`` / ``device`` are taken from the arguments (or the object's attributes).
    ``markers``: laps (``Marker`` or ``{"t_s", "label"}``, device clock); only labels starting with
    "lap" split laps. ``start_unix_s`` overrides the start time (UNIX s). Raises
    :class:`~stridemon.errors.InputError` for an unreadable input and
    :class:`~stridemon.errors.OutputError` if the file exists (``overwrite=False``) or cannot be written.
    """
    out = Path(out_path)
    if not overwrite and out.exists():
        raise OutputError(f"{out}: exists; give another --out or remove it")
    how = "argument"
    if isinstance(run, str | os.PathLike):
        run = analyze_file(run)
    if isinstance(run, AnalyzedRun):
        doc, t0 = run.document, run.first_t_s
        if markers is None:
            markers = list(getattr(run.meta, "markers", ()))
        if start_unix_s is None:
            start_unix_s, how = run.start_unix_s, run.start_source
        device = device or run.device
    else:
        obj = run
        doc = getattr(obj, "document", obj)
        if not isinstance(doc, Mapping) or not {"steps", "strides", "summary"} <= set(doc):
            raise InputError("write_fit: expected a path, an AnalyzedRun or an analyze --json document")
        t0 = first_t_s if first_t_s is not None else getattr(obj, "first_t_s", None)
        t0 = 0.0 if t0 is None else float(t0)
        markers = markers if markers is not None else getattr(obj, "markers", None)
        if start_unix_s is None:
            start_unix_s = getattr(obj, "start_unix_s", None)
    if first_t_s is not None:
        t0 = float(first_t_s)
    if start_unix_s is None or not _plausible(float(start_unix_s)):
        start_unix_s, how = PLACEHOLDER_START_UNIX_S, "placeholder"
    data = _encode(doc, t0, _lap_marks(markers or ()), int(math.floor(float(start_unix_s))), device)
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data["bytes"])
        os.replace(tmp, out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{out}: cannot write the FIT file ({e.strerror or e})") from None
    return FitSummary(
        path=str(out),
        bytes=len(data["bytes"]),
        start_unix_s=float(math.floor(float(start_unix_s))),
        start_source=how,
        duration_s=data["duration_s"],
        records=data["records"],
        laps=data["laps"],
        steps=len(doc["steps"]),
        strides=len(doc["strides"]),
        sport=data["sport"],
        avg_cadence_spm=data["avg_cadence_spm"],
        developer_fields=[f"{f.name} ({f.units})" if f.units else f.name for f in (*DEV_RECORD, *DEV_SUMMARY)],
    )


def _lap_marks(markers: Sequence[Marker | Mapping[str, Any]]) -> list[float]:
    out = []
    for m in markers:
        t, label = (m.t_s, m.label) if isinstance(m, Marker) else (m.get("t_s"), m.get("label"))
        if isinstance(label, str) and label.strip().lower().startswith("lap") and isinstance(t, int | float):
            if math.isfinite(t):
                out.append(float(t))
    return sorted(out)


def fit_cadence(spm: float) -> tuple[int, float]:
    """Steps/min as FIT's running cadence: (cadence strides/min, fractional_cadence in [0, 1)).

    Rounded to the 1/128 rpm resolution of ``fractional_cadence`` before splitting."""
    q = int(round(spm / 2.0 * FRACTION_STEPS))
    return q // FRACTION_STEPS, (q % FRACTION_STEPS) / FRACTION_STEPS


def _col(rows: list[dict], key: str) -> np.ndarray:
    return np.array([np.nan if r.get(key) is None else float(r[key]) for r in rows], dtype=float)


def _binned_mean(k: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """Mean of ``v`` per bin ``k`` (0..n-1), NaN where a bin has no finite value."""
    ok = np.isfinite(v) & (k >= 0) & (k < n)
    s = np.bincount(k[ok], weights=v[ok], minlength=n)
    c = np.bincount(k[ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, s / np.maximum(c, 1), np.nan)


def _med(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else math.nan


def _encode(doc: Mapping[str, Any], t0: float, laps_at: list[float], start: int, device: str | None) -> dict:
    from fit_tool.base_type import BaseType
    from fit_tool.developer_field import DeveloperField
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.activity_message import ActivityMessage
    from fit_tool.profile.messages.developer_data_id_message import DeveloperDataIdMessage
    from fit_tool.profile.messages.device_info_message import DeviceInfoMessage
    from fit_tool.profile.messages.event_message import EventMessage
    from fit_tool.profile.messages.field_description_message import FieldDescriptionMessage
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.lap_message import LapMessage
    from fit_tool.profile.messages.record_message import RecordMessage
    from fit_tool.profile.messages.session_message import SessionMessage
    from fit_tool.profile.profile_type import (
        Activity,
        ActivityType,
        Event,
        EventType,
        FileType,
        LapTrigger,
        Manufacturer,
        SessionTrigger,
        Sport,
        SubSport,
    )

    from stridemon import __version__

    steps, strides, summary = list(doc["steps"]), list(doc["strides"]), dict(doc["summary"])
    duration = float(summary.get("duration_s") or 0.0)
    if not math.isfinite(duration) or duration < 0:
        duration = 0.0
    n = int(math.floor(duration)) + 1  # records at t0 + 0, 1, ..., floor(duration)
    st_t = _col(steps, "t")
    sk = np.floor(st_t - t0).astype(np.int64) if len(st_t) else np.zeros(0, np.int64)
    cad = _col(steps, "cadence_spm")
    per_s = {
        "cadence": _binned_mean(sk, cad, n),
        "contact_ms": _binned_mean(sk, _col(steps, "contact_ms"), n),
        "vo_mm": _binned_mean(sk, 10.0 * _col(steps, "vertical_oscillation_cm"), n),
        "braking": _binned_mean(sk, _col(steps, "braking_mps"), n),
        "impact": _binned_mean(sk, _col(steps, "impact_g"), n),
        "drop": _binned_mean(sk, _col(steps, "pelvic_drop_deg"), n),
    }
    sr_end = _col(strides, "end")
    rk = np.floor(sr_end - t0).astype(np.int64) if len(sr_end) else np.zeros(0, np.int64)
    rot = _col(strides, "rotation_deg")
    per_s["rotation"] = _binned_mean(rk, rot, n)
    per_s["rotation_cm"] = _binned_mean(rk, _col(strides, "rotation_cm"), n)
    per_s["tilt"] = _binned_mean(rk, _col(strides, "tilt_range_deg"), n)
    running = summary.get("contact_ms_median") is not None or (_med(cad) >= 140.0 if len(cad) else False)
    sport = Sport.RUNNING if running else Sport.WALKING

    ms = 1000  # fit_tool takes date_time values as UNIX milliseconds
    b = FitFileBuilder(auto_define=True, min_string_size=24)
    serial = zlib.crc32(f"{start}:{duration:.3f}:{len(steps)}".encode()) or 1
    m = FileIdMessage()
    m.type = FileType.ACTIVITY
    m.manufacturer = Manufacturer.DEVELOPMENT.value
    m.product = 0
    m.product_name = "stridemon"
    m.serial_number = serial
    m.time_created = start * ms
    b.add(m)
    for index, name, sw in ((0, "stridemon", __version__), (1, device or "IMU on the belt", None)):
        m = DeviceInfoMessage()
        m.timestamp = start * ms
        m.device_index = index
        m.manufacturer = Manufacturer.DEVELOPMENT.value
        m.product = 0
        m.product_name = name[:60]
        if sw:
            try:
                m.software_version = float(".".join(sw.split(".")[:2]))
            except ValueError:
                pass
        b.add(m)
    m = DeveloperDataIdMessage()
    m.application_id = APPLICATION_ID
    m.developer_data_index = DEV_INDEX
    m.application_version = 1
    b.add(m)
    for mesg, fields in (("record", DEV_RECORD), ("", DEV_SUMMARY)):
        for f in fields:
            m = FieldDescriptionMessage()
            m.developer_data_index = DEV_INDEX
            m.field_definition_number = f.number
            m.fit_base_type_id = BaseType.FLOAT32
            m.field_name = f.name
            m.units = f.units
            if mesg:
                m.native_mesg_num = _NATIVE_MESG[mesg]
            b.add(m)

    def dev(fields: Sequence[DevField], values: Mapping[str, float]) -> list:
        out = []
        for f in fields:
            d = DeveloperField(developer_data_index=DEV_INDEX, field_id=f.number, size=4, base_type=BaseType.FLOAT32)
            v = values.get(f.name)
            if v is not None and math.isfinite(v):
                d.set_value(0, float(v))
            out.append(d)
        return out

    m = EventMessage()
    m.timestamp = start * ms
    m.event = Event.TIMER
    m.event_type = EventType.START
    b.add(m)
    for k in range(n):
        r = RecordMessage(
            developer_fields=dev(
                DEV_RECORD,
                {
                    "pelvis_rotation": per_s["rotation"][k],
                    "pelvis_rotation_cm": per_s["rotation_cm"][k],
                    "pelvic_tilt_range": per_s["tilt"][k],
                    "braking": per_s["braking"][k],
                    "impact": per_s["impact"][k],
                    "pelvic_drop": per_s["drop"][k],
                    "step_cadence": per_s["cadence"][k],
                },
            )
        )
        r.timestamp = (start + k) * ms
        c = per_s["cadence"][k]
        if math.isfinite(c) and 0 <= c < 500:
            whole, frac = fit_cadence(c)
            r.cadence = whole
            r.fractional_cadence = frac
        if math.isfinite(per_s["contact_ms"][k]):
            r.stance_time = round(float(per_s["contact_ms"][k]), 1)
        if math.isfinite(per_s["vo_mm"][k]):
            r.vertical_oscillation = round(float(per_s["vo_mm"][k]), 1)
        r.activity_type = ActivityType.RUNNING if running else ActivityType.WALKING
        b.add(r)
    end = start + n - 1
    m = EventMessage()
    m.timestamp = end * ms
    m.event = Event.TIMER
    m.event_type = EventType.STOP_ALL
    b.add(m)

    # Laps: start -> first lap marker -> ... -> end (device clock, as the dashboard's M key marks them).
    cuts = [t - t0 for t in laps_at if 0.0 < t - t0 < duration]
    bounds = [0.0, *cuts, duration]
    side = [s.get("side") for s in steps]
    st_rot_t = _col(strides, "t")

    def figures(a: float, z: float, last: bool) -> dict:
        sel = (st_t - t0 >= a) & ((st_t - t0 < z) if not last else (st_t - t0 <= z + 1e-9))
        rsel = (st_rot_t - t0 >= a) & ((st_rot_t - t0 < z) if not last else (st_rot_t - t0 <= z + 1e-9))
        c = cad[sel]
        c = c[np.isfinite(c)]
        return {
            "steps": int(sel.sum()),
            "cad_mean": float(np.mean(c)) if len(c) else math.nan,
            "cad_max": float(np.max(c)) if len(c) else math.nan,
            "contact": _mean(_col(steps, "contact_ms")[sel]),
            "vo_mm": _mean(10.0 * _col(steps, "vertical_oscillation_cm")[sel]),
            "dev": {
                "cadence_median": _med(c),
                "pelvis_rotation_median": _med(rot[rsel]),
                "pelvis_rotation_p90": _p90(rot[rsel]),
                "braking_median": _med(_col(steps, "braking_mps")[sel]),
                "impact_median": _med(_col(steps, "impact_g")[sel]),
                "pelvic_drop_median": _med(_col(steps, "pelvic_drop_deg")[sel]),
                "step_time_asymmetry": _step_asym(c, [x for x, s in zip(side, sel, strict=True) if s], cad[sel]),
            },
        }

    def fill(msg: Any, f: dict, a: float, z: float) -> None:
        msg.start_time = (start + int(math.floor(a))) * ms
        msg.total_elapsed_time = z - a
        msg.total_timer_time = z - a
        msg.sport = sport
        msg.sub_sport = SubSport.GENERIC
        msg.total_cycles = int(f["steps"] // 2)  # strides (total_strides when running)
        if math.isfinite(f["cad_mean"]):
            msg.avg_cadence, msg.avg_fractional_cadence = fit_cadence(f["cad_mean"])
            msg.max_cadence, msg.max_fractional_cadence = fit_cadence(f["cad_max"])
        if math.isfinite(f["contact"]):
            msg.avg_stance_time = round(f["contact"], 1)
        if math.isfinite(f["vo_mm"]):
            msg.avg_vertical_oscillation = round(f["vo_mm"], 1)

    nlaps = len(bounds) - 1
    for i in range(nlaps):
        a, z = bounds[i], bounds[i + 1]
        f = figures(a, z, i == nlaps - 1)
        m = LapMessage(developer_fields=dev(DEV_SUMMARY, f["dev"]))
        m.message_index = i
        m.timestamp = (start + int(math.floor(z))) * ms
        m.event = Event.LAP
        m.event_type = EventType.STOP
        m.lap_trigger = LapTrigger.MANUAL if i < nlaps - 1 else LapTrigger.SESSION_END
        fill(m, f, a, z)
        b.add(m)
    f = figures(0.0, duration, True)
    f["dev"].update(
        {
            "cadence_median": _num(summary.get("cadence_spm_median")),
            "pelvis_rotation_median": _num(summary.get("rotation_deg_median")),
            "pelvis_rotation_p90": _num(summary.get("rotation_deg_p90")),
            "braking_median": _num(summary.get("braking_mps_median")),
            "impact_median": _num(summary.get("impact_g_median")),
            "pelvic_drop_median": _num(summary.get("pelvic_drop_deg_median")),
            "step_time_asymmetry": _num(summary.get("step_time_asymmetry_pct")),
            "contact_time_asymmetry": _num(summary.get("contact_time_asymmetry_pct")),
            "duty_factor": _num(summary.get("duty_factor_median")),
        }
    )
    m = SessionMessage(developer_fields=dev(DEV_SUMMARY, f["dev"]))
    m.message_index = 0
    m.timestamp = end * ms
    m.event = Event.SESSION
    m.event_type = EventType.STOP
    m.trigger = SessionTrigger.ACTIVITY_END
    m.first_lap_index = 0
    m.num_laps = nlaps
    fill(m, f, 0.0, duration)
    b.add(m)
    m = ActivityMessage()
    m.timestamp = end * ms
    m.total_timer_time = duration
    m.num_sessions = 1
    m.type = Activity.MANUAL
    m.event = Event.ACTIVITY
    m.event_type = EventType.STOP
    b.add(m)
    return {
        "bytes": b.build().to_bytes(),
        "records": n,
        "laps": nlaps,
        "duration_s": duration,
        "sport": "running" if running else "walking",
        "avg_cadence_spm": round(f["cad_mean"], 2) if math.isfinite(f["cad_mean"]) else None,
    }


def _mean(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(np.mean(v)) if len(v) else math.nan


def _p90(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(np.percentile(v, 90)) if len(v) else math.nan


def _num(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan


def _step_asym(_c: np.ndarray, sides: list, cad: np.ndarray) -> float:
    """(left − right) / mean step time, %, as the analyze summary computes it (≥ 3 steps a side)."""
    lt = [60.0 / c for s, c in zip(sides, cad, strict=True) if s == "left" and math.isfinite(c) and c > 0]
    rt = [60.0 / c for s, c in zip(sides, cad, strict=True) if s == "right" and math.isfinite(c) and c > 0]
    if len(lt) < 3 or len(rt) < 3:
        return math.nan
    ml, mr = float(np.median(lt)), float(np.median(rt))
    return 100.0 * (ml - mr) / (0.5 * (ml + mr))
