"""Small shared pieces of the pure decoders (no bleak)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def bt_uuid16(short: int) -> str:
    """A 16-bit UUID on the Bluetooth base UUID, as bleak spells it (lower case)."""
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


@dataclass
class DecodeStats:
    """Counters a decoder/driver keeps instead of raising on bad input."""

    packets: int = 0
    samples: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    lost_packets: int = 0
    lost_samples: int = 0

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def reason_of(e: Exception) -> str:
    """A stable counter key from a decode error message: its head, numbers replaced by '#'."""
    import re

    head = str(e).split(":")[0].split(" (")[0]
    return re.sub(r"\d+", "#", head)


class DecodeError(ValueError):
    """A notification that cannot be decoded; the message names the defect (it is counted, not fatal)."""


EMPTY3 = np.empty((0, 3))
