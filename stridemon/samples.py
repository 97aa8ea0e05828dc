"""The sample batch: what every source yields and the pipeline consumes.

Units are in the field names: time in seconds on the *device* clock, specific force in m/s²
(gravity included, about +9.81 along "up" at rest), angular rate in deg/s, both in the
sensor's own right-handed frame. Host receive times, when a live source has them, are kept in a
separate field and never mixed with device time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

STANDARD_GRAVITY_MPS2 = 9.80665


@dataclass(frozen=True)
class SourceInfo:
    """Where samples come from: enough to label a recording or a dashboard."""

    name: str  # human name, e.g. "simulated runner", "WT901BLE67"
    family: str  # "simulator" | "csv" | "recording" | "stridemon-fw" | "witmotion" | "movesense" | "polar"
    address: str | None = None  # BLE address or file path
    nominal_rate_hz: float | None = None
    acc_range_mps2: float | None = None  # full-scale range, if known (saturation detection)
    gyro_range_dps: float | None = None
    firmware: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class SampleBatch:
    """A run of consecutive samples (n >= 0) from one sensor.

    ``gap_before`` is set by a source that *knows* samples were lost just before this batch
    (sequence-number jump, reconnect); the pipeline also finds gaps from the time stamps.
    """

    t_s: np.ndarray  # (n,) float64, device clock, s, increasing
    acc_mps2: np.ndarray  # (n, 3) float64, m/s², gravity included
    gyro_dps: np.ndarray  # (n, 3) float64, deg/s
    host_t_s: np.ndarray | None = None  # (n,) float64, host receive time (UNIX s), live sources only
    gap_before: bool = False

    def __post_init__(self) -> None:
        self.t_s = np.asarray(self.t_s, dtype=np.float64).reshape(-1)
        self.acc_mps2 = np.asarray(self.acc_mps2, dtype=np.float64).reshape(-1, 3)
        self.gyro_dps = np.asarray(self.gyro_dps, dtype=np.float64).reshape(-1, 3)
        n = len(self.t_s)
        if len(self.acc_mps2) != n or len(self.gyro_dps) != n:
            raise ValueError(
                f"SampleBatch arrays differ in length: t {n}, acc {len(self.acc_mps2)}, gyro {len(self.gyro_dps)}"
            )
        if self.host_t_s is not None:
            self.host_t_s = np.asarray(self.host_t_s, dtype=np.float64).reshape(-1)
            if len(self.host_t_s) != n:
                raise ValueError("SampleBatch host_t_s length differs from t_s")

    def __len__(self) -> int:
        return len(self.t_s)

    def slice(self, start: int, stop: int) -> SampleBatch:
        """Samples [start, stop) as a new batch (gap_before kept only for the first slice)."""
        return SampleBatch(
            self.t_s[start:stop],
            self.acc_mps2[start:stop],
            self.gyro_dps[start:stop],
            None if self.host_t_s is None else self.host_t_s[start:stop],
            self.gap_before and start == 0,
        )

    @staticmethod
    def concat(batches: list[SampleBatch]) -> SampleBatch:
        """Join batches in order (gap flags inside the list are lost; use for whole-file work)."""
        if not batches:
            return SampleBatch(np.empty(0), np.empty((0, 3)), np.empty((0, 3)))
        host = None
        if all(b.host_t_s is not None for b in batches):
            host = np.concatenate([b.host_t_s for b in batches])
        return SampleBatch(
            np.concatenate([b.t_s for b in batches]),
            np.concatenate([b.acc_mps2 for b in batches]),
            np.concatenate([b.gyro_dps for b in batches]),
            host,
            batches[0].gap_before,
        )
