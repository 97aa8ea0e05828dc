"""Open a file of samples as a source, whatever it is, told by its content (not only its name):
a stridemon recording, a phone export (phyphox or Sensor Logger: zip, folder or one phyphox CSV),
a watch's FIT activity (read by :mod:`stridemon.sources.fit`, not a sample source) or a plain
IMU CSV (the default)."""

from __future__ import annotations

from pathlib import Path

from stridemon.errors import InputError


def detect_kind(path: str | Path) -> str:
    """ "recording" | "fit" | "phone" | "csv" for ``path`` (checked to exist); raises InputError."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    from stridemon.sources.phone import is_phone_export

    if p.is_dir():
        if is_phone_export(p):
            return "phone"
        raise InputError(
            f"{p}: is a folder, expected a CSV file, a recording, a FIT file or a phone export "
            "(phyphox or Sensor Logger CSVs)"
        )
    from stridemon.sources.fit import is_fit
    from stridemon.sources.recording import is_recording

    if is_recording(p):
        return "recording"
    if p.suffix.lower() == ".smrec":
        raise InputError(f"{p}: not a stridemon recording (no recording header); the file is damaged or not ours")
    if is_fit(p):
        return "fit"
    if p.suffix.lower() == ".fit":
        raise InputError(f"{p}: not a FIT file (no '.FIT' signature in its header); the file is damaged or not FIT")
    if is_phone_export(p):
        return "phone"
    return "csv"


def open_file_source(
    path: str | Path, speed: float | None = None, acc_unit: str = "auto", gyro_unit: str = "auto", batch_s: float = 1.0
):
    """A Source for ``path``, chosen by its first bytes."""
    p = Path(path)
    kind = detect_kind(p)
    if kind == "recording":
        from stridemon.sources.recording import RecordingSource

        return RecordingSource(p, speed=speed, batch_s=batch_s)
    if kind == "fit":
        raise InputError(
            f"{p}: a FIT activity holds the watch's own per-second numbers, not sensor samples; "
            "'stridemon analyze' reads it, this command cannot"
        )
    if kind == "phone":
        from stridemon.sources.phone import PhoneSource

        return PhoneSource(p, speed=speed, batch_s=batch_s)
    from stridemon.sources.csvfile import CsvSource

    return CsvSource(p, speed=speed, batch_s=batch_s, acc_unit=acc_unit, gyro_unit=gyro_unit)
