"""pytest fixtures for BLE tests: a private dbus-daemon per test session, and a helper that runs a
coroutine against a fresh :class:`FakeBlueZ` on it (bleak finds it through DBUS_SYSTEM_BUS_ADDRESS).

Import in a test module: ``from tests.ble_fixtures import dbus_bus, run_with_bluez  # noqa: F401`` and
mark it ``pytestmark = pytest.mark.usefixtures("dbus_bus")``.
"""

from __future__ import annotations

import asyncio
import os
import shutil

import pytest

from tests.fake_bluez import FakeBlueZ, start_dbus_daemon


@pytest.fixture(scope="session")
def dbus_bus(tmp_path_factory):
    """Address of a private bus; DBUS_SYSTEM_BUS_ADDRESS points at it for the session."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon not installed (apt-get install dbus-daemon)")
    proc, address, _ = start_dbus_daemon(str(tmp_path_factory.mktemp("dbus")))
    old = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = address
    yield address
    if old is None:
        os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
    else:
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = old
    proc.terminate()
    proc.wait(5)


def run_with_bluez(body, timeout_s: float = 60.0):
    """``asyncio.run`` of ``body(fake_bluez)`` with a fresh fake BlueZ owning org.bluez on the
    session's private bus (use with ``pytestmark = pytest.mark.usefixtures("dbus_bus")``)."""
    address = os.environ["DBUS_SYSTEM_BUS_ADDRESS"]

    async def main():
        fb = FakeBlueZ(address)
        await fb.start()
        try:
            return await asyncio.wait_for(body(fb), timeout_s)
        finally:
            await fb.stop()

    return asyncio.run(main())


class BluezThread:
    """The fake BlueZ on its own event loop in a thread, for code that runs ``asyncio.run`` itself
    (the CLI commands). ``call(fn, *args)`` runs ``fn(fake)`` on the fake's loop."""

    def __init__(self) -> None:
        import threading

        self.loop = asyncio.new_event_loop()
        self.fb = FakeBlueZ(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> BluezThread:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.fb.start(), self.loop).result(10)
        return self

    def call(self, fn, *args):
        async def go():
            return fn(self.fb, *args)

        return asyncio.run_coroutine_threadsafe(go(), self.loop).result(10)

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self.fb.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
