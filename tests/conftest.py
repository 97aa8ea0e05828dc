"""Shared test helpers: paths, the shared data set, running the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MOBGAP = SHARED / "data" / "mobgap_lab"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def mobgap_or_skip() -> Path:
    if not (MOBGAP / "imu").is_dir():
        pytest.skip(f"shared data not found at {MOBGAP} (CI and checkouts have ../shared beside the repo)")
    return MOBGAP


def run_cli(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """Run ``python -m stridemon ARGS`` as a user would; returns the completed process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "stridemon", *args], capture_output=True, text=True, timeout=timeout, env=env, **kw
    )


@pytest.fixture
def ui_env(tmp_path, monkeypatch):
    """A private settings folder and no audio, for UI tests (and the CLI processes they start)."""
    monkeypatch.setenv("STRIDEMON_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("STRIDEMON_AUDIO", "none")


@pytest.fixture
def qapp(ui_env):
    """The process's QApplication (offscreen), created on first use."""
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


@pytest.fixture(autouse=True)
def _delete_qt_windows():
    """After a test that made Qt windows, delete them while the QApplication is alive.

    Windows left to Python's cyclic garbage collector (signal lambdas make cycles) may otherwise
    be destroyed during interpreter shutdown, after Qt's own teardown, which crashes the process.
    """
    yield
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is None or widgets.QApplication.instance() is None:
        return
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    app = widgets.QApplication.instance()
    for w in app.topLevelWidgets():  # our windows and dialogs (not pyqtgraph's menus, which it keeps)
        if isinstance(w, widgets.QMainWindow | widgets.QDialog):
            w.close()
            w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    gc.collect()
