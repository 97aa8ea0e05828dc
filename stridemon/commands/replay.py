"""stridemon replay FILE: a recorded session through the live pipeline, in the dashboard."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from stridemon.errors import InputError
from stridemon.live_session import LiveSession
from stridemon.settings import load_runner

HELP = "replay a recording (or plain IMU CSV) through the live pipeline, in the dashboard"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="a .smrec recording (or a plain IMU CSV)")
    p.add_argument("--speed", default="1", help="1, 2, 4 … × real time, or max (default 1)")
    p.add_argument("--seconds", type=float, help="stop after this many seconds of the recording")
    p.add_argument("--screenshot", metavar="PNG", help="save a PNG of the window when stopping (needs --seconds)")
    p.add_argument("--no-window", action="store_true", help="terminal readout instead of the dashboard")
    p.add_argument("--runner", help="runner whose settings (target, budget) to use (default: the recording's)")


def _speed(text: str) -> float | None:
    if text == "max":
        return None
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"--speed {text!r}: give a number like 1, 2, 4 or 'max'") from None
    if not v > 0:
        raise InputError("--speed must be positive (or 'max')")
    return v


def _sources(path: str, speed: float | None):
    """(the first source, a factory): the file is opened now, so a bad one is an error before any
    window opens, and that source is handed out first, so the file is read once."""
    from stridemon.sources.files import open_file_source

    def make():
        return open_file_source(path, speed=speed, batch_s=0.1 if speed is not None else 1.0)

    opened = [make()]
    first = opened[0]

    def factory():
        return opened.pop() if opened else make()

    return first, factory


def _runner_name(source) -> str | None:
    """The runner named in a recording's metadata, if any."""
    return (getattr(source, "metadata", None) or {}).get("runner") or None


def run(args: argparse.Namespace) -> int:
    speed = _speed(args.speed)
    if args.screenshot and args.seconds is None:
        raise InputError("--screenshot needs --seconds (when to take it)")
    first, factory = _sources(args.path, speed)
    if args.no_window:
        return asyncio.run(_terminal(factory(), args.seconds, args.runner or _runner_name(first)))
    from stridemon.settings import save_runner
    from stridemon.ui.app import run_dashboard

    name = args.runner or _runner_name(first)
    settings = load_runner(name) if name else load_runner()
    return run_dashboard(factory, settings, seconds=args.seconds, screenshot=args.screenshot, save_settings=save_runner)


async def _terminal(source, seconds: float | None, runner: str | None = None) -> int:
    session = LiveSession(load_runner(runner) if runner else None, keep_last_events=None)
    first = None
    next_print = time.monotonic()

    def on_batch(batch) -> None:
        nonlocal first, next_print
        if first is None:
            first = float(batch.t_s[0])
        if time.monotonic() >= next_print:
            next_print += 1.0
            m = session.pipeline.metrics
            print(
                f"t {m.t_s - first:7.1f} s  steps {m.steps:5d}  cadence {m.cadence_spm:5.1f} spm  "
                f"rotation {m.last_rotation_deg:5.1f} deg",
                file=sys.stderr,
                flush=True,
            )

    await session.run(source, seconds, on_batch=on_batch)
    pipe = session.pipeline
    print(f"replayed: {len(pipe.steps)} steps, {len(pipe.strides)} strides")
    return 0
