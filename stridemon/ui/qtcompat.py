"""Work-arounds for the Qt binding.

PySide6 6.12.0 on CPython < 3.12 drops a reference to ``None`` on every call of a C++ method
returning ``void`` (``label.setText(...)``, ``item.update()``, pyqtgraph's ``setData`` several times
per call); after some ten thousand calls — a few seconds of a 30 fps dashboard — CPython aborts
with "Fatal Python error: none_dealloc". CPython 3.12+ makes ``None``/``True``/``False`` immortal,
so there it is harmless. On older Pythons we give these singletons (which are never freed
anyway) a reference count that cannot run out in practice.
"""

from __future__ import annotations

import ctypes
import sys

_PINNED = False
_EXTRA_REFS = 1 << 40  # at 10⁵ lost references a second: 4 months


def pin_singletons() -> bool:
    """Make None/True/False effectively immortal on CPython < 3.12; True if it did anything."""
    global _PINNED
    if _PINNED or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _EXTRA_REFS  # ob_refcnt is the first field
    _PINNED = True
    return True
