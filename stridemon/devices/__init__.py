"""BLE sensors: one module per device family (pure decoders + GATT constants) and the bleak client.

This is the only package that imports bleak (and only in :mod:`stridemon.devices.client`). The family
registry below matches an advertisement (local name, advertised service UUIDs) to a family name used
in :class:`stridemon.samples.SourceInfo.family`.
"""

from __future__ import annotations

from collections.abc import Iterable

from stridemon.devices import movesense, polar, stridemon_fw, witmotion
from stridemon.devices._common import same_uuid

FAMILIES: tuple[str, ...] = ("stridemon-fw", "witmotion", "movesense", "polar")


def identify(name: str | None, service_uuids: Iterable[str] = ()) -> str | None:
    """The family of an advertising device, or None if stridemon does not know it.

    Advertised service UUIDs win over names (names can be changed by the user); names are the
    fallback because several devices advertise no UUID at all.
    """
    uuids = [str(u).lower() for u in service_uuids]

    def adv(*wanted: str) -> bool:
        return any(same_uuid(u, w) for u in uuids for w in wanted)

    if adv(stridemon_fw.SERVICE_UUID):
        return "stridemon-fw"
    if adv(movesense.ADV_UUID, movesense.GSP_SERVICE_UUID):
        return "movesense"
    if adv(polar.PMD_SERVICE_UUID, polar.ADV_UUID):
        return "polar"
    if adv(witmotion.SERVICE_UUID):
        return "witmotion"
    n = (name or "").strip()
    if n.lower().startswith("stridemon"):
        return "stridemon-fw"
    if n.startswith("Movesense"):
        return "movesense"
    if n.startswith("Polar "):
        return "polar"
    if n.upper().startswith(("WT901", "WT9011", "BWT901")):
        return "witmotion"
    return None
