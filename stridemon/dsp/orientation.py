"""Where "up" is for a sensor clipped on the belt in any orientation.

The attitude comes from x-io's Fusion AHRS (``imufusion``; Madgwick, 2014, "AHRS algorithms
and calibration solutions to facilitate new applications using low-cost MEMS", PhD thesis,
University of Bristol): gyroscope integration corrected toward the accelerometer's gravity.
No magnetometer is used: we need only the vertical, not compass heading.

Running is hard on an AHRS: the specific force at the sacrum swings from 0 g in flight to 2–3 g
in stance, so the instantaneous accelerometer is a poor gravity reference (fed raw, Fusion's
"up" was off by ~7° on simulated running, even with its acceleration rejection). Over a stride,
though, the pelvis has no net acceleration and the *mean* specific force is gravity — the tilt
correction of Moe-Nilssen (1998, Clin Biomech 13:320–327) for trunk accelerometry. So Fusion is
fed the accelerometer low-passed (first order, ``acc_lowpass_s``) as its gravity reference and
the gyroscope at full rate for the fast rotations; with a calm reference a higher gain holds
"up" to about 0.5° despite gyroscope bias.

From "up" (a unit vector in the sensor frame) follow the two signals the rest of the DSP uses:
vertical acceleration (m/s², gravity removed, up positive) and yaw rate about the vertical
(deg/s, counter-clockwise seen from above positive). Both are independent of how the sensor is
mounted, because a rigid belt sensor turns with the pelvis.
"""

from __future__ import annotations

from dataclasses import dataclass

import imufusion
import numpy as np

from stridemon.samples import STANDARD_GRAVITY_MPS2


@dataclass(frozen=True)
class AhrsSettings:
    """Fusion settings (see imufusion.AhrsSettings); defaults follow x-io's advanced example."""

    gain: float = 5.0
    acceleration_rejection_deg: float = 0.0  # off: the low-passed reference has no impacts to reject
    acc_lowpass_s: float = 0.5  # time constant of the accelerometer low-pass (gravity reference)
    rejection_timeout_s: float = 5.0
    gyroscope_range_dps: float = 2000.0


class UpEstimator:
    """Per-sample "up" unit vector in the sensor frame, on a uniform grid of ``rate_hz``."""

    def __init__(self, rate_hz: float, settings: AhrsSettings | None = None) -> None:
        self.rate_hz = rate_hz
        self.settings = settings or AhrsSettings()
        self.reset()

    def reset(self) -> None:
        s = self.settings
        self._ahrs = imufusion.Ahrs()
        self._ahrs.set_settings(
            imufusion.AhrsSettings(
                convention=imufusion.CONVENTION_NWU,
                gain=s.gain,
                gyroscope_range=s.gyroscope_range_dps,
                acceleration_rejection=s.acceleration_rejection_deg,
                magnetic_rejection=0.0,
                rejection_timeout=int(round(s.rejection_timeout_s * self.rate_hz)),
                sample_rate=self.rate_hz,
            )
        )
        self._ahrs.set_sample_period(1.0 / self.rate_hz)
        self._lp: np.ndarray | None = None  # low-passed accelerometer, g

    def __call__(self, acc_mps2: np.ndarray, gyro_dps: np.ndarray) -> np.ndarray:
        """Up (n, 3) for each sample of the uniform grid."""
        n = len(acc_mps2)
        up = np.empty((n, 3))
        acc_g = np.ascontiguousarray(acc_mps2 / STANDARD_GRAVITY_MPS2)
        gyro = np.ascontiguousarray(gyro_dps, dtype=np.float64)
        update, gravity = self._ahrs.update_no_magnetometer, self._ahrs.get_gravity
        alpha = min(1.0, 1.0 / (self.settings.acc_lowpass_s * self.rate_hz))
        lp = acc_g[0].copy() if self._lp is None else self._lp
        for i in range(n):
            lp = lp + alpha * (acc_g[i] - lp)
            update(gyro[i], lp)
            up[i] = gravity()
        self._lp = lp
        norm = np.linalg.norm(up, axis=1, keepdims=True)
        return up / np.where(norm > 0, norm, 1.0)


def vertical_signals(acc_mps2: np.ndarray, gyro_dps: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(vertical acceleration m/s² with gravity removed, yaw rate deg/s about up)."""
    a_v = np.einsum("ij,ij->i", acc_mps2, up) - STANDARD_GRAVITY_MPS2
    w_v = np.einsum("ij,ij->i", gyro_dps, up)
    return a_v, w_v
