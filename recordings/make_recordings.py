"""Rebuild the sample sessions in recordings/ (run: PYTHONPATH=. python recordings/make_recordings.py).

- demo-run.smrec: the simulated demo run (steady, cadence drop to 164 spm, trunk swivel to 22°)
- fatigue-run.smrec: 5 minutes of simulated cadence drift 178 -> 164 spm
- walking-HA_001-Test11.smrec: a real lower-back walking trial from ../shared/data/mobgap_lab
  (Apache-2.0, Mobilise-D mobgap; see recordings/README.md), converted sample for sample.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stridemon.pipeline import Pipeline  # noqa: E402
from stridemon.samples import SourceInfo  # noqa: E402
from stridemon.sinks.recorder import Recorder  # noqa: E402
from stridemon.sources.base import batches_of  # noqa: E402
from stridemon.sources.csvfile import read_imu_csv  # noqa: E402
from stridemon.sources.simulator import SimulatedSource, simulate_run  # noqa: E402

OUT = ROOT / "recordings"
MOBGAP = ROOT.parent / "shared" / "data" / "mobgap_lab"


def write(path: Path, batch, info: SourceInfo, meta: dict) -> None:
    pipe = Pipeline()
    rec = Recorder(path, info, meta, overwrite=True)
    for b in batches_of(batch, 0.5):
        for q in rec.write_batch(b):
            rec.write_events(pipe.feed(q).events)
    for q in rec.close_samples():
        rec.write_events(pipe.feed(q).events)
    rec.write_events(pipe.finish().events)
    rec.close({"steps": len(pipe.steps), "strides": len(pipe.strides)})
    print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB, {len(pipe.steps)} steps")


def main() -> None:
    for name, scenario, seconds, meta in [
        (
            "demo-run",
            "demo",
            None,
            {
                "runner": "sim-runner",
                "tags": ["simulated", "demo"],
                "notes": "simulated: steady, cadence drop to 164 spm, swivel to 22°",
                "target_cadence_spm": 170,
                "rotation_budget_deg": 19.4,
            },
        ),
        (
            "fatigue-run",
            "fatigue",
            300,
            {
                "runner": "sim-runner",
                "tags": ["simulated", "fatigued"],
                "notes": "simulated: cadence drifts from 178 to 164 spm",
                "target_cadence_spm": 175,
                "rotation_budget_deg": 19.4,
            },
        ),
    ]:
        batch, _ = simulate_run(scenario, seed=1, seconds=seconds)
        info = SimulatedSource(scenario, seed=1, seconds=seconds).info
        write(OUT / f"{name}.smrec", batch, info, meta)
    stem = "HA_001_Test11_Trial1"
    csv = MOBGAP / "imu" / f"{stem}.csv"
    if csv.exists():
        batch, _ = read_imu_csv(csv)
        info = SourceInfo(
            name="McRoberts MM+ (lower back)",
            family="csv",
            nominal_rate_hz=100.0,
            extra={"source": f"mobgap example data, {stem}"},
        )
        meta = {
            "runner": "HA_001",
            "tags": ["real", "walking", "mobgap"],
            "notes": "real lower-back walking, simulated daily activities (Mobilise-D TVS lab); Apache-2.0",
            "mounting": "lower back (L5), belt",
        }
        write(OUT / "walking-HA_001-Test11.smrec", batch, info, meta)


if __name__ == "__main__":
    main()
