"""``make bench``: every benchmark, one after the other, printing tables.

    python -m benchmarks.run            # accuracy (real running, real walking, simulated), speed, recording, BLE
    python -m benchmarks.run --quick    # fewer simulated seeds, no fuzzing
"""

from __future__ import annotations

import importlib
import sys


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    from benchmarks import dropouts, mobgap, sim_accuracy, speed
    from benchmarks.real_running import evaluate as real_running

    real_running.run()  # reality first: real running references (skipped where absent)
    mobgap.run()
    sim_accuracy.run(range(100, 110) if quick else sim_accuracy.TEST_SEEDS)
    dropouts.run()
    speed.run()
    for name in ("benchmarks.recording_bench", "benchmarks.dashboard_bench", "benchmarks.ble_throughput"):
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        print(f"\n== {name}")
        argv_saved, sys.argv = sys.argv, [name]  # their own argument parsers: defaults
        try:
            if name.endswith("dashboard_bench") and quick:
                sys.argv += ["--seconds", "10", "--hour-minutes", "10"]
            mod.main() if hasattr(mod, "main") else mod.run()
        finally:
            sys.argv = argv_saved
    if not quick:
        from benchmarks import fuzz_decoders

        print("\n== benchmarks.fuzz_decoders")
        fuzz_decoders.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
