"""Cadence and rotation alerts from pipeline events (pure: no Qt, no audio).

    engine = AlertEngine(AlertSettings.from_runner(runner))
    for batch in batches:
        out = pipe.feed(batch)
        for alert in engine.update(out, pipe.metrics):   # stridemon.events.Alert, raised/cleared
            recorder.write_events([alert]); window.show(alert)

Rules (all times on the device clock of the samples):

* **cadence**: the pipeline's displayed cadence (``PipelineOutput.step_cadence_spm``: the one
  10 s cadence; fed bare events, the same :class:`~stridemon.dsp.cadence.CadenceSmoother` over
  ``cadence_window_s``) below ``target − tolerance`` for ``after_s`` seconds raises it;
  it clears when the cadence is back above ``target − tolerance + clear_margin`` for
  ``clear_after_s`` seconds, or when the runner stops (no step for ``stopped_after_s``): the alert
  is about running too slowly, not about standing still.
* **rotation**: ``n`` of the last ``m`` strides over the budget raises it; it clears when at most
  ``clear_n`` of the last ``m`` strides exceed ``budget − clear_margin``.
* **cool-down**: after an alert clears, the same kind is not raised again for ``cooldown_s``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

from stridemon.dsp.cadence import CadenceSmoother
from stridemon.dsp.rotation import arc_cm
from stridemon.events import Alert, Event, Gap, Step, Stride
from stridemon.pipeline import Metrics, PipelineOutput


@dataclass(frozen=True)
class AlertSettings:
    """Limits and timing of the two alerts (units in the names)."""

    target_cadence_spm: float = 170.0
    cadence_tolerance_spm: float = 3.0
    cadence_after_s: float = 10.0  # below the line this long before raising (debounce)
    cadence_clear_margin_spm: float = 1.5  # hysteresis above the line to clear
    cadence_clear_after_s: float = 4.0
    cadence_window_s: float = 10.0  # cadence smoothing, only when fed bare events (else the pipeline's)
    stopped_after_s: float = 3.0  # no step this long: not running, cadence alert off
    rotation_budget_deg: float = 19.4
    rotation_n: int = 4
    rotation_m: int = 6
    rotation_clear_n: int = 1
    rotation_clear_margin_deg: float = 1.0
    cooldown_s: float = 30.0
    torso_half_width_cm: float = 15.0  # for messages in cm

    @property
    def cadence_limit_spm(self) -> float:
        """The alert line: target minus tolerance (spm)."""
        return self.target_cadence_spm - self.cadence_tolerance_spm

    @classmethod
    def from_runner(cls, runner) -> AlertSettings:  # runner: stridemon.settings.RunnerSettings
        """The alert settings of a runner's settings (today's target)."""
        return cls(
            target_cadence_spm=runner.target_cadence_spm(),
            cadence_tolerance_spm=runner.cadence_tolerance_spm,
            cadence_after_s=runner.cadence_alert_after_s,
            cadence_clear_margin_spm=runner.cadence_clear_margin_spm,
            rotation_budget_deg=runner.rotation_budget_deg,
            rotation_n=runner.rotation_alert_n,
            rotation_m=runner.rotation_alert_m,
            rotation_clear_margin_deg=runner.rotation_clear_margin_deg,
            cooldown_s=runner.cooldown_s,
            torso_half_width_cm=runner.torso_half_width_cm,
        )



def cadence_message(cadence_spm: float, target_spm: float) -> str:
    """The words of a cadence alert (banner, speech, the recorded event)."""
    return f"Cadence {cadence_spm:.0f} spm — below target {target_spm:.0f}: quicker, shorter steps"


def rotation_message(rotation_deg: float, cm_each_way: float) -> str:
    """The words of a rotation alert."""
    return f"Trunk rotation {rotation_deg:.0f}° ({cm_each_way:.1f} cm each way) — over budget: keep the hips quiet"

class AlertEngine:
    """State machine for both alerts. Feed it every pipeline output in order."""

    def __init__(self, settings: AlertSettings | None = None) -> None:
        self.settings = settings or AlertSettings()
        # Only for bare events (no pipeline output): the same definition as the pipeline's cadence.
        self._smoother = CadenceSmoother(self.settings.cadence_window_s, self.settings.stopped_after_s)
        self.cadence_spm = math.nan  # latest smoothed cadence (spm)
        self._last_step_s = -math.inf
        self._below_since: float | None = None
        self._above_since: float | None = None
        self._rotations: deque[float] = deque(maxlen=max(self.settings.rotation_m, 1))
        self.active: dict[str, Alert] = {}  # kind -> the raising alert while it is active
        self._cleared_at: dict[str, float] = {}
        self.history: list[Alert] = []

    # -- settings changes while running -------------------------------------------------
    def set_settings(self, settings: AlertSettings) -> None:
        """New limits (e.g. target +/-): state is kept, the new limits apply from the next event."""
        if settings.rotation_m != self._rotations.maxlen:
            self._rotations = deque(self._rotations, maxlen=max(settings.rotation_m, 1))
        self.settings = settings

    def set_target(self, target_cadence_spm: float) -> None:
        self.set_settings(replace(self.settings, target_cadence_spm=target_cadence_spm))

    def set_budget(self, rotation_budget_deg: float) -> None:
        self.set_settings(replace(self.settings, rotation_budget_deg=rotation_budget_deg))

    # -- feeding --------------------------------------------------------------------------
    def update(self, output: PipelineOutput | list[Event], metrics: Metrics | None = None) -> list[Alert]:
        """Process new events (in time order) and the time reached; return alerts raised or cleared."""
        events = output.events if isinstance(output, PipelineOutput) else list(output)
        # The pipeline's displayed cadence at each step, if it gave one per step.
        smoothed = iter(output.step_cadence_spm) if isinstance(output, PipelineOutput) else None
        if smoothed is not None and len(output.step_cadence_spm) != sum(isinstance(e, Step) for e in events):
            smoothed = None
        alerts: list[Alert] = []
        for e in events:
            if isinstance(e, Step):
                self._on_step(e, alerts, next(smoothed) if smoothed is not None else None)
            elif isinstance(e, Stride):
                self._on_stride(e, alerts)
            elif isinstance(e, Gap):
                self._smoother.reset()
                self._below_since = self._above_since = None
        now = math.nan
        if metrics is not None and math.isfinite(metrics.t_s):
            now = metrics.t_s
        elif isinstance(output, PipelineOutput) and len(output.t_s):
            now = float(output.t_s[-1])
        if math.isfinite(now):
            self._on_time(now, alerts)
        self.history.extend(alerts)
        return alerts

    # -- rules ----------------------------------------------------------------------------
    def _on_step(self, step: Step, alerts: list[Alert], smoothed_spm: float | None = None) -> None:
        s = self.settings
        self._last_step_s = step.t_s
        if not math.isfinite(step.cadence_spm):
            return
        if smoothed_spm is None:
            smoothed_spm = self._smoother.add(step.t_s, step.cadence_spm)
        self.cadence_spm = c = smoothed_spm
        if not math.isfinite(c):
            return
        t = step.t_s
        limit = s.cadence_limit_spm
        if c < limit:
            self._above_since = None
            if self._below_since is None:
                self._below_since = t
            if (
                "cadence" not in self.active
                and t - self._below_since >= s.cadence_after_s
                and self._cooled("cadence", t)
            ):
                self._raise(alerts, t, "cadence", c, limit, cadence_message(c, s.target_cadence_spm))
        else:
            self._below_since = None
            if c >= limit + s.cadence_clear_margin_spm:
                if self._above_since is None:
                    self._above_since = t
                if "cadence" in self.active and t - self._above_since >= s.cadence_clear_after_s:
                    self._clear(alerts, t, "cadence", c, limit, f"Cadence back to {c:.0f} spm")
            else:
                self._above_since = None

    def _on_stride(self, stride: Stride, alerts: list[Alert]) -> None:
        s = self.settings
        if not math.isfinite(stride.rotation_deg):
            return
        self._rotations.append(stride.rotation_deg)
        t = stride.end_s
        rot = list(self._rotations)
        over = sum(r > s.rotation_budget_deg for r in rot)
        recent = float(sorted(rot)[len(rot) // 2])  # median of the last M strides, deg
        if "rotation" not in self.active:
            if over >= s.rotation_n and self._cooled("rotation", t):
                cm = arc_cm(recent, s.torso_half_width_cm)
                self._raise(alerts, t, "rotation", recent, s.rotation_budget_deg, rotation_message(recent, cm))
        else:
            near = sum(r > s.rotation_budget_deg - s.rotation_clear_margin_deg for r in rot)
            if near <= s.rotation_clear_n:
                self._clear(alerts, t, "rotation", recent, s.rotation_budget_deg, f"Rotation back to {recent:.0f}°")

    def _on_time(self, now: float, alerts: list[Alert]) -> None:
        s = self.settings
        if now - self._last_step_s >= s.stopped_after_s:
            self._below_since = self._above_since = None
            if "cadence" in self.active:
                self._clear(alerts, now, "cadence", math.nan, s.cadence_limit_spm, "Stopped running")
            self._smoother.reset()
            self.cadence_spm = math.nan

    # -- helpers --------------------------------------------------------------------------
    def _cooled(self, kind: str, t: float) -> bool:
        return t - self._cleared_at.get(kind, -math.inf) >= self.settings.cooldown_s

    def _raise(self, alerts: list[Alert], t: float, kind, value: float, limit: float, msg: str) -> None:
        a = Alert(t, kind, "raised", msg, float(value), float(limit))
        self.active[kind] = a
        alerts.append(a)

    def _clear(self, alerts: list[Alert], t: float, kind, value: float, limit: float, msg: str) -> None:
        self.active.pop(kind, None)
        self._cleared_at[kind] = t
        if kind == "rotation":
            self._rotations.clear()
        alerts.append(Alert(t, kind, "cleared", msg, float(value), float(limit)))
