"""The runner's settings dialog: cadence plan, alert rules, rotation budget (deg or cm), sound.

It edits a copy of a :class:`~stridemon.settings.RunnerSettings`; :meth:`SettingsDialog.settings`
returns the edited copy and the dashboard applies and saves it when the runner presses OK. The
dialog is opened with ``open()`` (window-modal, not a nested event loop), so the sensor keeps
streaming underneath.
"""

from __future__ import annotations

import copy
import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from stridemon.settings import DEFAULT_TARGET_SPM, RunnerSettings


def _spin(lo: float, hi: float, value: float, suffix: str, step: float = 1.0, decimals: int = 1) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    s.setSuffix(suffix)
    s.setValue(value)
    s.setKeyboardTracking(False)  # valueChanged once the number is complete, not per digit
    return s


def _ispin(lo: int, hi: int, value: int, suffix: str = "") -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setSuffix(suffix)
    s.setValue(value)
    return s


class SettingsDialog(QDialog):
    """Edit one runner's settings; ``settings()`` is the result (the input is not changed)."""

    def __init__(self, settings: RunnerSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._s = copy.deepcopy(settings)
        s, plan = self._s, self._s.plan
        self.setWindowTitle(f"Settings — {s.name}")
        root = QVBoxLayout(self)

        # Cadence plan: baseline + step every N weeks, capped; "no baseline" = 0.
        g = QGroupBox("Cadence target")
        f = QFormLayout(g)
        self.baseline = _spin(0.0, 230.0, plan.baseline_spm or 0.0, " spm")
        self.baseline.setSpecialValueText(f"none yet (target {DEFAULT_TARGET_SPM:.0f} spm)")
        started = plan.start_date or dt.date.today().isoformat()
        self.start_date = QDateEdit(QDate.fromString(started, Qt.DateFormat.ISODate))
        self.start_date.setCalendarPopup(True)
        self.start_date.setDisplayFormat("yyyy-MM-dd")
        self.step = _spin(0.0, 20.0, plan.step_spm, " spm")
        self.every = _spin(0.5, 52.0, plan.every_weeks, " weeks", 0.5)
        self.cap = _spin(120.0, 230.0, plan.cap_spm, " spm")
        self.offset = _spin(-30.0, 30.0, s.target_offset_spm, " spm")
        self.tolerance = _spin(0.0, 20.0, s.cadence_tolerance_spm, " spm", 0.5)
        self.after = _spin(1.0, 120.0, s.cadence_alert_after_s, " s")
        self.target_preview = QLabel()
        f.addRow("Measured baseline", self.baseline)
        f.addRow("Plan started", self.start_date)
        f.addRow("Raise by", self.step)
        f.addRow("every", self.every)
        f.addRow("Up to", self.cap)
        f.addRow("Today's adjustment", self.offset)
        f.addRow("Alert below target by", self.tolerance)
        f.addRow("… for", self.after)
        f.addRow("Today's target", self.target_preview)
        root.addWidget(g)

        # Rotation budget: degrees and cm each way are two views of one number.
        g = QGroupBox("Rotation budget")
        f = QFormLayout(g)
        self.budget_deg = _spin(2.0, 60.0, s.rotation_budget_deg, " °", 0.5)
        self.budget_cm = _spin(0.2, 15.0, s.rotation_budget_cm, " cm each way", 0.1, 2)
        self.half_width = _spin(8.0, 30.0, s.torso_half_width_cm, " cm", 0.5)
        row = QHBoxLayout()
        row.addWidget(self.budget_deg)
        row.addWidget(QLabel("="))
        row.addWidget(self.budget_cm)
        f.addRow("Yaw range per stride", row)
        f.addRow("Torso half-width", self.half_width)
        self.alert_n = _ispin(1, 20, s.rotation_alert_n)
        self.alert_m = _ispin(1, 20, s.rotation_alert_m, " strides")
        row = QHBoxLayout()
        row.addWidget(self.alert_n)
        row.addWidget(QLabel("of the last"))
        row.addWidget(self.alert_m)
        f.addRow("Alert when over budget in", row)
        root.addWidget(g)

        g = QGroupBox("Alerts")
        f = QFormLayout(g)
        self.cooldown = _spin(0.0, 600.0, s.cooldown_s, " s", 5.0)
        self.sound = QCheckBox("audible cues")
        self.sound.setChecked(s.sound)
        self.speech = QCheckBox("spoken words (else tones)")
        self.speech.setChecked(s.speech)
        self.metronome = QCheckBox("metronome at the target cadence")
        self.metronome.setChecked(s.metronome)
        f.addRow("Quiet after an alert", self.cooldown)
        f.addRow(self.sound)
        f.addRow(self.speech)
        f.addRow(self.metronome)
        root.addWidget(g)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)

        self.budget_deg.valueChanged.connect(self._deg_changed)
        self.budget_cm.valueChanged.connect(self._cm_changed)
        self.half_width.valueChanged.connect(self._half_width_changed)
        self.alert_n.valueChanged.connect(lambda n: self.alert_m.setValue(max(self.alert_m.value(), n)))
        self.alert_m.valueChanged.connect(lambda m: self.alert_n.setValue(min(self.alert_n.value(), m)))
        for w in (self.baseline, self.step, self.every, self.cap, self.offset, self.tolerance):
            w.valueChanged.connect(self._update_preview)
        self.start_date.dateChanged.connect(self._update_preview)
        self._initial = {w: w.value() for w in (self.baseline, self.step, self.every, self.cap, self.offset,
                                                self.tolerance, self.after, self.cooldown)}
        self._initial[self.start_date] = self.start_date.date()
        self._update_preview()

    # -- linked fields ---------------------------------------------------------------------
    # The budget is kept in self._s and changed only by an edit, so OK without edits gives back
    # exactly the settings that came in (the spin boxes round to their decimals).
    def _deg_changed(self, deg: float) -> None:
        self._s.rotation_budget_deg = deg
        self._show(self.budget_cm, self._s.rotation_budget_cm)

    def _cm_changed(self, cm: float) -> None:
        self._s.set_rotation_budget_cm(cm)
        self._show(self.budget_deg, self._s.rotation_budget_deg)

    def _half_width_changed(self, half_width_cm: float) -> None:
        self._s.torso_half_width_cm = half_width_cm  # same angle, a longer or shorter arc
        self._show(self.budget_cm, self._s.rotation_budget_cm)

    @staticmethod
    def _show(spin: QDoubleSpinBox, value: float) -> None:
        spin.blockSignals(True)
        spin.setValue(value)
        spin.blockSignals(False)

    def _update_preview(self) -> None:
        s = self.settings()
        target = s.target_cadence_spm()
        self.target_preview.setText(
            f"<b>{target:.0f} spm</b> (alert below {target - s.cadence_tolerance_spm:.0f})"
        )

    # -- result ------------------------------------------------------------------------------
    def settings(self) -> RunnerSettings:
        """The settings as edited (a new object; fields whose box was not touched keep their value)."""
        s = copy.deepcopy(self._s)
        base = self._value(self.baseline, s.plan.baseline_spm or 0.0)
        s.plan.baseline_spm = base if base > 0 else None
        date_edited = self.start_date.date() != self._initial[self.start_date]
        if base <= 0:
            s.plan.start_date = None
        elif date_edited or s.plan.start_date is None:
            s.plan.start_date = self.start_date.date().toString(Qt.DateFormat.ISODate)
        s.plan.step_spm = self._value(self.step, s.plan.step_spm)
        s.plan.every_weeks = self._value(self.every, s.plan.every_weeks)
        s.plan.cap_spm = self._value(self.cap, s.plan.cap_spm)
        s.target_offset_spm = self._value(self.offset, s.target_offset_spm)
        s.cadence_tolerance_spm = self._value(self.tolerance, s.cadence_tolerance_spm)
        s.cadence_alert_after_s = self._value(self.after, s.cadence_alert_after_s)
        s.rotation_alert_n = self.alert_n.value()
        s.rotation_alert_m = self.alert_m.value()
        s.cooldown_s = self._value(self.cooldown, s.cooldown_s)
        s.sound = self.sound.isChecked()
        s.speech = self.speech.isChecked()
        s.metronome = self.metronome.isChecked()
        return s

    def _value(self, spin: QDoubleSpinBox, original: float) -> float:
        return original if spin.value() == self._initial[spin] else spin.value()
