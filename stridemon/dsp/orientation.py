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
    """Per-sample "up" unit vector in the sensor frame, on a uniform grid of ``rate_hz``.

    Fusion runs once per block of ``decimation`` grid samples (at 25 Hz for a 100 Hz grid) on the
    block's mean angular rate (exact: the grid holds cell means) and its low-passed acceleration;
    every sample of a block gets the estimate made at the end of the block before it. "Up" moves
    slowly (its reference is low-passed anyway), so this costs nothing in accuracy and saves three
    quarters of the per-sample Python work. Blocks are fixed by the absolute grid index, so
    chunking never changes the result.
    """

    def __init__(self, rate_hz: float, settings: AhrsSettings | None = None, decimation: int = 4) -> None:
        self.rate_hz = rate_hz
        self.settings = settings or AhrsSettings()
        self.decimation = decimation
        self.reset()

    def reset(self) -> None:
        """Forget the attitude (a new sensor or a new mounting)."""
        s = self.settings
        block_rate = self.rate_hz / self.decimation
        self._ahrs = imufusion.Ahrs()
        self._ahrs.set_settings(
            imufusion.AhrsSettings(
                convention=imufusion.CONVENTION_NWU,
                gain=s.gain,
                gyroscope_range=s.gyroscope_range_dps,
                acceleration_rejection=s.acceleration_rejection_deg,
                magnetic_rejection=0.0,
                rejection_timeout=int(round(s.rejection_timeout_s * block_rate)),
                sample_rate=block_rate,
            )
        )
        self._ahrs.set_sample_period(1.0 / block_rate)
        self._alpha = min(1.0, 1.0 / (s.acc_lowpass_s * block_rate))  # low-pass step per block
        self._lp: np.ndarray | None = None  # low-passed accelerometer, g
        self._up: np.ndarray | None = None  # current estimate
        self.new_segment()

    def new_segment(self) -> None:
        """A gap: drop the unfinished block (its samples are not contiguous with what follows)."""
        self._held_k = np.empty(0, dtype=np.int64)
        self._held_acc = np.empty((0, 3))
        self._held_gyro = np.empty((0, 3))

    def __call__(self, k: np.ndarray, acc_mps2: np.ndarray, gyro_dps: np.ndarray) -> np.ndarray:
        """Up (n, 3) for grid samples with consecutive absolute indices ``k``."""
        n = len(k)
        up = np.empty((n, 3))
        if n == 0:
            return up
        acc_g = acc_mps2 / STANDARD_GRAVITY_MPS2
        if self._up is None:  # very first sample: the accelerometer is the best guess
            self._lp = acc_g[0].copy()
            self._up = acc_g[0] / max(float(np.linalg.norm(acc_g[0])), 1e-9)
        k_all = np.concatenate([self._held_k, k])
        a_all = np.concatenate([self._held_acc, acc_g])
        g_all = np.concatenate([self._held_gyro, np.asarray(gyro_dps, dtype=np.float64)])
        m = len(self._held_k)
        block = k_all // self.decimation
        starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
        counts = np.diff(np.r_[starts, len(k_all)])
        complete = k_all[starts + counts - 1] % self.decimation == self.decimation - 1
        nb = int(complete.sum())  # only the last block can be unfinished
        # Block means (sequential sums over each block's samples: chunking-independent).
        gyro_mean = (np.add.reduceat(g_all, starts, axis=0) / counts[:, None])[:nb].tolist()
        acc_mean = (np.add.reduceat(a_all, starts, axis=0) / counts[:, None])[:nb].tolist()
        update, gravity, alpha = self._ahrs.update_no_magnetometer, self._ahrs.get_gravity, self._alpha
        lx, ly, lz = self._lp
        cur = self._up
        estimates = []
        for i in range(nb):
            estimates.append(cur)  # samples of block i use the estimate from before it
            ax, ay, az = acc_mean[i]
            lx, ly, lz = lx + alpha * (ax - lx), ly + alpha * (ay - ly), lz + alpha * (az - lz)
            update(gyro_mean[i], (lx, ly, lz))
            cur = gravity()  # a unit vector (from Fusion's quaternion)
        estimates += [cur] * (len(starts) - nb)
        self._lp, self._up = np.array([lx, ly, lz]), cur
        est = np.array(estimates, dtype=np.float64).reshape(-1, 3)
        est /= np.maximum(np.linalg.norm(est, axis=1, keepdims=True), 1e-9)
        up[:] = np.repeat(est, counts, axis=0)[m:]
        a = int(starts[nb]) if nb < len(starts) else len(k_all)
        self._held_k, self._held_acc, self._held_gyro = k_all[a:], a_all[a:], g_all[a:]
        return up


def vertical_signals(acc_mps2: np.ndarray, gyro_dps: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(vertical acceleration m/s² with gravity removed, yaw rate deg/s about up)."""
    a_v = np.einsum("ij,ij->i", acc_mps2, up) - STANDARD_GRAVITY_MPS2
    w_v = np.einsum("ij,ij->i", gyro_dps, up)
    return a_v, w_v
