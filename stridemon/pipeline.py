"""The one pipeline: sample batches in, events and metrics out — live, replay and analyze alike.

    pipe = Pipeline(PipelineSettings())
    for batch in batches:
        out = pipe.feed(batch)      # PipelineOutput: new events + the processed signal
    out = pipe.finish()             # end of stream: flushes what the fixed delay held back

Fed chunk by chunk it gives exactly the same steps and strides as fed the whole file at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stridemon.events import Event, Gap, Step, Stride
from stridemon.samples import SampleBatch


@dataclass(frozen=True)
class PipelineSettings:
    """Every tuning value of the pipeline in one flat object (units in the names)."""

    internal_rate_hz: float = 100.0  # all DSP runs on this uniform grid of the device clock
    max_bridge_s: float = 0.1  # sample gaps up to this are interpolated; longer ones split the analysis
    torso_half_width_cm: float = 15.0  # lever for rotation as arc length at the side of the torso
    cadence_window_s: float = 10.0  # smoothing window of the displayed cadence


@dataclass
class PipelineOutput:
    """What one ``feed`` produced: new events and the newly processed signal on the internal grid."""

    events: list[Event] = field(default_factory=list)
    t_s: np.ndarray = field(default_factory=lambda: np.empty(0))  # device clock, s
    vertical_acc_mps2: np.ndarray = field(default_factory=lambda: np.empty(0))  # gravity removed, up +
    yaw_rate_dps: np.ndarray = field(default_factory=lambda: np.empty(0))  # about vertical, CCW from above +


class Pipeline:
    """Turns sample batches into steps, strides, gaps and running metrics."""

    def __init__(self, settings: PipelineSettings | None = None) -> None:
        self.settings = settings or PipelineSettings()
        self.steps: list[Step] = []
        self.strides: list[Stride] = []
        self.gaps: list[Gap] = []
        self.samples_in = 0
        self.first_t_s: float | None = None
        self.last_t_s: float | None = None

    def feed(self, batch: SampleBatch) -> PipelineOutput:
        raise NotImplementedError  # filled in by the DSP work (issue 3)

    def finish(self) -> PipelineOutput:
        raise NotImplementedError
