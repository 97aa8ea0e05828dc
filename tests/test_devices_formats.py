"""Decoder test vectors (hand-built from the vendor documents cited in each decoder), round trips
through the test encoders, and hypothesis fuzzing: bad bytes are a DecodeError or a count, never a crash."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stridemon.devices import DRIVERS, BleSettings, identify, movesense, polar, stridemon_fw, witmotion
from stridemon.devices._common import DecodeError
from stridemon.samples import STANDARD_GRAVITY_MPS2 as G
from tests.vendor_encoders import encode_fw, encode_gsp_imu6, encode_pmd, encode_wit, split_gsp

# --- WitMotion (device_model.py of WITMOTION/WitBluetooth_BWT901BLE5_0) ---------------------------------


def test_witmotion_vector():
    # ax = 0x0800 = 2048 → 2048/32768·16 g = 1 g; gz = 0x4000 → 1000 deg/s; angle z 0x4000 → 90°
    frame = bytes.fromhex(
        "5561" + "0008" + "0000" + "0000" + "0000" + "0000" + "0040" + "0000" + "0000" + "0040"
    )
    assert len(frame) == 20
    acc, gyro, ang, skipped = witmotion.decode(frame)
    np.testing.assert_allclose(acc, [[G, 0, 0]])
    np.testing.assert_allclose(gyro, [[0, 0, 1000]])
    np.testing.assert_allclose(ang, [[0, 0, 90]])
    assert skipped == 0


def test_witmotion_commands():
    assert witmotion.UNLOCK == bytes.fromhex("ffaa6988b5")
    assert witmotion.SAVE == bytes.fromhex("ffaa000000")
    assert witmotion.rate_commands(100)[1] == bytes.fromhex("ffaa030900")
    assert witmotion.rate_commands(200)[1] == bytes.fromhex("ffaa030b00")
    assert witmotion.read_register(3) == bytes.fromhex("ffaa270300")


def test_witmotion_several_frames_and_garbage():
    acc = np.array([[1.0, 2.0, 9.8], [0.5, -1.0, 9.7]])
    gyro = np.array([[10.0, -20.0, 30.0], [0.0, 5.0, -5.0]])
    data = b"\x00\x55" + encode_wit(acc, gyro) + b"\x55\x61\x01"
    a, g, _, skipped = witmotion.decode(data)
    np.testing.assert_allclose(a, acc, atol=witmotion.ACC_SCALE_MPS2)
    np.testing.assert_allclose(g, gyro, atol=witmotion.GYRO_SCALE_DPS)
    assert skipped == 5


# --- Polar PMD (polarofficial/polar-ble-sdk BlePMDClient.kt, PmdDataFrame.kt, AccData.kt, GyrData.kt) ---


def test_polar_delta_vector():
    # reference (1, -2, 3) int16 LE; one block: width 4 bits, 1 sample, deltas (1, -1, 2) packed LSB first
    body = bytes.fromhex("0100feff0300" + "0401" + "f102")
    np.testing.assert_array_equal(polar.unpack_deltas(body, 3, 16), [[1, -2, 3], [2, -3, 5]])


def test_polar_frame_vector():
    body = bytes.fromhex("0100feff0300" + "0401" + "f102")
    t = 599_000_000_000
    acc = polar.decode_frame(bytes((polar.ACC,)) + t.to_bytes(8, "little") + b"\x81" + body, factor=1.0)
    assert acc.kind == polar.ACC and acc.t_last_ns == t
    np.testing.assert_allclose(acc.values, np.array([[1, -2, 3], [2, -3, 5]]) * G / 1000)
    gyr = polar.decode_frame(bytes((polar.GYRO,)) + t.to_bytes(8, "little") + b"\x80" + body, factor=0.5)
    np.testing.assert_allclose(gyr.values, np.array([[1, -2, 3], [2, -3, 5]]) * 0.5)
    raw = bytes((polar.ACC,)) + t.to_bytes(8, "little") + b"\x01" + struct.pack("<3h", 1000, 0, -1000)
    np.testing.assert_allclose(polar.decode_frame(raw).values, [[G, 0, -G]])


def test_polar_commands_and_settings():
    sel = {polar.SET_RATE: 52, polar.SET_RESOLUTION: 16, polar.SET_RANGE: 8, polar.SET_CHANNELS: 3}
    assert polar.start_command(polar.ACC, sel) == bytes.fromhex(
        "0202" + "00013400" + "01011000" + "02010800" + "040103"
    )
    s = polar.parse_settings(
        bytes.fromhex("0002" + "3400" + "6800") + bytes((5, 1)) + struct.pack("<f", 0.25)
    )
    assert s[polar.SET_RATE] == [52, 104] and s[polar.SET_FACTOR] == [0.25]
    assert polar.parse_cp_response(bytes.fromhex("f0020200000501")) == (2, 2, 0, b"\x05\x01")


@pytest.mark.parametrize("n", [1, 2, 9, 37])
def test_polar_round_trip(n):
    rng = np.random.default_rng(n)
    raw = np.cumsum(rng.integers(-300, 300, size=(n, 3)), axis=0)
    f = polar.decode_frame(encode_pmd(polar.GYRO, 123, raw), factor=1.0)
    np.testing.assert_array_equal(f.values, raw)


# --- Movesense GSP (movesense.com/docs/esw/gatt_sensordata_protocol, gatt_sensordata_app client) -------


def test_movesense_vector():
    pkt = bytes.fromhex("0263" + "e8030000") + struct.pack("<6f", 1.0, 2.0, 9.75, 10.0, 20.0, 30.0)
    p = movesense.decode_imu6(pkt)
    assert p.ref == 0x63 and p.t0_ms == 1000
    np.testing.assert_allclose(p.acc_mps2, [[1, 2, 9.75]])
    np.testing.assert_allclose(p.gyro_dps, [[10, 20, 30]])
    assert movesense.subscribe_command(0x63, 104) == b"\x01\x63/Meas/IMU6/104"
    assert movesense.unsubscribe_command(0x63) == b"\x02\x63"


def test_movesense_part2_reassembly():
    acc = np.arange(24.0).reshape(8, 3)
    pkt = encode_gsp_imu6(7, 5000, acc, -acc)
    r = movesense.Reassembler(7)
    first, second = split_gsp(pkt, 155)
    assert r.push(first) is None
    whole = r.push(second)
    np.testing.assert_allclose(movesense.decode_imu6(whole).gyro_dps, -acc)


# --- stridemon firmware (firmware_notes/README.md) ----------------------------------------------------


def test_fw_vector():
    pkt = bytes.fromhex("0101070040420f0010271004" + "000800000000000000000040")
    p = stridemon_fw.decode(pkt)
    assert (p.seq, p.t0_us, p.dt_us, p.acc_fs_g, p.gyro_fs_dps) == (7, 1_000_000, 10_000, 16, 2000)
    np.testing.assert_allclose(p.acc_mps2, [[G, 0, 0]])
    np.testing.assert_allclose(p.gyro_dps, [[0, 0, 1000]])
    assert stridemon_fw.set_config_command(104, 16, 2000) == bytes.fromhex("01680010d007")


def test_fw_round_trip_and_errors():
    acc = np.array([[0.1, -9.8, 3.0]] * 8)
    p = stridemon_fw.decode(encode_fw(65535, 2**32 - 5, 9615, acc, acc * 10))
    np.testing.assert_allclose(p.acc_mps2, acc, atol=16 * G / 32768)
    for bad in (
        b"",
        b"\x01" * 11,
        encode_fw(1, 0, 100, acc, acc)[:-1],
        b"\x02" + encode_fw(1, 0, 100, acc, acc)[1:],
    ):
        with pytest.raises(DecodeError):
            stridemon_fw.decode(bad)


def test_identify():
    assert identify("WT901BLE67") == "witmotion"
    assert identify("Movesense 174630000192") == "movesense"
    assert identify("Polar Sense B5D5F32A") == "polar"
    assert identify("whatever", [stridemon_fw.SERVICE_UUID]) == "stridemon-fw"
    assert identify("Some Headphones", ["0000110b-0000-1000-8000-00805f9b34fb"]) is None


def test_registry_contract():
    """One registry: every family is a concrete Driver with its own name, and generic 16-bit service
    ids (WitMotion's FFE5) lose to a specific family's UUID in the same advertisement."""
    import inspect

    from stridemon.devices import FAMILIES, REGISTRY, Driver, family

    assert FAMILIES == ("stridemon-fw", "witmotion", "movesense", "polar")
    for d in REGISTRY:
        assert issubclass(d, Driver) and not inspect.isabstract(d)
        assert family(d.family.name) is d.family and d(BleSettings()).name == d.family.name
    assert identify(None, [witmotion.SERVICE_UUID, movesense.ADV_UUID]) == "movesense"
    assert identify(" stridemon-1a2b ") == "stridemon-fw" and identify("bwt901cl") == "witmotion"
    assert identify("movesense 1") is None  # Movesense and Polar names are case-sensitive


# --- Fuzz: every decoder and every driver takes any bytes ---------------------------------------------

FUZZ = settings(max_examples=300, deadline=None)


def _check_arrays(*arrays):
    for a in arrays:
        assert a.ndim == 2 and a.shape[1] == 3


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_decoders(data):
    _check_arrays(*witmotion.decode(data)[:3])
    for fn in (
        stridemon_fw.decode,
        movesense.decode_imu6,
        lambda d: polar.decode_frame(d, 1.0),
        lambda d: polar.parse_settings(d),
    ):
        try:
            fn(data)
        except DecodeError:
            pass


@FUZZ
@given(st.lists(st.binary(max_size=260), max_size=20), st.sampled_from(sorted(DRIVERS)))
def test_fuzz_drivers(packets, family):
    d = DRIVERS[family](BleSettings())
    d.rate_hz = 100.0
    if family == "witmotion":
        from stridemon.devices.timing import ArrivalClock

        d.timer = ArrivalClock(100.0)
    uuid = {"polar": polar.PMD_DATA_UUID}.get(family, "x")
    for i, p in enumerate(packets):
        for b in d.on_notify(uuid, p, 1000.0 + i * 0.01):
            assert len(b.t_s) == len(b.acc_mps2) and np.all(np.diff(b.t_s) > 0)
    d.flush()
