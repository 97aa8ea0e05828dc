"""What every device family provides: the abstract :class:`Driver`, the :class:`Family` record that
describes a family (name, advertisement, GATT layout), and the pieces drivers share.

A driver never imports bleak: it talks to a :class:`Link` (write/read/start_notify by UUID), which
:mod:`stridemon.devices.client` implements over a ``BleakClient``. A driver object lives across
reconnects, so its timing state (clock mapping, continuity) carries over and the first batch after a
link loss is marked ``gap_before``. Bad notifications are counted in ``stats.skipped``, never raised.
"""

from __future__ import annotations

import asyncio
import inspect
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np

from stridemon.devices._common import DecodeStats, same_uuid
from stridemon.devices.timing import Continuity, DeviceClock
from stridemon.errors import DeviceError
from stridemon.samples import SampleBatch


class Link(Protocol):
    """What a driver needs from a connection (implemented over bleak in client.py)."""

    async def write(self, uuid: str, data: bytes, response: bool = True) -> None: ...
    async def read(self, uuid: str) -> bytes: ...
    async def start_notify(self, uuid: str) -> None: ...
    def has(self, uuid: str) -> bool: ...


@dataclass(frozen=True)
class BleSettings:
    """What to ask of a sensor and how patient to be (units in the names)."""

    rate_hz: float = 100.0  # wanted rate; the nearest supported rate ≥ this is used where possible
    acc_range_g: float = 16.0
    gyro_range_dps: float = 2000.0
    scan_timeout_s: float = 10.0
    connect_timeout_s: float = 10.0
    reconnect_timeout_s: float = 30.0  # a sensor gone this long ends the stream
    response_timeout_s: float = 2.0


@dataclass(frozen=True)
class Gatt:
    """A family's GATT layout: the service, the characteristic samples are notified on and the one
    commands are written to. UUIDs are compared with :func:`same_uuid` (16-bit ids on either base)."""

    service: str
    data: str  # notify: sample packets
    control: str  # write: commands (may also be read, or answer by notification/indication)


@dataclass(frozen=True)
class Family:
    """A device family as the registry knows it: its name, GATT layout and how to recognise its
    advertisement.

    ``adv_services``: advertised service UUIDs that identify the family (any one suffices, 16-bit ids
    on either UUID base). ``generic_services``: those ids are also used by unrelated devices, so they
    are tried only after every other family's. ``name_prefixes``: the advertised-name fallback
    (``name_case_sensitive`` or not), used when no service UUID decides.
    """

    name: str
    gatt: Gatt
    title: str = ""  # for people: "WitMotion"
    adv_services: tuple[str, ...] = ()
    name_prefixes: tuple[str, ...] = ()
    name_case_sensitive: bool = True
    generic_services: bool = False

    def advertises(self, service_uuids: Iterable[str]) -> bool:
        """Whether one of ``service_uuids`` is one of this family's advertised services."""
        return any(same_uuid(u, w) for u in service_uuids for w in self.adv_services)

    def named(self, name: str | None) -> bool:
        """Whether an advertised name (leading/trailing blanks ignored) is this family's."""
        n = (name or "").strip()
        if self.name_case_sensitive:
            return n.startswith(self.name_prefixes)
        return n.lower().startswith(tuple(p.lower() for p in self.name_prefixes))


class Driver(ABC):
    """One connected sensor of a family: configure it, start/stop its stream, decode notifications.

    A family subclasses this once and sets :attr:`family`; the decoder state (clock mapping,
    continuity, reassembly, pending samples) lives in the instance, explicitly, across reconnects.
    """

    family: ClassVar[Family]
    notify_first: ClassVar[tuple[str, ...]] = ()  # characteristics whose notifications configure() needs
    acc_range_g: float | None = None
    gyro_range_dps: float | None = None

    def __init_subclass__(cls, **kw) -> None:
        super().__init_subclass__(**kw)
        if not inspect.isabstract(cls) and not isinstance(cls.__dict__.get("family"), Family):
            raise TypeError(f"{cls.__name__} must set `family = Family(...)`")

    def __init__(self, settings: BleSettings) -> None:
        self.settings = settings
        self.stats = DecodeStats()
        self.rate_hz: float | None = None
        self.firmware: str | None = None
        self.extra: dict = {}
        self._gap = False
        self._responses: asyncio.Queue[bytes] = asyncio.Queue()

    @property
    def name(self) -> str:
        """The family name (:attr:`stridemon.samples.SourceInfo.family`)."""
        return self.family.name

    @abstractmethod
    async def configure(self, link: Link) -> None:
        """Set rate and ranges on a freshly connected sensor (after ``notify_first`` are on); raise
        :class:`DeviceError` with a one-line reason if the sensor refuses."""

    @abstractmethod
    async def start(self, link: Link) -> None:
        """Start the sample stream (also after every reconnect)."""

    @abstractmethod
    async def stop(self, link: Link) -> None:
        """Ask the sensor to stop streaming (best effort, before a deliberate disconnect)."""

    @abstractmethod
    def on_notify(self, uuid: str, data: bytes, t_host: float) -> list[SampleBatch]:
        """Decode one notification received at host time ``t_host`` into batches (often none yet);
        a bad one is counted in :attr:`stats`, never raised."""

    def link_lost(self) -> None:
        self._gap = True

    def flush(self) -> list[SampleBatch]:
        """What the driver still holds, when the link is lost."""
        return []

    async def _response(self, what: str) -> bytes:
        try:
            return await asyncio.wait_for(self._responses.get(), self.settings.response_timeout_s)
        except TimeoutError:
            raise DeviceError(
                f"the sensor did not answer {what} within {self.settings.response_timeout_s:g} s"
            ) from None

    def _batch(self, t_s: np.ndarray, acc: np.ndarray, gyro: np.ndarray, host: np.ndarray) -> SampleBatch:
        gap, self._gap = self._gap, False
        self.stats.samples += len(t_s)
        return SampleBatch(t_s, acc, gyro, host, gap)


def pick_rate(supported: tuple[int, ...] | list[int], wanted: float) -> int:
    """The smallest supported value ≥ ``wanted``, else the largest (rates and ranges alike)."""
    ok = [r for r in supported if r >= wanted]
    return min(ok) if ok else max(supported)


class TimestampedDriver(Driver):
    """Shared logic of families with device timestamps: continuity, gaps, clock mapping."""

    def __init__(self, settings: BleSettings) -> None:
        super().__init__(settings)
        self.clock = DeviceClock()
        self.cont: Continuity | None = None

    def _timed(self, t_s: np.ndarray, acc, gyro, t_host: float) -> list[SampleBatch]:
        if self.cont is None:
            self.cont = Continuity(1.0 / float(self.rate_hz or 100.0))
        status, lost = self.cont.check(float(t_s[0]), len(t_s))
        if status == "stale":
            self.stats.skip("out of order")
            return []
        if status == "gap":
            self.stats.lost_packets += 1
            self.stats.lost_samples += lost
            self._gap = True
        self.cont.accept(float(t_s[0]), len(t_s))
        self.clock.observe(float(t_s[-1]), t_host)
        return [self._batch(t_s, acc, gyro, self.clock.to_host(t_s))]
