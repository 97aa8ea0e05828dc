"""Body + sensor model of a runner/walker with a belt-worn IMU, and the truth it was built from.

Everything is a function of time on a fine master clock (1000 Hz) computed from a precomputed
step schedule, so any stretch can be evaluated in isolation; only three things carry state from
one chunk to the next (the soft-tissue and anti-alias low-passes, and the gyro bias random walk),
which is why :class:`Simulation` generates fixed 20 s chunks in order. The whole run is the same
chunks joined, so streaming and whole-run output are identical.

Frames: pelvis body frame x forward, y left, z up; earth frame z up; "heading frame" = earth frame
turned by the heading (x along the direction of travel). Units are in every name.

Physics, in brief (details and sources in the functions' docstrings):

* Step timing: period 60/cadence, per-step CV ~1.5 % (typical running stride-time CV 1–3 %,
  Hausdorff et al. 1996 for walking; Nakayama et al. 2010 for running), optional L/R asymmetry.
* Running vertical specific force: spring-mass model (Blickhan 1989; Morin et al. 2005): ~0 in
  flight, a half-sine-like stance bump whose area makes the mean over a step exactly g, an impact
  transient (Lieberman et al. 2010; sacral/lumbar accelerometry, e.g. Lee et al. 2010) and a
  2nd-order soft-tissue low-pass (wobbling masses, ~15–25 Hz).
* Walking: lower-back accelerations as described by Zijlstra & Hof (2003, Gait & Posture 18:1–10)
  and Moe-Nilssen (1998, Clin Biomech 13:320–327): vertical minimum just before IC, sharp rise at
  IC to a loading-response peak at ~15–25 % of a step, peak–peak ~0.4–0.8 g; forward acceleration
  peaking around IC then braking in the loading response.
* Pelvis yaw: sinusoid at stride frequency (Schache et al. 1999/2002; Saunders et al. 2005 running
  pelvis rotation ~10–20°), obliquity ±3–5° and tilt at step frequency (Schache et al. 1999),
  forward lean, lean into turns.
* Calibrated on real lower-back walking (mobgap lab data, participant HA_001 only; the others are
  held out for validation): the loading rise of the vertical acceleration, smoothed with a 30 ms
  Gaussian, is steepest 0–10 ms after IC and peaks ~10 % of a step later, so the walking shape
  is shifted (``walk_rise_offset``) until the simulated signal, after soft tissue and sensor
  filters, shows the same (median ~7 ms at 90–125 spm); the pelvis is still turning the landing side's hip
  forward at IC (yaw rate about up clockwise at a left IC) and reaches the extreme ~0.23 of a
  stride later (``yaw_lag``).
* Calibrated on real running: the pelvis turns the other way from walking. Its counter-clockwise
  (turned-left) yaw extreme comes 0.12–0.18 of a stride after the left IC (circular mean over 25
  treadmill runners at 2.5/3.5/4.5 m/s: 64°/48°/42° of a stride, SD 22–29°; Fukuchi et al. 2017,
  PeerJ 5:e3298, virtual sacral IMU built in benchmarks/real_running/), at about the IC in
  Hamner & Delp (2013) — ``yaw_lag_run`` 0.5–0.75. The sacral vertical acceleration rises 15 % of
  the way from the flight low to the stance high within ~1 ms of the force-plate IC on a real
  sacral accelerometer (Alcantara et al. 2022, PeerJ 10:e12752; median over 31 trials, −10° to
  +10° slope) — ``run_rise_lead_s``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np

from stridemon.samples import STANDARD_GRAVITY_MPS2, SampleBatch

G = STANDARD_GRAVITY_MPS2
Gait = Literal["run", "walk", "stand"]
TurnShape = Literal["bend", "turnaround"]
MASTER_RATE_HZ = 1000.0
CHUNK_S = 20.0  # fixed: the random streams are drawn per chunk, so output never depends on batching
UNDETECTABLE_MARGIN_S = 0.2  # ICs this close to a gap cannot be expected from a detector


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Segment:
    """A stretch of the run with linearly ramping cadence and yaw range (end values None = constant).

    ``turn_deg`` is the total heading change (positive = left, counter-clockwise from above);
    ``turn_shape`` "bend" turns at a uniform rate over the whole segment (1 s soft entry/exit),
    "turnaround" turns within ``turn_s`` seconds centred in the segment while the runner slows down.
    """

    duration_s: float
    gait: Gait = "run"
    cadence_spm: float = 172.0
    cadence_end_spm: float | None = None
    yaw_range_deg: float = 10.0
    yaw_range_end_deg: float | None = None
    turn_deg: float = 0.0
    turn_shape: TurnShape = "bend"
    turn_s: float = 2.0
    speed_mps: float = 3.3
    label: str = ""

    @property
    def cadence_end(self) -> float:
        return self.cadence_spm if self.cadence_end_spm is None else self.cadence_end_spm

    @property
    def yaw_end(self) -> float:
        return self.yaw_range_deg if self.yaw_range_end_deg is None else self.yaw_range_end_deg

    def trimmed(self, duration_s: float) -> Segment:
        """The first ``duration_s`` of this segment (ramps cut, not squeezed; turn scaled for bends)."""
        f = min(1.0, duration_s / self.duration_s) if self.duration_s > 0 else 1.0
        turn = self.turn_deg * f if self.turn_shape == "bend" else (self.turn_deg if f >= 0.999 else 0.0)
        return Segment(
            duration_s,
            self.gait,
            self.cadence_spm,
            self.cadence_spm + (self.cadence_end - self.cadence_spm) * f,
            self.yaw_range_deg,
            self.yaw_range_deg + (self.yaw_end - self.yaw_range_deg) * f,
            turn,
            self.turn_shape,
            self.turn_s,
            self.speed_mps,
            self.label,
        )


@dataclass(frozen=True)
class Runner:
    """Per-person constants of the body model (drawn from the seed by :meth:`random`).

    Accelerations in g, angles in deg. Per-step variation is added on top in the schedule.
    """

    step_cv: float = 0.015  # step-period coefficient of variation
    asymmetry: float = 0.0  # left step period × (1 + a/2), right × (1 − a/2)
    tissue_lpf_hz: float = 20.0  # soft-tissue 2nd-order low-pass on the sacrum accelerations
    contact_frac: float = 0.72  # contact time / step period at 170 spm, 3.3 m/s
    impact_g: float = 0.6  # mean impact-transient amplitude, running
    impact_delay_s: float = 0.03  # impact peak after IC
    walk_pp_g: float = 0.6  # walking vertical peak–peak
    walk_peak_frac: float = 0.2  # walking loading-response peak, fraction of a step after IC
    ap_run_g: float = 0.45  # braking/propulsion amplitude, running
    ap_walk_g: float = 0.2
    ml_run_g: float = 0.2  # medio-lateral amplitude
    ml_walk_g: float = 0.15
    roll_run_deg: float = 4.0  # pelvic obliquity amplitude at stride frequency
    roll_walk_deg: float = 3.0
    roll_phase: float = 0.05  # stride-phase offset of the obliquity peak
    pitch_osc_deg: float = 2.0  # tilt amplitude at step frequency
    pitch_phase: float = 0.3
    lean_run_deg: float = 8.0  # constant forward lean (pelvis pitched forward)
    lean_walk_deg: float = 3.0
    lean_stand_deg: float = 1.0
    yaw_lag: float = 0.23  # walking: stride-phase lag of the left-hip-forward yaw extreme after the left IC
    yaw_lag_run: float = 0.64  # running: the same lag; the turned-left extreme comes 0.14 stride after the left IC
    walk_rise_offset: float = -0.015  # walking: shifts the loading rise (fraction of a step; calibrated, see above)
    run_rise_lead_s: float = 0.024  # running: the stance shape starts this much before the IC (calibrated, see above)
    yaw_h2: float = 0.08  # 2nd-harmonic yaw amplitude, fraction of R/2
    yaw_h2_phase_rad: float = 0.5
    turn_lean: float = 0.6  # fraction of the full lean angle atan(a_c/g) the pelvis takes in a turn
    sway_deg: float = 0.4  # postural sway amplitude when standing
    sway_hz: tuple[float, float] = (0.17, 0.31)

    @staticmethod
    def random(rng: np.random.Generator) -> Runner:
        """A plausible runner drawn from ``rng`` (ranges from the literature cited in the module)."""
        u = rng.uniform
        return Runner(
            step_cv=u(0.01, 0.02),
            asymmetry=u(-0.02, 0.02),
            tissue_lpf_hz=u(15.0, 25.0),
            contact_frac=u(0.68, 0.76),
            impact_g=u(0.4, 0.9),
            impact_delay_s=u(0.022, 0.038),
            walk_pp_g=u(0.4, 0.8),
            walk_peak_frac=u(0.16, 0.24),
            ap_run_g=u(0.3, 0.6),
            ap_walk_g=u(0.12, 0.3),
            ml_run_g=u(0.1, 0.3),
            ml_walk_g=u(0.1, 0.2),
            roll_run_deg=u(3.0, 5.0),
            roll_walk_deg=u(2.0, 4.0),
            roll_phase=u(0.0, 0.1),
            pitch_osc_deg=u(1.0, 3.0),
            pitch_phase=u(0.2, 0.4),
            lean_run_deg=u(4.0, 12.0),
            lean_walk_deg=u(1.0, 5.0),
            lean_stand_deg=u(-2.0, 3.0),
            yaw_lag=u(0.15, 0.30),
            yaw_lag_run=u(0.5, 0.75),
            walk_rise_offset=u(-0.03, 0.0),
            run_rise_lead_s=u(0.016, 0.032),
            yaw_h2=u(0.0, 0.12),
            yaw_h2_phase_rad=u(0.0, 2 * math.pi),
            turn_lean=u(0.4, 0.8),
            sway_deg=u(0.2, 0.6),
            sway_hz=(u(0.1, 0.25), u(0.25, 0.45)),
        )


@dataclass(frozen=True)
class Mount:
    """Where the sensor sits: ``rot_body_from_sensor`` has the sensor axes (in body coordinates) as
    columns, so v_sensor = rotᵀ v_body; ``lever_arm_m`` is the sensor position from the pelvis centre."""

    name: str
    rot_body_from_sensor: np.ndarray
    lever_arm_m: np.ndarray


def _rx(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1.0, 0, 0], [0, c, -s], [0, s, c]])


MOUNTS = ("back-upright", "back-sideways", "back-upside-down", "hip-left", "hip-right", "random")


def make_mount(name: str, rng: np.random.Generator | None = None) -> Mount:
    """A mount preset. "back-*": on the back of the belt 0.12 m behind the pelvis centre, sensor
    x forward / y left / z up when upright, turned 90° or 180° about the forward axis; "hip-left/right":
    0.15 m to the side, face out (sensor z = outward, y = up); "random": seeded random rotation."""
    back = np.array([-0.12, 0.0, 0.0])
    if name == "back-upright":
        return Mount(name, np.eye(3), back)
    if name == "back-sideways":
        return Mount(name, _rx(90.0), back)
    if name == "back-upside-down":
        return Mount(name, _rx(180.0), back)
    if name == "hip-left":  # x_s = -x_b (backward), y_s = z_b (up), z_s = y_b (out, left)
        return Mount(name, np.array([[-1.0, 0, 0], [0, 0, 1], [0, 1, 0]]), np.array([0.0, 0.15, 0.0]))
    if name == "hip-right":  # x_s = x_b, y_s = z_b, z_s = -y_b (out, right)
        return Mount(name, np.array([[1.0, 0, 0], [0, 0, -1], [0, 1, 0]]), np.array([0.0, -0.15, 0.0]))
    if name == "random":
        rng = rng if rng is not None else np.random.default_rng(0)
        q = rng.standard_normal(4)
        w, x, y, z = q / np.linalg.norm(q)
        rot = np.array(
            [
                [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
            ]
        )
        ang = rng.uniform(0, 2 * math.pi)  # somewhere on the belt, ~0.13 m from the centre
        return Mount(name, rot, np.array([0.13 * math.cos(ang), 0.15 * math.sin(ang), rng.uniform(-0.03, 0.03)]))
    raise ValueError(f"unknown mount {name!r}; choose one of {', '.join(MOUNTS)}")


@dataclass(frozen=True)
class SensorModel:
    """The IMU's imperfections. Rate Hz, times s, acc m/s², gyro deg/s; ``None`` bits = no quantisation.

    ``jitter_s`` is the SD of the sampling instants around the nominal grid (clipped to ±0.45
    periods, so time stamps stay strictly increasing; the stamps are the true instants).
    ``gaps`` are (start_s, duration_s) stretches with no samples; ``drop_prob`` drops single samples.
    """

    rate_hz: float = 100.0
    jitter_s: float = 0.0
    drop_prob: float = 0.0
    gaps: tuple[tuple[float, float], ...] = ()
    gyro_bias_dps: tuple[float, float, float] = (0.0, 0.0, 0.0)
    gyro_bias_walk_dps_per_sqrt_s: float = 0.0
    acc_bias_mps2: tuple[float, float, float] = (0.0, 0.0, 0.0)
    acc_noise_mps2: float = 0.02
    gyro_noise_dps: float = 0.1
    acc_range_g: float = 16.0
    gyro_range_dps: float = 2000.0
    bits: int | None = 16
    lpf_frac: float = 0.35  # on-chip anti-alias low-pass cut-off as a fraction of the rate

    def __post_init__(self) -> None:
        if not 10.0 <= self.rate_hz <= 500.0:
            raise ValueError(f"sensor rate {self.rate_hz} Hz out of range (10–500 Hz)")

    @staticmethod
    def ideal(rate_hz: float = 100.0) -> SensorModel:
        """No noise, bias, jitter, drops, quantisation; huge ranges (for physics tests)."""
        return SensorModel(
            rate_hz=rate_hz,
            acc_noise_mps2=0.0,
            gyro_noise_dps=0.0,
            acc_range_g=1e6,
            gyro_range_dps=1e9,
            bits=None,
        )

    @staticmethod
    def random(rng: np.random.Generator, duration_s: float) -> SensorModel:
        """A commodity IMU with random rate, jitter, drops, gaps, bias, noise and ranges."""
        rate = float(rng.choice([50.0, 52.0, 60.0, 100.0, 104.0, 200.0, 208.0, 400.0]))
        n_gaps = int(rng.integers(0, 4))
        gaps = sorted(
            (round(float(rng.uniform(0.05, 0.95) * duration_s), 3), round(float(rng.uniform(0.1, 3.0)), 3))
            for _ in range(n_gaps)
        )
        return SensorModel(
            rate_hz=rate,
            jitter_s=float(rng.uniform(0.0, 0.25)) / rate,
            drop_prob=float(rng.choice([0.0, rng.uniform(0.0, 0.02)])),
            gaps=tuple(gaps),
            gyro_bias_dps=tuple(float(b) for b in rng.uniform(-3.0, 3.0, 3)),
            gyro_bias_walk_dps_per_sqrt_s=float(rng.uniform(0.0, 0.02)),
            acc_bias_mps2=tuple(float(b) for b in rng.uniform(-0.2, 0.2, 3)),
            acc_noise_mps2=float(rng.uniform(0.01, 0.08)),
            gyro_noise_dps=float(rng.uniform(0.03, 0.3)),
            acc_range_g=float(rng.choice([8.0, 16.0, 16.0])),
            gyro_range_dps=float(rng.choice([500.0, 1000.0, 2000.0])),
        )


# --------------------------------------------------------------------------- truth


@dataclass
class Truth:
    """What really happened: ICs, strides with their yaw range, segments, gaps, the mount.

    A stride runs from a LEFT IC to the next LEFT IC of the same bout; its ``yaw_range_deg`` is the
    peak-to-peak rotation about the vertical over it (the yaw oscillation with the small coupling
    of obliquity and tilt; heading changes and net drift over the stride excluded). ICs inside a gap
    or within 0.2 s of its edges, and strides touching one, are flagged not detectable.
    """

    duration_s: float
    ic_t_s: np.ndarray
    ic_side: list[str]
    ic_gait: list[str]
    ic_detectable: np.ndarray
    step_period_s: np.ndarray  # each step's own duration (to the next IC, or nominal for a bout's last)
    stride_start_s: np.ndarray
    stride_end_s: np.ndarray
    stride_yaw_range_deg: np.ndarray
    stride_detectable: np.ndarray
    segments: list[dict]
    gaps: list[tuple[float, float]]  # (start_s, end_s)
    mount: str
    sensor: dict
    seed: int
    scenario: str = ""
    runner: dict = field(default_factory=dict)

    def cadence_spm(self, t0_s: float, t1_s: float) -> float:
        """True mean cadence over [t0, t1] (steps/min): fractional steps in the window / its length."""
        if t1_s <= t0_s:
            raise ValueError("cadence window must have t1 > t0")
        a = np.maximum(self.ic_t_s, t0_s)
        b = np.minimum(self.ic_t_s + self.step_period_s, t1_s)
        steps = float(np.sum(np.clip(b - a, 0.0, None) / self.step_period_s))
        return 60.0 * steps / (t1_s - t0_s)

    def to_dict(self) -> dict:
        r6 = lambda a: [round(float(x), 6) for x in a]  # noqa: E731
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "duration_s": self.duration_s,
            "mount": self.mount,
            "sensor": self.sensor,
            "runner": self.runner,
            "segments": self.segments,
            "gaps": [[round(a, 6), round(b, 6)] for a, b in self.gaps],
            "ics": {
                "t_s": r6(self.ic_t_s),
                "side": self.ic_side,
                "gait": self.ic_gait,
                "detectable": [bool(x) for x in self.ic_detectable],
                "step_period_s": r6(self.step_period_s),
            },
            "strides": {
                "start_s": r6(self.stride_start_s),
                "end_s": r6(self.stride_end_s),
                "yaw_range_deg": r6(self.stride_yaw_range_deg),
                "detectable": [bool(x) for x in self.stride_detectable],
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)


# --------------------------------------------------------------------------- step schedule


@dataclass
class Schedule:
    """Initial contacts and every per-step parameter of the waveforms (arrays of length n_steps)."""

    ic_t_s: np.ndarray
    period_s: np.ndarray
    side: np.ndarray  # +1 left, -1 right
    walk: np.ndarray  # bool: walking step (else running)
    first: np.ndarray  # bool: first step of a bout
    last: np.ndarray  # bool: last step of a bout
    bout: np.ndarray  # bout index
    bout_start_s: np.ndarray
    bout_end_s: np.ndarray
    bout_up_s: np.ndarray  # envelope ramp-in length (one stride)
    bout_down_s: np.ndarray
    peak_frac: np.ndarray  # vertical peak position, fraction of the step
    contact_frac: np.ndarray  # running contact time / step period
    gamma: np.ndarray  # running stance-shape skew exponent
    vert_gain_mps2: np.ndarray  # running stance peak P; walking half peak-peak
    shape_mean: np.ndarray  # mean of the raw stance/walk shape over the step (subtracted/normalised)
    walk_tail_frac: np.ndarray  # walking: minimum lies this fraction of a step before IC
    impact_mps2: np.ndarray
    impact_delay_s: np.ndarray
    impact_sigma_s: np.ndarray
    ap_mps2: np.ndarray
    ml_mps2: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ic_t_s)


def _segment_bounds(segments: Sequence[Segment]) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum([s.duration_s for s in segments])])


def _run_shape(u: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Running stance shape on u = τ/Tc ∈ [0, 1]: sin(π u^γ) (γ = 1: the spring-mass half-sine)."""
    return np.sin(np.pi * np.clip(u, 0.0, 1.0) ** gamma)


_WALK_R0 = 0.85  # walking vertical value at IC relative to the minimum (-1) and the peak (+1)


def _walk_shape(s: np.ndarray, sp: np.ndarray, dl: np.ndarray) -> np.ndarray:
    """Walking vertical shape over a step s ∈ [0, 1): at IC −0.85, sharp rise to +1 at ``sp``
    (loading response), fall to the minimum −1 at 1 − ``dl`` (just before the next IC), then a
    slight rise to −0.85 at the next IC (Zijlstra & Hof 2003, Fig. 2; Moe-Nilssen 1998)."""
    rise = -_WALK_R0 + (1 + _WALK_R0) * 0.5 * (1 - np.cos(np.pi * s / sp))
    fall = np.cos(np.pi * (s - sp) / (1 - dl - sp))
    tail = -1 + (1 - _WALK_R0) * 0.5 * (1 - np.cos(np.pi * (s - (1 - dl)) / dl))
    return np.where(s < sp, rise, np.where(s < 1 - dl, fall, tail))


def _smooth_noise(rng: np.random.Generator, n: int, width: int = 9) -> np.ndarray:
    """Zero-mean, unit-SD noise that changes little from one step to the next (Hann-smoothed)."""
    if n == 0:
        return np.empty(0)
    w = np.hanning(width + 2)[1:-1]
    x = np.convolve(rng.standard_normal(n + width - 1), w / np.sqrt(np.sum(w**2)), mode="valid")
    return np.clip(x, -2.5, 2.5)


def build_schedule(segments: Sequence[Segment], runner: Runner, rng: np.random.Generator) -> Schedule:
    """Lay out the initial contacts: period 60/cadence(t) × (1 + CV·N(0,1)) × (1 ± asymmetry/2).

    Sides alternate; each bout (a run of non-stand segments) starts on a random side; the step
    after a stand starts 0.1–0.4 s after the stand ends. Per-step waveform parameters are drawn here.
    """
    bounds = _segment_bounds(segments)
    ic, per, side, walk, bout_of = [], [], [], [], []
    t, bout, in_bout, sd = 0.0, -1, False, 1
    for i, seg in enumerate(segments):
        if seg.gait == "stand" or seg.duration_s <= 0:
            if seg.gait == "stand":
                in_bout = False
                t = max(t, bounds[i + 1])
            continue
        if not in_bout:
            bout += 1
            in_bout = True
            t = max(t, bounds[i]) + (float(rng.uniform(0.1, 0.4)) if i > 0 else float(rng.uniform(0.0, 0.3)))
            sd = 1 if rng.random() < 0.5 else -1
        while t < bounds[i + 1]:
            frac = (t - bounds[i]) / seg.duration_s
            cad = seg.cadence_spm + (seg.cadence_end - seg.cadence_spm) * frac
            p = 60.0 / cad * (1.0 + runner.step_cv * float(np.clip(rng.standard_normal(), -3, 3)))
            p *= 1.0 + sd * runner.asymmetry / 2
            ic.append(t)
            per.append(p)
            side.append(sd)
            walk.append(seg.gait == "walk")
            bout_of.append(bout)
            t += p
            sd = -sd
    n = len(ic)
    ic_a = np.asarray(ic, dtype=float)
    per_a = np.asarray(per, dtype=float)
    bout_a = np.asarray(bout_of, dtype=int)
    walk_a = np.asarray(walk, dtype=bool)
    first = np.ones(n, bool)
    last = np.ones(n, bool)
    if n > 1:
        first[1:] = bout_a[1:] != bout_a[:-1]
        last[:-1] = bout_a[1:] != bout_a[:-1]
    nb = bout + 1
    b_first = np.flatnonzero(first)
    b_last = np.flatnonzero(last)
    b_start = ic_a[b_first] if n else np.empty(0)
    b_end = (ic_a[b_last] + per_a[b_last]) if n else np.empty(0)
    b_len = b_end - b_start
    up = np.minimum(2 * per_a[b_first], b_len / 2) if n else np.empty(0)
    down = np.minimum(2 * per_a[b_last], b_len / 2) if n else np.empty(0)
    assert len(b_start) == nb

    # Per-step waveform parameters (vary a little per step so no exact template exists).
    u = lambda lo, hi: rng.uniform(lo, hi, n)  # noqa: E731
    cad = 60.0 / np.where(n > 0, per_a, 1.0)
    seg_idx = np.clip(np.searchsorted(bounds, ic_a, side="right") - 1, 0, len(segments) - 1)
    speed = np.array([segments[k].speed_mps for k in seg_idx]) if n else np.empty(0)
    # Contact fraction falls with cadence and speed (Morin et al. 2005; Cavanagh & Kram 1989 ranges).
    cf = runner.contact_frac - 0.002 * (cad - 170.0) - 0.02 * (speed - 3.3) + u(-0.02, 0.02)
    cf = np.clip(cf, 0.6, 0.82)
    gamma = u(0.85, 1.15)
    impact = runner.impact_g * G * u(0.6, 1.4)
    impact = np.where(walk_a, impact * 0.25, np.clip(impact, 0.3 * G, 1.0 * G))
    delay = np.where(walk_a, u(0.01, 0.02), runner.impact_delay_s + u(-0.006, 0.006))
    sigma = u(0.0035, 0.005)  # ~10 ms FWHM
    walk_peak = np.clip(runner.walk_peak_frac + u(-0.02, 0.02), 0.14, 0.26)
    tail = u(0.03, 0.07)
    grid = (np.arange(512) + 0.5) / 512
    run_mean = _run_shape(grid[None, :], gamma[:, None]).mean(axis=1)
    walk_mean = _walk_shape(grid[None, :], walk_peak[:, None], tail[:, None]).mean(axis=1)
    area = impact * sigma * math.sqrt(2 * math.pi)
    # Running: mean specific force over the step = g exactly: P·Tc·mean(shape) + impact area = g·T.
    p_run = (G * per_a - area) / (cf * per_a * run_mean)
    # slowly varying (step-to-step smooth) so the waveform stays continuous at each IC
    a_walk = 0.5 * runner.walk_pp_g * G * (1.0 + 0.08 * _smooth_noise(rng, n))
    peak_frac = np.where(walk_a, walk_peak, cf * 0.5 ** (1.0 / gamma))
    return Schedule(
        ic_t_s=ic_a,
        period_s=per_a,
        side=np.asarray(side, dtype=int),
        walk=walk_a,
        first=first,
        last=last,
        bout=bout_a,
        bout_start_s=b_start,
        bout_end_s=b_end,
        bout_up_s=up,
        bout_down_s=down,
        peak_frac=peak_frac,
        contact_frac=cf,
        gamma=gamma,
        vert_gain_mps2=np.where(walk_a, a_walk, p_run),
        shape_mean=np.where(walk_a, walk_mean, run_mean),
        walk_tail_frac=tail,
        impact_mps2=impact,
        impact_delay_s=delay,
        impact_sigma_s=sigma,
        ap_mps2=np.where(walk_a, runner.ap_walk_g, runner.ap_run_g) * G * u(0.85, 1.15),
        ml_mps2=np.where(walk_a, runner.ml_walk_g, runner.ml_run_g) * G * u(0.85, 1.15),
    )


# --------------------------------------------------------------------------- slow profiles


@dataclass
class _Knots:
    """A piecewise-linear profile (value and exact derivative) through knots."""

    t_s: np.ndarray
    v: np.ndarray

    def __call__(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        val = np.interp(t, self.t_s, self.v)
        dt = np.diff(self.t_s)
        slope = np.where(dt > 0, np.diff(self.v) / np.where(dt > 0, dt, 1.0), 0.0)
        k = np.searchsorted(self.t_s, t, side="right") - 1
        ok = (k >= 0) & (k < len(slope))
        return val, np.where(ok, slope[np.clip(k, 0, len(slope) - 1)], 0.0)


def _knots(segments: Sequence[Segment], start: list[float], end: list[float], ramp_s: float = 1.0) -> _Knots:
    """Each segment holds start→end; jumps between segments become linear ramps of ~2·ramp_s."""
    b = _segment_bounds(segments)
    ts, vs = [0.0], [start[0]]
    for i in range(len(segments)):
        a = min(ramp_s, (b[i + 1] - b[i]) / 4)
        ts += [b[i] + a, b[i + 1] - a]
        vs += [start[i], end[i]]
    ts.append(b[-1])
    vs.append(end[-1])
    return _Knots(np.asarray(ts), np.asarray(vs))


def _window(t: np.ndarray, t0: float, t1: float, ramp_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Raised-cosine-edged window on [t0, t1]: value w (0..1) and dw/dt (1/s); its area is
    (t1 − t0) − ramp_s (each edge contributes half its length)."""
    ramp_s = max(min(ramp_s, (t1 - t0) / 2), 1e-6)
    x = t - t0
    y = t1 - t
    w = np.ones_like(t)
    dw = np.zeros_like(t)
    up, dn = x < ramp_s, y < ramp_s
    w = np.where(up, 0.5 * (1 - np.cos(np.pi * x / ramp_s)), w)
    dw = np.where(up, 0.5 * np.pi / ramp_s * np.sin(np.pi * x / ramp_s), dw)
    w = np.where(dn, 0.5 * (1 - np.cos(np.pi * y / ramp_s)), w)
    dw = np.where(dn, -0.5 * np.pi / ramp_s * np.sin(np.pi * y / ramp_s), dw)
    outside = (x < 0) | (y < 0)
    return np.where(outside, 0.0, w), np.where(outside, 0.0, dw)


# --------------------------------------------------------------------------- kinematics


@dataclass
class Kinematics:
    """Noise-free body signals at times ``t_s`` (before the soft-tissue low-pass and the sensor)."""

    t_s: np.ndarray
    f_heading_mps2: np.ndarray  # (n,3) specific force in the heading frame (x travel, y left, z up)
    yaw_osc_deg: np.ndarray  # pelvis yaw oscillation (heading excluded)
    yaw_deg: np.ndarray  # yaw_osc + standing sway (the Euler yaw minus heading)
    pitch_deg: np.ndarray
    roll_deg: np.ndarray
    heading_rate_dps: np.ndarray
    omega_body_dps: np.ndarray  # (n,3) angular velocity in the body frame
    in_step: np.ndarray  # bool
    envelope: np.ndarray  # 0..1 gait envelope (0 standing)


class BodyModel:
    """Pure functions of time for one run: schedule + slow profiles → :class:`Kinematics`."""

    def __init__(self, segments: Sequence[Segment], runner: Runner, schedule: Schedule) -> None:
        self.segments = list(segments)
        self.runner = runner
        self.sched = schedule
        self.bounds = _segment_bounds(segments)
        self.duration_s = float(self.bounds[-1])
        segs = self.segments
        self.yaw_range = _knots(segs, [s.yaw_range_deg for s in segs], [s.yaw_end for s in segs])
        lean = {"run": runner.lean_run_deg, "walk": runner.lean_walk_deg, "stand": runner.lean_stand_deg}
        self.lean = _knots(segs, [lean[s.gait] for s in segs], [lean[s.gait] for s in segs])
        spd = [0.0 if s.gait == "stand" else s.speed_mps for s in segs]
        self.speed = _knots(segs, spd, spd)

    # -- turning: heading rate, speed dip in turnarounds, their derivatives
    def _turns(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rate = np.zeros_like(t)
        drate = np.zeros_like(t)
        dip = np.zeros_like(t)  # speed factor reduction (0..0.6)
        ddip = np.zeros_like(t)
        if len(t) == 0:
            return rate, drate, dip, ddip
        lo, hi = float(t.min()), float(t.max())
        for i, seg in enumerate(self.segments):
            if seg.turn_deg == 0.0:
                continue
            t0, t1 = self.bounds[i], self.bounds[i + 1]
            if seg.turn_shape == "turnaround":
                c = 0.5 * (t0 + t1)
                d = min(seg.turn_s, t1 - t0)
                t0, t1, ramp = c - d / 2, c + d / 2, d / 2
            else:
                ramp = 1.0
            if t1 < lo or t0 > hi:
                continue
            w, dw = _window(t, t0, t1, ramp)
            area = (t1 - t0) - min(ramp, (t1 - t0) / 2)
            k = math.radians(seg.turn_deg) / area
            rate += k * w
            drate += k * dw
            if seg.turn_shape == "turnaround":
                dip += 0.6 * w
                ddip += 0.6 * dw
        return rate, drate, dip, ddip

    def _yaw_lag(
        self, jj: np.ndarray, walk: np.ndarray, s: np.ndarray, sdot: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Stride-phase lag of the yaw oscillation (and its rate, 1/s) for step ``jj`` at step phase ``s``."""
        rn, sc = self.runner, self.sched
        lag_of = np.where(walk, rn.yaw_lag, rn.yaw_lag_run)
        if not sc.n:
            return lag_of, np.zeros_like(s)
        prev_walk = sc.walk[np.maximum(jj - 1, 0)]
        changed = (jj > 0) & (prev_walk != walk)
        lag_prev = np.where(prev_walk, rn.yaw_lag, rn.yaw_lag_run)
        lag = np.where(changed, lag_prev + (lag_of - lag_prev) * s, lag_of)
        lagdot = np.where(changed, (lag_of - lag_prev) * sdot, 0.0)
        return lag, lagdot

    def kinematics(self, t_s: np.ndarray) -> Kinematics:
        """All body signals at ``t_s`` (vectorised; no state)."""
        t = np.asarray(t_s, dtype=float)
        sc, rn = self.sched, self.runner
        n = len(t)
        if sc.n:
            j = np.searchsorted(sc.ic_t_s, t, side="right") - 1
            valid = j >= 0
            jj = np.clip(j, 0, sc.n - 1)
            tau = t - sc.ic_t_s[jj]
            per = sc.period_s[jj]
            in_step = valid & (tau < per)
            s = np.where(in_step, tau / per, 0.0)
            sdot = np.where(in_step, 1.0 / per, 0.0)
            side = sc.side[jj]
            walk = sc.walk[jj]
            # stride phase: 0 at a left IC, 0.5 at the right IC
            phi = np.where(side > 0, 0.5 * s, 0.5 + 0.5 * s)
            phidot = 0.5 * sdot
            b = sc.bout[jj]
            bs, be = sc.bout_start_s[b], sc.bout_end_s[b]
            in_bout = valid & (t < be)
            xu = np.clip((t - bs) / sc.bout_up_s[b], 0, 1)
            xd = np.clip((be - t) / sc.bout_down_s[b], 0, 1)
            eu, ed = 0.5 * (1 - np.cos(np.pi * xu)), 0.5 * (1 - np.cos(np.pi * xd))
            deu = np.where((xu > 0) & (xu < 1), 0.5 * np.pi / sc.bout_up_s[b] * np.sin(np.pi * xu), 0.0)
            ded = np.where((xd > 0) & (xd < 1), -0.5 * np.pi / sc.bout_down_s[b] * np.sin(np.pi * xd), 0.0)
            env = np.where(in_bout, eu * ed, 0.0)
            denv = np.where(in_bout, deu * ed + eu * ded, 0.0)
        else:
            jj = np.zeros(n, int)
            in_step = np.zeros(n, bool)
            s = sdot = phi = phidot = env = denv = np.zeros(n)
            side = np.ones(n, int)
            walk = np.zeros(n, bool)

        # ---- vertical specific force (heading frame z)
        if sc.n:
            tau = s * sc.period_s[jj]
            gain = sc.vert_gain_mps2[jj]
            # running: P·shape during contact, 0 in flight. The spring-mass onset is gentler than
            # a real impact, so the stance shape starts ``run_rise_lead_s`` before the IC (wrapping
            # into the end of the flight), calibrated on a real sacral accelerometer on a force
            # treadmill (Alcantara et al. 2022): there the vertical acceleration has risen 15 % of
            # the way from the flight low to the stance high within ~1 ms of the force-plate IC.
            per = sc.period_s[jj]
            tau_r = np.mod(s + rn.run_rise_lead_s / per, 1.0) * per
            cf = sc.contact_frac[jj]
            u = tau_r / (cf * per)
            f_run = np.where(u < 1.0, gain * _run_shape(u, sc.gamma[jj]), 0.0)
            # walking: g + A·(shape − mean)
            # the loading rise is centred just after IC (``walk_rise_offset`` of a step), as measured
            # on real lower-back data; the shape is shifted, not changed, so its mean stays put
            s_w = np.mod(s + 0.5 * sc.peak_frac[jj] - rn.walk_rise_offset, 1.0)
            f_walk = G + gain * (_walk_shape(s_w, sc.peak_frac[jj], sc.walk_tail_frac[jj]) - sc.shape_mean[jj])
            imp = sc.impact_mps2[jj] * np.exp(-0.5 * ((tau - sc.impact_delay_s[jj]) / sc.impact_sigma_s[jj]) ** 2)
            imp_area = sc.impact_mps2[jj] * sc.impact_sigma_s[jj] * math.sqrt(2 * math.pi)
            imp_r = sc.impact_mps2[jj] * np.exp(-0.5 * ((tau_r - sc.impact_delay_s[jj]) / sc.impact_sigma_s[jj]) ** 2)
            f_v = np.where(walk, f_walk + imp - imp_area / sc.period_s[jj], f_run + imp_r)
            # a bout's first step rises from standing (g) and its last step settles back to g
            pk = sc.peak_frac[jj]
            w_first = np.where(sc.first[jj] & (s < pk), 0.5 * (1 - np.cos(np.pi * s / pk)), 1.0)
            w_last = np.where(sc.last[jj] & (s > pk), 0.5 * (1 + np.cos(np.pi * (s - pk) / (1 - pk))), 1.0)
            taper = w_first * w_last
            f_v = np.where(in_step, G + (f_v - G) * taper, G)
            # antero-posterior: braking then propulsion over contact (running); walking peak near IC
            ap_run = np.where(u < 1.0, -sc.ap_mps2[jj] * np.sin(2 * np.pi * np.clip(u, 0, 1)), 0.0)
            ap_walk = sc.ap_mps2[jj] * np.cos(2 * np.pi * (s + 0.03)) * taper
            f_ap = np.where(in_step, np.where(walk, ap_walk, ap_run), 0.0)
            # medio-lateral: away from the stance foot (medial ground reaction), stride-periodic
            f_ml = np.where(in_step, -side * sc.ml_mps2[jj] * np.sin(np.pi * s), 0.0)
        else:
            f_v = np.full(n, G)
            f_ap = np.zeros(n)
            f_ml = np.zeros(n)

        # ---- turning: centripetal v·ψ̇ and the speed change in a turnaround
        hrate, dhrate, dip, ddip = self._turns(t)
        v0, dv0 = self.speed(t)
        v = v0 * (1 - dip)
        dv = dv0 * (1 - dip) - v0 * ddip
        a_c = v * hrate
        da_c = dv * hrate + v * dhrate
        f_ap = f_ap + dv
        f_ml = f_ml + a_c

        # ---- orientation: yaw oscillation, pitch (lean + step-frequency tilt), roll (obliquity + turn lean)
        R, dR = self.yaw_range(t)
        R, dR = np.radians(R), np.radians(dR)
        # The left-hip-forward extreme comes ``lag`` of a stride after the left IC; walking and
        # running differ (the pelvis turns the other way in running), and over the first step of
        # a new gait the lag moves smoothly from the old gait's to the new one's.
        lag, lagdot = self._yaw_lag(jj, walk, s, sdot)
        phl = 2 * np.pi * (phi - lag)
        c1, s1 = np.cos(phl), np.sin(phl)
        a2 = 2 * phl + rn.yaw_h2_phase_rad
        core = -(R / 2) * c1 + rn.yaw_h2 * (R / 2) * (np.sin(a2) - math.sin(rn.yaw_h2_phase_rad))
        dcore = (
            -(dR / 2) * c1
            + (R / 2) * 2 * np.pi * (phidot - lagdot) * s1
            + rn.yaw_h2 * (dR / 2) * (np.sin(a2) - math.sin(rn.yaw_h2_phase_rad))
            + rn.yaw_h2 * (R / 2) * 4 * np.pi * (phidot - lagdot) * np.cos(a2)
        )
        yaw_osc = env * core
        dyaw_osc = denv * core + env * dcore
        # standing sway (vanishes during gait)
        f1, f2 = rn.sway_hz
        sw_a = math.radians(rn.sway_deg)
        sway = sw_a * np.sin(2 * np.pi * f1 * t)
        dsway = sw_a * 2 * np.pi * f1 * np.cos(2 * np.pi * f1 * t)
        sway2 = 0.6 * sw_a * np.sin(2 * np.pi * f2 * t + 1.0)
        dsway2 = 0.6 * sw_a * 2 * np.pi * f2 * np.cos(2 * np.pi * f2 * t + 1.0)
        quiet, dquiet = 1 - env, -denv
        yaw = yaw_osc + 0.5 * quiet * sway2
        dyaw = dyaw_osc + 0.5 * (dquiet * sway2 + quiet * dsway2)

        lean, dlean = self.lean(t)
        pa = math.radians(rn.pitch_osc_deg)
        cp = np.cos(2 * np.pi * (s - rn.pitch_phase))
        sp_ = np.sin(2 * np.pi * (s - rn.pitch_phase))
        pitch = np.radians(lean) + env * pa * cp + quiet * sway
        dpitch = np.radians(dlean) + denv * pa * cp - env * pa * 2 * np.pi * sdot * sp_ + dquiet * sway + quiet * dsway

        ra = math.radians(rn.roll_walk_deg) * walk + math.radians(rn.roll_run_deg) * ~walk
        cr = np.sin(2 * np.pi * (phi - rn.roll_phase))
        dcr = 2 * np.pi * phidot * np.cos(2 * np.pi * (phi - rn.roll_phase))
        kl = rn.turn_lean
        roll = env * ra * cr - kl * np.arctan(a_c / G) + quiet * sway2
        droll = (
            denv * ra * cr + env * ra * dcr - kl * (da_c / G) / (1 + (a_c / G) ** 2) + dquiet * sway2 + quiet * dsway2
        )

        # ---- body angular velocity for R = Rz(ψ)·Ry(θ)·Rx(φ): ω_b = vee(Rᵀ Ṙ), exact
        psid = hrate + dyaw
        sth, cth = np.sin(pitch), np.cos(pitch)
        sph, cph = np.sin(roll), np.cos(roll)
        omega = np.column_stack(
            [
                droll - psid * sth,
                dpitch * cph + psid * cth * sph,
                -dpitch * sph + psid * cth * cph,
            ]
        )
        return Kinematics(
            t_s=t,
            f_heading_mps2=np.column_stack([f_ap, f_ml, f_v]),
            yaw_osc_deg=np.degrees(yaw_osc),
            yaw_deg=np.degrees(yaw),
            pitch_deg=np.degrees(pitch),
            roll_deg=np.degrees(roll),
            heading_rate_dps=np.degrees(hrate),
            omega_body_dps=np.degrees(omega),
            in_step=in_step,
            envelope=env,
        )


def heading_to_body(v: np.ndarray, yaw_deg: np.ndarray, pitch_deg: np.ndarray, roll_deg: np.ndarray) -> np.ndarray:
    """Rx(φ)ᵀ·Ry(θ)ᵀ·Rz(ψ)ᵀ v, row-wise: a heading-frame vector in the pelvis body frame."""
    ps, th, ph = np.radians(yaw_deg), np.radians(pitch_deg), np.radians(roll_deg)
    c, s = np.cos(ps), np.sin(ps)
    x = c * v[:, 0] + s * v[:, 1]
    y = -s * v[:, 0] + c * v[:, 1]
    z = v[:, 2]
    c, s = np.cos(th), np.sin(th)
    x, z = c * x - s * z, s * x + c * z
    c, s = np.cos(ph), np.sin(ph)
    y, z = c * y + s * z, -s * y + c * z
    return np.column_stack([x, y, z])


def vertical_in_body(pitch_deg: np.ndarray, roll_deg: np.ndarray) -> np.ndarray:
    """Earth "up" expressed in the pelvis body frame (unit vectors, row-wise)."""
    th, ph = np.radians(pitch_deg), np.radians(roll_deg)
    return np.column_stack([-np.sin(th), np.cos(th) * np.sin(ph), np.cos(th) * np.cos(ph)])


# --------------------------------------------------------------------------- the simulation


def _lowpass(cutoff_hz: float, fs_hz: float) -> tuple[np.ndarray, np.ndarray]:
    from scipy import signal  # here, not at import: the CLI starts faster

    b, a = signal.butter(2, min(cutoff_hz, 0.45 * fs_hz), fs=fs_hz)
    return b, a


class Simulation:
    """One simulated run: build once, then iterate :meth:`chunks` (or call :meth:`run`).

    The schedule, the truth and the runner are fixed at construction from ``seed``; the sample
    stream is generated in fixed 20 s chunks, each continuous with the one before.
    """

    def __init__(
        self,
        segments: Sequence[Segment],
        sensor: SensorModel | None = None,
        mount: str | Mount = "back-upright",
        seed: int = 0,
        runner: Runner | None = None,
        scenario: str = "",
    ) -> None:
        if not segments:
            raise ValueError("a simulation needs at least one segment")
        self.seed = int(seed)
        self.segments = list(segments)
        self.sensor = sensor if sensor is not None else SensorModel()
        rng = np.random.default_rng([self.seed, 0])
        self.runner = runner if runner is not None else Runner.random(rng)
        self.mount = mount if isinstance(mount, Mount) else make_mount(mount, np.random.default_rng([self.seed, 1]))
        self.schedule = build_schedule(self.segments, self.runner, rng)
        self.body = BodyModel(self.segments, self.runner, self.schedule)
        self.duration_s = self.body.duration_s
        self.scenario = scenario
        self.truth = self._truth()

    # -- truth
    def _truth(self) -> Truth:
        sc = self.schedule
        gaps = [(float(a), float(a + d)) for a, d in self.sensor.gaps]
        det = np.ones(sc.n, bool)
        for a, b in gaps:
            det &= ~((sc.ic_t_s > a - UNDETECTABLE_MARGIN_S) & (sc.ic_t_s < b + UNDETECTABLE_MARGIN_S))
        # strides: left IC, right IC, left IC, all in one bout
        k = np.flatnonzero(sc.side[:-2] > 0) if sc.n >= 3 else np.empty(0, int)
        k = k[(sc.bout[k] == sc.bout[k + 2])] if len(k) else k
        start, end = sc.ic_t_s[k], sc.ic_t_s[k + 2]
        yaw = np.empty(len(k))
        for lo in range(0, len(k), 2000):  # bounded memory
            kk = slice(lo, lo + 2000)
            u = np.linspace(0, 1, 301)
            grid = start[kk, None] + (end[kk] - start[kk])[:, None] * u[None, :]
            kin = self.body.kinematics(grid.ravel())
            # Rotation about the vertical (what a gyroscope about "up" integrates), heading excluded:
            # the yaw oscillation plus the small coupling of obliquity and tilt, minus any net drift
            # over the stride (a line through its ends).
            w_up = np.sum(kin.omega_body_dps * vertical_in_body(kin.pitch_deg, kin.roll_deg), axis=1)
            w = (w_up - kin.heading_rate_dps).reshape(grid.shape)
            dt = (end[kk] - start[kk])[:, None] * np.diff(u)[None, :]
            ang = np.concatenate([np.zeros((len(dt), 1)), np.cumsum(0.5 * (w[:, 1:] + w[:, :-1]) * dt, axis=1)], axis=1)
            ang -= ang[:, :1] + (ang[:, -1:] - ang[:, :1]) * u[None, :]
            yaw[kk] = ang.max(axis=1) - ang.min(axis=1)
        sdet = np.ones(len(k), bool)
        for a, b in gaps:
            sdet &= ~((end > a - UNDETECTABLE_MARGIN_S) & (start < b + UNDETECTABLE_MARGIN_S))
        segs = []
        for i, s in enumerate(self.segments):
            d = asdict(s)
            d.update(start_s=float(self.body.bounds[i]), end_s=float(self.body.bounds[i + 1]))
            d["cadence_end_spm"], d["yaw_range_end_deg"] = s.cadence_end, s.yaw_end
            segs.append(d)
        sensor = asdict(self.sensor)
        sensor["gaps"] = [list(g) for g in self.sensor.gaps]
        runner = asdict(self.runner)
        runner["sway_hz"] = list(self.runner.sway_hz)
        return Truth(
            duration_s=self.duration_s,
            ic_t_s=sc.ic_t_s.copy(),
            ic_side=["left" if x > 0 else "right" for x in sc.side],
            ic_gait=["walk" if w else "run" for w in sc.walk],
            ic_detectable=det,
            step_period_s=sc.period_s.copy(),
            stride_start_s=start,
            stride_end_s=end,
            stride_yaw_range_deg=yaw,
            stride_detectable=sdet,
            segments=segs,
            gaps=gaps,
            mount=self.mount.name,
            sensor=sensor,
            seed=self.seed,
            scenario=self.scenario,
            runner=runner,
        )

    # -- signals
    def sensor_signals(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ideal sensor-frame specific force (m/s²) and rate (deg/s) at ``t_s`` without the
        soft-tissue or anti-alias filters (stateless; for tests and plots). α by central difference."""
        t = np.asarray(t_s, float)
        h = 1.0 / MASTER_RATE_HZ
        k, kp, km = (self.body.kinematics(x) for x in (t, t + h, t - h))
        alpha = np.radians(kp.omega_body_dps - km.omega_body_dps) / (2 * h)
        return self._to_sensor(k, k.f_heading_mps2, alpha)

    def _to_sensor(self, k: Kinematics, f_heading: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        f_b = heading_to_body(f_heading, k.yaw_deg, k.pitch_deg, k.roll_deg)
        w = np.radians(k.omega_body_dps)
        r = self.mount.lever_arm_m
        f_b = f_b + np.cross(alpha, r) + np.cross(w, np.cross(w, r))
        m = self.mount.rot_body_from_sensor
        return f_b @ m, k.omega_body_dps @ m

    def chunks(self) -> Iterator[SampleBatch]:
        """The sample stream in 20 s batches (device clock), continuous across chunk boundaries."""
        from scipy import signal
        sen, fs = self.sensor, MASTER_RATE_HZ
        bt, at = _lowpass(self.runner.tissue_lpf_hz, fs)
        ba, aa = _lowpass(sen.lpf_frac * sen.rate_hz, fs)
        zt = za = None
        tail_t = np.empty(0)
        tail_x = np.empty((0, 6))
        bias_walk = np.zeros(3)
        acc_range = sen.acc_range_g * G
        n_master = round(self.duration_s * fs)
        delay = 1.0 / sen.rate_hz + 2.0 / fs
        n_dev_total = math.floor(self.duration_s * sen.rate_hz)
        gap_arr = np.array(self.truth.gaps, dtype=float).reshape(-1, 2)
        k_dev = 0
        n_chunks = max(1, math.ceil(self.duration_s / CHUNK_S - 1e-9))
        for ci in range(n_chunks):
            rng = np.random.default_rng([self.seed, 2, ci])
            k0 = round(ci * CHUNK_S * fs)
            k1 = min(n_master, round((ci + 1) * CHUNK_S * fs))
            last = ci == n_chunks - 1
            if last:
                k1 = n_master
            t_ext = np.arange(k0 - 1, k1 + 1) / fs
            kin = self.body.kinematics(t_ext)
            w = np.radians(kin.omega_body_dps)
            alpha = (w[2:] - w[:-2]) * (fs / 2)
            kin = Kinematics(*(getattr(kin, f)[1:-1] for f in Kinematics.__dataclass_fields__))
            fh = kin.f_heading_mps2
            if zt is None:
                zt = signal.lfilter_zi(bt, at)[:, None] * fh[0][None, :]
            fh, zt = signal.lfilter(bt, at, fh, axis=0, zi=zt)
            f_s, w_s = self._to_sensor(kin, fh, alpha)
            x = np.column_stack([f_s, w_s])
            if za is None:
                za = signal.lfilter_zi(ba, aa)[:, None] * x[0][None, :]
            x, za = signal.lfilter(ba, aa, x, axis=0, zi=za)
            t_m = kin.t_s
            buf_t = np.concatenate([tail_t, t_m])
            buf_x = np.concatenate([tail_x, x])
            keep = int(0.1 * fs)
            tail_t, tail_x = buf_t[-keep:], buf_x[-keep:]

            # device sample instants: nominal grid delayed by `delay`, jittered, strictly increasing
            t_lim = (k1 / fs - delay) if not last else self.duration_s
            k_end = min(n_dev_total, math.ceil(t_lim * sen.rate_hz - 1e-9)) if not last else n_dev_total
            kd = np.arange(k_dev, max(k_dev, k_end))
            k_dev = max(k_dev, k_end)
            jit = np.clip(rng.standard_normal(len(kd)) * sen.jitter_s, -0.45 / sen.rate_hz, 0.45 / sen.rate_hz)
            td = kd / sen.rate_hz + jit
            td = np.clip(td, 0.0, (n_master - 1) / fs)
            vals = np.column_stack([np.interp(td, buf_t, buf_x[:, c]) for c in range(6)])
            acc, gyro = vals[:, :3], vals[:, 3:]
            nd = len(td)
            # imperfections
            inc = rng.standard_normal((nd, 3)) * sen.gyro_bias_walk_dps_per_sqrt_s * math.sqrt(1.0 / sen.rate_hz)
            bw = bias_walk + np.cumsum(inc, axis=0)
            if nd:
                bias_walk = bw[-1]
            gyro = gyro + np.asarray(sen.gyro_bias_dps) + bw + rng.standard_normal((nd, 3)) * sen.gyro_noise_dps
            acc = acc + np.asarray(sen.acc_bias_mps2) + rng.standard_normal((nd, 3)) * sen.acc_noise_mps2
            acc = _adc(acc, acc_range, sen.bits)
            gyro = _adc(gyro, sen.gyro_range_dps, sen.bits)
            keep_mask = rng.random(nd) >= sen.drop_prob
            for a, b in gap_arr:
                keep_mask &= ~((td >= a) & (td < b))
            yield SampleBatch(td[keep_mask], acc[keep_mask], gyro[keep_mask])

    def run(self) -> SampleBatch:
        """The whole run as one batch (identical to joining :meth:`chunks`)."""
        return SampleBatch.concat(list(self.chunks()))


def _adc(x: np.ndarray, full_scale: float, bits: int | None) -> np.ndarray:
    """Saturate at ±full scale and quantise to ``bits`` over the range (two's complement)."""
    if bits is None:
        return np.clip(x, -full_scale, full_scale)
    lsb = 2 * full_scale / 2**bits
    return np.clip(np.round(x / lsb), -(2 ** (bits - 1)), 2 ** (bits - 1) - 1) * lsb


def simulate(
    segments: Sequence[Segment],
    sensor: SensorModel | None = None,
    mount: str | Mount = "back-upright",
    seed: int = 0,
    runner: Runner | None = None,
) -> tuple[SampleBatch, Truth]:
    """The whole run at once: (samples, truth). For tests and benchmarks."""
    sim = Simulation(segments, sensor, mount, seed, runner)
    return sim.run(), sim.truth
