"""The simulated runner as a :class:`~stridemon.sources.base.Source` (with its truth).

Samples are generated 20 s at a time, continuous across chunks, so an hour-long live demo never
holds the whole run in memory; ``speed`` paces the stream like a live sensor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

from stridemon.samples import STANDARD_GRAVITY_MPS2, SampleBatch, SourceInfo
from stridemon.sim.model import Mount, Runner, Segment, SensorModel, Simulation, Truth
from stridemon.sim.scenarios import Scenario, get_scenario
from stridemon.sources.base import batches_of, paced


def make_simulation(
    scenario_or_segments: str | Scenario | Sequence[Segment],
    sensor: SensorModel | None = None,
    seed: int = 0,
    mount: str | Mount | None = None,
    seconds: float | None = None,
    runner: Runner | None = None,
) -> Simulation:
    """A :class:`Simulation` from a scenario name, a :class:`Scenario` or segments.

    ``sensor``/``mount`` override the scenario's own (default: a 100 Hz commodity IMU, "back-upright").
    """
    if isinstance(scenario_or_segments, str):
        scenario_or_segments = get_scenario(scenario_or_segments, seconds)
    if isinstance(scenario_or_segments, Scenario):
        sc = scenario_or_segments
        return Simulation(
            sc.segments,
            sensor if sensor is not None else sc.sensor,
            mount if mount is not None else (sc.mount or "back-upright"),
            seed,
            runner,
            sc.name,
        )
    return Simulation(list(scenario_or_segments), sensor, mount or "back-upright", seed, runner, "custom")


class SimulatedSource:
    """A simulated belt-worn IMU: ``.info``, ``.truth`` and ``async stream()`` of SampleBatch."""

    def __init__(
        self,
        scenario_or_segments: str | Scenario | Sequence[Segment] = "demo",
        sensor: SensorModel | None = None,
        seed: int = 0,
        speed: float | None = None,
        batch_s: float = 0.1,
        mount: str | Mount | None = None,
        seconds: float | None = None,
    ) -> None:
        self.sim = make_simulation(scenario_or_segments, sensor, seed, mount, seconds)
        self.speed = speed
        self.batch_s = batch_s
        sen = self.sim.sensor
        self.info = SourceInfo(
            name=f"simulated runner ({self.sim.scenario}, seed {seed})",
            family="simulator",
            address=None,
            nominal_rate_hz=sen.rate_hz,
            acc_range_mps2=sen.acc_range_g * STANDARD_GRAVITY_MPS2,
            gyro_range_dps=sen.gyro_range_dps,
            extra={"scenario": self.sim.scenario, "seed": seed, "mount": self.sim.mount.name},
        )

    @property
    def truth(self) -> Truth:
        return self.sim.truth

    def batches(self) -> Iterator[SampleBatch]:
        """The batches ``stream()`` yields, synchronously (no pacing)."""
        for chunk in self.sim.chunks():
            yield from batches_of(chunk, self.batch_s)

    async def stream(self) -> AsyncIterator[SampleBatch]:
        async for b in paced(self.batches(), self.speed):
            yield b


def simulate_run(
    scenario_or_segments: str | Scenario | Sequence[Segment],
    sensor: SensorModel | None = None,
    seed: int = 0,
    mount: str | Mount | None = None,
    seconds: float | None = None,
) -> tuple[SampleBatch, Truth]:
    """The whole run at once (tests, benchmarks): (samples, truth)."""
    sim = make_simulation(scenario_or_segments, sensor, seed, mount, seconds)
    return sim.run(), sim.truth
