"""The limits policy shared by every reader: what a file may claim before it is damage, not data.

A file's claims (a block's sample count, its compressed stream, a time stamp, a JSON value) are
checked against these limits *before* memory or time is spent on them, so peak memory and run
time follow the plausible data, never the file's claims. Past a limit a reader skips the part
(counted and logged, the rest kept) or, when nothing usable is left, raises a one-line
:class:`~stridemon.errors.InputError`. docs/recording-format.md ("Limits") lists them for users.

Helpers here are shared by the recording, CSV, sidecar, cache and settings readers:
:func:`loads_json` (bounded JSON parsing) and :func:`clock_jumps` (far time jumps as gaps).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

# --- recording blocks ---------------------------------------------------------------------------

# A SAMPLES block is ~1 s of data (400 samples at 400 Hz); a writer that stalls may hold more.
# 1,000,000 samples is 40 min at 400 Hz and 28 MB inflated: anything above is a forged count.
MAX_SAMPLES_PER_BLOCK = 1_000_000
# Bytes a SAMPLES block inflates to per sample: int32 device time (+ int32 host time) + 6 × int16.
# The inflated size must equal n × this exactly; inflating stops one byte past it.
SAMPLE_BYTES_NO_HOST = 4 + 6 * 2
SAMPLE_BYTES_HOST = 4 + 4 + 6 * 2
# An EVENTS block holds one second's events (a few steps and strides); 100,000 is far beyond
# any real second and ~10 MB of JSON.
MAX_EVENTS_PER_BLOCK = 100_000
MAX_EVENTS_BLOCK_BYTES = 16 << 20  # 16 MiB of JSON per EVENTS block
# All events of a file: 10 steps/s for 48 h is 1.7 M; more is not a session.
MAX_EVENTS_TOTAL = 5_000_000
# META is a few hundred bytes (runner, device, notes); 1 MiB leaves room for long notes.
MAX_METADATA_BYTES = 1 << 20
# END holds a summary (counts): 1 MiB as for META.
MAX_END_BYTES = 1 << 20

# Checking the CRC of candidate blocks that turn out bad is the one cost that could grow faster
# than the file (a flood of overlapping headers, each claiming a long payload). Budget: this many
# times the file's size (+ CRC_WASTE_MIN); past it only claims up to CRC_CHECK_AFTER_BUDGET are
# checked (a normal block is 1-5 KB per second of data), past twice it the rest is given up as
# damage. Real damage wastes a few blocks' worth, far below.
CRC_WASTE_FACTOR = 8
CRC_WASTE_MIN = 1 << 20
CRC_CHECK_AFTER_BUDGET = 16 << 10

# All samples of one recording: 20 million is 14 h at 400 Hz, 28 h at 200 Hz (1.1 GB in memory
# as float64). Samples past it are skipped, counted and reported.
MAX_RECORDING_SAMPLES = 20_000_000

# --- JSON anywhere (metadata, events, sidecars, caches, settings) --------------------------------

# Nesting deeper than this is not a settings or metadata file (ours are 3 deep at most); a
# deeper value is dropped before Python's recursion limit can turn it into a crash.
MAX_JSON_DEPTH = 32
# Integers longer than this are not measurements (a 64-bit count has 20 digits); Python refuses
# to parse > 4300 digits at all, and arithmetic on huge ones is slow. They become null.
MAX_JSON_INT_DIGITS = 30
# Strings in metadata (runner, notes, tags…) longer than this are cut, with a note.
MAX_TEXT_CHARS = 10_000

# --- time ---------------------------------------------------------------------------------------

# A device clock that jumps forwards or backwards by more than a day between two samples has
# been reset or switched to another epoch (e.g. to UNIX time, +1.7e9 s), or the value is junk
# (a CSV row with t_s = 1e300). No session has a real pause this long: such a jump is a gap,
# and the later samples are placed CLOCK_JUMP_GAP_S after the earlier ones, so durations stay
# those of the data and nothing downstream allocates per second of a bogus duration.
MAX_CLOCK_JUMP_S = 86_400.0
# The gap left in place of a clock jump: longer than the pipeline's bridged dropouts (1 s), so
# the analysis restarts after it, and short enough to keep the session's duration honest.
CLOCK_JUMP_GAP_S = 5.0
# Device time stamps beyond this magnitude (~3 × 10^4 years in s) are junk, not a clock.
MAX_ABS_TIME_S = 1.0e12


class LimitExceeded(ValueError):
    """Input past one of these limits: the reader skips that part (counted, logged)."""


class _TooBig:
    """Stands for an over-long integer while parsing; replaced by None and reported."""


TOO_BIG = _TooBig()


def _parse_int(text: str) -> int | _TooBig:
    digits = len(text) - (text[0] == "-")
    return int(text) if digits <= MAX_JSON_INT_DIGITS else TOO_BIG


def _parse_constant(name: str) -> float:
    return math.nan  # NaN, Infinity, -Infinity: not JSON; treated as "no value" by sanitize()


def loads_json(text: str | bytes, max_bytes: int | None = None) -> Any:
    """``json.loads`` with the limits: size, integer length, nesting (a value nested past
    Python's recursion limit is a ValueError; :func:`sanitize` drops what is deeper than
    MAX_JSON_DEPTH). NaN/Infinity literals become NaN (``sanitize`` turns them into None).
    Raises ValueError (or UnicodeDecodeError, a ValueError) on anything it cannot take."""
    if max_bytes is not None and len(text) > max_bytes:
        raise LimitExceeded(f"{len(text)} bytes of JSON (limit {max_bytes})")
    try:
        return json.loads(text, parse_int=_parse_int, parse_constant=_parse_constant)
    except RecursionError:  # the C parser stops at the interpreter's depth limit: not a crash
        raise ValueError("JSON nested too deeply") from None


def sanitize(obj: Any, problems: list[str], where: str = "", depth: int = 0) -> Any:
    """A JSON value made safe to keep and print: non-finite floats and over-long integers become
    None, over-long strings are cut, each change noted in ``problems`` (one line each)."""
    if obj is TOO_BIG:
        problems.append(f"'{where or 'value'}': an integer over {MAX_JSON_INT_DIGITS} digits (ignored)")
        return None
    if isinstance(obj, float) and not math.isfinite(obj):
        problems.append(f"'{where or 'value'}': not a finite number (ignored)")
        return None
    if isinstance(obj, str) and len(obj) > MAX_TEXT_CHARS:
        problems.append(f"'{where or 'value'}': text of {len(obj)} characters cut to {MAX_TEXT_CHARS}")
        return obj[:MAX_TEXT_CHARS]
    if depth >= MAX_JSON_DEPTH and isinstance(obj, dict | list):
        problems.append(f"'{where or 'value'}': nested deeper than {MAX_JSON_DEPTH} levels (ignored)")
        return None
    if isinstance(obj, dict):
        return {
            str(k)[:200]: sanitize(v, problems, f"{where}.{k}" if where else str(k), depth + 1) for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [sanitize(v, problems, f"{where}[{i}]", depth + 1) for i, v in enumerate(obj)]
    return obj


def clock_jumps(t_s: np.ndarray, last_t_s: float | None = None) -> np.ndarray:
    """Indices i where the clock jumps by more than MAX_CLOCK_JUMP_S (either way) from the
    previous sample to sample i (i = 0 compares with ``last_t_s``, the sample before the array)."""
    if len(t_s) == 0:
        return np.empty(0, dtype=np.intp)
    prev = np.empty_like(t_s)
    prev[0] = t_s[0] if last_t_s is None else last_t_s
    prev[1:] = t_s[:-1]
    with np.errstate(invalid="ignore", over="ignore"):
        return np.flatnonzero(np.abs(t_s - prev) > MAX_CLOCK_JUMP_S)
