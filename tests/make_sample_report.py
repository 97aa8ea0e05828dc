"""Write docs/sample-report.html from three simulated runs (run: PYTHONPATH=. python -m tests.make_sample_report)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from stridemon.coach.comparison import compare_runs
from stridemon.coach.library import load_runs
from stridemon.coach.report import report_html
from tests.synth_run import write_csv

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    meta = {
        "runner": "Ana",
        "target_cadence_spm": 175,
        "rotation_budget_deg": 10,
        "device": "simulated (WT901BLE67 format)",
    }
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        a = write_csv(
            d / "2024-05-02_easy.csv",
            {**meta, "tags": ["before"], "notes": "easy 6 min, usual form"},
            cadence_spm=164,
            rotation_deg=14,
            duration_s=360,
            jitter=0.015,
            seed=1,
        )
        b = write_csv(
            d / "2024-05-16_easy.csv",
            {
                **meta,
                "tags": ["after"],
                "notes": "after 2 weeks of cadence drills",
                "markers": [{"t_s": 150, "label": "lap 2"}],
            },
            cadence_spm=176,
            rotation_deg=8,
            duration_s=300,
            jitter=0.015,
            rate_hz=52,
            seed=2,
        )
        c = write_csv(
            d / "2024-05-16_end_of_long_run.csv",
            {
                **meta,
                "tags": ["after", "fatigued"],
                "notes": "last 7 min of a 20 km run",
                "device": "simulated (Movesense format)",
            },
            cadence_spm=lambda t: 176 - 8 * t / 420,
            rotation_deg=lambda t: 8 + 4 * t / 420,
            duration_s=420,
            jitter=0.015,
            rate_hz=104,
            seed=3,
        )
        cmp = compare_runs(load_runs([a, b, c]))
        html = report_html(cmp, "Sample with simulated runs: Ana — before vs after cadence drills, then tired")
    (ROOT / "docs" / "sample-report.html").write_text(html, encoding="utf-8")


if __name__ == "__main__":
    main()
