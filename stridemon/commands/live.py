"""``stridemon live --device ADDR|NAME`` (or ``--simulate``): the live dashboard on a sensor.

With ``--no-window`` a terminal readout instead: once a second samples/s, lost samples and
packets, skipped notifications, reconnects, steps and cadence. Ctrl-C stops; a sensor gone longer
than ``--reconnect-timeout`` ends the run (the window stays up and says so).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from stridemon.devices import FAMILIES

HELP = "the live dashboard on a BLE sensor (or --simulate); --no-window for a terminal readout"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--device", metavar="ADDR|NAME", help="sensor address or advertised name")
    src.add_argument("--simulate", action="store_true", help="the simulated runner instead of a sensor")
    parser.add_argument("--no-window", action="store_true", help="terminal readout instead of the dashboard")
    parser.add_argument("--screenshot", metavar="PNG", help="save a PNG of the window when stopping (needs --seconds)")
    parser.add_argument("--scenario", default="demo", help="simulator scenario (with --simulate)")
    parser.add_argument("--speed", type=float, default=1.0, help="simulator pace, × real time (with --simulate)")
    parser.add_argument("--runner", default="runner", help="runner whose settings (target, budget) to use and save")
    parser.add_argument("--family", choices=FAMILIES, help="device family, if its advertisement does not tell")
    parser.add_argument("--rate", type=float, default=100.0, help="wanted sample rate in Hz (default 100)")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
    parser.add_argument(
        "--reconnect-timeout", type=float, default=30.0, help="give up after the sensor is gone this long (s)"
    )
    parser.add_argument("--scan-timeout", type=float, default=10.0, help="how long to look for the sensor (s)")


def _ble_source(args: argparse.Namespace):
    from stridemon.devices.drivers import BleSettings
    from stridemon.sources.ble import BleSource

    settings = BleSettings(
        rate_hz=args.rate, scan_timeout_s=args.scan_timeout, reconnect_timeout_s=args.reconnect_timeout
    )
    return BleSource(args.device, family=args.family, settings=settings)


async def _live(args: argparse.Namespace, out=None) -> int:
    from stridemon.live_session import LiveSession
    from stridemon.samples import STANDARD_GRAVITY_MPS2
    from stridemon.settings import load_runner

    out = out or sys.stdout
    src = _ble_source(args)
    info = await src.open()
    print(
        f"{info.name} ({info.address}), {info.family}, {info.nominal_rate_hz:g} Hz, "
        f"±{(info.acc_range_mps2 or 0) / STANDARD_GRAVITY_MPS2:g} g, ±{info.gyro_range_dps or 0:g} deg/s",
        file=out,
    )
    session = LiveSession(load_runner(args.runner))
    t0 = last = time.monotonic()
    n_window = 0

    def on_batch(batch) -> bool:
        nonlocal last, n_window
        n_window += len(batch)
        now = time.monotonic()
        if now - last >= 1.0:
            s = src.stats
            line = (
                f"{now - t0:7.1f} s  {n_window / (now - last):6.1f} samples/s  "
                f"lost {s.get('lost_samples', 0)} "
                f"({s.get('lost_packets', 0)} pkts)  skipped {sum(s.get('skipped', {}).values())}  "
                f"reconnects {len(s['reconnect_s'])}"
            )
            steps = session.pipeline.steps
            if steps:
                line += f"  steps {session.step_count}  cadence {steps[-1].cadence_spm:.0f} spm"
            print(line, file=out, flush=True)
            last, n_window = now, 0
        return args.seconds is not None and now - t0 >= args.seconds

    await session.run(src, on_batch=on_batch)
    return 0


def run(args: argparse.Namespace) -> int:
    from stridemon.errors import InputError

    if args.screenshot and args.seconds is None:
        raise InputError("--screenshot needs --seconds (when to take it)")
    if args.simulate:
        from stridemon.commands.demo import simulator_factory

        factory = simulator_factory(args.scenario, 1, args.speed)
    elif args.no_window:
        return asyncio.run(_live(args))
    else:

        def factory():
            return _ble_source(args)

    from stridemon.settings import load_runner, save_runner
    from stridemon.ui.app import run_dashboard

    return run_dashboard(
        factory, load_runner(args.runner), seconds=args.seconds, screenshot=args.screenshot, save_settings=save_runner
    )
