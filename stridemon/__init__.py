"""stridemon: running cadence and pelvis/trunk rotation from a belt-worn IMU.

Data flows one way, and the package layout follows it:

    devices/  (BLE bytes -> decoded samples)
    sources/  (simulator, file replay, BLE: async iterators of SampleBatch)
    dsp/      (orientation, steps, cadence, rotation; explicit streaming state)
    pipeline.py (SampleBatch -> events and metrics)
    sinks/    (recorder, alerts, reports) and ui/ (dashboard, compare view)

In a notebook::

    import stridemon
    run = stridemon.analyze("session.smrec")   # or a CSV, phone export, FIT activity
    run.summary["cadence_spm_median"], run.steps_frame()

``import stridemon`` stays cheap: the analysis modules (numpy, the pipeline) load on the first
call of :func:`analyze` (stridemon/api.py).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would cost ~2 ms at start-up
__version__ = "0.1.0"
__all__ = ["Run", "__version__", "analyze"]

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from stridemon.api import Run


def analyze(path: str | Path, *, acc_unit: str = "auto", gyro_unit: str = "auto") -> Run:
    """Analyse a recording, plain IMU CSV, phone export or FIT activity; see :func:`stridemon.api.analyze`.

    Returns a :class:`stridemon.api.Run` with ``.steps``, ``.strides``, ``.summary`` and
    ``.document`` exactly as ``stridemon analyze PATH --json`` prints them, and
    ``.steps_frame()`` / ``.strides_frame()`` as pandas DataFrames (``pip install 'stridemon[pandas]'``).
    """
    from stridemon.api import analyze as _analyze

    return _analyze(path, acc_unit=acc_unit, gyro_unit=gyro_unit)


def __getattr__(name: str) -> Any:
    if name == "Run":
        from stridemon.api import Run

        return Run
    raise AttributeError(f"module 'stridemon' has no attribute {name!r}")
