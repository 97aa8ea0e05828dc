"""Fuzz every BLE decoder with random and mutated packets; print counts and rates.

    python -m benchmarks.fuzz_decoders [--n 100000]

Each decoder gets ``n`` inputs: half random bytes of random length, half valid packets (from the test
encoders) with random bit flips, truncation or extension. Any exception other than DecodeError is a bug
and is counted as ``crash``; the run exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import numpy as np

from stridemon.devices import movesense, polar, stridemon_fw, witmotion
from stridemon.devices._common import DecodeError
from tests.vendor_encoders import encode_fw, encode_gsp_imu6, encode_pmd, encode_wit


def _valid(rng: random.Random) -> dict[str, bytes]:
    a = np.array([[rng.uniform(-50, 50) for _ in range(3)] for _ in range(8)])
    raw = np.cumsum(np.array([[rng.randint(-500, 500) for _ in range(3)] for _ in range(20)]), axis=0)
    return {
        "stridemon_fw": encode_fw(rng.randrange(65536), rng.randrange(2**32), 9615, a, a * 10),
        "witmotion": encode_wit(a[:1], a[:1] * 10),
        "movesense": encode_gsp_imu6(0x63, rng.randrange(2**32), a, a),
        "polar": encode_pmd(rng.choice([polar.ACC, polar.GYRO]), rng.randrange(2**63), raw),
    }


DECODERS = {
    "stridemon_fw": stridemon_fw.decode,
    "witmotion": witmotion.decode,
    "movesense": movesense.decode_imu6,
    "polar": lambda d: polar.decode_frame(d, 1.0),
}


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    op = rng.randrange(4)
    if op == 0 and b:
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif op == 1:
        del b[rng.randrange(len(b) + 1) :]
    elif op == 2:
        b += bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 30)))
    return bytes(b)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="inputs per decoder (default 100000)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    valid = [_valid(rng) for _ in range(64)]
    print(f"{'decoder':<14} {'inputs':>8} {'decoded':>8} {'rejected':>9} {'crash':>6} {'inputs/s':>10}")
    crashes = 0
    for name, fn in DECODERS.items():
        inputs = []
        for i in range(args.n):
            if i % 2:
                inputs.append(bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 260))))
            else:
                inputs.append(mutate(rng, rng.choice(valid)[name]))
        ok = rej = bad = 0
        t0 = time.perf_counter()
        for d in inputs:
            try:
                fn(d)
                ok += 1
            except DecodeError:
                rej += 1
            except Exception:  # a bug
                bad += 1
        dt = time.perf_counter() - t0
        crashes += bad
        print(f"{name:<14} {args.n:>8} {ok:>8} {rej:>9} {bad:>6} {args.n / dt:>10.0f}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
