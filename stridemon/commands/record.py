"""stridemon record: save a session (raw samples + live events) to a crash-safe .smrec file."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time

from stridemon.errors import InputError, OutputError
from stridemon.live_session import LiveSession
from stridemon.settings import RunnerSettings, load_runner
from stridemon.sinks.recorder import Recorder

HELP = "record a session from the simulator or a BLE sensor to a .smrec file (Ctrl-C stops)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--simulate", action="store_true", help="record the simulated runner")
    src.add_argument("--device", metavar="ADDR|NAME", help="record a BLE sensor")
    p.add_argument("--out", required=True, help="output file (.smrec is added if there is no suffix)")
    p.add_argument("--seconds", type=float, help="stop after this many seconds (default: until Ctrl-C)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.add_argument("--scenario", default="demo", help="simulator scenario (see `stridemon simulate --list`)")
    p.add_argument("--seed", type=int, default=0, help="simulator seed")
    p.add_argument("--speed", type=float, default=1.0, help="simulator pace, × real time (default 1)")
    p.add_argument("--family", help="BLE device family, if its advertisement does not tell")
    p.add_argument("--runner", default="", help="runner's name")
    p.add_argument("--tags", default="", help="comma-separated tags, e.g. fresh,after-drills")
    p.add_argument("--notes", default="", help="free-text notes")
    p.add_argument("--mounting", default="", help="where and how the sensor sits, e.g. 'back, centre, clip'")
    p.add_argument("--target-cadence", type=float, help="runner's target cadence, spm")
    p.add_argument("--rotation-budget", type=float, help="rotation budget, deg per stride")
    p.add_argument("--progress", action="store_true", help="print 'at N s' on stdout for each second recorded")


def _source(args: argparse.Namespace):
    if args.simulate:
        from stridemon.sources.simulator import SimulatedSource

        try:
            return SimulatedSource(args.scenario, seed=args.seed, speed=args.speed, seconds=args.seconds)
        except ValueError as e:
            raise InputError(str(e)) from None
    from stridemon.sources.ble import BleSource

    return BleSource(args.device, family=args.family)


def _runner(args: argparse.Namespace) -> RunnerSettings:
    """The alert settings of the recording: the runner's saved ones (``--runner``) or the defaults,
    with ``--target-cadence`` and ``--rotation-budget`` if given."""
    runner = load_runner(args.runner) if args.runner else RunnerSettings()
    if args.target_cadence is not None:
        runner.target_offset_spm = args.target_cadence - runner.plan.target_spm()
    if args.rotation_budget is not None:
        runner.rotation_budget_deg = args.rotation_budget
    return runner


def run(args: argparse.Namespace) -> int:
    source = _source(args)
    meta = {
        "runner": args.runner,
        "tags": [t.strip() for t in args.tags.split(",") if t.strip()],
        "notes": args.notes,
        "mounting": args.mounting,
        "target_cadence_spm": args.target_cadence,
        "rotation_budget_deg": args.rotation_budget,
    }
    return asyncio.run(_record(source, args, meta))


async def _record(source, args: argparse.Namespace, meta: dict) -> int:
    if hasattr(source, "open"):
        await source.open()  # connect first, so the file header names the real device
    rec = Recorder(args.out, source.info, meta, overwrite=args.force)
    # The pipeline sees exactly what the file holds; alerts are recorded as in the window.
    session = LiveSession(_runner(args), recorder=rec, feed_as_recorded=True, keep_last_events=None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    print(f"recording to {rec.path} (Ctrl-C to stop)", flush=True)
    next_status = time.monotonic() + 5.0
    first_t = None
    last_sec = 0

    def on_batch(batch) -> bool:  # after the session has recorded and processed it; True: stop
        nonlocal first_t, next_status, last_sec
        if first_t is None:
            first_t = float(batch.t_s[0])
            print(f"started: first sample at device t = {first_t:.3f} s", flush=True)
        if args.progress:
            sec = int(batch.t_s[-1] - first_t)
            if sec > last_sec:
                last_sec = sec
                print(f"at {sec} s", flush=True)  # produced by the source, handed to the recorder
        if args.seconds is not None and batch.t_s[-1] - first_t >= args.seconds:
            return True
        if time.monotonic() >= next_status:
            next_status += 5.0
            m = session.pipeline.metrics
            print(
                f"  {rec.samples_written} samples, {m.steps} steps, cadence {m.cadence_spm:.0f} spm",
                file=sys.stderr,
                flush=True,
            )
        return stop.is_set()

    async def pump() -> None:
        await session.run(source, on_batch=on_batch, finish=False)

    task = asyncio.ensure_future(pump())
    waiter = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        task.cancel()
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        # After a write error (disk full) the recorder is closed already: these do nothing.
        with contextlib.suppress(OutputError):
            session.finish()
            rec.close({"steps": len(session.pipeline.steps), "strides": len(session.pipeline.strides)})
    if rec.failed is not None:
        raise rec.failed  # one line: what happened, which file, how many seconds it holds
    if task.done() and not task.cancelled() and task.exception() is not None:
        raise task.exception()  # the source failed (e.g. the sensor): the file is saved and closed
    print(f"saved {rec.samples_written} samples, {len(session.pipeline.steps)} steps to {rec.path}", flush=True)
    return 0
