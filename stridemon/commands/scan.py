"""``stridemon scan``: list nearby BLE sensors stridemon recognises (name, address, family, RSSI)."""

from __future__ import annotations

import argparse
import asyncio

from stridemon.devices.registry import REGISTRY

HELP = f"list nearby BLE IMU sensors stridemon can use ({', '.join(d.family.title for d in REGISTRY)})"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to listen (default 5)")
    parser.add_argument("--all", action="store_true", help="also list devices stridemon does not recognise")


def run(args: argparse.Namespace) -> int:
    from stridemon.devices.client import scan

    found = asyncio.run(scan(args.seconds, all_devices=args.all))
    if not found:
        print(f"no sensors seen in {args.seconds:g} s (is the sensor on and not connected to another app?)")
        return 1
    print(f"{'name':<28} {'address':<18} {'family':<13} {'RSSI':>5}")
    for f in found:
        print(f"{f.name[:28]:<28} {f.address:<18} {f.family:<13} {f.rssi:>5}")
    return 0
