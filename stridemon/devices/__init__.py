"""BLE sensors: one module per device family (pure decoders + GATT constants) and the bleak client.

This is the only package that imports bleak (and only in :mod:`stridemon.devices.client`). The family
registry below matches an advertisement (local name, advertised service UUIDs) to a family name used
in :class:`stridemon.samples.SourceInfo.family`.
"""

from __future__ import annotations

from collections.abc import Iterable

from stridemon.devices import movesense, polar, stridemon_fw, witmotion

FAMILIES: tuple[str, ...] = ("stridemon-fw", "witmotion", "movesense", "polar")


def identify(name: str | None, service_uuids: Iterable[str] = ()) -> str | None:
    """The family of an advertising device, or None if stridemon does not know it.

    Advertised service UUIDs win over names (names can be changed by the user); names are the
    fallback because several devices advertise no UUID at all.
    """
    uuids = {u.lower() for u in service_uuids}
    if stridemon_fw.SERVICE_UUID in uuids:
        return "stridemon-fw"
    if movesense.ADV_UUID in uuids or movesense.GSP_SERVICE_UUID in uuids:
        return "movesense"
    if polar.PMD_SERVICE_UUID in uuids or polar.ADV_UUID in uuids:
        return "polar"
    if witmotion.SERVICE_UUID in uuids:
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
