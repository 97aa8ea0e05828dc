"""A BLE sensor as a :class:`~stridemon.sources.base.Source`.

    src = BleSource("WT901BLE67")            # address or advertised name
    async for batch in src.stream():         # SampleBatch: m/s², deg/s, device clock in t_s
        ...                                  # host clock of each sample in batch.host_t_s

``t_s`` is always the sensor's own clock (for WitMotion, which sends no time stamps, ``k / rate``
of its sample counter); ``host_t_s`` is the host clock (UNIX s) of each sample from the drift-corrected
device→host mapping (:mod:`stridemon.devices.timing`), i.e. receive times with the BLE latency and
bursts taken out. Lost packets and reconnects set ``gap_before`` on the next batch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from stridemon.devices.base import BleSettings
from stridemon.samples import STANDARD_GRAVITY_MPS2, SampleBatch, SourceInfo


def coalesce(batches: list[SampleBatch]) -> list[SampleBatch]:
    """Join consecutive batches, splitting only where ``gap_before`` is set."""
    out: list[SampleBatch] = []
    run: list[SampleBatch] = []
    for b in batches:
        if run and b.gap_before:
            out.append(SampleBatch.concat(run))
            run = []
        if len(b) or b.gap_before:
            run.append(b)
    if run:
        out.append(SampleBatch.concat(run))
    return out


class BleSource:
    """Streams one BLE sensor of any registered family (:mod:`stridemon.devices.registry`)."""

    def __init__(self, target: str, family: str | None = None, settings: BleSettings | None = None) -> None:
        from stridemon.devices.client import SensorLink  # bleak only when a BLE source is used

        self.link = SensorLink(target, family, settings)
        self.info = SourceInfo(name=target, family=family or "unknown", address=None)

    async def open(self) -> SourceInfo:
        """Connect and configure now (``stream()`` does it otherwise); returns the updated info."""
        await self.link.open()
        self._update_info()
        return self.info

    def _update_info(self) -> None:
        d, f = self.link.driver, self.link.found
        if d is None or f is None:
            return
        self.info = dataclasses.replace(
            self.info,
            name=f.name,
            family=d.name,
            address=f.address,
            nominal_rate_hz=d.rate_hz,
            acc_range_mps2=None if d.acc_range_g is None else d.acc_range_g * STANDARD_GRAVITY_MPS2,
            gyro_range_dps=d.gyro_range_dps,
            firmware=d.firmware,
            extra=dict(d.extra),
        )

    async def stream(self) -> AsyncIterator[SampleBatch]:
        if self.link.driver is None:
            await self.open()
        async for batches in self.link.stream():
            for b in coalesce(batches):
                yield b

    @property
    def stats(self) -> dict:
        """Counters for a readout: packets, samples, lost, skipped (by reason), reconnects."""
        d = self.link.driver
        s = self.link.stats
        out = {
            "notifications": s.notifications,
            "connects": s.connects,
            "link_losses": s.link_losses,
            "reconnect_s": list(s.reconnect_s),
        }
        if d is not None:
            out.update(
                packets=d.stats.packets,
                samples=d.stats.samples,
                lost_packets=d.stats.lost_packets,
                lost_samples=d.stats.lost_samples,
                skipped=dict(d.stats.skipped),
            )
        return out
