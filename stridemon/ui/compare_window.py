"""The comparison window: a session library on the left, the comparison of the chosen runs on the right.

Thin over :mod:`stridemon.coach`: numbers and differences (``comparison``), loading and the folder
scan (``library``), colours, table rows and series (``view``, shared with the HTML report). Files
are analysed on a worker thread that reports progress to the progress bar; the result is drawn
with pyqtgraph (timelines by elapsed time and 0–100 %, distributions) and tables (headline
numbers with verdicts, minute by minute).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from stridemon.coach.comparison import Comparison, compare_runs, headline
from stridemon.coach.library import SessionEntry, load_runs, scan_folder
from stridemon.coach.report import report_html
from stridemon.coach.runs import letter
from stridemon.coach.view import HEAD_ROWS, color, head_cell, run_series
from stridemon.errors import StridemonError


class _Loader(QtCore.QObject):
    """Analyses files on a worker thread; emits progress (0..1, text) and the finished comparison."""

    progress = QtCore.Signal(float, str)
    done = QtCore.Signal(object)

    def __init__(self, paths: Sequence[str], acc_unit: str = "auto", gyro_unit: str = "auto") -> None:
        super().__init__()
        self.paths, self.acc_unit, self.gyro_unit = list(paths), acc_unit, gyro_unit

    @QtCore.Slot()
    def work(self) -> None:
        runs = load_runs(self.paths, lambda f, t: self.progress.emit(f, t), self.acc_unit, self.gyro_unit)
        self.done.emit(compare_runs(runs))


class CompareWindow(QtWidgets.QMainWindow):
    """Library (folder, runner/tag filters, runs to tick) + comparison tabs + progress bar."""

    comparison_ready = QtCore.Signal(object)

    def __init__(self, folder: str | None = None, acc_unit: str = "auto", gyro_unit: str = "auto") -> None:
        super().__init__()
        self.setWindowTitle("stridemon — compare runs")
        self.resize(1280, 820)
        self.acc_unit, self.gyro_unit = acc_unit, gyro_unit
        self.comparison: Comparison | None = None
        self.entries: list[SessionEntry] = []
        self._thread: QtCore.QThread | None = None
        self._loader: _Loader | None = None

        # library panel
        lib = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(lib)
        row = QtWidgets.QHBoxLayout()
        self.folder_edit = QtWidgets.QLineEdit(folder or "")
        self.folder_edit.setPlaceholderText("folder of runs")
        browse = QtWidgets.QPushButton("Folder…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.folder_edit)
        row.addWidget(browse)
        lay.addLayout(row)
        filt = QtWidgets.QHBoxLayout()
        self.runner_box = QtWidgets.QComboBox()
        self.tag_box = QtWidgets.QComboBox()
        filt.addWidget(QtWidgets.QLabel("runner"))
        filt.addWidget(self.runner_box, 1)
        filt.addWidget(QtWidgets.QLabel("tag"))
        filt.addWidget(self.tag_box, 1)
        lay.addLayout(filt)
        self.session_table = QtWidgets.QTableWidget(0, 4)
        self.session_table.setHorizontalHeaderLabels(["file", "runner", "tags", "notes"])
        self.session_table.horizontalHeader().setStretchLastSection(True)
        self.session_table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        lay.addWidget(self.session_table, 1)
        self.compare_button = QtWidgets.QPushButton("Compare ticked runs")
        self.compare_button.clicked.connect(self.compare_ticked)
        lay.addWidget(self.compare_button)
        self.runner_box.currentIndexChanged.connect(self._fill_sessions)
        self.tag_box.currentIndexChanged.connect(self._fill_sessions)
        self.folder_edit.returnPressed.connect(lambda: self.open_folder(self.folder_edit.text()))

        # comparison tabs
        self.tabs = QtWidgets.QTabWidget()
        self.verdict = QtWidgets.QLabel("Pick runs on the left, or pass files on the command line.")
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.verdict.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.headline_table = QtWidgets.QTableWidget(0, 0)
        top = QtWidgets.QWidget()
        tl = QtWidgets.QVBoxLayout(top)
        tl.addWidget(self.verdict)
        tl.addWidget(self.headline_table, 1)
        self.tabs.addTab(top, "Verdict")
        self.timeline = pg.GraphicsLayoutWidget()
        self.tabs.addTab(self.timeline, "Timelines")
        self.dist = pg.GraphicsLayoutWidget()
        self.tabs.addTab(self.dist, "Distributions")
        self.minutes_table = QtWidgets.QTableWidget(0, 0)
        self.tabs.addTab(self.minutes_table, "Minute by minute")

        split = QtWidgets.QSplitter()
        split.addWidget(lib)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 3)
        self.setCentralWidget(split)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.statusBar().addPermanentWidget(self.progress, 1)
        save = self.menuBar().addMenu("&File").addAction("Save report…")
        save.triggered.connect(self._save_report)
        if folder:
            self.open_folder(folder)

    # -- library -------------------------------------------------------------------------
    def _browse(self) -> None:
        d = QtWidgets.QFileDialog.getExistingDirectory(self, "Folder of runs", self.folder_edit.text())
        if d:
            self.open_folder(d)

    def open_folder(self, folder: str) -> None:
        """List the runs of ``folder`` (metadata only) and fill the runner/tag filters."""
        self.folder_edit.setText(folder)
        try:
            self.entries = scan_folder(folder)
        except StridemonError as e:
            self.statusBar().showMessage(str(e))
            self.entries = []
        runners = sorted({e.meta.runner for e in self.entries if e.meta.runner})
        tags = sorted({t for e in self.entries for t in e.meta.tags})
        for box, items in ((self.runner_box, runners), (self.tag_box, tags)):
            box.blockSignals(True)
            box.clear()
            box.addItems(["(all)", *items])
            box.blockSignals(False)
        self._fill_sessions()

    def visible_entries(self) -> list[SessionEntry]:
        """Entries passing the runner and tag filters."""
        r = self.runner_box.currentText()
        t = self.tag_box.currentText()
        return [
            e
            for e in self.entries
            if (r in ("", "(all)") or e.meta.runner == r) and (t in ("", "(all)") or t in e.meta.tags)
        ]

    def _fill_sessions(self) -> None:
        shown = self.visible_entries()
        self.session_table.setRowCount(len(shown))
        for i, e in enumerate(shown):
            item = QtWidgets.QTableWidgetItem(Path(e.path).name)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(QtCore.Qt.CheckState.Unchecked)
            item.setData(QtCore.Qt.ItemDataRole.UserRole, e.path)
            self.session_table.setItem(i, 0, item)
            for j, text in enumerate((e.meta.runner or "", ", ".join(e.meta.tags), e.meta.notes or ""), 1):
                self.session_table.setItem(i, j, QtWidgets.QTableWidgetItem(text))
        self.session_table.resizeColumnsToContents()

    def set_ticked(self, paths: Sequence[str]) -> None:
        """Tick these runs in the library list (others unticked)."""
        for i in range(self.session_table.rowCount()):
            it = self.session_table.item(i, 0)
            on = it.data(QtCore.Qt.ItemDataRole.UserRole) in set(paths)
            it.setCheckState(QtCore.Qt.CheckState.Checked if on else QtCore.Qt.CheckState.Unchecked)

    def ticked(self) -> list[str]:
        out = []
        for i in range(self.session_table.rowCount()):
            it = self.session_table.item(i, 0)
            if it.checkState() == QtCore.Qt.CheckState.Checked:
                out.append(it.data(QtCore.Qt.ItemDataRole.UserRole))
        return out

    def compare_ticked(self) -> None:
        paths = self.ticked() or [e.path for e in self.visible_entries()]
        if paths:
            self.load(paths)

    # -- loading -------------------------------------------------------------------------
    def load(self, paths: Sequence[str]) -> None:
        """Analyse ``paths`` on a worker thread (progress bar), then show the comparison."""
        if self._thread is not None:
            return
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.compare_button.setEnabled(False)
        self._thread = QtCore.QThread(self)
        self._loader = _Loader(paths, self.acc_unit, self.gyro_unit)
        self._loader.moveToThread(self._thread)
        self._thread.started.connect(self._loader.work)
        self._loader.progress.connect(self._on_progress)
        self._loader.done.connect(self._on_done)
        self._thread.start()

    @QtCore.Slot(float, str)
    def _on_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(1000 * fraction))
        self.progress.setFormat(f"{text}  %p%")

    @QtCore.Slot(object)
    def _on_done(self, cmp: Comparison) -> None:
        assert self._thread is not None
        self._thread.quit()
        self._thread.wait()
        self._thread = None
        self._loader = None
        self.progress.setVisible(False)
        self.compare_button.setEnabled(True)
        self.show_comparison(cmp)

    @property
    def busy(self) -> bool:
        return self._thread is not None

    # -- showing -------------------------------------------------------------------------
    def show_comparison(self, cmp: Comparison) -> None:
        """Fill every tab from a finished comparison."""
        self.comparison = cmp
        good = cmp.good
        lines = []
        for i, r in enumerate(cmp.runs):
            col = color(i)
            tags = ", ".join(r.meta.tags)
            state = "" if r.ok else f" — <b style='color:#c0392b'>could not be analysed:</b> {r.error}"
            lines.append(f"<span style='color:{col}'>■</span> <b>{letter(i)}</b>: {r.name} {tags}{state}")
        for i in good[1:]:
            for key in ("cadence_spm_median", "rotation_deg_median"):
                d = headline(cmp, key, i)
                if d is not None:
                    lines.append(f"• {d.text}")
        self.verdict.setText("<br>".join(lines))
        self._fill_headline(cmp)
        self._draw(cmp)
        self._fill_minutes(cmp)
        self.statusBar().showMessage(f"{len(good)} of {len(cmp.runs)} runs compared")
        self.comparison_ready.emit(cmp)

    def _fill_headline(self, cmp: Comparison) -> None:
        good = cmp.good
        t = self.headline_table
        cols = [letter(i) for i in good] + [f"{letter(i)} vs {letter(good[0])}" for i in good[1:]]
        t.setColumnCount(len(cols))
        t.setHorizontalHeaderLabels(cols)
        t.setRowCount(len(HEAD_ROWS))
        t.setVerticalHeaderLabels([row.label for row in HEAD_ROWS])
        for r, row in enumerate(HEAD_ROWS):
            for c, i in enumerate(good):
                t.setItem(r, c, QtWidgets.QTableWidgetItem(head_cell(cmp.summaries[i], row)))
            for c, i in enumerate(good[1:], len(good)):
                d = headline(cmp, row.key, i)
                text = "–"
                if d is not None and d.difference is not None:
                    text = f"{d.difference:+.1f} {d.direction}" + ("" if d.clear else " (not clear)")
                t.setItem(r, c, QtWidgets.QTableWidgetItem(text))
        t.resizeColumnsToContents()

    def _draw(self, cmp: Comparison) -> None:
        self.timeline.clear()
        self.dist.clear()
        plots = {
            "ce": self.timeline.addPlot(0, 0, title="Cadence (10-s median) vs elapsed time"),
            "cn": self.timeline.addPlot(0, 1, title="Cadence vs % of run"),
            "re": self.timeline.addPlot(1, 0, title="Rotation per stride vs elapsed time"),
            "rn": self.timeline.addPlot(1, 1, title="Rotation vs % of run"),
            "cd": self.dist.addPlot(0, 0, title="Cadence of every step"),
            "rd": self.dist.addPlot(0, 1, title="Rotation of every stride"),
        }
        for k, p in plots.items():
            p.showGrid(x=True, y=True, alpha=0.2)
            p.addLegend(offset=(5, 5))
            p.setLabel("bottom", {"ce": "min", "re": "min", "cn": "%", "rn": "%", "cd": "spm", "rd": "deg"}[k])
        for r in run_series(cmp):
            pen = pg.mkPen(r.color, width=2)
            name = f"{letter(r.index)}: {r.name}"
            plots["ce"].plot(r.cadence_min, r.cadence_spm, pen=pen, name=name)
            plots["cn"].plot(r.cadence_pct, r.cadence_spm, pen=pen, name=name)
            plots["re"].plot(r.rotation_min, r.rotation_deg, pen=pen, name=name)
            plots["rn"].plot(r.rotation_pct, r.rotation_deg, pen=pen, name=name)
            for key, vals, w in (("cd", r.steps_spm, 1.0), ("rd", r.strides_deg, 0.5)):
                if len(vals):
                    edges = np.arange(np.floor(vals.min() / w) * w - w, np.ceil(vals.max() / w) * w + 2 * w, w)
                    h, _ = np.histogram(vals, edges)
                    plots[key].plot(edges, 100 * h / len(vals), stepMode="center", pen=pen, name=name)
            for key, ref in (
                ("ce", r.target_cadence_spm),
                ("cn", r.target_cadence_spm),
                ("re", r.rotation_budget_deg),
                ("rn", r.rotation_budget_deg),
            ):
                if ref:
                    plots[key].addLine(y=ref, pen=pg.mkPen("#777", style=QtCore.Qt.PenStyle.DashLine))

    def _fill_minutes(self, cmp: Comparison) -> None:
        good = cmp.good
        n = max((len(cmp.minutes[i]) for i in good), default=0)
        t = self.minutes_table
        t.setRowCount(n)
        t.setColumnCount(2 * len(good))
        t.setHorizontalHeaderLabels([f"{letter(i)} {w}" for i in good for w in ("cadence", "rotation")])
        t.setVerticalHeaderLabels([f"{k}–{k + 1} min" for k in range(n)])
        for c, i in enumerate(good):
            for k, seg in enumerate(cmp.minutes[i]):
                for j, v in enumerate((seg.cadence_spm_median, seg.rotation_deg_median)):
                    t.setItem(k, 2 * c + j, QtWidgets.QTableWidgetItem("–" if v is None else f"{v:.1f}"))

    def _save_report(self) -> None:
        if self.comparison is None:
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save report", "report.html", "HTML (*.html)")
        if path:
            Path(path).write_text(report_html(self.comparison), encoding="utf-8")
            self.statusBar().showMessage(f"report saved to {path}")


def run_window(
    paths: Sequence[str] = (), folder: str | None = None, acc_unit: str = "auto", gyro_unit: str = "auto"
) -> int:
    """Open the window (analysing ``paths`` at once) and run Qt until it is closed."""
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    if folder is None and paths:
        parents = {str(Path(p).parent) for p in paths}
        folder = parents.pop() if len(parents) == 1 else None
    w = CompareWindow(folder, acc_unit, gyro_unit)
    w.show()
    if paths:
        w.set_ticked([str(p) for p in paths])
        w.load([str(p) for p in paths])
    return int(app.exec())
