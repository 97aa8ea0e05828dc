"""Named scenarios (lists of :class:`Segment`) and seeded random ones for benchmarks.

Each builder takes ``seconds`` (None = its natural length): repeating patterns (track laps,
walk/run intervals) are repeated then trimmed; one-off stories are scaled in time so every part
is kept (ramps stay ramps). Cadence in steps/min, yaw range peak-to-peak in deg, speed m/s.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from stridemon.sim.model import MOUNTS, Segment, SensorModel

S = Segment


@dataclass(frozen=True)
class Scenario:
    """A named run: segments plus, optionally, the sensor and mount it is meant to be seen through."""

    name: str
    description: str
    segments: tuple[Segment, ...]
    sensor: SensorModel | None = None
    mount: str | None = None

    @property
    def duration_s(self) -> float:
        return float(sum(s.duration_s for s in self.segments))


def trim(segments: Sequence[Segment], seconds: float) -> list[Segment]:
    """The first ``seconds`` of a segment list (the cut segment's ramps are cut proportionally)."""
    out, t = [], 0.0
    for s in segments:
        if t >= seconds - 1e-9:
            break
        out.append(s if t + s.duration_s <= seconds else s.trimmed(seconds - t))
        t += s.duration_s
    return out


def repeat_to(pattern: Sequence[Segment], seconds: float, lead: Sequence[Segment] = ()) -> list[Segment]:
    """``lead`` then ``pattern`` repeated, trimmed to ``seconds``."""
    period = sum(s.duration_s for s in pattern)
    n = max(1, math.ceil((seconds - sum(s.duration_s for s in lead)) / period) + 1)
    return trim([*lead, *(list(pattern) * n)], seconds)


def scale(segments: Sequence[Segment], seconds: float) -> list[Segment]:
    """All durations scaled so the total is ``seconds`` (turnaround durations kept)."""
    f = seconds / sum(s.duration_s for s in segments)
    return [replace(s, duration_s=s.duration_s * f) for s in segments]


def _fit(segments: list[Segment], seconds: float | None) -> tuple[Segment, ...]:
    return tuple(segments if seconds is None else scale(segments, seconds))


def steady_run(seconds: float | None = None) -> Scenario:
    return Scenario(
        "steady-run",
        "5 min steady run: 172 spm, 10° yaw, 3.3 m/s",
        (S(seconds or 300.0, "run", 172, None, 10, speed_mps=3.3, label="steady"),),
    )


def fatigue(seconds: float | None = None) -> Scenario:
    return Scenario(
        "fatigue",
        "10 min run with cadence drifting 178 → 164 spm (fatigue), yaw 10° → 12°",
        (S(seconds or 600.0, "run", 178, 164, 10, 12, speed_mps=3.4, label="fatigue drift"),),
    )


def swivel(seconds: float | None = None) -> Scenario:
    segs = [
        S(60, "run", 172, None, 8, label="steady"),
        S(180, "run", 172, 170, 8, 18, label="swivel ramp"),
        S(60, "run", 170, None, 18, label="swivel"),
    ]
    return Scenario("swivel", "5 min run with pelvis yaw range ramping 8° → 18°", _fit(segs, seconds))


def track(seconds: float | None = None) -> Scenario:
    """400 m laps at 3.6 m/s: 84.39 m straights and 115.61 m bends (IAAF standard track), 180° left bends."""
    v = 3.6
    lap = [
        S(84.39 / v, "run", 176, None, 11, speed_mps=v, label="straight"),
        S(115.61 / v, "run", 176, None, 11, turn_deg=180, turn_shape="bend", speed_mps=v, label="bend"),
    ]
    return Scenario(
        "track", "400 m track laps (straights + 180° bends)", tuple(repeat_to(lap, seconds or 480.0))
    )


def out_and_back(seconds: float | None = None) -> Scenario:
    segs = [
        S(145, "run", 170, None, 10, label="out"),
        S(10, "run", 170, None, 10, turn_deg=180, turn_shape="turnaround", turn_s=2.5, label="turnaround"),
        S(145, "run", 170, None, 10, label="back"),
    ]
    return Scenario("out-and-back", "run out, 180° turnaround in 2.5 s, run back", _fit(segs, seconds))


def walk_run(seconds: float | None = None) -> Scenario:
    walk = S(60, "walk", 110, None, 7, speed_mps=1.4, label="walk")
    run = S(120, "run", 168, None, 10, speed_mps=3.1, label="run")
    pattern = [walk, run, walk, run, S(20, "stand", label="standing break")]
    return Scenario(
        "walk-run",
        "intervals: walk 1 min ~110 spm, run 2 min, repeat; 20 s standing break",
        tuple(repeat_to(pattern, seconds or sum(s.duration_s for s in pattern) + 180.0)),
    )


def rest(seconds: float | None = None) -> Scenario:
    return Scenario(
        "rest", "standing still: no steps, postural sway only", (S(seconds or 60.0, "stand", label="rest"),)
    )


def demo(seconds: float | None = None) -> Scenario:
    segs = [
        S(50, "run", 174, None, 10, label="steady"),
        S(25, "run", 174, 164, 10, label="cadence drop"),
        S(30, "run", 164, None, 10, label="low cadence"),
        S(20, "run", 164, 174, 10, label="cadence back"),
        S(25, "run", 174, None, 10, 22, label="swivel ramp"),
        S(30, "run", 174, None, 22, label="swivel"),
        S(20, "run", 174, None, 22, 10, label="swivel back"),
        S(40, "run", 174, None, 10, label="steady"),
    ]
    return Scenario(
        "demo",
        "4 min demo: steady, cadence dip to 164 spm, swivel to 22° (past the inch-each-way budget), steady",
        _fit(segs, seconds),
    )


def slow_jog(seconds: float | None = None) -> Scenario:
    return Scenario(
        "slow-jog",
        "slow jog: 150 spm, 8° yaw, 2.4 m/s",
        (S(seconds or 300.0, "run", 150, None, 8, speed_mps=2.4, label="slow jog"),),
    )


def fast(seconds: float | None = None) -> Scenario:
    return Scenario(
        "fast",
        "fast running: 204 spm, 17° yaw, 5.5 m/s",
        (S(seconds or 180.0, "run", 204, None, 17, speed_mps=5.5, label="fast"),),
    )


SCENARIOS: dict[str, Callable[[float | None], Scenario]] = {
    "steady-run": steady_run,
    "fatigue": fatigue,
    "swivel": swivel,
    "track": track,
    "out-and-back": out_and_back,
    "walk-run": walk_run,
    "rest": rest,
    "demo": demo,
    "slow-jog": slow_jog,
    "fast": fast,
}


def random_scenario(seed: int, seconds: float = 300.0) -> Scenario:
    """A seeded random run for benchmarks: segments of random gait, cadence (run 140–220, walk
    80–130 spm), ramps, yaw 4–20°, turns, short stands; a random sensor (rate 50–400 Hz, jitter,
    drops, gaps, bias) and mount. The same seed always gives the same scenario."""
    rng = np.random.default_rng([int(seed), 77])
    segs: list[Segment] = []
    t = 0.0
    if rng.random() < 0.5:
        segs.append(S(float(rng.uniform(3, 15)), "stand", label="start"))
        t += segs[-1].duration_s
    cad = float(rng.uniform(140, 220))
    yaw = float(rng.uniform(4, 20))
    while t < seconds:
        kinds = (
            ["run", "run", "run", "walk"]
            if segs and segs[-1].gait == "stand"
            else ["run", "run", "run", "walk", "stand"]
        )
        kind = rng.choice(kinds) if segs else "run"
        d = float(rng.uniform(20, 90))
        if kind == "stand":
            segs.append(S(float(rng.uniform(5, 20)), "stand", label="stand"))
        else:
            lo, hi = (140.0, 220.0) if kind == "run" else (80.0, 130.0)
            c0 = float(np.clip(cad, lo, hi)) if segs and segs[-1].gait == kind else float(rng.uniform(lo, hi))
            c1 = float(np.clip(c0 + rng.uniform(-15, 15), lo, hi)) if rng.random() < 0.5 else c0
            y1 = float(np.clip(yaw + rng.uniform(-6, 6), 4, 20)) if rng.random() < 0.5 else yaw
            turn, shape = 0.0, "bend"
            r = rng.random()
            if r < 0.15:
                turn, shape = float(rng.choice([-180.0, 180.0])), "turnaround"
            elif r < 0.35:
                turn = float(rng.uniform(-200, 200))
            speed = float(rng.uniform(2.2, 5.5)) if kind == "run" else float(rng.uniform(0.9, 1.7))
            segs.append(
                S(
                    d,
                    str(kind),
                    c0,
                    c1,
                    yaw,
                    y1,
                    turn,
                    shape,
                    float(rng.uniform(1.5, 3.0)),
                    speed,
                    label=str(kind),
                )  # type: ignore[arg-type]
            )
            cad, yaw = c1, y1
        t += segs[-1].duration_s
    segs = trim(segs, seconds)
    sensor = SensorModel.random(rng, seconds)
    mount = str(rng.choice([m for m in MOUNTS]))
    return Scenario(f"random-{seed}", f"random scenario from seed {seed}", tuple(segs), sensor, mount)


def get_scenario(name: str, seconds: float | None = None) -> Scenario:
    """A scenario by name (``random-<seed>`` for a random one); ValueError names the choices."""
    if name.startswith("random-") and name[7:].isdigit():
        return random_scenario(int(name[7:]), seconds or 300.0)
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)} or random-<seed>")
    return SCENARIOS[name](seconds)
