"""The plain IMU CSV (``t_s,ax,ay,az,gx,gy,gz``, or ``t_s,ax,ay,az`` without a gyroscope; see
docs/interfaces.md) as a source.

Reading checks what real files get wrong — missing columns, empty file, non-numbers, time going
backwards, accelerometer in g or gyro in rad/s — and raises :class:`InputError` with one line
naming the problem and the fix. Rows with a missing value or NaN are skipped, counted and logged.

Malformed rows are skipped and counted too (``CsvReport.skipped_bad_rows``, one warning naming
the first bad line): a row with too few or too many fields — typically the last line of a logger
that crashed mid-write — or with a non-number (``abc``, ``1.2.3``) in a column that is otherwise
numbers. A file that is mostly such rows (more than half of its data rows, or fewer than 2 good
ones) is refused, and a column that is mostly text is refused as before. A last line cut inside
its *last* number (``12.34,0.1,9.8,0.1,1.0,2.0,3`` for ``…,3.25``) still has all its fields and
parses, so it cannot be told from a good row and is kept as it reads.

Without gyroscope columns the batch's ``gyro_dps`` is all NaN, ``CsvReport.has_gyro`` is False
and the source says so in ``SourceInfo.extra["has_gyro"]``; a header with only some of
``gx,gy,gz`` is an error.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from stridemon import limits
from stridemon.errors import InputError
from stridemon.samples import STANDARD_GRAVITY_MPS2, SampleBatch, SourceInfo
from stridemon.sources.base import batches_of, paced

log = logging.getLogger(__name__)

COLUMNS = ("t_s", "ax", "ay", "az", "gx", "gy", "gz")
ACC_COLUMNS = COLUMNS[:4]
GYRO_COLUMNS = COLUMNS[4:]
AccUnit = Literal["auto", "mps2", "g"]
GyroUnit = Literal["auto", "dps", "rads"]

_NULLS = ["", "nan", "NaN", "NAN", "null", "NULL", "NA"]
# What Arrow's float parser takes (after trimming blanks); anything else in a numeric column is a bad row.
_NUMBER_RE = r"^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)$"
_LOCATE_MAX = 20  # up to this many wrong-field rows are found by their text, more by a scan
_HEADER_HINT = "'t_s,ax,ay,az,gx,gy,gz' (or 't_s,ax,ay,az' without a gyroscope)"


@dataclass
class CsvReport:
    """What reading the file found (shown by ``analyze`` and ``info``)."""

    rows: int = 0
    skipped_nan_rows: int = 0
    duplicate_time_rows: int = 0
    acc_unit: str = "mps2"
    gyro_unit: str = "dps"  # "none" without gyroscope columns
    skipped_bad_rows: int = 0  # wrong number of fields, or a non-number in a numeric column
    first_bad_line: int | None = None  # 1-based line number in the file (the header is line 1)
    has_gyro: bool = True
    clock_jumps: list[tuple[float, float]] = field(default_factory=list)  # (t_s after the fix, jump s)


def read_imu_csv(
    path: str | Path, acc_unit: AccUnit = "auto", gyro_unit: GyroUnit = "auto"
) -> tuple[SampleBatch, CsvReport]:
    """Read a whole plain IMU CSV into one batch (m/s², deg/s), checking it.

    Bad rows (wrong number of fields, a non-number) are skipped and counted; see the module
    docstring for what cannot be detected (a last line cut inside its last number).
    """
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
        for _ in range(100):  # Arrow passes over blank lines before the header; so do we
            if head not in (b"\n", b"\r\n"):
                break
            head = f.readline(4096)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: the header line is not UTF-8 text; expected a CSV with header 't_s,ax,ay,az,gx,gy,gz'"
        ) from None

    # The header, parsed by Arrow itself so the names match the full read exactly.
    parse = pacsv.ParseOptions(newlines_in_values=False)
    try:
        raw_names = pacsv.read_csv(pa.py_buffer(head), parse_options=parse).column_names
    except pa.ArrowException as e:
        raise InputError(f"{path}: not a readable IMU CSV ({_first_line(e)})") from None
    names = [n.strip().lstrip("\ufeff").strip() for n in raw_names]
    raw_of: dict[str, str] = {}
    for i, (n, raw) in enumerate(zip(names, raw_names, strict=True)):
        if n in COLUMNS and n in raw_of:
            first = names.index(n) + 1
            raise InputError(
                f"{path}: column '{n}' appears twice in the header (fields {first} and {i + 1}); "
                "which one holds the data is unclear: remove or rename one"
            )
        raw_of.setdefault(n, raw)
    missing = [c for c in ACC_COLUMNS if c not in raw_of]
    gyro_present = [c for c in GYRO_COLUMNS if c in raw_of]
    if not missing and gyro_present and len(gyro_present) < len(GYRO_COLUMNS):
        missing = [c for c in GYRO_COLUMNS if c not in raw_of]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {','.join(missing)}; the header must be {_HEADER_HINT} "
            f"(found '{','.join(names)[:80]}')"
        )
    has_gyro = len(gyro_present) == len(GYRO_COLUMNS)
    wanted = COLUMNS if has_gyro else ACC_COLUMNS
    raw_wanted = [raw_of[c] for c in wanted]

    # Rows with the wrong number of fields are skipped by Arrow and counted here.
    # (list.append is atomic: Arrow may call the handler from several threads, without line numbers).
    wrong_fields: list[str] = []

    def on_invalid_row(row: Any) -> str:
        wrong_fields.append((row.text or "") if len(wrong_fields) < _LOCATE_MAX else "")
        return "skip"

    def read(kind: Any):
        wrong_fields.clear()
        return pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=False, invalid_row_handler=on_invalid_row),
            convert_options=pacsv.ConvertOptions(
                column_types={c: kind for c in raw_wanted},
                include_columns=raw_wanted,
                null_values=_NULLS,
                strings_can_be_null=True,
                check_utf8=False,
            ),
        )

    bad = None  # rows (of the table) with a non-number, if any
    data = None
    try:
        try:
            table = read(pa.float64())
            data = _stacked_columns(table, raw_wanted)
        except pa.ArrowInvalid:
            # A non-number somewhere (or an unreadable file): read as bytes, convert leniently.
            table = read(pa.binary())
            cols, bad = [], np.zeros(table.num_rows, dtype=bool)
            for name, raw in zip(wanted, raw_wanted, strict=True):
                values, not_number = _lenient_floats(table.column(raw))
                n_text, n_filled = int(not_number.sum()), table.num_rows - table.column(raw).null_count
                if n_text and 2 * n_text > n_filled:
                    raise InputError(
                        f"{path}: column '{name}' holds text, not numbers; it must be a plain number per row"
                    ) from None
                cols.append(values)
                bad |= not_number
    except pa.ArrowException as e:
        raise InputError(f"{path}: not a readable IMU CSV ({_first_line(e)})") from None
    except (UnicodeDecodeError, OSError) as e:
        raise InputError(f"{path}: cannot read the file ({e})") from None

    if data is None:
        data = np.column_stack(cols) if cols else np.empty((0, len(wanted)))
    n_bad = len(wrong_fields) + (int(bad.sum()) if bad is not None else 0)
    report = CsvReport(rows=len(data) + len(wrong_fields), has_gyro=has_gyro)
    if n_bad:
        report.skipped_bad_rows = n_bad
        report.first_bad_line = _first_bad_line(path, len(raw_names), wrong_fields, bad)
        where = f", first at line {report.first_bad_line}" if report.first_bad_line else ""
        n_good = report.rows - n_bad
        if 2 * n_bad > report.rows or n_good < 2:
            raise InputError(
                f"{path}: not a readable IMU CSV: {n_bad} of {report.rows} data rows are bad "
                f"(wrong number of fields or not a number{where})"
            )
        log.warning("%s: skipped %d malformed row(s) (wrong number of fields or not a number)%s", path, n_bad, where)
        if bad is not None and bad.any():
            data = data[~bad]
    if len(data) == 0:
        raise InputError(f"{path}: no samples after the header line")

    good = np.isfinite(data).all(axis=1)
    report.skipped_nan_rows = int((~good).sum())
    if report.skipped_nan_rows:
        log.warning("%s: skipped %d row(s) with a missing or non-finite value", path, report.skipped_nan_rows)
        data = data[good]
    if len(data) < 2:
        raise InputError(f"{path}: fewer than 2 complete samples (rows with empty or NaN values are skipped)")

    absurd = np.abs(data[:, 0]) > limits.MAX_ABS_TIME_S
    if absurd.any():
        n_absurd = int(absurd.sum())
        report.skipped_bad_rows += n_absurd
        log.warning(
            "%s: skipped %d row(s) with an impossible time stamp (|t_s| > %.0e s)",
            path,
            n_absurd,
            limits.MAX_ABS_TIME_S,
        )
        data = data[~absurd]
        if len(data) < 2:
            raise InputError(f"{path}: fewer than 2 samples with a possible time stamp")

    t = data[:, 0]
    dt = np.diff(t)
    back = np.flatnonzero(dt < 0)
    if len(back):
        i = int(back[0])
        raise InputError(
            f"{path}: time goes backwards at sample {i + 2} ({t[i]:.6g} s -> {t[i + 1]:.6g} s); "
            "the file must be one recording sorted by t_s (split or sort it)"
        )
    # A jump of more than a day (a clock switched to UNIX time, a junk value): a gap, and the later
    # samples continue CLOCK_JUMP_GAP_S after the earlier ones (t is a view: data is changed).
    jumps = limits.clock_jumps(t)
    for i in jumps:
        new_t0 = float(t[i - 1]) + limits.CLOCK_JUMP_GAP_S
        report.clock_jumps.append((new_t0, float(dt[i - 1])))
        t[i:] = new_t0 + (t[i:] - t[i])
    if len(jumps):
        for at, jump in report.clock_jumps:
            log.warning(
                "%s: t_s jumps by %+.6g s: treated as a gap of %g s, later times moved to continue at t_s = %.3f s",
                path,
                jump,
                limits.CLOCK_JUMP_GAP_S,
                at,
            )
        dt = np.diff(t)
    dup = np.flatnonzero(dt == 0) + 1
    if len(dup):
        report.duplicate_time_rows = len(dup)
        log.warning("%s: dropped %d sample(s) repeating the previous time stamp", path, len(dup))
        data = np.delete(data, dup, axis=0)

    acc = data[:, 1:4]
    norm = _row_norms(acc) if acc_unit != "g" else None  # |a| per sample, for both unit checks
    acc, report.acc_unit = _acc_to_mps2(path, acc, acc_unit, norm)
    if has_gyro:
        gyro, report.gyro_unit = _gyro_to_dps(path, data[:, 4:7], gyro_unit, acc, norm)
    else:
        gyro, report.gyro_unit = np.full((len(data), 3), np.nan), "none"
    return SampleBatch(data[:, 0].copy(), acc, gyro), report


def _stacked_columns(table: Any, names: list[str]) -> np.ndarray:
    """The float64 columns ``names`` of an Arrow table as one (rows, columns) array, nulls as NaN.

    Filled straight from Arrow's chunks: one copy of the data instead of two (a column array,
    then the stacked one), which for an hour at 200 Hz saves a tenth of a second.
    """
    data = np.empty((table.num_rows, len(names)))
    for c, name in enumerate(names):
        row = 0
        for chunk in table.column(name).chunks:
            data[row : row + len(chunk), c] = chunk.to_numpy(zero_copy_only=False)
            row += len(chunk)
    return data


def _column_numpy(col: Any) -> np.ndarray:
    return col.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def _lenient_floats(col: Any) -> tuple[np.ndarray, np.ndarray]:
    """A column read as bytes → (float64 values with NaN for nulls, mask of rows that are not numbers)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    try:  # most columns of a file with one bad value are clean
        return _column_numpy(pc.cast(col, pa.float64())), np.zeros(len(col), dtype=bool)
    except pa.ArrowInvalid:
        pass
    trimmed = pc.replace_substring_regex(col, r"^[ \t]+|[ \t\r]+$", "")
    is_number = pc.match_substring_regex(trimmed, _NUMBER_RE, ignore_case=True)
    not_number = pc.invert(is_number).fill_null(False).to_numpy(zero_copy_only=False)
    kept = pc.if_else(is_number, trimmed, pa.scalar(None, pa.binary()))
    return _cast_or_bisect(kept, not_number), not_number


def _cast_or_bisect(arr: Any, not_number: np.ndarray, start: int = 0) -> np.ndarray:
    """Cast to float64; values Arrow still refuses (the pattern let them through) become NaN and bad."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return _column_numpy(pc.cast(arr, pa.float64()))
    except pa.ArrowInvalid:
        if len(arr) == 1:
            not_number[start] = True
            return np.full(1, np.nan)
        half = len(arr) // 2
        return np.concatenate(
            [
                _cast_or_bisect(arr.slice(0, half), not_number, start),
                _cast_or_bisect(arr.slice(half), not_number, start + half),
            ]
        )


def _first_bad_line(path: Path, n_fields: int, wrong_texts: list[str], bad_rows: np.ndarray | None) -> int | None:
    """The 1-based line number of the first skipped row (bad files only; None if not sure).

    A few rows with the wrong number of fields (a cut last line) are found by their text, more by
    counting the fields of every line (assuming one row per line and no quoted commas, true of
    IMU CSVs). The first row with a non-number is found by counting lines Arrow kept.
    """
    data = path.read_bytes()
    wrong_lines: list[int] | None = None
    if len(wrong_texts) <= _LOCATE_MAX:
        found = [_line_of(data, t) for t in wrong_texts]
        wrong_lines = [n for n in found if n is not None] if None not in found else None
    no_numbers = bad_rows is not None and bool(bad_rows.any())
    if wrong_lines is not None and not no_numbers:
        return min(wrong_lines, default=None)
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    if len(buf) and buf[-1] != 10:
        ends = np.append(ends, len(buf))
    starts = np.concatenate([[0], ends[:-1] + 1])
    length = ends - starts
    length -= (length > 0) & (buf[np.maximum(ends - 1, 0)] == 13)
    line_no = np.arange(1, len(starts) + 1)
    header = int(np.argmax(length > 0)) if (length > 0).any() else 0
    rows = (line_no > header + 1) & (length > 0)
    if wrong_lines is None:
        commas = np.flatnonzero(buf == 44)
        fields = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
        wrong = rows & (fields != n_fields)
        if int(wrong.sum()) != len(wrong_texts):
            return None
    else:
        wrong = np.zeros(len(rows), dtype=bool)
        wrong[np.asarray(wrong_lines, dtype=np.intp) - 1] = True
    first = [int(line_no[wrong][0])] if wrong.any() else []
    if no_numbers:
        kept = line_no[rows & ~wrong]
        i = int(np.argmax(bad_rows))
        if i >= len(kept):
            return None
        first.append(int(kept[i]))
    return min(first, default=None)


def _line_of(data: bytes, text: str) -> int | None:
    """The line number of the first whole line reading ``text`` (not the first line), or None."""
    if not text:
        return None
    needle = b"\n" + text.encode("utf-8", "surrogateescape")
    pos = data.find(needle)
    while pos >= 0:
        end = pos + len(needle)
        if end == len(data) or data[end : end + 1] in (b"\n", b"\r"):
            return data.count(b"\n", 0, pos + 1) + 1
        pos = data.find(needle, pos + 1)
    return None


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0][:160] if str(e).strip() else type(e).__name__


def _row_norms(v: np.ndarray) -> np.ndarray:
    """np.linalg.norm(v, axis=1), computed as it does (sqrt of the row sums of squares) but
    without its extra copy: a hundredth of a second less per 100k samples."""
    return np.sqrt(np.add.reduce(v * v, axis=1))


def _acc_to_mps2(path: Path, acc: np.ndarray, unit: AccUnit, acc_norm: np.ndarray | None) -> tuple[np.ndarray, str]:
    """``acc_norm``: |acc| per row (None when unit is "g")."""
    if unit == "g":
        return acc * STANDARD_GRAVITY_MPS2, "g"
    norm = float(np.median(acc_norm))
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


def _gyro_to_dps(
    path: Path, gyro: np.ndarray, unit: GyroUnit, acc_mps2: np.ndarray, acc_norm: np.ndarray | None = None
) -> tuple[np.ndarray, str]:
    """``acc_norm``: |acc_mps2| per row if already known (None: computed here)."""
    if unit == "rads":
        return np.degrees(gyro), "rads"
    if unit == "dps":
        return gyro, "dps"
    # rad/s looks like deg/s shrunk 57×: a moving sensor (|a| varies) whose rate never reaches
    # 6 units is almost surely in rad/s; a resting sensor proves nothing, so it is left alone.
    moving = float(np.std(_row_norms(acc_mps2) if acc_norm is None else acc_norm)) > 1.0
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
        self.info = SourceInfo(
            name=self.path.name,
            family="csv",
            address=str(self.path),
            nominal_rate_hz=rate,
            extra={"has_gyro": self.report.has_gyro},
        )

    async def stream(self) -> AsyncIterator[SampleBatch]:
        async for b in paced(batches_of(self.batch, self.batch_s), self.speed):
            yield b
