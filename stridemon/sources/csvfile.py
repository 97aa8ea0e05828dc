"""The plain IMU CSV (``t_s,ax,ay,az,gx,gy,gz``; see docs/interfaces.md) as a source.

Reading checks what real files get wrong — missing columns, empty file, non-numbers, time going
backwards, accelerometer in g or gyro in rad/s — and raises :class:`InputError` with one line
naming the problem and the fix. Rows with a missing value or NaN are skipped, counted and logged.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from stridemon.errors import InputError
from stridemon.samples import STANDARD_GRAVITY_MPS2, SampleBatch, SourceInfo
from stridemon.sources.base import batches_of, paced

log = logging.getLogger(__name__)

COLUMNS = ("t_s", "ax", "ay", "az", "gx", "gy", "gz")
AccUnit = Literal["auto", "mps2", "g"]
GyroUnit = Literal["auto", "dps", "rads"]


@dataclass
class CsvReport:
    """What reading the file found (shown by ``analyze`` and ``info``)."""

    rows: int = 0
    skipped_nan_rows: int = 0
    duplicate_time_rows: int = 0
    acc_unit: str = "mps2"
    gyro_unit: str = "dps"


def read_imu_csv(
    path: str | Path, acc_unit: AccUnit = "auto", gyro_unit: GyroUnit = "auto"
) -> tuple[SampleBatch, CsvReport]:
    """Read a whole plain IMU CSV into one batch (m/s², deg/s), checking it."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a CSV file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty; expected a header line 't_s,ax,ay,az,gx,gy,gz' and rows")
    with open(path, "rb") as f:
        head = f.readline(4096)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: the header line is not UTF-8 text; expected a CSV with header 't_s,ax,ay,az,gx,gy,gz'"
        ) from None
    try:
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.float64() for c in COLUMNS},
                null_values=["", "nan", "NaN", "NAN", "null", "NULL", "NA"],
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as e:
        raise InputError(f"{path}: not a readable IMU CSV ({_first_line(e)})") from None
    except (UnicodeDecodeError, OSError) as e:
        raise InputError(f"{path}: cannot read the file ({e})") from None

    try:
        names = [n.strip().lstrip("\ufeff") for n in table.column_names]
    except UnicodeDecodeError:
        raise InputError(f"{path}: the header is not UTF-8 text") from None
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {','.join(missing)}; the header must be 't_s,ax,ay,az,gx,gy,gz' "
            f"(found '{','.join(names)[:80]}')"
        )
    table = table.rename_columns(names)
    cols = []
    for c in COLUMNS:
        col = table.column(c)
        if not pa.types.is_floating(col.type) and not pa.types.is_integer(col.type):
            raise InputError(f"{path}: column '{c}' holds text, not numbers; it must be a plain number per row")
        cols.append(col.to_numpy(zero_copy_only=False).astype(np.float64, copy=False))
    data = np.column_stack(cols) if cols else np.empty((0, 7))
    report = CsvReport(rows=len(data))
    if len(data) == 0:
        raise InputError(f"{path}: no samples after the header line")

    good = np.isfinite(data).all(axis=1)
    report.skipped_nan_rows = int((~good).sum())
    if report.skipped_nan_rows:
        log.warning("%s: skipped %d row(s) with a missing or non-finite value", path, report.skipped_nan_rows)
        data = data[good]
    if len(data) < 2:
        raise InputError(f"{path}: fewer than 2 complete samples (rows with empty or NaN values are skipped)")

    t = data[:, 0]
    dt = np.diff(t)
    back = np.flatnonzero(dt < 0)
    if len(back):
        i = int(back[0])
        raise InputError(
            f"{path}: time goes backwards at sample {i + 2} ({t[i]:.6g} s -> {t[i + 1]:.6g} s); "
            "the file must be one recording sorted by t_s (split or sort it)"
        )
    dup = np.flatnonzero(dt == 0) + 1
    if len(dup):
        report.duplicate_time_rows = len(dup)
        log.warning("%s: dropped %d sample(s) repeating the previous time stamp", path, len(dup))
        data = np.delete(data, dup, axis=0)

    acc, gyro = data[:, 1:4], data[:, 4:7]
    acc, report.acc_unit = _acc_to_mps2(path, acc, acc_unit)
    gyro, report.gyro_unit = _gyro_to_dps(path, gyro, gyro_unit, acc)
    return SampleBatch(data[:, 0].copy(), acc, gyro), report


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0][:160] if str(e).strip() else type(e).__name__


def _acc_to_mps2(path: Path, acc: np.ndarray, unit: AccUnit) -> tuple[np.ndarray, str]:
    if unit == "g":
        return acc * STANDARD_GRAVITY_MPS2, "g"
    norm = float(np.median(np.linalg.norm(acc, axis=1)))
    if unit == "mps2":
        return acc, "mps2"
    if 0.5 <= norm <= 2.0:
        raise InputError(
            f"{path}: the accelerometer looks like it is in g (median |a| = {norm:.2f}, "
            "expected about 9.8 m/s²); pass --acc-unit g to convert"
        )
    if not 4.0 <= norm <= 30.0:
        raise InputError(
            f"{path}: the accelerometer is in an unknown unit (median |a| = {norm:.3g}, expected about 9.8 m/s² "
            "with gravity included); convert to m/s², or pass --acc-unit mps2 if this is right"
        )
    return acc, "mps2"


def _gyro_to_dps(path: Path, gyro: np.ndarray, unit: GyroUnit, acc_mps2: np.ndarray) -> tuple[np.ndarray, str]:
    if unit == "rads":
        return np.degrees(gyro), "rads"
    if unit == "dps":
        return gyro, "dps"
    # rad/s looks like deg/s shrunk 57×: a moving sensor (|a| varies) whose rate never reaches
    # 6 units is almost surely in rad/s; a resting sensor proves nothing, so it is left alone.
    moving = float(np.std(np.linalg.norm(acc_mps2, axis=1))) > 1.0
    p99 = float(np.percentile(np.abs(gyro), 99))
    if moving and 0.05 < p99 < 6.0:
        raise InputError(
            f"{path}: the gyroscope looks like it is in rad/s (99th percentile {p99:.2f} while moving, "
            "expected tens of deg/s); pass --gyro-unit rads to convert, or --gyro-unit dps if this is right"
        )
    return gyro, "dps"


class CsvSource:
    """A plain IMU CSV as a :class:`~stridemon.sources.base.Source` (optionally paced)."""

    def __init__(
        self,
        path: str | Path,
        speed: float | None = None,
        batch_s: float = 1.0,
        acc_unit: AccUnit = "auto",
        gyro_unit: GyroUnit = "auto",
    ) -> None:
        self.path = Path(path)
        self.speed = speed
        self.batch_s = batch_s
        self.batch, self.report = read_imu_csv(self.path, acc_unit, gyro_unit)
        dt = np.diff(self.batch.t_s)
        rate = 1.0 / float(np.median(dt)) if len(dt) else math.nan
        self.info = SourceInfo(name=self.path.name, family="csv", address=str(self.path), nominal_rate_hz=rate)

    async def stream(self) -> AsyncIterator[SampleBatch]:
        async for b in paced(batches_of(self.batch, self.batch_s), self.speed):
            yield b
