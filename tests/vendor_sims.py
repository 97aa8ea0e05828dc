"""Fake sensors of the four families for the fake BlueZ: real GATT layouts, real byte formats, a
recorded session played back (recordings/demo-run.smrec), realistic delivery (latency, bursts,
a drifting device clock) and fault injection.

Each sim knows the true host time of every sample (``true_host(i)``), so tests can measure the
client's timestamp error. ``index_tag=True`` writes the sample index into acc x (WitMotion has no
time stamps, so this is how a test matches received samples to sent ones).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import struct
import time
from pathlib import Path

import numpy as np

from stridemon.devices import movesense, polar, stridemon_fw, witmotion
from tests.fake_bluez import FakeChar, FakePeripheral
from tests.vendor_encoders import (
    encode_fw,
    encode_gsp_imu6,
    encode_pmd,
    encode_wit,
    gsp_response,
    pmd_response,
    pmd_settings,
    split_gsp,
    wit_reply,
)

_RECORDING = Path(__file__).resolve().parents[1] / "recordings" / "demo-run.smrec"
_PLAYBACK: list = []


def motion(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the fake sensors measure at times ``t`` (s): a real-format session played back from
    ``recordings/demo-run.smrec`` (the simulated demo run, looped), interpolated to each rate."""
    if not _PLAYBACK:
        from stridemon.sources.recording import read_recording

        rec = read_recording(_RECORDING).samples()
        _PLAYBACK.append((rec.t_s - rec.t_s[0], rec.acc_mps2, rec.gyro_dps))
    t0, acc0, gyro0 = _PLAYBACK[0]
    tt = np.mod(np.asarray(t, dtype=float), t0[-1])
    acc = np.column_stack([np.interp(tt, t0, acc0[:, i]) for i in range(3)])
    gyro = np.column_stack([np.interp(tt, t0, gyro0[:, i]) for i in range(3)])
    return acc, gyro


class SimSensor(FakePeripheral):
    """Streams packets of ``per_packet`` samples at ``rate_hz`` (device clock) while connected."""

    rate_hz = 100.0
    per_packet = 8
    data_uuid = ""

    def __init__(self, address: str, name: str, adv_uuids, services, **kw) -> None:
        super().__init__(address, name, adv_uuids, services)
        self.drift = kw.get("drift", 200e-6)  # device clock slow by this fraction
        self.latency = kw.get("latency", (0.004, 0.02))
        self.burst_every = kw.get("burst_every", 0)  # every Nth packet is held back this long:
        self.burst_s = kw.get("burst_s", 0.15)
        self.lose = set(kw.get("lose", ()))  # packet numbers never delivered
        self.garble_every = kw.get("garble_every", 0)
        self.index_tag = kw.get("index_tag", False)
        self.flood = kw.get("flood", False)  # send as fast as possible (throughput test)
        self.h0 = time.time()
        self.tau0 = 1234.5  # device clock at h0
        self.sent_packets = 0
        self.sent_samples = 0
        self._task: asyncio.Task | None = None
        self.rng = random.Random(1)

    def true_host(self, i):
        return self.h0 + np.asarray(i) * (1 + self.drift) / self.rate_hz

    def device_time(self, i):
        return self.tau0 + np.asarray(i) / self.rate_hz

    def index_of(self, t_s: np.ndarray) -> np.ndarray:
        """Sample numbers from device times (timestamped families)."""
        return np.round((np.asarray(t_s) - float(self.device_time(0))) * self.rate_hz).astype(int)

    def samples(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        acc, gyro = motion(idx / self.rate_hz)
        if self.index_tag:
            acc[:, 0] = ((idx % 20000) - 10000) * witmotion.ACC_SCALE_MPS2
        return acc, gyro

    def start_stream(self) -> None:
        self.stop_stream()
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop_stream(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def on_disconnect(self) -> None:
        self.stop_stream()

    def encode(self, j: int, idx: np.ndarray) -> list[tuple[str, bytes]]:
        raise NotImplementedError

    async def _run(self) -> None:
        period = (1 + self.drift) / self.rate_hz
        j = int((time.time() - self.h0) / period) // self.per_packet  # device kept sampling meanwhile
        send_t = 0.0
        with contextlib.suppress(asyncio.CancelledError):
            while self.connected:
                idx = np.arange(j * self.per_packet, (j + 1) * self.per_packet)
                if not self.flood:
                    due = float(self.true_host(idx[-1])) + self.rng.uniform(*self.latency)
                    if self.burst_every and j % self.burst_every == 0:
                        due += self.burst_s
                    send_t = max(send_t, due)
                    delay = send_t - time.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                elif j % 20 == 0:
                    await asyncio.sleep(0)
                if j not in self.lose:
                    for uuid, data in self.encode(j, idx):
                        if self.garble_every and self.sent_packets % self.garble_every == self.garble_every - 1:
                            data = bytes(self.rng.getrandbits(8) for _ in range(self.rng.randrange(0, 40)))
                        self.bluez.notify(self, uuid, data)
                        self.sent_packets += 1
                    self.sent_samples += len(idx)
                j += 1


class FwSim(SimSensor):
    rate_hz = 104.0
    per_packet = 8
    data_uuid = stridemon_fw.DATA_UUID

    def __init__(self, address="C0:FF:EE:00:00:01", name="stridemon-1a2b", supported=(50, 100, 104), **kw):
        services = {
            stridemon_fw.SERVICE_UUID: [
                FakeChar(stridemon_fw.DATA_UUID, ["notify"]),
                FakeChar(stridemon_fw.CONTROL_UUID, ["read", "write"]),
            ],
            stridemon_fw.BATTERY_SERVICE_UUID: [FakeChar(stridemon_fw.BATTERY_LEVEL_UUID, ["read", "notify"], b"\x57")],
        }
        super().__init__(address, name, [stridemon_fw.SERVICE_UUID], services, **kw)
        self.supported = supported
        self.config = (0, 50, 16, 2000)

    def on_write(self, char, data):
        if char.uuid == stridemon_fw.CONTROL_UUID and len(data) == 6 and data[0] == 1:
            _, rate, acc, gyro = struct.unpack("<BHBH", data)
            ok = rate in self.supported and acc in stridemon_fw.ACC_RANGES_G and gyro in stridemon_fw.GYRO_RANGES_DPS
            self.config = (0, rate, acc, gyro) if ok else (1, *self.config[1:])
            if ok:
                self.rate_hz = float(rate)

    def on_read(self, char):
        if char.uuid == stridemon_fw.CONTROL_UUID:
            return stridemon_fw.CONFIG.pack(*self.config)
        return char.value

    def on_notify_started(self, char):
        if char.uuid == self.data_uuid:
            self.start_stream()

    def encode(self, j, idx):
        acc, gyro = self.samples(idx)
        t0_us = round(float(self.device_time(idx[0])) * 1e6)
        return [(self.data_uuid, encode_fw(j, t0_us, round(1e6 / self.rate_hz), acc, gyro))]


class WitSim(SimSensor):
    rate_hz = 10.0  # factory default until the client sets RRATE
    per_packet = 1
    data_uuid = witmotion.VENDOR_NOTIFY_UUID

    def __init__(
        self, address="C0:FF:EE:00:00:02", name="WT901BLE67", refuse=False, base="vendor", advertise=False, **kw
    ):
        """``base="vendor"``: FFE5/FFE4/FFE9 on ``…00805f9a34fb`` as WitMotion's BLE 5.0 sensors and SDK
        spell them; ``base="bluetooth"``: on the Bluetooth base ``…00805f9b34fb``. ``advertise``: put
        the service UUID in the advertisement (most units advertise only their name)."""
        svc, notify, write = (
            (witmotion.VENDOR_SERVICE_UUID, witmotion.VENDOR_NOTIFY_UUID, witmotion.VENDOR_WRITE_UUID)
            if base == "vendor"
            else (witmotion.SERVICE_UUID, witmotion.NOTIFY_UUID, witmotion.WRITE_UUID)
        )
        self.data_uuid = notify
        services = {
            svc: [
                FakeChar(notify, ["notify"]),
                FakeChar(write, ["write-without-response", "write"]),
            ]
        }
        super().__init__(address, name, [svc] if advertise else [], services, **kw)
        self.refuse = refuse
        self.unlocked = False
        self.rrate = 0x06

    def on_write(self, char, data):
        if len(data) != 5 or data[:2] != b"\xff\xaa":
            return
        reg, val = data[2], data[3] | data[4] << 8
        if reg == witmotion.REG_KEY and val == witmotion.KEY_UNLOCK:
            self.unlocked = True
        elif reg == witmotion.REG_RRATE and self.unlocked and not self.refuse:
            self.rrate = val
            rate = {v: k for k, v in witmotion.RATE_CODES.items()}.get(val)
            if rate and rate != self.rate_hz:
                self.rate_hz = float(rate)
                self.h0 = time.time()  # sample counter restarts at the new rate
                self.start_stream()
        elif reg == 0x27:  # read register
            self.bluez.notify(self, self.data_uuid, wit_reply(val, [self.rrate]))

    def on_notify_started(self, char):
        self.start_stream()

    def encode(self, j, idx):
        acc, gyro = self.samples(idx)
        return [(self.data_uuid, encode_wit(acc, gyro))]


class MovesenseSim(SimSensor):
    rate_hz = 104.0
    per_packet = 8
    data_uuid = movesense.NOTIFY_UUID

    def __init__(self, address="C0:FF:EE:00:00:03", name="Movesense 174630000192", split_at=0, **kw):
        services = {
            movesense.GSP_SERVICE_UUID: [
                FakeChar(movesense.WRITE_UUID, ["write", "write-without-response"]),
                FakeChar(movesense.NOTIFY_UUID, ["notify"]),
            ]
        }
        super().__init__(address, name, [movesense.ADV_UUID], services, **kw)
        self.split_at = split_at
        self.ref = 0

    def on_write(self, char, data):
        if data[:1] == b"\x01":
            self.ref = data[1]
            ok = data[2:].decode(errors="replace").startswith("/Meas/IMU6/")
            self.bluez.notify(self, self.data_uuid, gsp_response(self.ref, 200 if ok else 404))
            if ok:
                self.rate_hz = float(data[2:].decode().rsplit("/", 1)[1])
                self.start_stream()
        elif data[:1] == b"\x02":
            self.stop_stream()

    def encode(self, j, idx):
        acc, gyro = self.samples(idx)
        pkt = encode_gsp_imu6(self.ref, round(float(self.device_time(idx[0])) * 1000), acc, gyro)
        return [(self.data_uuid, p) for p in (split_gsp(pkt, self.split_at) if self.split_at else [pkt])]


class PolarSim(SimSensor):
    rate_hz = 52.0
    per_packet = 9
    data_uuid = polar.PMD_DATA_UUID
    ACC_FACTOR = 1.0
    GYRO_FACTOR = 0.06103516  # 2000/32768, as a Verity Sense reports

    def __init__(self, address="C0:FF:EE:00:00:04", name="Polar Sense B5D5F32A", **kw):
        services = {
            polar.PMD_SERVICE_UUID: [
                FakeChar(polar.PMD_CP_UUID, ["read", "write", "indicate"]),
                FakeChar(polar.PMD_DATA_UUID, ["notify"]),
            ]
        }
        super().__init__(address, name, [polar.ADV_UUID], services, **kw)
        self.streams: set[int] = set()

    def device_time(self, i):
        return 599_000_000.0 + np.asarray(i) / self.rate_hz  # ns since 2000-01-01, in s

    def on_write(self, char, data):
        op, kind = data[0], data[1] if len(data) > 1 else 0
        if op == polar.OP_GET_SETTINGS:
            avail = {polar.SET_RATE: [52], polar.SET_RESOLUTION: [16], polar.SET_CHANNELS: [3]}
            avail[polar.SET_RANGE] = [2, 4, 8] if kind == polar.ACC else [250, 500, 1000, 2000]
            self.bluez.notify(self, polar.PMD_CP_UUID, pmd_response(op, kind, 0, pmd_settings(avail)))
        elif op == polar.OP_START:
            fac = self.ACC_FACTOR if kind == polar.ACC else self.GYRO_FACTOR
            self.bluez.notify(
                self, polar.PMD_CP_UUID, pmd_response(op, kind, 0, pmd_settings({polar.SET_FACTOR: [fac]}))
            )
            self.streams.add(kind)
            if self.streams == {polar.ACC, polar.GYRO}:
                self.start_stream()
        elif op == polar.OP_STOP:
            self.streams.discard(kind)
            self.stop_stream()

    def on_disconnect(self):
        super().on_disconnect()
        self.streams.clear()

    def encode(self, j, idx):
        acc, gyro = self.samples(idx)
        t_ns = round(float(self.device_time(idx[-1])) * 1e9)
        acc_raw = np.round(acc / (9.80665 / 1000) / self.ACC_FACTOR)
        gyro_raw = np.round(gyro / self.GYRO_FACTOR)
        return [
            (self.data_uuid, encode_pmd(polar.ACC, t_ns, acc_raw)),
            (self.data_uuid, encode_pmd(polar.GYRO, t_ns, gyro_raw)),
        ]


SIMS = {"stridemon-fw": FwSim, "witmotion": WitSim, "movesense": MovesenseSim, "polar": PolarSim}
