"""Phone exports as a source: phyphox and Sensor Logger (zip, unzipped folder, or one phyphox CSV).

Both apps write one CSV per sensor with its own time base. Reading converts to stridemon's
units (m/s² with gravity, deg/s, seconds from the first accelerometer sample), keeps the span
where both streams have data, and interpolates the gyroscope linearly onto the accelerometer's
time stamps. What was assumed is logged (one line) and given in ``PhoneReport.assumptions``
(``summary.input_assumptions`` in ``analyze --json``). Formats, app versions and sources are in
docs/formats.md.

phyphox (any version with the CSV export; checked against phyphox-android/-ios DataExport):
  one CSV per export set ("Raw Data.csv" for a single-sensor experiment, "Accelerometer.csv",
  "Gyroscope.csv", "Linear Acceleration.csv" … for several), header ``"Time (s)","Acceleration x
  (m/s^2)",…`` (``Gyroscope x (rad/s)``, ``Linear Acceleration x (m/s^2)``), in any of the five CSV
  flavours (separator ``,`` ``\\t`` ``;``; decimal point or comma) plus ``meta/device.csv`` and
  ``meta/time.csv``. Sensors are recognised by the units in the header (column names are
  translated by the app), acceleration with or without g by its size (median |a|).
Sensor Logger (Kelvin Choi; awesome-sensor-logger UNITS.md, COORDINATES.md, CROSSPLATFORM.md):
  ``Accelerometer.csv`` (acceleration WITHOUT gravity, m/s²), ``TotalAcceleration.csv`` (with
  gravity, Android only), ``Gravity.csv`` (m/s²), ``Gyroscope.csv`` (rad/s), each
  ``time,seconds_elapsed,z,y,x`` with ``time`` in ns since the UNIX epoch; ``Metadata.csv`` gives
  ``platform`` and ``standardisation``. On iOS without "Standardise Units & Frames" acceleration
  and gravity have the opposite sign to Android's (gravity along −z with the phone flat); they
  are negated to get the specific force stridemon expects (+9.81 up at rest).
"""

from __future__ import annotations

import logging
import math
import re
import zipfile
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stridemon.errors import InputError
from stridemon.samples import SampleBatch, SourceInfo
from stridemon.sources.base import batches_of, paced

log = logging.getLogger(__name__)

MAX_MEMBER_BYTES = 1 << 30  # one sensor CSV inflated; an hour at 500 Hz is ~30 MB
MAX_MEMBERS = 10_000
_SL_FILES = ("Accelerometer.csv", "TotalAcceleration.csv", "Gravity.csv", "Gyroscope.csv")
_SL_HEADER = re.compile(rb"^\s*\"?time\"?\s*,\s*\"?seconds_elapsed\"?", re.IGNORECASE)
_PP_UNIT = re.compile(r"\((m/s\^2|m/s²|rad/s|s)\)\s*$")
_PP_TIME = re.compile(r"\(s\)\s*$")


@dataclass
class PhoneReport:
    app: str  # "phyphox" | "Sensor Logger"
    source: str  # human label for the summary
    assumptions: list[str] = field(default_factory=list)
    has_gyro: bool = True
    platform: str | None = None


# --------------------------------------------------------------------------- containers


class _Container:
    """The CSV members of a zip, a folder or a single file: name -> bytes (read on demand)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self.members: dict[str, str] = {}  # base name -> member/path (first one wins)
        if path.is_dir():
            for f in sorted(path.rglob("*.csv"))[:MAX_MEMBERS]:
                rel = f.relative_to(path)
                if len(rel.parts) <= 2:
                    self._add(rel.as_posix(), str(f))
        elif zipfile.is_zipfile(path):
            try:
                self._zip = zipfile.ZipFile(path)
                infos = self._zip.infolist()[:MAX_MEMBERS]
            except (zipfile.BadZipFile, OSError, ValueError) as e:
                raise InputError(f"{path}: damaged zip file ({e})") from None
            for info in infos:
                if not info.is_dir() and info.filename.lower().endswith(".csv") and info.filename.count("/") <= 2:
                    self._add(info.filename, info.filename)
        else:
            self._add(path.name, str(path))

    def _add(self, rel: str, where: str) -> None:
        if "__MACOSX" in rel:
            return
        parts = rel.split("/")
        key = "/".join(parts[-2:]) if len(parts) > 1 and parts[-2] == "meta" else parts[-1]
        self.members.setdefault(key, where)

    def read(self, key: str, limit: int = MAX_MEMBER_BYTES) -> bytes:
        where = self.members[key]
        try:
            if self._zip is not None:
                info = self._zip.getinfo(where)
                if info.file_size > limit:
                    raise InputError(f"{self.path}: {where} inflates to {info.file_size} bytes (limit {limit})")
                with self._zip.open(info) as f:
                    data = f.read(limit + 1)
            else:
                with open(where, "rb") as f:
                    data = f.read(limit + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error) as e:
            raise InputError(f"{self.path}: cannot read {where} ({e})") from None
        if len(data) > limit:
            raise InputError(f"{self.path}: {where} is larger than {limit} bytes")
        return data

    def head(self, key: str) -> bytes:
        """The first 4 KiB of a member (b"" if unreadable: the full read will say why)."""
        try:
            if self._zip is not None:
                with self._zip.open(self.members[key]) as f:
                    return f.read(4096)
            with open(self.members[key], "rb") as f:
                return f.read(4096)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error):
            return b""


def _first_line(data: bytes) -> bytes:
    return data.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].rstrip(b"\r")


def _pp_columns(line: bytes) -> tuple[str, list[str]] | None:
    """(separator, column names) if ``line`` is a phyphox CSV header with time and x,y,z of a sensor."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    for sep in (",", "\t", ";"):
        names = [n.strip().strip('"').strip() for n in text.split(sep)]
        if len(names) >= 4 and _PP_TIME.search(names[0]) and all(_PP_UNIT.search(n) for n in names[1:4]):
            units = {_PP_UNIT.search(n).group(1) for n in names[1:4]}  # type: ignore[union-attr]
            if len(units) == 1 and units != {"s"}:
                return sep, names
    return None


def _kind(c: _Container) -> str | None:
    if any(k in c.members for k in _SL_FILES):
        for k in _SL_FILES:
            if k in c.members and _SL_HEADER.match(c.head(k)):
                return "sensorlogger"
    for k in c.members:
        if not k.startswith("meta/") and _pp_columns(_first_line(c.head(k))):
            return "phyphox"
    return None


def is_phone_export(path: str | Path) -> bool:
    """True for a zip or folder from phyphox or Sensor Logger, or a single phyphox CSV."""
    p = Path(path)
    try:
        if p.is_file() and not zipfile.is_zipfile(p):
            with open(p, "rb") as f:
                return _pp_columns(_first_line(f.read(4096))) is not None
        return _kind(_Container(p)) is not None
    except (InputError, OSError):
        return p.is_file() and zipfile.is_zipfile(p)  # a damaged zip: let the reader say why


# --------------------------------------------------------------------------- parsing


def _table(data: bytes, sep: str, decimal: str, where: str) -> tuple[list[str], np.ndarray]:
    """All columns of a numeric CSV as float64 (rows with a non-number dropped)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        t = pacsv.read_csv(
            pa.py_buffer(data),
            parse_options=pacsv.ParseOptions(delimiter=sep, invalid_row_handler=lambda row: "skip"),
            convert_options=pacsv.ConvertOptions(decimal_point=decimal, strings_can_be_null=True),
        )
    except pa.ArrowException as e:
        raise InputError(f"{where}: not a readable CSV ({str(e).strip().splitlines()[0][:120]})") from None
    names = [n.strip().lstrip("\ufeff").strip('"').strip() for n in t.column_names]
    cols = []
    for c in t.columns:
        try:
            cols.append(c.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            cols.append(np.full(t.num_rows, np.nan))
    return names, (np.column_stack(cols) if cols else np.empty((0, 0)))


def _clean(t: np.ndarray, xyz: np.ndarray, what: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(t) & np.isfinite(xyz).all(axis=1)
    t, xyz = t[ok], xyz[ok]
    order = np.argsort(t, kind="stable")
    t, xyz = t[order], xyz[order]
    keep = np.concatenate([[True], np.diff(t) > 0]) if len(t) else np.zeros(0, bool)
    t, xyz = t[keep], xyz[keep]
    if len(t) < 2:
        raise InputError(f"{where}: fewer than 2 {what} samples")
    return t, xyz


def _interp(t_to: np.ndarray, t: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    return np.column_stack([np.interp(t_to, t, xyz[:, i]) for i in range(3)])


def _median_norm(acc: np.ndarray) -> float:
    return float(np.median(np.sqrt((acc * acc).sum(axis=1))))


def _merge(
    t_acc: np.ndarray, acc: np.ndarray, gyro: tuple[np.ndarray, np.ndarray] | None, rep: PhoneReport
) -> SampleBatch:
    """Keep the span both streams cover, interpolate the gyroscope onto the accelerometer stamps,
    start the clock at the first kept accelerometer sample."""
    if gyro is None:
        rep.has_gyro = False
        rep.assumptions.append("no gyroscope stream: steps and cadence only (side and rotation null)")
        g = np.full((len(t_acc), 3), np.nan)
    else:
        tg, gx = gyro
        inside = (t_acc >= tg[0]) & (t_acc <= tg[-1])
        if inside.sum() < 2:
            raise InputError(f"{rep.source}: the accelerometer and gyroscope streams do not overlap in time")
        dropped = len(t_acc) - int(inside.sum())
        t_acc, acc = t_acc[inside], acc[inside]
        g = np.degrees(_interp(t_acc, tg, gx))
        rep.assumptions.append(
            "gyroscope (rad/s → deg/s) linearly interpolated onto the accelerometer's time stamps"
            + (f"; {dropped} accelerometer sample(s) outside the gyroscope's span dropped" if dropped else "")
        )
    return SampleBatch(t_acc - t_acc[0], acc, g)


# --------------------------------------------------------------------------- phyphox


def _read_phyphox(c: _Container, path: Path) -> tuple[SampleBatch, PhoneReport]:
    rep = PhoneReport("phyphox", "phone (phyphox export)")
    with_g: list[tuple[np.ndarray, np.ndarray, str]] = []
    without_g: list[tuple[np.ndarray, np.ndarray, str]] = []
    gyros: list[tuple[np.ndarray, np.ndarray, str]] = []
    for key in sorted(c.members):
        if key.startswith("meta/"):
            continue
        cols = _pp_columns(_first_line(c.head(key)))
        if cols is None:
            continue
        sep, header = cols
        data = c.read(key)
        sample = data[len(_first_line(data)) : len(_first_line(data)) + 4096]
        decimal = "," if sep != "," and re.search(rb"\d,\d", sample) else "."
        _, table = _table(data, sep, decimal, f"{path}: {key}")
        if table.shape[1] < 4:
            continue
        t, xyz = _clean(table[:, 0], table[:, 1:4], "sensor", f"{path}: {key}")
        unit = _PP_UNIT.search(header[1]).group(1)  # type: ignore[union-attr]
        if unit == "rad/s":
            gyros.append((t, xyz, key))
        else:
            # With g or without: gravity is the mean of a worn phone's acceleration (|mean| ≈ 9.8),
            # user acceleration averages out (|mean| ≈ 0); "Linear" names phyphox's without-g sensor.
            dc = float(np.linalg.norm(xyz.mean(axis=0)))
            if "linear" in header[1].lower() or dc < 2.0:
                without_g.append((t, xyz, key))
            elif 4.0 <= dc <= 30.0:
                with_g.append((t, xyz, key))
            else:
                raise InputError(
                    f"{path}: {key}: acceleration whose mean is {dc:.3g} m/s² is neither with gravity "
                    "(about 9.8) nor without (about 0)"
                )
    if not with_g:
        if without_g:
            raise InputError(
                f"{path}: only acceleration without gravity ({without_g[0][2]}) and no gravity stream to add back; "
                "record phyphox's 'Acceleration with g' (or a multi-sensor experiment with the accelerometer) instead"
            )
        raise InputError(f"{path}: a phyphox export without an accelerometer stream")
    t_acc, acc, acc_key = with_g[0]
    rep.assumptions.append(
        f"phyphox: acceleration with g from '{acc_key}' (m/s², Android's sign convention, +9.81 up at rest, "
        "which phyphox uses on both platforms); time from the first accelerometer sample"
    )
    if len(with_g) > 1:
        rep.assumptions.append(f"{len(with_g)} acceleration-with-g files: '{acc_key}' used")
    gyro = (gyros[0][0], gyros[0][1]) if gyros else None
    if gyros:
        rep.assumptions.append(f"gyroscope from '{gyros[0][2]}'")
    return _merge(t_acc, acc, gyro, rep), rep


# --------------------------------------------------------------------------- Sensor Logger


def _sl_stream(c: _Container, key: str, path: Path) -> tuple[np.ndarray, np.ndarray]:
    names, table = _table(c.read(key), ",", ".", f"{path}: {key}")
    low = [n.lower() for n in names]
    try:
        idx = [low.index(a) for a in ("x", "y", "z")]
    except ValueError:
        raise InputError(
            f"{path}: {key}: expected columns time,seconds_elapsed,z,y,x (found {','.join(names)[:80]})"
        ) from None
    if "time" in low:
        t = table[:, low.index("time")] * 1e-9  # ns since the UNIX epoch
    elif "seconds_elapsed" in low:
        t = table[:, low.index("seconds_elapsed")]
    else:
        raise InputError(f"{path}: {key}: no time or seconds_elapsed column")
    return _clean(t, table[:, idx], key.removesuffix(".csv"), f"{path}: {key}")


def _read_sensorlogger(c: _Container, path: Path) -> tuple[SampleBatch, PhoneReport]:
    rep = PhoneReport("Sensor Logger", "phone (Sensor Logger export)")
    meta: dict[str, str] = {}
    if "Metadata.csv" in c.members:
        lines = c.read("Metadata.csv", 1 << 20).decode("utf-8", "replace").splitlines()
        if len(lines) >= 2:
            import csv

            try:
                rows = list(csv.reader(lines[:2]))
                meta = {k.strip().lower(): v.strip() for k, v in zip(rows[0], rows[1], strict=False)}
            except (csv.Error, IndexError):
                rep.assumptions.append("Metadata.csv unreadable: ignored")
    platform = meta.get("platform", "").lower() or None
    standard = meta.get("standardisation", "").lower() == "true"
    rep.platform = platform
    if meta:
        rep.source = (
            f"phone (Sensor Logger {meta.get('appversion', '?')} export, {meta.get('device name', '?')}, "
            f"{platform or 'unknown platform'})"
        )

    def t_of(key: str) -> tuple[np.ndarray, np.ndarray]:
        return _sl_stream(c, key, path)

    if "TotalAcceleration.csv" in c.members:
        t_acc, acc = t_of("TotalAcceleration.csv")
        rep.assumptions.append("Sensor Logger: acceleration with gravity from TotalAcceleration.csv (m/s²)")
        flip = platform == "ios" and not standard
    elif "Accelerometer.csv" in c.members and "Gravity.csv" in c.members:
        t_acc, user = t_of("Accelerometer.csv")
        tg, grav = t_of("Gravity.csv")
        acc = user + _interp(t_acc, tg, grav)
        rep.assumptions.append(
            "Sensor Logger: acceleration with gravity = Accelerometer.csv (without gravity, m/s²) + Gravity.csv "
            "(interpolated onto the accelerometer's stamps)"
        )
        flip = platform == "ios" and not standard
    elif "Accelerometer.csv" in c.members:
        raise InputError(
            f"{path}: Sensor Logger's Accelerometer.csv is acceleration WITHOUT gravity and the export has no "
            "Gravity.csv or TotalAcceleration.csv to add it back; enable the Gravity sensor (or TotalAcceleration "
            "on Android) in Sensor Logger and record again"
        )
    else:
        raise InputError(f"{path}: a Sensor Logger export without Accelerometer.csv or TotalAcceleration.csv")
    if platform is None:
        rep.assumptions.append("no Metadata.csv platform: Android's sign convention assumed (+9.81 up at rest)")
    elif flip:
        acc = -acc
        rep.assumptions.append(
            "iOS without 'Standardise Units & Frames': acceleration negated to Android's convention (+9.81 up at rest)"
        )
    else:
        rep.assumptions.append(
            f"{platform}{' with standardised frames' if standard else ''}: Android's sign convention (+9.81 up at rest)"
        )
    norm = _median_norm(acc)
    if not 4.0 <= norm <= 30.0:
        raise InputError(
            f"{path}: acceleration with gravity has median |a| = {norm:.3g} m/s² (expected about 9.8); "
            "not the units Sensor Logger documents"
        )
    gyro = t_of("Gyroscope.csv") if "Gyroscope.csv" in c.members else None
    return _merge(t_acc, acc, gyro, rep), rep


# --------------------------------------------------------------------------- entry points


def read_phone_export(path: str | Path) -> tuple[SampleBatch, PhoneReport]:
    """Read a phyphox or Sensor Logger export into one batch (m/s² with gravity, deg/s, s)."""
    p = Path(path)
    c = _Container(p)
    kind = _kind(c)
    if kind is None:
        raise InputError(f"{p}: not a phyphox or Sensor Logger export (no sensor CSV recognised)")
    batch, rep = _read_sensorlogger(c, p) if kind == "sensorlogger" else _read_phyphox(c, p)
    if len(batch) < 2:
        raise InputError(f"{p}: fewer than 2 samples")
    rate = (len(batch) - 1) / float(batch.t_s[-1] - batch.t_s[0]) if batch.t_s[-1] > batch.t_s[0] else math.nan
    rep.assumptions.append(f"time in s from the first accelerometer sample ({rate:.0f} Hz on average)")
    log.info("%s: %s: %s", p, rep.source, "; ".join(rep.assumptions))
    return batch, rep


class PhoneSource:
    """A phone export as a :class:`~stridemon.sources.base.Source` (optionally paced)."""

    def __init__(self, path: str | Path, speed: float | None = None, batch_s: float = 1.0) -> None:
        self.path = Path(path)
        self.speed = speed
        self.batch_s = batch_s
        self.batch, self.phone_report = read_phone_export(self.path)
        dt = np.diff(self.batch.t_s)
        self.info = SourceInfo(
            name=self.path.name,
            family="phone",
            address=str(self.path),
            nominal_rate_hz=1.0 / float(np.median(dt)) if len(dt) else math.nan,
            extra={"has_gyro": self.phone_report.has_gyro, "app": self.phone_report.app},
        )

    async def stream(self) -> AsyncIterator[SampleBatch]:
        async for b in paced(batches_of(self.batch, self.batch_s), self.speed):
            yield b
