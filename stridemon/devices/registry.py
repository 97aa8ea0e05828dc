"""The one list of device families. The client, ``identify``, ``scan``, ``--family`` and the BLE
source all read it; adding a family is one line here (see :mod:`stridemon.devices`)."""

from __future__ import annotations

from collections.abc import Iterable

from stridemon.devices import movesense, polar, stridemon_fw, witmotion
from stridemon.devices.base import Driver, Family

REGISTRY: tuple[type[Driver], ...] = (
    stridemon_fw.StridemonFwDriver,
    witmotion.WitMotionDriver,
    movesense.MovesenseDriver,
    polar.PolarDriver,
)

DRIVERS: dict[str, type[Driver]] = {d.family.name: d for d in REGISTRY}
FAMILIES: tuple[str, ...] = tuple(DRIVERS)  # names, in registry order (``--family`` choices)
assert len(DRIVERS) == len(REGISTRY), "two registered drivers share a family name"


def family(name: str) -> Family:
    """The registered :class:`Family` called ``name`` (KeyError if none)."""
    return DRIVERS[name].family


def identify(name: str | None, service_uuids: Iterable[str] = ()) -> str | None:
    """The family of an advertising device, or None if stridemon does not know it.

    Advertised service UUIDs win over names (names can be changed by the user); names are the
    fallback because several devices advertise no UUID at all. Families whose ids are generic
    (:attr:`Family.generic_services`) are tried after all others; otherwise registry order.
    """
    uuids = [str(u).lower() for u in service_uuids]
    by_uuid = sorted(REGISTRY, key=lambda d: d.family.generic_services)  # stable: registry order
    for d in by_uuid:
        if d.family.advertises(uuids):
            return d.family.name
    for d in REGISTRY:
        if d.family.named(name):
            return d.family.name
    return None
