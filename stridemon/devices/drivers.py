"""Per-family drivers: configure a connected sensor, start its stream, turn notifications into batches.

A driver never imports bleak: it talks to a :class:`Link` (write/read/start_notify by UUID), which
:mod:`stridemon.devices.client` implements over a ``BleakClient``. A driver object lives across
reconnects, so its timing state (clock mapping, continuity) carries over and the first batch after a
link loss is marked ``gap_before``. Bad notifications are counted in ``stats.skipped``, never raised.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from stridemon.devices import movesense, polar, stridemon_fw, witmotion
from stridemon.devices._common import DecodeError, DecodeStats, reason_of, same_uuid
from stridemon.devices.timing import ArrivalClock, Continuity, DeviceClock, Unwrapper
from stridemon.errors import DeviceError
from stridemon.samples import SampleBatch

log = logging.getLogger(__name__)


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


class Driver:
    """Base class; subclasses fill in the family specifics."""

    family = ""
    notify_first: tuple[str, ...] = ()  # characteristics whose notifications configure() needs
    acc_range_g: float | None = None
    gyro_range_dps: float | None = None

    def __init__(self, settings: BleSettings) -> None:
        self.settings = settings
        self.stats = DecodeStats()
        self.rate_hz: float | None = None
        self.firmware: str | None = None
        self.extra: dict = {}
        self._gap = False
        self._responses: asyncio.Queue[bytes] = asyncio.Queue()

    async def configure(self, link: Link) -> None:
        raise NotImplementedError

    async def start(self, link: Link) -> None:
        raise NotImplementedError

    async def stop(self, link: Link) -> None:
        """Ask the sensor to stop streaming (best effort, before a deliberate disconnect)."""

    def on_notify(self, uuid: str, data: bytes, t_host: float) -> list[SampleBatch]:
        raise NotImplementedError

    def link_lost(self) -> None:
        self._gap = True

    def flush(self) -> list[SampleBatch]:
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


def _pick_rate(supported: tuple[int, ...] | list[int], wanted: float) -> int:
    ok = [r for r in supported if r >= wanted]
    return min(ok) if ok else max(supported)


class _TimestampedDriver(Driver):
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


class StridemonFwDriver(_TimestampedDriver):
    family = "stridemon-fw"

    def __init__(self, settings: BleSettings) -> None:
        super().__init__(settings)
        self.unwrap = Unwrapper(1 << 32, 1e-6)
        self.last_seq: int | None = None

    async def configure(self, link: Link) -> None:
        rate = _pick_rate(stridemon_fw.RATES_HZ, self.settings.rate_hz)
        acc = _pick_rate(stridemon_fw.ACC_RANGES_G, self.settings.acc_range_g)
        gyro = _pick_rate(stridemon_fw.GYRO_RANGES_DPS, self.settings.gyro_range_dps)
        await link.write(stridemon_fw.CONTROL_UUID, stridemon_fw.set_config_command(rate, acc, gyro))
        try:
            status, rate_now, acc_now, gyro_now = stridemon_fw.parse_config(await link.read(stridemon_fw.CONTROL_UUID))
        except DecodeError as e:
            raise DeviceError(f"stridemon firmware: unreadable configuration ({e}); update the firmware") from None
        if status != 0 or rate_now != rate:
            raise DeviceError(
                f"stridemon firmware refused {rate} Hz ±{acc} g ±{gyro} deg/s (it runs at {rate_now} Hz); "
                "flash the current firmware from firmware_notes/"
            )
        self.rate_hz, self.acc_range_g, self.gyro_range_dps = float(rate_now), float(acc_now), float(gyro_now)
        if link.has(stridemon_fw.BATTERY_LEVEL_UUID):
            batt = await link.read(stridemon_fw.BATTERY_LEVEL_UUID)
            if batt:
                self.extra["battery_pct"] = batt[0]

    async def start(self, link: Link) -> None:
        await link.start_notify(stridemon_fw.DATA_UUID)

    def link_lost(self) -> None:
        super().link_lost()
        self.last_seq = None

    def on_notify(self, uuid: str, data: bytes, t_host: float) -> list[SampleBatch]:
        self.stats.packets += 1
        try:
            p = stridemon_fw.decode(data)
        except DecodeError as e:
            self.stats.skip(reason_of(e))
            return []
        if self.last_seq is not None:
            jump = (p.seq - self.last_seq) % 65536
            if jump == 0 or jump > 32768:
                self.stats.skip("out of order")
                return []
        self.last_seq = p.seq
        t0 = self.unwrap(p.t0_us)
        t_s = t0 + np.arange(len(p.acc_mps2)) * (p.dt_us * 1e-6)
        return self._timed(t_s, p.acc_mps2, p.gyro_dps, t_host)


class MovesenseDriver(_TimestampedDriver):
    family = "movesense"
    acc_range_g = movesense.ACC_RANGE_G
    gyro_range_dps = movesense.GYRO_RANGE_DPS
    REF = 0x63

    def __init__(self, settings: BleSettings) -> None:
        super().__init__(settings)
        self.unwrap = Unwrapper(1 << 32, 1e-3)
        self.reasm = movesense.Reassembler(self.REF)

    async def configure(self, link: Link) -> None:
        self.rate_hz = float(_pick_rate(movesense.IMU_RATES_HZ, self.settings.rate_hz))

    async def start(self, link: Link) -> None:
        self.reasm = movesense.Reassembler(self.REF)
        await link.start_notify(movesense.NOTIFY_UUID)
        await link.write(movesense.WRITE_UUID, movesense.subscribe_command(self.REF, int(self.rate_hz or 104)))
        try:  # GSP responses are notifications and not guaranteed: a missing one is only logged
            _ref, status = movesense.parse_response(await self._response("the IMU6 subscription"))
        except DeviceError as e:
            log.info("%s; going on (data may still come)", e)
            return
        if status >= 300:
            raise DeviceError(f"Movesense refused /Meas/IMU6/{self.rate_hz:g} (status {status}); update its firmware")

    async def stop(self, link: Link) -> None:
        await link.write(movesense.WRITE_UUID, movesense.unsubscribe_command(self.REF))

    def on_notify(self, uuid: str, data: bytes, t_host: float) -> list[SampleBatch]:
        if data[:1] == bytes((movesense.PKT_RESPONSE,)):
            self._responses.put_nowait(bytes(data))
            return []
        self.stats.packets += 1
        try:
            whole = self.reasm.push(data)
            if whole is None:
                return []
            p = movesense.decode_imu6(whole)
        except DecodeError as e:
            self.stats.skip(reason_of(e))
            return []
        t_s = self.unwrap(p.t0_ms) + np.arange(len(p.acc_mps2)) / float(self.rate_hz or 104)
        return self._timed(t_s, p.acc_mps2, p.gyro_dps, t_host)


class PolarDriver(Driver):
    """PMD: ACC and GYRO arrive as separate frames; gyro is interpolated onto the acc sample times."""

    family = "polar"
    notify_first = (polar.PMD_CP_UUID,)

    def __init__(self, settings: BleSettings) -> None:
        super().__init__(settings)
        self.factor = {polar.ACC: 1.0, polar.GYRO: 1.0}
        self.rates = {polar.ACC: 52, polar.GYRO: 52}
        self.clock = DeviceClock()
        self._last_ns: dict[int, int] = {}
        self._acc: list[tuple[np.ndarray, np.ndarray]] = []  # (t, values) awaiting gyro
        self._gyro_t = np.empty(0)
        self._gyro_v = np.empty((0, 3))

    async def configure(self, link: Link) -> None:
        self.selected: dict[int, dict[int, int]] = {}
        for kind, want_range in (
            (polar.ACC, self.settings.acc_range_g),
            (polar.GYRO, self.settings.gyro_range_dps),
        ):
            await link.write(polar.PMD_CP_UUID, polar.get_settings_command(kind))
            _op, _k, status, params = polar.parse_cp_response(await self._response("GET_MEASUREMENT_SETTINGS"))
            if status != 0:
                raise DeviceError(
                    f"Polar sensor does not offer {'ACC' if kind == polar.ACC else 'GYRO'} (status {status})"
                )
            avail = polar.parse_settings(params)
            sel = {polar.SET_RATE: _pick_rate([int(v) for v in avail.get(polar.SET_RATE, [52])], self.settings.rate_hz)}
            for typ, want in (
                (polar.SET_RESOLUTION, 16),
                (polar.SET_RANGE, want_range),
                (polar.SET_CHANNELS, 3),
            ):
                if typ in avail:
                    sel[typ] = _pick_rate([int(v) for v in avail[typ]], want)
            self.selected[kind] = sel
            self.rates[kind] = sel[polar.SET_RATE]
        self.rate_hz = float(self.rates[polar.ACC])
        self.acc_range_g = float(self.selected[polar.ACC].get(polar.SET_RANGE, 8))
        self.gyro_range_dps = float(self.selected[polar.GYRO].get(polar.SET_RANGE, 2000))

    async def start(self, link: Link) -> None:
        await link.start_notify(polar.PMD_DATA_UUID)
        for kind in (polar.ACC, polar.GYRO):
            await link.write(polar.PMD_CP_UUID, polar.start_command(kind, self.selected[kind]))
            _op, _k, status, params = polar.parse_cp_response(await self._response("REQUEST_MEASUREMENT_START"))
            if status == 6:  # already streaming (reconnect to a sensor that kept going): fine
                continue
            if status != 0:
                raise DeviceError(
                    f"Polar sensor refused to start stream {kind} with {self.selected[kind]} (status {status})"
                )
            try:
                fac = polar.parse_settings(params).get(polar.SET_FACTOR)
            except DecodeError:
                fac = None
            if fac:
                self.factor[kind] = float(fac[0])

    async def stop(self, link: Link) -> None:
        for kind in (polar.ACC, polar.GYRO):
            await link.write(polar.PMD_CP_UUID, polar.stop_command(kind))

    def link_lost(self) -> None:
        super().link_lost()
        self._last_ns.clear()
        self._acc.clear()
        self._gyro_t, self._gyro_v = np.empty(0), np.empty((0, 3))

    def on_notify(self, uuid: str, data: bytes, t_host: float) -> list[SampleBatch]:
        if same_uuid(uuid, polar.PMD_CP_UUID):
            self._responses.put_nowait(bytes(data))
            return []
        self.stats.packets += 1
        try:
            f = polar.decode_frame(data, self.factor.get(data[0] & 0x3F, 1.0) if data else 1.0)
        except DecodeError as e:
            self.stats.skip(reason_of(e))
            return []
        n = len(f.values)
        nominal_ns = 1e9 / self.rates[f.kind]
        prev = self._last_ns.get(f.kind)
        if prev is not None and f.t_last_ns <= prev:
            self.stats.skip("out of order")
            return []
        step_ns = nominal_ns
        if prev is not None:
            step_ns = (f.t_last_ns - prev) / n
            if step_ns > 1.5 * nominal_ns:  # frames lost in between
                self.stats.lost_packets += 1
                self.stats.lost_samples += round((f.t_last_ns - prev) / nominal_ns) - n
                self._gap = True
                step_ns = nominal_ns
        self._last_ns[f.kind] = f.t_last_ns
        t = (f.t_last_ns - step_ns * np.arange(n - 1, -1, -1)) * 1e-9
        if f.kind == polar.GYRO:
            keep = self._gyro_t >= t[0] - 1.0
            self._gyro_t = np.concatenate([self._gyro_t[keep], t])
            self._gyro_v = np.concatenate([self._gyro_v[keep], f.values])
        else:
            self.clock.observe(float(t[-1]), t_host)
            self._acc.append((t, f.values))
        return self._merge()

    def _merge(self) -> list[SampleBatch]:
        out = []
        while self._acc and len(self._gyro_t) and self._acc[0][0][-1] <= self._gyro_t[-1]:
            t, acc = self._acc.pop(0)
            gyro = np.column_stack([np.interp(t, self._gyro_t, self._gyro_v[:, i]) for i in range(3)])
            out.append(self._batch(t, acc, gyro, self.clock.to_host(t)))
        if len(self._acc) > 50:  # gyro stopped: do not hold acc forever
            self.stats.skip("acc without gyro")
            self._acc.pop(0)
        return out


class WitMotionDriver(Driver):
    """No device timestamps: :class:`ArrivalClock` times the samples."""

    family = "witmotion"
    notify_first = (witmotion.NOTIFY_UUID,)
    acc_range_g = witmotion.ACC_RANGE_G
    gyro_range_dps = witmotion.GYRO_RANGE_DPS

    def __init__(self, settings: BleSettings) -> None:
        super().__init__(settings)
        self.timer: ArrivalClock | None = None
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []

    async def configure(self, link: Link) -> None:
        rate = _pick_rate(sorted(witmotion.RATE_CODES), self.settings.rate_hz)
        for cmd in witmotion.rate_commands(rate):
            await link.write(witmotion.WRITE_UUID, cmd, response=False)
            await asyncio.sleep(0.1)  # the SDK waits 100 ms between unlock, write and save
        await link.write(witmotion.WRITE_UUID, witmotion.read_register(witmotion.REG_RRATE), response=False)
        try:
            reply = await self._response("the RRATE read-back")
        except DeviceError as e:
            log.warning("%s; assuming %d Hz", e, rate)
        else:
            if reply[2] == witmotion.REG_RRATE and reply[4] != witmotion.RATE_CODES[rate]:
                raise DeviceError(
                    f"WitMotion sensor refused {rate} Hz (rate register reads {reply[4]:#04x}); "
                    "set it with WitMotion's app or check the firmware"
                )
        self.rate_hz = float(rate)
        if self.timer is None:
            self.timer = ArrivalClock(rate)

    async def start(self, link: Link) -> None:
        pass  # notifications were started in configure()

    def link_lost(self) -> None:
        super().link_lost()
        if self.timer is not None:
            self.timer.mark_gap()

    def on_notify(self, uuid: str, data: bytes, t_host: float) -> list[SampleBatch]:
        if data[:2] == witmotion.REPLY_HEADER and len(data) >= 20:
            self._responses.put_nowait(bytes(data[:20]))
            data = data[20:]
            if not data:
                return []
        self.stats.packets += 1
        acc, gyro, _angle, skipped = witmotion.decode(data)
        if skipped:
            self.stats.skip("bytes outside 0x55 0x61 frames")
        if not len(acc) or self.timer is None:
            return []
        out = []
        self._pending.append((acc, gyro))
        for rel in self.timer.push(t_host, len(acc)):
            out.append(self._release(rel))
        return out

    def _release(self, rel) -> SampleBatch:
        acc, gyro = self._pending.pop(0)
        if rel.gap_before:
            self._gap = True
            self.stats.lost_samples += rel.lost_samples
            self.stats.lost_packets += rel.lost_samples > 0
        return self._batch(rel.t_s, acc, gyro, rel.host_t_s)

    def flush(self) -> list[SampleBatch]:
        if self.timer is None:
            return []
        return [self._release(rel) for rel in self.timer.flush()]


DRIVERS: dict[str, type[Driver]] = {
    d.family: d for d in (StridemonFwDriver, WitMotionDriver, MovesenseDriver, PolarDriver)
}
