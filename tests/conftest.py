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
