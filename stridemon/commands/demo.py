"""``stridemon demo``: the live dashboard on the simulated runner (no sensor needed)."""

from __future__ import annotations

import argparse

from stridemon.errors import InputError

HELP = "open the live dashboard on the simulated runner (steady run, cadence drop, trunk swivel)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seconds", type=float, default=None, help="stop after this many seconds of the run")
    p.add_argument("--screenshot", metavar="PNG", help="save a PNG of the window when stopping (needs --seconds)")
    p.add_argument("--speed", type=float, default=1.0, help="simulated time per real second (default 1)")
    p.add_argument("--scenario", default="demo", help="simulator scenario (default demo)")
    p.add_argument("--seed", type=int, default=1, help="simulator seed")
    p.add_argument("--runner", default="runner", help="runner whose settings (target, budget) to use and save")


def simulator_factory(scenario: str = "demo", seed: int = 1, speed: float = 1.0):
    """A factory of the project's simulated runner."""
    from stridemon.sources.simulator import SimulatedSource

    return lambda: SimulatedSource(scenario, seed=seed, speed=speed)


def run(args: argparse.Namespace) -> int:
    from stridemon.settings import load_runner, save_runner
    from stridemon.ui.app import run_dashboard

    if args.screenshot and args.seconds is None:
        raise InputError("--screenshot needs --seconds (when to take it)")
    factory = simulator_factory(args.scenario, args.seed, args.speed)
    settings = load_runner(args.runner)
    return run_dashboard(factory, settings, seconds=args.seconds, screenshot=args.screenshot, save_settings=save_runner)
