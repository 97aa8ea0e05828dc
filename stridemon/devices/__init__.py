"""BLE sensors: one module per device family, one registry, and the bleak client.

This is the only package that imports bleak (and only in :mod:`stridemon.devices.client`).

- :mod:`~stridemon.devices.base`: the abstract :class:`Driver` every family implements, the
  :class:`Family` record (name, GATT layout, how its advertisement is recognised), :class:`BleSettings`,
  the :class:`Link` a driver talks to, and :class:`TimestampedDriver` for families with device clocks;
- one module per family — :mod:`~stridemon.devices.stridemon_fw`, :mod:`~stridemon.devices.witmotion`,
  :mod:`~stridemon.devices.movesense`, :mod:`~stridemon.devices.polar` — each holding its pure decoder
  and commands, its ``FAMILY`` record and its ``Driver`` subclass;
- :mod:`~stridemon.devices.registry`: the one list of families, with :func:`identify` (advertisement →
  family name, the :attr:`stridemon.samples.SourceInfo.family`);
- :mod:`~stridemon.devices.client`: scan, connect, stream and reconnect over bleak, for any family;
- :mod:`~stridemon.devices.timing` and :mod:`~stridemon.devices._common`: clock mapping, UUID
  matching (16-bit ids on either base: :func:`~stridemon.devices._common.same_uuid`), decode counters.

Adding a sensor family:

1. Write ``stridemon/devices/<family>.py`` holding the pure decoder (bytes → arrays, raising
   :class:`~stridemon.devices._common.DecodeError` on bad input) and command builders, then
   ``FAMILY = Family("<name>", Gatt(service=…, data=…, control=…), adv_services=(…), name_prefixes=(…))``
   and ``class <Name>Driver(Driver)`` (or ``TimestampedDriver``) with ``family = FAMILY`` and
   ``configure``/``start``/``stop``/``on_notify`` (plus ``notify_first``, ``link_lost``, ``flush`` if
   needed). No bleak: the driver talks to a :class:`Link`.
2. Add ``<family>.<Name>Driver,`` to ``REGISTRY`` in :mod:`stridemon.devices.registry`.

Nothing else: ``identify``, ``stridemon scan``, ``--family`` and the client pick it up from the
registry. Add test vectors to ``tests/test_devices_formats.py`` and a simulator to ``tests/vendor_sims.py``.
"""

from __future__ import annotations

from stridemon.devices.base import BleSettings, Driver, Family, Gatt, Link
from stridemon.devices.registry import DRIVERS, FAMILIES, REGISTRY, family, identify

__all__ = [
    "DRIVERS",
    "FAMILIES",
    "REGISTRY",
    "BleSettings",
    "Driver",
    "Family",
    "Gatt",
    "Link",
    "family",
    "identify",
]
