"""``stridemon simulate``: write a simulated run as a plain IMU CSV (and its truth as JSON)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from stridemon.errors import InputError
from stridemon.sim.model import MOUNTS, SensorModel
from stridemon.sim.scenarios import SCENARIOS, get_scenario
from stridemon.sources.simulator import make_simulation

HELP = "write a simulated run (runner + belt IMU) as a plain IMU CSV, with the truth as JSON"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario", default="steady-run", help="scenario name, or random-<seed> (see --list)"
    )
    parser.add_argument("--seconds", type=float, default=None, help="length (s); default: the scenario's own")
    parser.add_argument("--rate", type=float, default=None, help="sensor rate (Hz, 10–500)")
    parser.add_argument("--mount", choices=MOUNTS, default=None, help="sensor mounting")
    parser.add_argument("--seed", type=int, default=0, help="random seed (runner, steps, noise)")
    parser.add_argument("--ideal", action="store_true", help="no noise, bias, jitter or quantisation")
    parser.add_argument("--out", type=Path, help="CSV file to write (t_s,ax,ay,az,gx,gy,gz; m/s², deg/s)")
    parser.add_argument(
        "--truth", type=Path, default=None, help="JSON file for the truth (ICs, strides, ...)"
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")


def run(args: argparse.Namespace) -> int:
    if args.list:
        for name, build in SCENARIOS.items():
            sc = build(None)
            print(f"{name:14s} {sc.duration_s:6.0f} s  {sc.description}")
        print(f"{'random-<seed>':14s} {300:6.0f} s  random gait/cadence/yaw/turns, sensor, mount and gaps")
        return 0
    if args.out is None:
        raise InputError("simulate needs --out FILE.csv (or --list to see the scenarios)")
    if args.seconds is not None and args.seconds <= 0:
        raise InputError(f"--seconds must be positive (got {args.seconds})")
    if args.rate is not None and not 10 <= args.rate <= 500:
        raise InputError(f"--rate must be between 10 and 500 Hz (got {args.rate})")
    try:
        scenario = get_scenario(args.scenario, args.seconds)
    except ValueError as e:
        raise InputError(str(e)) from None
    sensor = scenario.sensor or SensorModel()
    if args.ideal:
        sensor = replace(SensorModel.ideal(sensor.rate_hz), gaps=sensor.gaps)
    if args.rate is not None:
        sensor = replace(sensor, rate_hz=float(args.rate))
    sim = make_simulation(scenario, sensor, args.seed, args.mount)
    try:
        with open(args.out, "w", encoding="ascii", newline="\n") as f:
            f.write("t_s,ax,ay,az,gx,gy,gz\n")
            for b in sim.chunks():
                data = np.column_stack([b.t_s, b.acc_mps2, b.gyro_dps])
                np.savetxt(f, data, fmt=["%.6f"] + ["%.4f"] * 6, delimiter=",")
        if args.truth is not None:
            args.truth.write_text(sim.truth.to_json() + "\n", encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot write output ({e})") from None
    return 0
