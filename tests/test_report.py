"""The HTML report is self-contained and says which run is better; the window works offscreen."""

from __future__ import annotations

import re
import time

import pytest

from stridemon.coach.comparison import compare_runs
from stridemon.coach.library import load_runs
from stridemon.coach.report import report_html
from tests.conftest import run_cli
from tests.synth_run import write_csv

META = {"runner": "Ana", "target_cadence_spm": 175, "rotation_budget_deg": 10}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("rep")
    a = write_csv(
        d / "before.csv", {**META, "tags": ["before"]}, cadence_spm=164, rotation_deg=14, duration_s=80, seed=1
    )
    b = write_csv(
        d / "after.csv",
        {**META, "tags": ["after"], "markers": [{"t_s": 40, "label": "lap 2"}]},
        cadence_spm=176,
        rotation_deg=8,
        duration_s=70,
        rate_hz=52,
        seed=2,
    )
    bad = d / "broken.csv"
    bad.write_text("t_s,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.02,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,0,0\n")
    return d, a, b, bad


def test_report_is_self_contained_with_figures_and_numbers(files):
    d, a, b, bad = files
    out = d / "report.html"
    p = run_cli("compare", str(a), str(b), str(bad), "--report", str(out))
    assert p.returncode == 0, p.stderr
    html = out.read_text(encoding="utf-8")
    # self-contained: no external URL, script, stylesheet link or image source
    assert not re.search(r"(https?:|//[a-z]|<script|<link|<img|<iframe|url\((?!#))", html, re.I)
    assert html.count("<svg") == 6
    assert html.count("<polyline") >= 12  # 2 runs × 6 figures
    for section in ("Verdict", "Headline numbers", "Minute by minute", "Laps and markers", "Problems"):
        assert section in html
    assert 'Cadence: <span class="better">B is better' in html
    assert 'Rotation: <span class="better">B is better' in html
    assert re.search(r"16[3-5]\.\d spm", html) and re.search(r"17[5-7]\.\d spm", html)
    assert re.search(r"1[3-5]\.\d°", html) and re.search(r"[7-9]\.\d°", html)
    assert "broken.csv" in html and "time goes backwards" in html
    assert "lap 2" in html and "target 175 spm" in html and "budget 10°" in html


def test_report_with_one_run_and_none(files):
    _d, a, _b, bad = files
    one = report_html(compare_runs(load_runs([a]), n_boot=50))
    assert "nothing to compare" in one and "<svg" in one
    none = report_html(compare_runs(load_runs([bad])))
    assert "No readable run" in none and "broken.csv" in none


def test_window_offscreen(files):
    from PySide6 import QtWidgets

    from stridemon.ui.compare_window import CompareWindow

    d, a, b, bad = files
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    w = CompareWindow(str(d))
    try:
        w.show()
        assert {e.path for e in w.entries} >= {str(a), str(b), str(bad)}
        w.tag_box.setCurrentText("after")
        assert [e.path for e in w.visible_entries()] == [str(b)]
        w.tag_box.setCurrentIndex(0)
        w.set_ticked([str(a), str(b), str(bad)])
        values: list[int] = []
        w.progress.valueChanged.connect(values.append)
        w.compare_ticked()
        assert w.busy
        t0 = time.monotonic()
        while w.busy and time.monotonic() - t0 < 30:
            app.processEvents()
            time.sleep(0.005)
        app.processEvents()
        cmp = w.comparison
        assert cmp is not None and cmp.good == [0, 1]
        assert values and max(values) == 1000 and not w.progress.isVisible()
        assert w.headline_table.rowCount() > 5 and w.headline_table.columnCount() == 3
        assert "worse" in w.headline_table.item(0, 2).text()  # baseline is after.csv (sorted first)
        assert "could not be analysed" in w.verdict.text()
        assert w.minutes_table.rowCount() == 2
    finally:
        w.close()
        w.deleteLater()
        app.processEvents()
