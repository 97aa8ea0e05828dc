"""Small FIT activities written with ``fit_tool`` exactly as the FIT profile defines them (tests)."""

from __future__ import annotations

from pathlib import Path

# FIT time stamps are written as ms since the UNIX epoch by fit_tool (it converts to the FIT epoch).
START_MS = 1_700_000_000_000


def write_running_fit(
    path: Path,
    seconds: int = 120,
    steps_per_min: float = 172.5,
    stance_ms: float = 245.0,
    vo_mm: float = 82.0,
    step_length_mm: float = 1150.0,
    sport: str | None = "running",
    with_session: bool = True,
    pause_s: tuple[int, int] | None = None,
) -> dict:
    """A running activity: file_id, device_info, timer events, one record a second, lap, session.

    Cadence is written as the profile has it for running: strides/min = steps/min ÷ 2, split into
    ``cadence`` (whole rpm) and ``fractional_cadence`` (1/128 rpm). Returns what was written.
    """
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.device_info_message import DeviceInfoMessage
    from fit_tool.profile.messages.event_message import EventMessage
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.lap_message import LapMessage
    from fit_tool.profile.messages.record_message import RecordMessage
    from fit_tool.profile.messages.session_message import SessionMessage
    from fit_tool.profile.profile_type import Event, EventType, FileType, GarminProduct, Manufacturer, Sport

    b = FitFileBuilder(auto_define=True, min_string_size=50)
    fid = FileIdMessage()
    fid.type = FileType.ACTIVITY
    fid.manufacturer = Manufacturer.GARMIN.value
    fid.product = GarminProduct.FR965.value
    fid.serial_number = 3_456_789_012
    fid.time_created = START_MS
    b.add(fid)
    dev = DeviceInfoMessage()
    dev.timestamp = START_MS
    dev.device_index = 0
    dev.manufacturer = Manufacturer.GARMIN.value
    dev.product = GarminProduct.FR965.value
    dev.software_version = 19.18
    b.add(dev)
    ev = EventMessage()
    ev.event = Event.TIMER
    ev.event_type = EventType.START
    ev.timestamp = START_MS
    b.add(ev)

    strides_per_min = steps_per_min / 2.0
    whole = int(strides_per_min)
    frac = strides_per_min - whole
    written = 0
    for i in range(seconds):
        r = RecordMessage()
        r.timestamp = START_MS + 1000 * i
        if pause_s and pause_s[0] <= i < pause_s[1]:
            r.cadence = 0
            r.fractional_cadence = 0.0
        else:
            r.cadence = whole
            r.fractional_cadence = frac
            r.stance_time = stance_ms
            r.vertical_oscillation = vo_mm
            r.step_length = step_length_mm
            r.vertical_ratio = 7.1
        r.heart_rate = 150
        b.add(r)
        written += 1
    end_ms = START_MS + 1000 * seconds
    ev = EventMessage()
    ev.event = Event.TIMER
    ev.event_type = EventType.STOP_ALL
    ev.timestamp = end_ms
    b.add(ev)
    total_strides = int(round(strides_per_min * seconds / 60.0))
    lap = LapMessage()
    lap.timestamp = end_ms
    lap.start_time = START_MS
    lap.total_elapsed_time = float(seconds)
    lap.total_timer_time = float(seconds)
    b.add(lap)
    if with_session:
        s = SessionMessage()
        s.timestamp = end_ms
        s.start_time = START_MS
        s.total_elapsed_time = float(seconds)
        s.total_timer_time = float(seconds)
        if sport is not None:
            s.sport = getattr(Sport, sport.upper())
        s.total_cycles = total_strides  # total_strides (subfield of total_cycles) for running
        s.avg_cadence = whole  # avg_running_cadence: strides/min for running
        s.num_laps = 1
        b.add(s)
    b.build().to_file(str(path))
    return {"records": written, "total_strides": total_strides, "steps_per_min": steps_per_min}
