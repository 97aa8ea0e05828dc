"""Phone exports built in tests exactly as the apps document them, from simulated samples.

phyphox: one CSV per export set, quoted header ``"Time (s)","Acceleration x (m/s^2)",…`` (and
``"Gyroscope x (rad/s)"``, ``"Linear Acceleration x (m/s^2)"``), numbers like ``1.234567890E-2``,
in one of the five CSV flavours, with ``meta/device.csv`` and ``meta/time.csv``.
Sensor Logger: ``time,seconds_elapsed,z,y,x`` per sensor (``time`` in ns since the UNIX epoch),
``Metadata.csv`` with ``platform`` and ``standardisation``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from stridemon.samples import SampleBatch

T0_NS = 1_764_700_000_123_456_789


def gravity_part(batch: SampleBatch, width: int = 101) -> np.ndarray:
    """A slowly varying 'gravity' estimate (moving average): what the phone's fusion would give."""
    k = np.ones(width) / width
    pad = width // 2
    out = np.empty_like(batch.acc_mps2)
    for i in range(3):
        x = np.pad(batch.acc_mps2[:, i], pad, mode="edge")
        out[:, i] = np.convolve(x, k, mode="valid")
    return out


def _pp_csv(t, xyz, names, sep=",", decimal=".", absolute=None) -> bytes:
    cols = [t, xyz[:, 0], xyz[:, 1], xyz[:, 2]]
    if absolute is not None:
        cols.append(np.sqrt((xyz * xyz).sum(axis=1)))
        names = [*names, absolute]
    lines = [sep.join(f'"{n}"' for n in names)]
    for row in np.column_stack(cols):
        cells = [f"{v:.9E}" for v in row]
        if decimal == ",":
            cells = [c.replace(".", ",") for c in cells]
        lines.append(sep.join(cells))
    return ("\n".join(lines) + "\n").encode()


def phyphox_files(
    batch: SampleBatch, gyro_offset_s: float = 0.0025, sep=",", decimal=".", linear_only=False, with_gyro=True
) -> dict[str, bytes]:
    """A multi-sensor phyphox export: Accelerometer.csv (or Linear Acceleration.csv), Gyroscope.csv.

    phyphox's time is s since the experiment started; the gyroscope ticks on its own clock (here
    ``gyro_offset_s`` later, as two phone sensors do)."""
    t = batch.t_s + 0.013  # the first sample a little after the start
    files: dict[str, bytes] = {}
    if linear_only:
        lin = batch.acc_mps2 - gravity_part(batch)
        files["Linear Acceleration.csv"] = _pp_csv(
            t,
            lin,
            [
                "Time (s)",
                "Linear Acceleration x (m/s^2)",
                "Linear Acceleration y (m/s^2)",
                "Linear Acceleration z (m/s^2)",
            ],
            sep,
            decimal,
            "Absolute acceleration (m/s^2)",
        )
    else:
        files["Accelerometer.csv"] = _pp_csv(
            t,
            batch.acc_mps2,
            ["Time (s)", "Acceleration x (m/s^2)", "Acceleration y (m/s^2)", "Acceleration z (m/s^2)"],
            sep,
            decimal,
            "Absolute acceleration (m/s^2)",
        )
    if with_gyro:
        tg = t + gyro_offset_s
        g = np.column_stack([np.interp(tg, t, np.radians(batch.gyro_dps[:, i])) for i in range(3)])
        files["Gyroscope.csv"] = _pp_csv(
            tg,
            g,
            ["Time (s)", "Gyroscope x (rad/s)", "Gyroscope y (rad/s)", "Gyroscope z (rad/s)"],
            sep,
            decimal,
            "Absolute (rad/s)",
        )
    files["meta/device.csv"] = b'"property","value"\n"deviceModel","Pixel 8"\n"phyphoxVersion","1.2.0"\n'
    files["meta/time.csv"] = (
        b'"event","experiment time","system time","system time text"\n'
        b'"START",0.000000000E0,1.764700000123E9,"2025-12-02 18:26:40.123 UTC+00:00"\n'
    )
    return files


def _sl_csv(t_ns: np.ndarray, t0_ns: int, xyz: np.ndarray) -> bytes:
    lines = ["time,seconds_elapsed,z,y,x"]
    for tn, (x, y, z) in zip(t_ns, xyz, strict=True):
        lines.append(f"{int(tn)},{(int(tn) - t0_ns) / 1e9:.9f},{z:.9g},{y:.9g},{x:.9g}")
    return ("\n".join(lines) + "\n").encode()


def sensorlogger_files(
    batch: SampleBatch, platform: str = "android", standardisation: bool = False, total=True, gravity=True
) -> dict[str, bytes]:
    """A Sensor Logger zip's files. Android: Accelerometer (without g), TotalAcceleration, Gravity,
    Gyroscope; iOS: no TotalAcceleration, and (unless standardised) acceleration and gravity with
    the opposite sign (gravity along -z with the phone flat)."""
    t_ns = T0_NS + np.round(batch.t_s * 1e9).astype(np.int64)
    tg_ns = t_ns + 3_000_000  # the gyroscope 3 ms later on its own clock
    grav = gravity_part(batch)
    user = batch.acc_mps2 - grav
    sign = -1.0 if platform == "ios" and not standardisation else 1.0
    files = {"Accelerometer.csv": _sl_csv(t_ns, T0_NS, sign * user)}
    if gravity:
        files["Gravity.csv"] = _sl_csv(t_ns, T0_NS, sign * grav)
    if total and platform == "android":
        files["TotalAcceleration.csv"] = _sl_csv(t_ns, T0_NS, batch.acc_mps2)
    g = np.column_stack([np.interp(batch.t_s + 0.003, batch.t_s, np.radians(batch.gyro_dps[:, i])) for i in range(3)])
    files["Gyroscope.csv"] = _sl_csv(tg_ns, T0_NS, g)
    files["Metadata.csv"] = (
        "version,device name,recording epoch time,recording time,recording timezone,platform,appVersion,"
        "device id,sensors,sampleRateMs,standardisation,platform version\n"
        f"3,{'iPhone 15' if platform == 'ios' else 'Pixel 8'},{T0_NS // 1_000_000},2025-12-02_18-26-40,UTC,"
        f"{platform},1.62,abc,Accelerometer|Gravity|Gyroscope,10|10|10,{str(standardisation).lower()},17\n"
    ).encode()
    return files


def write_zip(path: Path, files: dict[str, bytes], prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(prefix + name, data)
    return path


def write_folder(path: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    return path
