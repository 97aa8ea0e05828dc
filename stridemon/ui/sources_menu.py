"""Choosing a source from inside the dashboard: the simulator, a recording, or a BLE sensor.

Each action starts the chosen source in the open window (``window.start_source``); the window
keeps running whatever happens (a sensor that cannot be found is said in the banner). The
``choose`` callables let tests skip the dialogs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def open_recording(window: Any, path: str | Path | None = None, speed: float = 1.0) -> bool:
    """O: replay a recording (or plain IMU CSV) in the window; asks for the file if not given."""
    if path is None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            window, "Open a recording", str(Path.cwd()), "stridemon recordings (*.smrec);;IMU CSV (*.csv);;All (*)"
        )
        if not path:
            return False
    from stridemon.errors import StridemonError
    from stridemon.sources.files import open_file_source

    try:
        source = open_file_source(path, speed=speed, batch_s=0.1)
    except StridemonError as e:
        window.banner.show_message(str(e), "alert")
        return False
    window.start_source(source)
    return True


def simulator(window: Any, scenario: str = "demo") -> None:
    """The simulated runner, at 1× real time."""
    from stridemon.sources.simulator import SimulatedSource

    window.start_source(SimulatedSource(scenario, seed=1, speed=1.0))


async def scan_and_pick(window: Any, choose: Callable[[list], Any] | None = None, timeout_s: float = 4.0) -> Any:
    """C: scan for sensors stridemon can read, let the runner pick one, stream it in the window."""
    from stridemon.devices.client import scan
    from stridemon.errors import StridemonError
    from stridemon.sources.ble import BleSource

    window.banner.show_message(f"Looking for sensors ({timeout_s:.0f} s)…", "idle")
    try:
        found = await scan(timeout_s)
    except StridemonError as e:
        window.banner.show_message(str(e), "alert")
        return None
    if not found:
        window.banner.show_message("No sensor found: is it on, charged and close by?", "warning")
        return None
    pick = (choose or _dialog_choose(window))(found)
    if pick is None:
        return None
    source = BleSource(pick.address, family=pick.family)
    window.start_source(source)
    return source


def _dialog_choose(window: Any) -> Callable[[list], Any]:
    def choose(found: list) -> Any:
        from PySide6.QtWidgets import QInputDialog

        labels = [f"{f.name}  ·  {f.family}  ·  {f.address}  ·  {f.rssi} dBm" for f in found]
        item, ok = QInputDialog.getItem(window, "Sensors nearby", "Stream from:", labels, 0, False)
        return found[labels.index(item)] if ok else None

    return choose


def actions(holder: dict[str, Any]) -> dict[str, tuple[Callable[[], Any], list[str]]]:
    """Toolbar actions (with keys) for ``Dashboard(source_actions=…)``; ``holder["window"]`` is
    filled in once the window exists."""

    def sensor() -> None:
        task = asyncio.ensure_future(scan_and_pick(holder["window"]))
        holder.setdefault("tasks", set()).add(task)  # keep a reference until it is done
        task.add_done_callback(holder["tasks"].discard)

    return {
        "Simulator": (lambda: simulator(holder["window"]), []),
        "Open…": (lambda: open_recording(holder["window"]), ["O"]),
        "Sensor…": (sensor, ["C"]),
    }
