"""Open a file of samples as a source, whatever it is: plain IMU CSV or a stridemon recording."""

from __future__ import annotations

from pathlib import Path

from stridemon.errors import InputError
from stridemon.sources.csvfile import CsvSource


def open_file_source(
    path: str | Path, speed: float | None = None, acc_unit: str = "auto", gyro_unit: str = "auto", batch_s: float = 1.0
):
    """A Source for ``path``, chosen by its first bytes."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a folder, expected a CSV file or a recording")
    from stridemon.sources.recording import RecordingSource, is_recording

    if is_recording(p):
        return RecordingSource(p, speed=speed, batch_s=batch_s)
    if p.suffix.lower() == ".smrec":
        raise InputError(f"{p}: not a stridemon recording (no recording header); the file is damaged or not ours")
    return CsvSource(p, speed=speed, batch_s=batch_s, acc_unit=acc_unit, gyro_unit=gyro_unit)
