"""The live dashboard window: big cadence and rotation against target and budget, trends, alerts.

The window consumes any :class:`~stridemon.sources.base.Source` in the Qt event loop (qasync):
``await window.consume(source)`` drives its :class:`~stridemon.live_session.LiveSession` (pipeline,
alerts, recorder, queue, pause/seek/laps, settings: all Qt-free), stores what is drawn in ring
buffers, and a 30 fps timer redraws what changed: the window only draws. Nothing here blocks: a
batch costs the pipeline well under a millisecond per 10 ms of 200 Hz data.

Optional source controls, used when the source has them (replay, simulator): ``pause()``,
``resume()``, ``set_speed(x)``, ``seek(t_s)``, ``speed``, ``duration_s``, ``stats`` (dict with
``samples``/``lost_samples``, as BleSource), ``info.extra["battery_pct"]``.

Recording: ``recorder_factory(path) -> recorder`` with ``write_batch(batch)``,
``write_events(events)``, ``close()``; ``path`` has no extension (the recorder adds its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from stridemon.dsp.rotation import arc_cm
from stridemon.events import Alert, Event, Marker, Step, Stride
from stridemon.live_session import LiveSession
from stridemon.pipeline import PipelineOutput
from stridemon.samples import SampleBatch
from stridemon.settings import RunnerSettings
from stridemon.ui.audio import Audio
from stridemon.ui.ringbuffer import RingBuffer
from stridemon.ui.widgets import (
    BG,
    DIM,
    FG,
    LEFT_COLOR,
    PANEL,
    RIGHT_COLOR,
    STATE_COLORS,
    AlertBanner,
    BalanceBar,
    BigReadout,
    InfoLabel,
)

log = logging.getLogger(__name__)

RecorderFactory = Callable[[Path], Any]
SPOKEN = {"cadence": "Cadence. Quicker steps.", "rotation": "Rotation. Quiet hips."}


@dataclass
class DashboardOptions:
    """Display choices (units in the names)."""

    trend_s: float = 300.0  # trend plots show the last 5 minutes
    strip_s: float = 6.0  # raw vertical signal strip
    fps: float = 30.0
    record_dir: Path = Path("recordings")
    rotation_readout_strides: int = 4  # the big rotation number: median of the last N strides
    max_queue_s: float = 0.25  # process queued samples at once beyond this much (s of device time)


def _blend(color: str, alpha: float) -> Any:
    """``color`` at ``alpha`` over the background, as an opaque brush (cheaper to paint than alpha)."""
    c, b = pg.mkColor(color), pg.mkColor(BG)
    mix = [round(alpha * x + (1 - alpha) * y) for x, y in zip(c.getRgb()[:3], b.getRgb()[:3], strict=True)]
    return pg.mkBrush(*mix)


# side (0 left, 1 right, None unknown) -> (faint full-height bar, bottom tick) brushes
_STEP_COLORS: dict[float | None, tuple[Any, Any]] = {
    side: (_blend(color, 0.45), pg.mkBrush(color))
    for side, color in ((0.0, LEFT_COLOR), (1.0, RIGHT_COLOR), (None, DIM))
}


def _fmt_clock(s: float) -> str:
    if not math.isfinite(s):
        return "--:--"
    s = int(s)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


class _PaintProbe(QObject):
    """Notes when the raw strip is painted: the end of sample-to-screen latency."""

    def __init__(self, on_paint: Callable[[], None]) -> None:
        super().__init__()
        self.on_paint = on_paint

    def eventFilter(self, _obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.on_paint()
        return False


class Dashboard(QMainWindow):
    """The live window. Feed it with :meth:`consume` (async) or :meth:`on_batch` directly."""

    source_finished = Signal(str)  # why the source stopped: "ended", "stopped", "disconnected: ..."

    def __init__(
        self,
        settings: RunnerSettings | None = None,
        recorder_factory: RecorderFactory | None = None,
        audio: Audio | None = None,
        options: DashboardOptions | None = None,
        save_settings: Callable[[RunnerSettings], Any] | None = None,
        source_actions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.options = options or DashboardOptions()
        self._marker_lines: list[pg.InfiniteLine] = []
        self.session = LiveSession(
            settings or RunnerSettings(),
            keep_last_events=1000,
            max_queue_s=self.options.max_queue_s,
            rotation_readout_strides=self.options.rotation_readout_strides,
            on_record_error=self._record_failed,
        )
        self.session.batch_listeners.append(self._on_batch_fed)
        self.session.listeners.append(self._on_output)
        self.session.on_reset.append(self._reset_display)
        self.recorder_factory = recorder_factory
        self.audio = audio if audio is not None else Audio(enabled=self.settings.sound)
        self.save_settings = save_settings
        self.source_actions = source_actions or {}
        self.source_state = "no source"
        self.record_path: Path | None = None
        self.latencies_ms = RingBuffer(20_000)  # ms, sample arrival -> strip painted (benchmarks)
        self._pending_arrivals: list[float] = []
        self._settings_dialog: Any = None
        self._closed = False  # set by closeEvent: the source task must not touch the widgets after it
        self._task: asyncio.Task | None = None
        self._dirty = True
        self._next_trend_draw = 0.0
        self._beat = False
        self.setWindowTitle(f"stridemon — {self.settings.name}")
        self._build()
        self._build_actions()
        self.reset_session()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(int(1000 / self.options.fps))
        self._metronome = QTimer(self)
        self._metronome.setTimerType(Qt.TimerType.PreciseTimer)
        self._metronome.timeout.connect(self._tick)
        self._update_metronome()

    # -- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        pg.setConfigOptions(antialias=False, background=BG, foreground=DIM)
        self.setStyleSheet(
            f"QMainWindow, QWidget#central {{ background: {BG}; }}"
            f"QToolBar {{ background: {PANEL}; border: none; spacing: 6px; padding: 4px; }}"
            f"QToolButton {{ color: {FG}; font-size: 14px; padding: 5px 7px; border-radius: 6px; }}"
            f"QToolButton:checked {{ background: #3a4350; }}"
            f"QToolButton:hover {{ background: #2f3742; }}"
        )
        central = QWidget(objectName="central")
        self.setCentralWidget(central)
        root = QVBoxLayout(central)
        root.setContentsMargins(10, 8, 10, 8)
        root.setSpacing(8)
        self.banner = AlertBanner()
        root.addWidget(self.banner)

        top = QHBoxLayout()
        top.setSpacing(10)
        self.cadence_box = BigReadout("Cadence", "steps / min")
        self.rotation_box = BigReadout("Trunk rotation", "deg per stride")
        top.addWidget(self.cadence_box, 5)
        top.addWidget(self.rotation_box, 5)
        side = QWidget()
        side.setStyleSheet(f"background: {PANEL}; border-radius: 12px;")
        sl = QVBoxLayout(side)
        sl.setContentsMargins(14, 10, 14, 10)
        self.clock = QLabel("00:00")
        self.clock.setStyleSheet(f"color: {FG}; font-size: 56px; font-weight: bold;")
        self.clock.setAlignment(Qt.AlignmentFlag.AlignCenter)
        sl.addWidget(self.clock)
        self.info_steps = InfoLabel(px=22)
        self.info_target = InfoLabel()
        self.info_budget = InfoLabel()
        self.info_record = InfoLabel()
        sl.addWidget(self.info_steps)
        sl.addWidget(self.info_target)
        sl.addWidget(self.info_budget)
        bal = QLabel("LEFT / RIGHT BALANCE (step time)")
        bal.setStyleSheet(f"color: {DIM}; font-size: 13px;")
        sl.addWidget(bal)
        self.balance = BalanceBar()
        sl.addWidget(self.balance)
        sl.addSpacing(6)
        self.info_sensor = InfoLabel(px=16)
        self.info_rate = InfoLabel(px=16)
        self.info_loss = InfoLabel(px=16)
        self.info_battery = InfoLabel(px=16)
        for w in (self.info_sensor, self.info_rate, self.info_loss, self.info_battery, self.info_record):
            sl.addWidget(w)
        sl.addStretch(1)
        top.addWidget(side, 3)
        root.addLayout(top, 5)

        grid = QGridLayout()
        grid.setSpacing(8)
        self.cadence_plot = self._plot("Cadence (spm) — target band · ▼ alert", "session time (min)")
        self.rotation_plot = self._plot("Rotation per stride (deg) — budget - - -", "session time (min)")
        self.strip_plot = self._plot(
            f"Vertical acceleration (m/s²) — steps <span style='color:{LEFT_COLOR}'>● left</span> "
            f"<span style='color:{RIGHT_COLOR}'>● right</span>", "s before now"
        )
        self.cadence_plot.setYRange(140, 195)
        self.rotation_plot.setYRange(0, 40)
        self._strip_range = (-10.0, 10.0)  # m/s², follows the signal in 5 m/s² steps (see refresh)
        self.strip_plot.setYRange(*self._strip_range, padding=0)
        self.strip_plot.setXRange(-self.options.strip_s, 0)
        self.target_band = pg.LinearRegionItem(
            orientation="horizontal", movable=False, brush=pg.mkBrush(92, 242, 154, 40), pen=pg.mkPen(None)
        )
        self.target_line = pg.InfiniteLine(angle=0, pen=pg.mkPen("#5cf29a", width=2))
        self.cadence_plot.addItem(self.target_band)
        self.cadence_plot.addItem(self.target_line)
        self.cadence_curve = self.cadence_plot.plot(pen=pg.mkPen(FG, width=3))
        self.budget_line = pg.InfiniteLine(angle=0, pen=pg.mkPen("#ff6b6b", width=2, style=Qt.PenStyle.DashLine))
        self.rotation_plot.addItem(self.budget_line)
        self.rotation_scatter = pg.ScatterPlotItem(size=7, pen=None, brush=pg.mkBrush(FG))
        self.rotation_over = pg.ScatterPlotItem(size=9, pen=None, brush=pg.mkBrush("#ff6b6b"))
        self.rotation_plot.addItem(self.rotation_scatter)
        self.rotation_plot.addItem(self.rotation_over)
        self.cadence_alert_marks = pg.ScatterPlotItem(size=16, pen=None, brush=pg.mkBrush("#ff6b6b"), symbol="t")
        self.rotation_alert_marks = pg.ScatterPlotItem(size=16, pen=None, brush=pg.mkBrush("#ff6b6b"), symbol="t")
        self.cadence_plot.addItem(self.cadence_alert_marks)
        self.rotation_plot.addItem(self.rotation_alert_marks)
        self.strip_plot.showGrid(x=False, y=False)  # the grid is redrawn on every frame: the costliest part
        self.strip_curve = self.strip_plot.plot(pen=pg.mkPen("#c9d3df", width=1))
        # Steps: a faint full-height bar at each contact with a solid tick at the bottom, coloured
        # by side. Plain rectangles (a QPicture rebuilt only when a step arrives) placed in session
        # time and slid with setPos; wide or translucent pens and scatter symbols cost far more
        # per frame.
        self.step_bars = pg.BarGraphItem(x=[], height=[], width=0.01, pen=pg.mkPen(None))
        self.step_bars.setZValue(-1)  # behind the signal
        # (no item cache here: Qt's device cache scrolled with setPos leaves stale slivers)
        self.strip_plot.addItem(self.step_bars)
        grid.addWidget(self.cadence_plot, 0, 0)
        grid.addWidget(self.rotation_plot, 0, 1)
        grid.addWidget(self.strip_plot, 1, 0, 1, 2)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        root.addLayout(grid, 5)
        self._probe = _PaintProbe(self._on_strip_painted)
        self.strip_plot.viewport().installEventFilter(self._probe)

    def _plot(self, title: str, x_label: str) -> pg.PlotWidget:
        w = pg.PlotWidget()
        w.setTitle(f"<span style='color:{FG}; font-size:13pt'>{title}</span>")
        w.setLabel("bottom", x_label)
        w.showGrid(x=True, y=True, alpha=0.15)
        w.setMouseEnabled(x=False, y=False)
        w.hideButtons()
        w.setMenuEnabled(False)
        w.getPlotItem().setClipToView(True)
        for name in ("left", "bottom"):  # axes change rarely: paint them from a cached pixmap
            w.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        return w

    def _build_actions(self) -> None:
        tb = QToolBar("controls")
        tb.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, tb)
        self.actions_by_name: dict[str, QAction] = {}

        def act(name: str, text: str, keys: list[str], slot, checkable: bool = False, show: bool = True) -> QAction:
            a = QAction(f"{text}  [{keys[0]}]" if keys else text, self)
            a.setShortcuts([QKeySequence(k) for k in keys])
            a.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            a.setCheckable(checkable)
            a.triggered.connect(slot)
            self.addAction(a)
            if show:
                tb.addAction(a)
            self.actions_by_name[name] = a
            return a

        for name, spec in self.source_actions.items():  # a callable, or (callable, [keys])
            fn, keys = spec if isinstance(spec, tuple) else (spec, [])
            act(f"source:{name}", name, list(keys), fn)
        if self.source_actions:
            tb.addSeparator()
        act("pause", "Pause", ["Space"], self.toggle_pause, checkable=True)
        act("record", "● Record", ["R"], self.toggle_record, checkable=True)
        act("marker", "Lap", ["M"], self.add_marker)
        act("settings", "Settings…", ["P", "Ctrl+,"], self.open_settings)
        tb.addSeparator()
        act("target_down", "Target −", ["-"], lambda: self.change_target(-1.0))
        act("target_up", "Target +", ["+", "="], lambda: self.change_target(+1.0))
        act("budget_down", "Budget −", ["["], lambda: self.change_budget(-1.0))
        act("budget_up", "Budget +", ["]"], lambda: self.change_budget(+1.0))
        act("baseline", "Baseline←run", ["B"], self.set_baseline_from_session)
        tb.addSeparator()
        act("metronome", "Metronome", ["T"], self.toggle_metronome, checkable=True)
        act("sound", "Sound", ["S"], self.toggle_sound, checkable=True)
        act("back", "−10 s", ["Left"], lambda: self.seek(-10.0))
        act("fwd", "+10 s", ["Right"], lambda: self.seek(+10.0))
        act("slower", "Slower", [","], lambda: self.change_speed(0.5))
        act("faster", "Faster", ["."], lambda: self.change_speed(2.0))
        act("fullscreen", "Full screen", ["F"], self.toggle_fullscreen, show=False)
        act("quit", "Quit", ["Ctrl+Q"], self.close, show=False)
        self.actions_by_name["metronome"].setChecked(self.settings.metronome)
        self.actions_by_name["sound"].setChecked(self.settings.sound)
        self.actions_by_name["record"].setEnabled(self.recorder_factory is not None)

    # -- session state ------------------------------------------------------------------
    def reset_session(self) -> None:
        """Start afresh: new pipeline and alert engine, empty buffers (new source or seek back)."""
        self.session.reset()  # calls _reset_display

    def _reset_display(self) -> None:
        """The session started afresh: empty what is drawn."""
        o = self.options
        rate = self.session.pipeline.settings.internal_rate_hz
        self.strip = RingBuffer(int((o.strip_s + 2) * rate), 2)  # t, vertical acc
        self.step_marks = RingBuffer(64, 2)  # t, side (0 left, 1 right, nan unknown)
        self._marks_added, self._marks_drawn = 0, -1
        self.cadence_trend = RingBuffer(int(o.trend_s * 4) + 16, 2)  # t, smoothed cadence (per step)
        self.rotation_trend = RingBuffer(int(o.trend_s * 2) + 16, 2)  # t, rotation deg (per stride)
        if hasattr(self, "cadence_plot"):
            for line in self._marker_lines:
                self.cadence_plot.removeItem(line)
        self._marker_lines = []
        self._dirty = True

    # The session's state, read by the drawing code (and by tests and benchmarks).
    settings = property(lambda self: self.session.settings, lambda self, v: setattr(self.session, "settings", v))
    pipeline = property(lambda self: self.session.pipeline)
    engine = property(lambda self: self.session.engine)
    recorder = property(lambda self: self.session.recorder)
    source = property(lambda self: self.session.source)
    paused = property(lambda self: self.session.paused)
    t0 = property(lambda self: self.session.t0)
    t_now = property(lambda self: self.session.t_now)
    step_count = property(lambda self: self.session.step_count)
    session_s = property(lambda self: self.session.session_s, doc="Session clock (s) on the device time.")
    recent_rot = property(lambda self: self.session.recent_rot)
    alerts = property(lambda self: self.session.alerts)
    markers = property(lambda self: self.session.markers)

    # -- sources ------------------------------------------------------------------------
    def start_source(self, source, stop_after_s: float | None = None) -> asyncio.Task:
        """Consume ``source`` in a task (the previous one is cancelled)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.ensure_future(self.consume(source, stop_after_s))
        return self._task

    async def consume(self, source, stop_after_s: float | None = None) -> str:
        """Feed ``source`` until it ends, fails or ``stop_after_s`` session seconds; return why."""
        self.source_state = "connecting"
        self._dirty = True
        reason = "stopped"
        dying = False
        try:
            reason = await self.session.run(source, stop_after_s, queued=True, report_errors=True, finish=False)
        except GeneratorExit:  # never resumed: the event loop went away first; nothing may await
            dying = True
            raise
        finally:
            if not (dying or self._closed):  # a closed window draws nothing (its widgets may be gone)
                with contextlib.suppress(Exception):
                    self.session.finish()
                self.on_source_end(reason)
        return reason

    def on_source_end(self, reason: str) -> None:
        self.source_state = reason
        if reason == "ended":
            self.banner.show_message("Source ended — the last readings stay on screen", "warning")
        elif reason.startswith("disconnected"):
            self.banner.show_message(f"Sensor {reason}", "alert")
        self._dirty = True
        self.refresh()
        self.source_finished.emit(reason)

    # -- data in (the session's queue: one pipeline call per frame) ---------------------
    def enqueue(self, batch: SampleBatch) -> None:
        """Queue a source's batch; :meth:`refresh` processes the queue once per frame."""
        self.session.enqueue(batch)

    def process_queued(self) -> None:
        self.session.process_queued()

    def on_batch(self, batch: SampleBatch, arrivals_s: list[float] | None = None) -> PipelineOutput:
        """Process one batch now (arrivals: ``time.perf_counter()`` when its parts arrived, for the
        sample-to-screen latency; default now)."""
        return self.session.feed(batch, arrivals_s)

    def _on_batch_fed(self, _batch: SampleBatch, arrivals_s: list[float] | None) -> None:
        self.source_state = "streaming"
        self._pending_arrivals.extend(arrivals_s if arrivals_s is not None else [time.perf_counter()])

    def _on_output(self, out: PipelineOutput, alerts: list[Alert]) -> None:
        """What is drawn and heard of one pipeline output (the session did the rest)."""
        if len(out.t_s):
            self.strip.extend(np.column_stack([out.t_s, out.vertical_acc_mps2]))
        for e in out.events:
            self._on_event(e)
        for a in alerts:
            self._on_alert(a)
        self._dirty = True

    def _on_event(self, e: Event) -> None:
        if isinstance(e, Step):
            self.step_marks.append(e.t_s, {"left": 0.0, "right": 1.0}.get(e.side or "", math.nan))
            self._marks_added += 1
            c = self.engine.cadence_spm
            if math.isfinite(c):
                self.cadence_trend.append(e.t_s, c)
        elif isinstance(e, Stride):
            if math.isfinite(e.rotation_deg):
                self.rotation_trend.append(e.end_s, e.rotation_deg)

    def _on_alert(self, a: Alert) -> None:
        if a.state == "raised":
            if self.settings.speech:
                self.audio.say(SPOKEN[a.kind], "alert")
            else:
                self.audio.play("alert")
        else:
            self.audio.play("clear")

    # -- recorder -----------------------------------------------------------------------
    def _record_failed(self, e: Exception) -> None:
        self.banner.show_message(f"Recording stopped: {e}", "alert")
        self.actions_by_name["record"].setChecked(False)

    def toggle_record(self) -> None:
        """R: start or stop recording (batches, events, alerts and markers from now on)."""
        if self.recorder is not None:
            self.session.stop_recording()
            self.actions_by_name["record"].setChecked(False)
        elif self.recorder_factory is not None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            self.record_path = Path(self.options.record_dir) / f"{self.settings.name}_{stamp}"
            try:
                self.record_path.parent.mkdir(parents=True, exist_ok=True)
                self.session.start_recording(self.recorder_factory(self.record_path))
                self.actions_by_name["record"].setChecked(True)
            except Exception as e:
                self.actions_by_name["record"].setChecked(False)
                self.banner.show_message(f"Cannot record: {e}", "alert")
        self._dirty = True

    # -- controls -----------------------------------------------------------------------
    def add_marker(self) -> Marker | None:
        """M: a lap marker at the newest sample time (recorded, drawn on the cadence trend)."""
        m = self.session.add_marker()
        if m is None:
            return None
        line = pg.InfiniteLine(pos=(m.t_s - (self.t0 or 0)) / 60.0, angle=90, pen=pg.mkPen("#b48cff", width=1))
        self.cadence_plot.addItem(line)
        self._marker_lines.append(line)
        if len(self._marker_lines) > 20:
            self.cadence_plot.removeItem(self._marker_lines.pop(0))
        self._dirty = True
        return m

    def toggle_pause(self) -> None:
        """Space: pause the source if it can (replay), and freeze the display."""
        self.session.toggle_pause()
        self.actions_by_name["pause"].setChecked(self.paused)
        self._dirty = True
        self.refresh(force=True)

    def _settings_changed(self) -> None:
        self.session.apply_settings()  # alerts and pipeline (torso half-width) follow at once
        self._update_metronome()
        if self.save_settings is not None:
            try:
                self.save_settings(self.settings)
            except Exception as e:
                log.warning("could not save settings: %s", e)
        self._dirty = True
        self._next_trend_draw = 0.0

    def open_settings(self) -> Any:
        """P: the settings dialog (window-modal; the source keeps streaming). Returns the dialog."""
        from stridemon.ui.settings_dialog import SettingsDialog

        if self._settings_dialog is not None and self._settings_dialog.isVisible():
            self._settings_dialog.raise_()
            return self._settings_dialog
        # One dialog at a time, replaced on the next open (the window owns it; no deleteLater,
        # which races Python's references at shutdown).
        self._settings_dialog = SettingsDialog(self.settings, self)
        self._settings_dialog.accepted.connect(self._settings_accepted)
        self._settings_dialog.open()
        return self._settings_dialog

    def _settings_accepted(self) -> None:
        if self._settings_dialog is not None:
            self.apply_settings(self._settings_dialog.settings())

    def apply_settings(self, settings: RunnerSettings) -> None:
        """Use (and save) new settings for this runner: alerts, metronome, sound, display."""
        self.settings = settings
        self.audio.enabled = settings.sound
        self.actions_by_name["metronome"].setChecked(settings.metronome)
        self.actions_by_name["sound"].setChecked(settings.sound)
        self._settings_changed()
        self.refresh(force=True)

    def change_target(self, delta_spm: float) -> None:
        """+/-: move today's target (saved as an offset on the runner's plan)."""
        self.settings.target_offset_spm += delta_spm
        self._settings_changed()

    def change_budget(self, delta_deg: float) -> None:
        """[ / ]: move the rotation budget (deg)."""
        self.settings.rotation_budget_deg = max(2.0, self.settings.rotation_budget_deg + delta_deg)
        self._settings_changed()

    def set_baseline_from_session(self) -> None:
        """B: (re)start the cadence plan from this session's median cadence."""
        c = self.cadence_trend.column(1)
        if len(c) < 10:
            self.banner.show_message("Run a little longer before taking a baseline", "warning")
            return
        self.settings.plan.start(float(np.median(c)))
        self.settings.target_offset_spm = 0.0
        self._settings_changed()

    def toggle_metronome(self) -> None:
        self.settings.metronome = not self.settings.metronome
        self.actions_by_name["metronome"].setChecked(self.settings.metronome)
        self._settings_changed()

    def toggle_sound(self) -> None:
        self.settings.sound = not self.settings.sound
        self.audio.enabled = self.settings.sound
        self.actions_by_name["sound"].setChecked(self.settings.sound)
        self._settings_changed()

    def seek(self, delta_s: float) -> None:
        """Left/Right: jump in a replay (sources with ``seek``)."""
        self.session.seek(delta_s)

    def change_speed(self, factor: float) -> None:
        """, / .: replay slower or faster (sources with ``set_speed``)."""
        self.session.change_speed(factor)
        self._dirty = True

    def toggle_fullscreen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def _update_metronome(self) -> None:
        if self.settings.metronome:
            self._metronome.start(max(int(round(60000.0 / self.settings.target_cadence_spm())), 100))
        else:
            self._metronome.stop()

    def _tick(self) -> None:
        self._beat = not self._beat
        self.audio.play("click")

    # -- drawing ------------------------------------------------------------------------
    def _on_strip_painted(self) -> None:
        if self._pending_arrivals:
            now = time.perf_counter()
            self.latencies_ms.extend((now - np.asarray(self._pending_arrivals)) * 1000.0)
            self._pending_arrivals.clear()

    def refresh(self, force: bool = False) -> None:
        """Process what arrived and redraw what changed (the 30 fps timer)."""
        self.process_queued()  # also while paused: alerts and the recorder keep up with a live sensor
        if (self.paused and not force) or not (self._dirty or force):
            self._update_status()
            return
        self._dirty = False
        s, session = self.settings, self.session
        now = self.t_now if math.isfinite(self.t_now) else 0.0
        t0 = self.t0 or 0.0
        target = s.target_cadence_spm()
        limit = target - s.cadence_tolerance_spm
        # Big numbers.
        c = self.engine.cadence_spm
        c_txt = f"{c:.0f}" if math.isfinite(c) else "--"
        self.cadence_box.set_value(c_txt, f"target {target:.0f}  (alert below {limit:.0f})", session.cadence_state())
        budget_txt = f"budget {s.rotation_budget_deg:.0f}° ({s.rotation_budget_cm:.1f} cm)"
        if self.recent_rot:
            rot = float(np.median(self.recent_rot))
            cm = arc_cm(rot, s.torso_half_width_cm)
            self.rotation_box.set_value(f"{rot:.0f}°", f"{cm:.1f} cm each way · {budget_txt}", session.rotation_state())
        else:
            self.rotation_box.set_value("--", budget_txt, "idle")
        # Banner: active alerts first.
        if self.engine.active:
            texts = [session.alert_text(a) for a in self.engine.active.values()]
            self.banner.show_message("   ·   ".join(texts), "alert")
        elif self.source_state in ("streaming", "connecting"):
            msg = "Paused" if self.paused else ("Good rhythm — on target" if session.cadence_state() == "ok" else "")
            if self.source_state == "connecting":
                msg = "Waiting for data…"
            self.banner.show_message(msg, "ok" if msg.startswith("Good") else "idle")
        # Raw strip with step marks.
        strip = self.strip.view()
        if len(strip):
            x = strip[:, 0] - now
            m = x >= -self.options.strip_s - 0.5
            self.strip_curve.setData(x[m], strip[m, 1])
            if self._marks_drawn != self._marks_added:
                self._marks_drawn = self._marks_added
                self._draw_step_bars(t0)
            self.step_bars.setPos(t0 - now, 0.0)
        else:
            self.strip_curve.setData([], [])
        # Trends (x: session minutes): once a second is plenty (3 px/s at 5 min per 900 px).
        mono = time.monotonic()
        if mono < self._next_trend_draw and not force:
            self._update_status()
            return
        self._next_trend_draw = mono + 1.0
        y = strip[strip[:, 0] >= now - self.options.strip_s, 1] if len(strip) else strip[:0, 1]
        if len(y):  # the strip's range: the last seconds' extremes, rounded out to 5 m/s² (none after a gap)
            rng = (min(-10.0, 5.0 * math.floor(float(np.min(y)) / 5.0 - 0.2)),
                   max(10.0, 5.0 * math.ceil(float(np.max(y)) / 5.0 + 0.2)))
            if rng != self._strip_range:
                self._strip_range = rng
                self.strip_plot.setYRange(*rng, padding=0)
                self._marks_drawn = -1
        x_hi = max(now - t0, self.options.trend_s) / 60.0
        x_lo = x_hi - self.options.trend_s / 60.0
        ct = self.cadence_trend.view()
        self.cadence_curve.setData((ct[:, 0] - t0) / 60.0, ct[:, 1])
        self.cadence_plot.setXRange(x_lo, x_hi, padding=0)
        self.target_band.setRegion((limit, target + s.cadence_tolerance_spm))
        self.target_line.setPos(target)
        lo = min(140.0, limit - 10, float(np.nanmin(ct[:, 1])) - 5 if len(ct) else 140.0)
        hi = max(195.0, target + 15)
        self.cadence_plot.setYRange(lo, hi, padding=0)
        rt = self.rotation_trend.view()
        over = rt[:, 1] > s.rotation_budget_deg
        self.rotation_scatter.setData((rt[~over, 0] - t0) / 60.0, rt[~over, 1])
        self.rotation_over.setData((rt[over, 0] - t0) / 60.0, rt[over, 1])
        self.rotation_plot.setXRange(x_lo, x_hi, padding=0)
        rot_hi = max(40.0, s.rotation_budget_deg * 1.6, float(np.max(rt[:, 1])) + 3 if len(rt) else 0.0)
        self.rotation_plot.setYRange(0, rot_hi, padding=0)
        for kind, item, plot in (("cadence", self.cadence_alert_marks, self.cadence_plot),
                                 ("rotation", self.rotation_alert_marks, self.rotation_plot)):
            # Only the alerts inside the trend window: drawing cost must not grow with the session.
            raised = [(a.t_s - t0) / 60.0 for a in self.alerts if a.kind == kind and a.state == "raised"]
            ta = [x for x in raised if x >= x_lo]
            y_top = plot.getViewBox().viewRange()[1][1]
            item.setData(ta, [y_top - 0.04 * (y_top - (lo if kind == "cadence" else 0))] * len(ta))
        self.budget_line.setPos(s.rotation_budget_deg)
        # Side panel.
        self.info_steps.set("steps", f"{self.step_count}")
        plan = s.plan
        plan_txt = "no baseline yet [B]" if plan.baseline_spm is None else f"plan from {plan.baseline_spm:.0f}"
        self.info_target.set("target", f"{target:.0f} ± {s.cadence_tolerance_spm:.0f} spm", STATE_COLORS["ok"][1])
        self.info_target.setToolTip(plan_txt)
        budget = f"{s.rotation_budget_deg:.0f}° = {s.rotation_budget_cm:.1f} cm each way"
        self.info_budget.set("budget", budget, "#ff6b6b")
        self.balance.set_left_pct(self.session.left_pct())
        self._update_status()

    def _draw_step_bars(self, t0: float) -> None:
        marks = self.step_marks.view()
        n = len(marks)
        lo, hi = self._strip_range
        colors = [_STEP_COLORS.get(side, _STEP_COLORS[None]) for side in marks[:, 1].tolist()]
        x = np.concatenate([marks[:, 0], marks[:, 0]]) - t0
        self.step_bars.setOpts(
            x=x,
            y0=np.full(2 * n, lo),
            height=np.r_[np.full(n, hi - lo), np.full(n, 0.1 * (hi - lo))],
            width=np.r_[np.full(n, 0.012), np.full(n, 0.04)],  # s: about 3 and 9 px
            brushes=[c[0] for c in colors] + [c[1] for c in colors],
        )

    def _update_status(self) -> None:
        # Status text changes at most once a second; setting it 30 times a second would make
        # Qt re-lay-out and repaint the side panel every frame.
        now = time.monotonic()
        key = (self.source_state, self.recorder is not None, self.paused)
        if now < getattr(self, "_next_status", 0.0) and key == getattr(self, "_status_key", None):
            return  # nothing changed but the clock and counters: twice a second is enough
        self._next_status, self._status_key = now + 0.5, key
        self.clock.setText(_fmt_clock(self.session_s))
        src = self.source
        name = getattr(getattr(src, "info", None), "name", "—") if src is not None else "—"
        state = self.source_state
        last_batch = self.session.last_batch_host
        if state == "streaming" and time.monotonic() - last_batch > 2.0:
            state = f"no data for {time.monotonic() - last_batch:.0f} s"
        color = STATE_COLORS["ok"][1] if state == "streaming" else STATE_COLORS["warning"][1]
        if state.startswith(("disconnected", "no data")):
            color = STATE_COLORS["alert"][1]
        speed = getattr(src, "speed", None)
        speed_txt = f" · {speed:g}×" if isinstance(speed, int | float) and speed != 1 else ""
        self.info_sensor.set("sensor", f"{name} · {state}{speed_txt}", color)
        w = self.session.rate_window
        rate = math.nan
        if len(w) >= 2 and w[-1][0] > w[0][0]:
            rate = sum(n for _, n in list(w)[1:]) / (w[-1][0] - w[0][0])
        self.info_rate.set("rate", f"{rate:.0f} Hz" if math.isfinite(rate) else "--")
        stats = getattr(src, "stats", None)
        if isinstance(stats, dict) and stats.get("samples"):
            lost = stats.get("lost_samples", 0)
            pct = 100.0 * lost / (stats["samples"] + lost)
            self.info_loss.set("loss", f"{pct:.1f} % ({lost} samples) · gaps {self.pipeline.metrics.gaps}")
        else:
            self.info_loss.set("loss", f"gaps {self.pipeline.metrics.gaps}")
        batt = getattr(getattr(src, "info", None), "extra", {}).get("battery_pct") if src is not None else None
        self.info_battery.set("battery", f"{batt:.0f} %" if isinstance(batt, int | float) else "n/a")
        if self.recorder is not None:
            self.info_record.set("●", f"REC {self.record_path.name if self.record_path else ''}", "#ff6b6b")
        else:
            metro = " · metronome" if self.settings.metronome else ""
            snd = "sound" if self.settings.sound and self.audio.available else "visual only"
            self.info_record.set("alerts", snd + metro, DIM)

    # -- window -------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self._closed = True
        self.session.stop_recording()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._timer.stop()
        self._metronome.stop()
        super().closeEvent(event)
