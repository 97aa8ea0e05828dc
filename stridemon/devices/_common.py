"""Small shared pieces of the pure decoders (no bleak)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BT_BASE_TAIL = "-0000-1000-8000-00805f9b34fb"  # the Bluetooth base UUID
# WitMotion's BLE 5.0 sensors and SDK spell their 16-bit ids (FFE5/FFE4/FFE9) on this base, and so
# do the clients written against the real devices; other firmware answers on the Bluetooth base.
VENDOR_BASE_TAIL = "-0000-1000-8000-00805f9a34fb"
_BASES = (BT_BASE_TAIL, VENDOR_BASE_TAIL)


def bt_uuid16(short: int) -> str:
    """A 16-bit UUID on the Bluetooth base UUID, as bleak spells it (lower case)."""
    return f"0000{short:04x}{BT_BASE_TAIL}"


def short_id(uuid: str) -> int | None:
    """The 16/32-bit id of a UUID on the Bluetooth base or WitMotion's vendor base (``'ffe4'`` and
    ``'0000ffe4'`` forms too), None for any other (a full 128-bit vendor UUID)."""
    u = str(uuid).strip().lower()
    if len(u) in (4, 8):
        head = u
    elif len(u) == 36 and u[8:] in _BASES:
        head = u[:8]
    else:
        return None
    try:
        return int(head, 16)
    except ValueError:
        return None


def same_uuid(a: str, b: str) -> bool:
    """Whether two UUIDs name the same service/characteristic: equal, or the same 16/32-bit id on
    either base (see :data:`VENDOR_BASE_TAIL`). Every family's lookups go through this."""
    a, b = str(a).strip().lower(), str(b).strip().lower()
    if a == b:
        return True
    sa = short_id(a)
    return sa is not None and sa == short_id(b)


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
