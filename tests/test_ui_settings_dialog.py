"""The settings dialog in a real (offscreen) window: edits reach the alerts and the runner's file."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QDialogButtonBox

from stridemon.settings import RunnerSettings, load_runner, save_runner
from stridemon.ui.audio import Audio
from stridemon.ui.dashboard import Dashboard
from stridemon.ui.settings_dialog import SettingsDialog

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("ui_env")]


def _press(dialog, which) -> None:
    dialog.findChild(QDialogButtonBox).button(which).click()


def test_ok_without_edits_gives_back_the_same_settings(qapp):
    s = RunnerSettings(name="bo", rotation_budget_deg=17.123, cadence_tolerance_spm=2.25, metronome=True)
    s.plan.start(163.4)
    d = SettingsDialog(s)
    assert d.settings().to_dict() == s.to_dict()
    d.close()


def test_edits_in_the_dialog_reach_alerts_display_and_file(qapp):
    saved = []
    w = Dashboard(load_runner("ana"), audio=Audio(backend="none"), save_settings=lambda s: saved.append(save_runner(s)))
    w.resize(1400, 900)
    w.show()
    w.actions_by_name["settings"].trigger()  # the P key's action
    qapp.processEvents()
    d = w.findChild(SettingsDialog)
    assert d is not None and d.isVisible()
    d.baseline.setValue(166.0)
    d.step.setValue(4.0)
    d.tolerance.setValue(5.0)
    d.budget_cm.setValue(2.0)  # "2 cm each way": the degrees follow
    assert d.budget_deg.value() == pytest.approx(15.3, abs=0.1)
    assert "166 spm" in d.target_preview.text()
    d.alert_n.setValue(7)  # N beyond M pulls M up
    assert d.alert_m.value() == 7
    d.metronome.setChecked(True)
    _press(d, QDialogButtonBox.StandardButton.Ok)
    qapp.processEvents()

    s = w.settings
    assert s.plan.baseline_spm == 166.0 and s.plan.step_spm == 4.0 and s.plan.start_date is not None
    assert s.rotation_budget_cm == pytest.approx(2.0, abs=0.01)
    assert w.engine.settings.cadence_limit_spm == pytest.approx(161.0)
    assert w.engine.settings.rotation_budget_deg == pytest.approx(s.rotation_budget_deg)
    assert w.engine.settings.rotation_n == 7 and w.engine.settings.rotation_m == 7
    assert w.actions_by_name["metronome"].isChecked() and w._metronome.isActive()
    assert "161" in w.cadence_box.detail.text()  # "target 166 (alert below 161)"
    assert saved, "settings were not saved"
    again = load_runner("ana")
    assert again.to_dict() == s.to_dict()
    w.close()


def test_cancel_changes_nothing(qapp):
    w = Dashboard(RunnerSettings(name="cy"), audio=Audio(backend="none"))
    before = w.settings.to_dict()
    d = w.open_settings()
    d.tolerance.setValue(9.0)
    _press(d, QDialogButtonBox.StandardButton.Cancel)
    qapp.processEvents()
    assert w.settings.to_dict() == before
    w.close()
