"""Former home of the drivers, kept only so that callers outside ``devices/`` that still import
``stridemon.devices.drivers`` work; import from :mod:`stridemon.devices` instead (each family's driver
now lives in its own module, the base in :mod:`stridemon.devices.base`)."""

from stridemon.devices.base import BleSettings, Driver, Link
from stridemon.devices.registry import DRIVERS

__all__ = ["DRIVERS", "BleSettings", "Driver", "Link"]
