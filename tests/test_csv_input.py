"""Reading imperfect plain IMU CSVs from disk: cut and malformed rows are skipped and counted,
accelerometer-only files are accepted, and good files read as before."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from stridemon.errors import InputError
from stridemon.sources.csvfile import CsvSource, read_imu_csv
from tests.conftest import run_cli

HEADER = "t_s,ax,ay,az,gx,gy,gz"
ACC_HEADER = "t_s,ax,ay,az"


def _rows(n: int = 200, rate: float = 100.0, gyro: bool = True) -> list[str]:
    """Walking-like rows as text (acc varies, so unit checks see a moving sensor)."""
    t = np.arange(n) / rate
    acc = np.column_stack([0.3 * np.sin(5 * t), 0.5 * np.cos(7 * t), 9.81 + 3 * np.sin(11 * t)])
    cols = [t, acc]
    if gyro:
        cols.append(np.column_stack([30 * np.sin(3 * t), 20 * np.cos(4 * t), 60 * np.sin(6 * t)]))
    data = np.column_stack(cols)
    return [",".join(f"{v:.6f}" for v in row) for row in data]


def _write(path, header: str, rows: list[str], tail: str = "\n") -> object:
    path.write_text(header + "\n" + "\n".join(rows) + tail)
    return path


def _floats(rows: list[str]) -> np.ndarray:
    return np.array([[float(v) for v in r.split(",")] for r in rows])


def test_good_file_is_unchanged(tmp_path):
    rows = _rows()
    batch, rep = read_imu_csv(_write(tmp_path / "ok.csv", HEADER, rows))
    ref = _floats(rows)
    assert len(batch) == len(rows) == rep.rows
    np.testing.assert_array_equal(batch.t_s, ref[:, 0])
    np.testing.assert_array_equal(batch.acc_mps2, ref[:, 1:4])
    np.testing.assert_array_equal(batch.gyro_dps, ref[:, 4:7])
    assert rep.has_gyro is True and rep.skipped_bad_rows == 0 and rep.skipped_nan_rows == 0
    assert rep.first_bad_line is None and rep.gyro_unit == "dps"
    assert CsvSource(tmp_path / "ok.csv").info.extra == {"has_gyro": True}


@pytest.mark.parametrize("tail", ["12.34,0.1,9.8,0.", "2.0,0.1,9.8,0.1,1.0,2.0,3,", "2.0,0.1,9"])
def test_cut_last_line_is_skipped_counted_and_logged(tmp_path, caplog, tail):
    rows = _rows()
    path = tmp_path / "cut.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n" + tail)  # no newline: the logger died mid-row
    with caplog.at_level(logging.WARNING, logger="stridemon.sources.csvfile"):
        batch, rep = read_imu_csv(path)
    ref = _floats(rows)
    assert len(batch) == len(rows)
    np.testing.assert_array_equal(batch.t_s, ref[:, 0])
    np.testing.assert_array_equal(batch.acc_mps2, ref[:, 1:4])
    np.testing.assert_array_equal(batch.gyro_dps, ref[:, 4:7])
    assert rep.skipped_bad_rows == 1 and rep.skipped_nan_rows == 0
    assert rep.first_bad_line == len(rows) + 2
    warnings = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
    assert len(warnings) == 1 and "skipped 1 " in warnings[0] and f"line {len(rows) + 2}" in warnings[0]


def test_cut_inside_the_last_number_is_not_detectable(tmp_path):
    # Documented limit: the row still has 7 numbers, so it is kept as it reads.
    rows = _rows()
    rows[-1] = rows[-1][:-3]
    batch, rep = read_imu_csv(_write(tmp_path / "cut.csv", HEADER, rows, tail=""))
    assert len(batch) == len(rows) and rep.skipped_bad_rows == 0


@pytest.mark.parametrize(
    "bad",
    [
        "0.5,0.1,9.8",  # too few fields
        "0.5,0.1,0.2,9.8,1,2,3,4",  # too many
        "0.5,abc,0.2,9.8,1,2,3",  # a word
        "0.5,0.1,0.2,1.2.3,1,2,3",  # not a number
        "0.5,0.1,0.2,9.8,1,2,-",
    ],
)
def test_malformed_middle_rows_are_skipped_and_counted(tmp_path, bad):
    rows = _rows()
    lines = rows[:50] + [bad] + rows[50:120] + [bad] + rows[120:]
    batch, rep = read_imu_csv(_write(tmp_path / "mid.csv", HEADER, lines))
    ref = _floats(rows)
    assert len(batch) == len(rows)
    np.testing.assert_array_equal(batch.t_s, ref[:, 0])
    np.testing.assert_array_equal(batch.acc_mps2, ref[:, 1:4])
    np.testing.assert_array_equal(batch.gyro_dps, ref[:, 4:7])
    assert rep.skipped_bad_rows == 2 and rep.skipped_nan_rows == 0
    assert rep.rows == len(lines)
    assert rep.first_bad_line == 52  # header is line 1, 50 good rows, then the bad one


def test_bad_and_nan_rows_are_counted_separately_with_blank_lines(tmp_path):
    rows = _rows()
    lines = rows[:10] + [""] + rows[10:20] + ["0.5,x,1,2,3,4,5"] + rows[20:30] + ["0.5,,0.2,9.8,1,2,3"] + rows[30:]
    batch, rep = read_imu_csv(_write(tmp_path / "mix.csv", HEADER, lines))
    assert len(batch) == len(rows)
    assert rep.skipped_bad_rows == 1 and rep.skipped_nan_rows == 1
    assert rep.first_bad_line == 23  # 1 header + 10 rows + 1 blank + 10 rows + this one


def test_whitespace_around_numbers_is_still_read_when_a_row_is_bad(tmp_path):
    rows = [r.replace(",", ", ") for r in _rows()]
    lines = rows[:30] + ["0.3,zz,0,9.8,0,0,0"] + rows[30:]
    batch, rep = read_imu_csv(_write(tmp_path / "ws.csv", HEADER, lines))
    assert len(batch) == len(rows) and rep.skipped_bad_rows == 1


def test_mostly_bad_file_is_refused_naming_the_bad_rows(tmp_path):
    rows = _rows(20)
    lines = [r if i % 3 == 0 else r[: len(r) // 2] for i, r in enumerate(rows)]
    with pytest.raises(InputError) as e:
        read_imu_csv(_write(tmp_path / "bad.csv", HEADER, lines))
    msg = str(e.value)
    assert "\n" not in msg and "13 of 20 data rows are bad" in msg and "line 3" in msg


def test_fewer_than_two_good_rows_is_refused(tmp_path):
    with pytest.raises(InputError, match="1 of 2 data rows are bad"):
        read_imu_csv(_write(tmp_path / "bad.csv", HEADER, ["0,0,0,9.8,0,0,0", "0.01,a,b,c,d,e,f"]))


def test_mostly_text_column_is_still_refused_as_text(tmp_path):
    rows = _rows(10)
    lines = [r.replace(r.split(",")[0], f"2024-01-01T10:00:0{i}", 1) if i > 2 else r for i, r in enumerate(rows)]
    with pytest.raises(InputError, match="column 't_s' holds text"):
        read_imu_csv(_write(tmp_path / "text.csv", HEADER, lines))


def test_accelerometer_only_file(tmp_path, caplog):
    rows = _rows(gyro=False)
    path = _write(tmp_path / "acc.csv", ACC_HEADER, rows)
    batch, rep = read_imu_csv(path, gyro_unit="rads")  # --gyro-unit is harmless without a gyroscope
    ref = _floats(rows)
    assert len(batch) == len(rows)
    np.testing.assert_array_equal(batch.t_s, ref[:, 0])
    np.testing.assert_array_equal(batch.acc_mps2, ref[:, 1:4])
    assert batch.gyro_dps.shape == (len(rows), 3) and np.isnan(batch.gyro_dps).all()
    assert rep.has_gyro is False and rep.skipped_nan_rows == 0 and rep.skipped_bad_rows == 0
    src = CsvSource(path)
    assert src.info.extra == {"has_gyro": False} and src.report.has_gyro is False


def test_accelerometer_only_file_with_bad_rows(tmp_path):
    rows = _rows(gyro=False)
    lines = rows[:40] + ["0.4,0.1,0.2,9.8,5"] + rows[40:] + ["9.99,0.1"]
    batch, rep = read_imu_csv(_write(tmp_path / "acc.csv", ACC_HEADER, lines, tail=""))
    assert len(batch) == len(rows) and rep.skipped_bad_rows == 2 and rep.first_bad_line == 42
    assert np.isnan(batch.gyro_dps).all()


@pytest.mark.parametrize("header, missing", [("t_s,ax,ay,az,gx", "gy,gz"), ("t_s,ax,ay,az,gy,gz", "gx")])
def test_partial_gyro_header_is_refused_naming_the_missing(tmp_path, header, missing):
    n = header.count(",") + 1
    lines = [",".join(["0.0"] * n), ",".join(["0.1"] * n)]
    with pytest.raises(InputError, match=f"missing column\\(s\\) {missing};"):
        read_imu_csv(_write(tmp_path / "part.csv", header, lines))


def test_analyze_cli_on_a_cut_simulated_run(tmp_path):
    from stridemon.sim.model import SensorModel, simulate
    from stridemon.sim.scenarios import get_scenario

    sc = get_scenario("steady-run", 30.0)
    batch, truth = simulate(sc.segments, SensorModel(rate_hz=100.0), "back-upright", 7)
    data = np.column_stack([batch.t_s, batch.acc_mps2, batch.gyro_dps])
    path = tmp_path / "run.csv"
    np.savetxt(path, data, delimiter=",", header=HEADER, comments="", fmt="%.6f")
    with open(path, "a") as f:
        f.write("30.01,0.12,9.7")  # the logger died mid-row
    p = run_cli("analyze", str(path), "--json")
    assert p.returncode == 0, p.stderr
    assert "skipped 1 malformed row(s)" in p.stderr
    doc = json.loads(p.stdout)
    assert abs(doc["summary"]["steps"] - len(truth.ic_t_s)) <= 0.05 * len(truth.ic_t_s)
    assert len(doc["steps"]) == doc["summary"]["steps"]
