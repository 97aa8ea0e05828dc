"""A fake BlueZ (``org.bluez`` on a private D-Bus) good enough for bleak's BlueZ backend.

:func:`start_dbus_daemon` starts a private ``dbus-daemon`` from a config file in a temp dir;
:class:`FakeBlueZ` owns ``org.bluez`` on it and exports, with the object paths BlueZ uses:

- ObjectManager at ``/`` (GetManagedObjects; InterfacesAdded / InterfacesRemoved signals),
- Adapter1 at ``/org/bluez/hci0`` (Roles, Powered, SetDiscoveryFilter, Start/StopDiscovery),
- Device1 per :class:`FakePeripheral` (Connect / Disconnect; Connected, ServicesResolved, RSSI …),
- GattService1 / GattCharacteristic1 objects (``…/dev_AA_BB…/service000c/char000d``) while connected;
  ReadValue, WriteValue, StartNotify, StopNotify; a notification is PropertiesChanged of ``Value``.

Peripherals are plain Python objects (see ``tests/vendor_sims.py``) with ``services``,
``on_write`` / ``on_read`` / ``on_notify_started`` hooks; they call :meth:`FakeBlueZ.notify` to send.
Everything runs on the caller's asyncio loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.constants import BusType

ADAPTER = "/org/bluez/hci0"
OM = "org.freedesktop.DBus.ObjectManager"
PROPS = "org.freedesktop.DBus.Properties"
DEV = "org.bluez.Device1"
ADP = "org.bluez.Adapter1"
SVC = "org.bluez.GattService1"
CHR = "org.bluez.GattCharacteristic1"

_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path={sock}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


def start_dbus_daemon(tmpdir: str | None = None) -> tuple[subprocess.Popen, str, str]:
    """Start a private dbus-daemon → (process, bus address, temp dir). Raises RuntimeError if absent."""
    exe = shutil.which("dbus-daemon")
    if exe is None:
        raise RuntimeError("dbus-daemon is not installed (apt-get install dbus-daemon)")
    d = tmpdir or tempfile.mkdtemp(prefix="fakebluez-")
    sock = os.path.join(d, "bus")
    conf = os.path.join(d, "bus.conf")
    with open(conf, "w") as f:
        f.write(_CONFIG.format(sock=sock))
    proc = subprocess.Popen(
        [exe, f"--config-file={conf}", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip() if proc.stdout else ""
    if not line:
        proc.kill()
        raise RuntimeError(f"dbus-daemon did not start: {proc.stderr.read() if proc.stderr else ''}")
    return proc, line, d


class GattError(Exception):
    """Raised by a peripheral hook: becomes an org.bluez.Error.* reply (name without prefix)."""

    def __init__(self, name: str = "Failed", message: str = "") -> None:
        super().__init__(message)
        self.name = name


@dataclass
class FakeChar:
    uuid: str
    flags: list[str]
    value: bytes = b""
    path: str = ""
    notifying: bool = False


@dataclass
class FakePeripheral:
    """A BLE peripheral: advertisement + GATT table + behaviour hooks (override in subclasses)."""

    address: str
    name: str
    adv_uuids: list[str] = field(default_factory=list)
    services: dict[str, list[FakeChar]] = field(default_factory=dict)  # service uuid -> chars
    rssi: int = -60
    advertising: bool = True
    connected: bool = False
    bluez: FakeBlueZ | None = None

    @property
    def path(self) -> str:
        return f"{ADAPTER}/dev_{self.address.replace(':', '_')}"

    def char(self, uuid: str) -> FakeChar:
        for chars in self.services.values():
            for c in chars:
                if c.uuid == uuid:
                    return c
        raise KeyError(uuid)

    # Hooks -------------------------------------------------------------------------------------
    def on_connect(self) -> None: ...
    def on_disconnect(self) -> None: ...
    def on_write(self, char: FakeChar, data: bytes) -> None: ...
    def on_read(self, char: FakeChar) -> bytes:
        return char.value

    def on_notify_started(self, char: FakeChar) -> None: ...


def _v(sig: str, value: Any) -> Variant:
    return Variant(sig, value)


class FakeBlueZ:
    """``org.bluez`` on a (private) bus; see the module docstring."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.bus: MessageBus | None = None
        self.devices: dict[str, FakePeripheral] = {}  # path -> peripheral
        self.discovering = False
        self.calls: list[tuple[str, str]] = []  # (path, member), for assertions
        self.notifications_sent = 0
        self._adv_task: asyncio.Task | None = None
        self.connect_hook: Callable[[FakePeripheral], str | None] | None = None  # → error name to refuse

    async def start(self) -> None:
        self.bus = await MessageBus(bus_address=self.address, bus_type=BusType.SYSTEM).connect()
        self.bus.add_message_handler(self._handle)
        await self.bus.request_name("org.bluez")
        self._adv_task = asyncio.create_task(self._advertise_loop())

    async def stop(self) -> None:
        if self._adv_task:
            self._adv_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._adv_task
        if self.bus:
            self.bus.disconnect()

    # Object model ------------------------------------------------------------------------------
    def _adapter_props(self) -> dict[str, Variant]:
        return {
            "Address": _v("s", "00:11:22:33:44:55"),
            "AddressType": _v("s", "public"),
            "Name": _v("s", "fake"),
            "Alias": _v("s", "fake"),
            "Powered": _v("b", True),
            "PowerState": _v("s", "on"),
            "Discoverable": _v("b", False),
            "Pairable": _v("b", False),
            "Discovering": _v("b", self.discovering),
            "UUIDs": _v("as", []),
            "Roles": _v("as", ["central", "peripheral"]),
        }

    def _device_props(self, p: FakePeripheral) -> dict[str, Variant]:
        return {
            "Address": _v("s", p.address),
            "AddressType": _v("s", "random"),
            "Name": _v("s", p.name),
            "Alias": _v("s", p.name),
            "Adapter": _v("o", ADAPTER),
            "Paired": _v("b", False),
            "Bonded": _v("b", False),
            "Trusted": _v("b", False),
            "Blocked": _v("b", False),
            "LegacyPairing": _v("b", False),
            "Connected": _v("b", p.connected),
            "ServicesResolved": _v("b", p.connected),
            "UUIDs": _v("as", list(p.adv_uuids)),
            "RSSI": _v("n", p.rssi),
            "ManufacturerData": _v("a{qv}", {}),
            "ServiceData": _v("a{sv}", {}),
        }

    def _gatt_objects(self, p: FakePeripheral) -> dict[str, dict[str, dict[str, Variant]]]:
        out: dict[str, dict[str, dict[str, Variant]]] = {}
        handle = 0x000C
        for suuid, chars in p.services.items():
            spath = f"{p.path}/service{handle:04x}"
            out[spath] = {SVC: {"UUID": _v("s", suuid), "Device": _v("o", p.path), "Primary": _v("b", True)}}
            handle += 1
            for c in chars:
                c.path = f"{spath}/char{handle:04x}"
                out[c.path] = {
                    CHR: {
                        "UUID": _v("s", c.uuid),
                        "Service": _v("o", spath),
                        "Flags": _v("as", list(c.flags)),
                        "Value": _v("ay", bytes(c.value)),
                        "Notifying": _v("b", c.notifying),
                        "MTU": _v("q", 247),
                    }
                }
                handle += 3 if ("notify" in c.flags or "indicate" in c.flags) else 2
            handle += 1
        return out

    def _managed(self) -> dict[str, dict[str, dict[str, Variant]]]:
        objs: dict[str, dict[str, dict[str, Variant]]] = {ADAPTER: {ADP: self._adapter_props()}}
        for p in self.devices.values():
            objs[p.path] = {DEV: self._device_props(p)}
            if p.connected:
                objs.update(self._gatt_objects(p))
        return objs

    # Signals -----------------------------------------------------------------------------------
    def _signal(self, path: str, iface: str, member: str, sig: str, body: list) -> None:
        assert self.bus is not None
        self.bus.send(Message.new_signal(path, iface, member, sig, body))

    def _changed(self, path: str, iface: str, props: dict[str, Variant]) -> None:
        self._signal(path, PROPS, "PropertiesChanged", "sa{sv}as", [iface, props, []])

    def add_device(self, p: FakePeripheral) -> None:
        """Make the peripheral known to BlueZ (InterfacesAdded)."""
        p.bluez = self
        self.devices[p.path] = p
        self._signal("/", OM, "InterfacesAdded", "oa{sa{sv}}", [p.path, {DEV: self._device_props(p)}])

    def remove_device(self, p: FakePeripheral) -> None:
        self.devices.pop(p.path, None)
        self._signal("/", OM, "InterfacesRemoved", "oas", [p.path, [DEV]])

    def drop_link(self, p: FakePeripheral, advertising: bool = False) -> None:
        """Link loss: Connected=False first, then the GATT objects go away."""
        if not p.connected:
            return
        gatt = self._gatt_objects(p)
        p.connected = False
        p.advertising = advertising
        for c in (c for chars in p.services.values() for c in chars):
            c.notifying = False
        self._changed(p.path, DEV, {"ServicesResolved": _v("b", False), "Connected": _v("b", False)})
        for path, ifaces in sorted(gatt.items(), reverse=True):
            self._signal("/", OM, "InterfacesRemoved", "oas", [path, list(ifaces)])
        p.on_disconnect()

    def notify(self, p: FakePeripheral, uuid: str, data: bytes) -> bool:
        """Send a notification (PropertiesChanged Value) if the client subscribed; False otherwise."""
        c = p.char(uuid)
        if not (p.connected and c.notifying):
            return False
        c.value = bytes(data)
        self._changed(c.path, CHR, {"Value": _v("ay", c.value)})
        self.notifications_sent += 1
        return True

    async def _advertise_loop(self) -> None:
        # A real advertiser repeats; BlueZ reports each as a PropertiesChanged of RSSI while discovering.
        tick = 0
        while True:
            await asyncio.sleep(0.1)
            tick += 1
            if not self.discovering:
                continue
            for p in list(self.devices.values()):
                if p.advertising and not p.connected:
                    p.rssi = -60 - (tick % 5)
                    self._changed(p.path, DEV, {"RSSI": _v("n", p.rssi)})

    # Method calls ------------------------------------------------------------------------------
    def _find_char(self, path: str) -> tuple[FakePeripheral, FakeChar] | None:
        for p in self.devices.values():
            if path.startswith(p.path + "/") and p.connected:
                for c in (c for chars in p.services.values() for c in chars):
                    if c.path == path:
                        return p, c
        return None

    def _handle(self, msg: Message) -> Message | bool | None:
        if msg.message_type != MessageType.METHOD_CALL:
            return None
        self.calls.append((msg.path, msg.member))
        try:
            return self._dispatch(msg)
        except GattError as e:
            return Message.new_error(msg, f"org.bluez.Error.{e.name}", str(e) or e.name)

    def _dispatch(self, msg: Message) -> Message | bool | None:
        m, path, iface = msg.member, msg.path, msg.interface
        ok = Message.new_method_return
        if iface == OM and m == "GetManagedObjects":
            return ok(msg, "a{oa{sa{sv}}}", [self._managed()])
        if iface == PROPS and m in ("GetAll", "Get"):
            props = self._managed().get(path, {}).get(msg.body[0])
            if props is None:
                return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownObject", path)
            if m == "GetAll":
                return ok(msg, "a{sv}", [props])
            return ok(msg, "v", [props[msg.body[1]]])
        if iface == PROPS and m == "Set":
            return ok(msg)
        if path == ADAPTER and iface == ADP:
            if m in ("StartDiscovery", "StopDiscovery"):
                self.discovering = m == "StartDiscovery"
                self._changed(ADAPTER, ADP, {"Discovering": _v("b", self.discovering)})
                return ok(msg)
            if m == "SetDiscoveryFilter":
                return ok(msg)
            if m == "RemoveDevice":
                return ok(msg)
        p = self.devices.get(path)
        if p is not None and iface == DEV:
            if m == "Connect":
                asyncio.get_running_loop().create_task(self._connect(msg, p))
                return True
            if m == "Disconnect":
                self.drop_link(p, advertising=True)
                return ok(msg)
            if m == "Pair":
                return ok(msg)
        found = self._find_char(path)
        if found is not None and iface == CHR:
            p, c = found
            if m == "ReadValue":
                return ok(msg, "ay", [bytes(p.on_read(c))])
            if m == "WriteValue":
                p.on_write(c, bytes(msg.body[0]))
                return ok(msg)
            if m == "StartNotify":
                c.notifying = True
                self._changed(c.path, CHR, {"Notifying": _v("b", True)})
                asyncio.get_running_loop().call_soon(p.on_notify_started, c)
                return ok(msg)
            if m == "StopNotify":
                c.notifying = False
                return ok(msg)
            if m in ("AcquireNotify", "AcquireWrite"):
                return Message.new_error(msg, "org.bluez.Error.NotSupported", "not supported")
        if iface in (DEV, CHR, ADP):
            return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownObject", f"no object {path}")
        return None

    async def _connect(self, msg: Message, p: FakePeripheral) -> None:
        assert self.bus is not None
        await asyncio.sleep(0.02)  # link-layer connection
        refuse = self.connect_hook(p) if self.connect_hook else None
        if refuse or not p.advertising:
            self.bus.send(Message.new_error(msg, "org.bluez.Error.Failed", refuse or "Connection timed out"))
            return
        p.connected = True
        self._changed(p.path, DEV, {"Connected": _v("b", True)})
        for path, ifaces in self._gatt_objects(p).items():
            self._signal("/", OM, "InterfacesAdded", "oa{sa{sv}}", [path, ifaces])
        self._changed(p.path, DEV, {"ServicesResolved": _v("b", True)})
        self.bus.send(Message.new_method_return(msg))
        p.on_connect()
