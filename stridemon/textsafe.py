"""Text from files made safe to print on a terminal.

Runner names, notes, tags, device names and file names come from files other people send; a
terminal obeys the control characters in them (ESC sequences clear the screen, set the window
title, fake output; CR overwrites a line; bidirectional overrides reorder what is shown). Every
command that prints such text passes it through :func:`clean_text`.
"""

from __future__ import annotations

import unicodedata

# Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and marks:
# shown text could read differently from what it is.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}


def clean_text(value: object, max_chars: int = 500) -> str:
    """``value`` as one printable line: control characters (C0, DEL, C1 — ESC, CR, the 8-bit CSI
    0x9B …), bidirectional controls, line and paragraph separators and unpaired surrogates are
    removed (tabs and newlines become a space), and the result is cut to ``max_chars``."""
    text = value if isinstance(value, str) else str(value)
    out = []
    for ch in text:
        if ch in "\t\n":
            out.append(" ")
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp", "Cs") or ch in _BIDI:
            continue
        out.append(ch)
    s = "".join(out)
    return s if len(s) <= max_chars else s[: max_chars - 1] + "…"
