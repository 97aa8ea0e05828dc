"""A progress bar for long commands: on a terminal only (rich), never with --json or when piped.

    with progress_bar(total=len(files), description="analysing", json_mode=args.json) as bar:
        for f in files:
            ...
            bar.advance(text=f.name)

``bar.callback`` is a ``(fraction 0..1, text)`` function, the shape ``stridemon.library``'s
``progress`` arguments take. When the bar is off (``--json``, stderr not a terminal,
``TERM=dumb``, or ``STRIDEMON_PROGRESS=0``) every method does nothing, so callers never branch.
The bar is drawn on stderr, so stdout stays clean for results.
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any


def progress_enabled(json_mode: bool = False, stream: IO[str] | None = None) -> bool:
    """True if a bar should be drawn: not --json, stderr a terminal, not turned off."""
    if json_mode:
        return False
    if os.environ.get("STRIDEMON_PROGRESS", "").strip().lower() in ("0", "no", "off", "false"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    s = stream if stream is not None else sys.stderr
    try:
        return bool(s.isatty())
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """One task's bar (a context manager); a no-op when disabled."""

    def __init__(self, total: float | None, description: str, enabled: bool, stream: IO[str] | None = None) -> None:
        self.enabled = enabled
        self.total = total
        self.description = description
        self.completed = 0.0
        self._progress: Any = None
        self._task: Any = None
        self._stream = stream

    def __enter__(self) -> ProgressBar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            console = Console(file=self._stream if self._stream is not None else sys.stderr)
            columns = [TextColumn("{task.description}"), BarColumn()]
            columns += [MofNCompleteColumn()] if self.total and float(self.total).is_integer() else []
            columns += [TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[text]}")]
            self._progress = Progress(*columns, console=console, transient=True)
            self._progress.start()
            self._task = self._progress.add_task(self.description, total=self.total, text="")
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def advance(self, n: float = 1.0, text: str | None = None) -> None:
        self.completed += n
        if self._progress is not None:
            kw = {} if text is None else {"text": _short(text)}
            self._progress.update(self._task, advance=n, **kw)

    def update(self, completed: float, text: str | None = None) -> None:
        self.completed = completed
        if self._progress is not None:
            kw = {} if text is None else {"text": _short(text)}
            self._progress.update(self._task, completed=completed, **kw)

    def print(self, text: str) -> None:
        """A line above the bar (or on stderr when there is no bar)."""
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=sys.stderr)

    def callback(self, fraction: float, text: str) -> None:
        """``(fraction 0..1, text)``: the library's progress shape, scaled to ``total`` (1 if unknown)."""
        self.update(max(0.0, min(1.0, fraction)) * (self.total or 1.0), text)


def progress_bar(
    total: float | None, description: str = "", *, json_mode: bool = False, stream: IO[str] | None = None
) -> ProgressBar:
    """A bar of ``total`` units, drawn only if :func:`progress_enabled` (see the module doc)."""
    return ProgressBar(total, description, progress_enabled(json_mode, stream), stream)


def _short(text: str, n: int = 48) -> str:
    from stridemon.textsafe import clean_text

    t = clean_text(text, 400)
    return t if len(t) <= n else "…" + t[-(n - 1) :]
