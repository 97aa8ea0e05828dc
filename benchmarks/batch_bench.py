"""Throughput of ``stridemon batch``: 40 one-hour runs on 1 and 2 local Dask workers, and the
same without Dask (in this process, and a plain 2-process pool), so the Dask overhead per run is
known.

The hours are simulated running at 100 Hz built as ``benchmarks/speed.py`` builds its hour
(``running_hour``: the steady run through a realistic sensor, repeated to 3600 s); four seeds,
each written once as a CSV to a temporary folder and copied to make the 40 files. Every
configuration analyses all 40 from scratch (``force``) and writes the results Parquet; the wall
time includes starting the local cluster (its start-up is also shown on its own).

    python -m benchmarks.batch_bench            # 40 one-hour runs (a few minutes on 2 cores)
    python -m benchmarks.batch_bench --quick    # 8 ten-minute runs
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from benchmarks.speed import running_hour, write_csv


def make_runs(folder: Path, n: int, seconds: float, seeds: int = 4) -> list[Path]:
    files = []
    for i in range(n):
        dst = folder / f"run{i:02d}.csv"
        if i < seeds:
            data = running_hour(100.0, seed=11 + i)
            write_csv(dst, data[data[:, 0] < seconds])
        else:
            shutil.copyfile(folder / f"run{i % seeds:02d}.csv", dst)
        files.append(dst)
    return files


def time_batch(folder: Path, out: Path, **kw) -> tuple[float, float | None, dict]:
    """(wall s, cluster start-up s or None, report) of one batch over ``folder`` from scratch."""
    from stridemon.commands.batch import run_batch

    t0 = time.perf_counter()
    started: list[float] = []
    report = run_batch([folder], out, force=True, on_start=lambda _: started.append(time.perf_counter()), **kw)
    wall = time.perf_counter() - t0
    assert report["failed"] == 0, report["errors"]
    return wall, (started[0] - t0) if started else None, report


def time_pool(files: list[Path], processes: int) -> float:
    """A plain process pool (no Dask) running the same per-file analysis."""
    from stridemon.commands.batch import analyze_one

    t0 = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        rows = list(pool.map(analyze_one, [str(f) for f in files]))
    assert all(r["row"]["error"] is None for r in rows)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="8 ten-minute runs instead of 40 one-hour runs")
    ap.add_argument("--runs", type=int, help="number of runs (default 40, 8 with --quick)")
    a = ap.parse_args(argv)
    n = a.runs or (8 if a.quick else 40)
    seconds = 600.0 if a.quick else 3600.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "runs"
        folder.mkdir()
        t0 = time.perf_counter()
        files = make_runs(folder, n, seconds)
        print(
            f"{n} runs of {seconds / 60:.0f} min at 100 Hz written in {time.perf_counter() - t0:.0f} s "
            f"({sum(f.stat().st_size for f in files) / 1e6:.0f} MB); {os.cpu_count()} CPU core(s)"
        )
        out = Path(tmp) / "results.parquet"
        rows = []
        wall, _, _ = time_batch(folder, out, workers=0)
        rows.append(("in-process (no Dask)", 1, wall, None))
        wall = time_pool(files, 2)
        rows.append(("process pool (no Dask)", 2, wall, None))
        for w in (1, 2):
            wall, start, _ = time_batch(folder, out, workers=w)
            rows.append((f"Dask LocalCluster, {w} worker(s)", w, wall, start))
    base = {w: wall for label, w, wall, _ in rows if "no Dask" in label}
    dask = {w: wall for label, w, wall, _ in rows if "Dask LocalCluster" in label}
    print(f"\n{'path':34s} {'procs':>5s} {'wall s':>7s} {'runs/min':>9s} {'s/run':>6s} {'start-up s':>10s}")
    for label, w, wall, start in rows:
        print(
            f"{label:34s} {w:5d} {wall:7.1f} {60 * n / wall:9.1f} {wall / n:6.2f} "
            f"{'' if start is None else f'{start:.1f}':>10s}"
        )
    speedup = dask[1] / dask[2]
    print(f"\nDask speed-up, 2 workers over 1: {speedup:.2f}x (target >= 1.7x)")
    print(f"no-Dask speed-up, 2 processes over in-process: {base[1] / base[2]:.2f}x")
    for w in (1, 2):
        print(f"Dask overhead per run at {w} process(es): {(dask[w] - base[w]) / n * 1000:+.0f} ms (incl. start-up)")
    return {"rows": rows, "speedup": speedup, "n": n, "seconds": seconds, "spread": float(np.std([r[2] for r in rows]))}


if __name__ == "__main__":
    main()
