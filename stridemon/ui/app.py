"""Qt + asyncio bootstrap (qasync) and :func:`run_dashboard`, the entry point of live/replay/demo.

    run_dashboard(lambda: SimulatedSource("demo"), load_runner("ana"), seconds=10, screenshot="out.png")

The source is consumed in the Qt event loop (qasync), so the UI thread never blocks on I/O.
With ``seconds`` the run stops after that many seconds of *session* time (the source's clock; at
1× that is wall time) and, with ``screenshot``, saves a PNG of the window first.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stridemon.settings import RunnerSettings

log = logging.getLogger(__name__)

SourceFactory = Callable[[], Any]


def _qapp():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("stridemon")
    return app


def run_dashboard(
    source_factory: SourceFactory,
    settings: RunnerSettings,
    seconds: float | None = None,
    screenshot: str | Path | None = None,
    recorder_factory: Callable[[Path], Any] | None = None,
    save_settings: Callable[[RunnerSettings], Any] | None = None,
    audio: Any = None,
    size: tuple[int, int] = (1500, 950),
    on_window: Callable[[Any], Any] | None = None,
) -> int:
    """Open the dashboard on ``source_factory()``; return an exit code (0).

    Without ``seconds`` it runs until the window is closed (a source that ends or disconnects
    leaves the window up, saying so). ``on_window(window)`` is called once the window exists
    (tests, benchmarks).
    """
    import qasync

    from stridemon.sinks.recorder import Recorder
    from stridemon.ui.dashboard import Dashboard

    app = _qapp()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    from stridemon.ui.sources_menu import actions

    holder: dict[str, Any] = {}
    window = Dashboard(
        settings,
        recorder_factory=recorder_factory if recorder_factory is not None else Recorder,
        audio=audio,
        save_settings=save_settings,
        source_actions=actions(holder),
    )
    holder["window"] = window
    window.resize(*size)
    window.show()
    if on_window is not None:
        on_window(window)

    async def main() -> int:
        closed = asyncio.Event()
        window.destroyed.connect(lambda *_: closed.set())
        app.lastWindowClosed.connect(closed.set)
        source = source_factory()
        task = window.start_source(source, stop_after_s=seconds)
        if seconds is None:
            await closed.wait()
            return 0
        try:
            await task
        except asyncio.CancelledError:
            return 0
        await asyncio.sleep(0.1)  # let the last frame paint
        window.refresh(force=True)
        if screenshot is not None:
            save_screenshot(window, screenshot)
        window.close()
        return 0

    try:
        return loop.run_until_complete(main())
    finally:
        window.close()
        window.deleteLater()
        asyncio.set_event_loop(None)
        loop.close()


def save_screenshot(window, path: str | Path) -> Path:
    """A PNG of the window as it is on screen."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(p), "PNG"):
        raise OSError(f"could not write {p}")
    log.info("screenshot saved to %s", p)
    return p
