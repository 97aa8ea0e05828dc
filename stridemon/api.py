"""The notebook API: ``stridemon.analyze(path)`` → a :class:`Run` with the ``analyze --json`` document.

``stridemon analyze`` calls :func:`analyze` too, so the CLI's JSON and ``Run.document`` are the
same dict. Any file ``analyze`` reads is accepted: a stridemon recording, a plain IMU CSV (with or
without gyroscope), a phone export (phyphox, Sensor Logger; zip or folder) and a watch's FIT
activity (the watch's own per-second numbers, not recomputed; docs/formats.md).

pandas is optional: :meth:`Run.steps_frame` and friends import it only when called.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_PANDAS_HINT = "pip install 'stridemon[pandas]'"


@dataclass
class Run:
    """One analysed file: ``document`` is exactly what ``stridemon analyze PATH --json`` prints."""

    path: Path
    document: dict[str, Any]
    kind: str  # "recording" | "csv" | "phone" | "fit"
    samples_in: int | None = None  # samples through the pipeline (None for a FIT file)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def steps(self) -> list[dict[str, Any]]:
        """Initial contacts: ``{"t", "side", "cadence_spm", "contact_ms", …}`` per step."""
        return self.document["steps"]

    @property
    def strides(self) -> list[dict[str, Any]]:
        """One ``{"t", "rotation_deg", "end", "side", …}`` per stride."""
        return self.document["strides"]

    @property
    def summary(self) -> dict[str, Any]:
        """Headline figures: ``steps``, ``duration_s``, ``cadence_spm_median``, ``rotation_deg_median`` …"""
        return self.document["summary"]

    @property
    def watch_records(self) -> list[dict[str, Any]]:
        """A FIT file's per-second records (cadence, contact time …); empty for sensor data."""
        return self.document.get("watch_records", [])

    def steps_frame(self):
        """The steps as a pandas DataFrame (one row per step)."""
        return _frame(self.steps, _STEP_COLUMNS)

    def strides_frame(self):
        """The strides as a pandas DataFrame (one row per stride)."""
        return _frame(self.strides, _STRIDE_COLUMNS)

    def watch_records_frame(self):
        """A FIT file's per-second records as a pandas DataFrame (empty for sensor data)."""
        return _frame(self.watch_records, _RECORD_COLUMNS)

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<stridemon.Run {self.path.name!r} ({self.kind}): {s.get('steps')} steps, "
            f"{s.get('duration_s')} s, cadence {s.get('cadence_spm_median')} spm>"
        )


_STEP_COLUMNS = [
    "t",
    "side",
    "cadence_spm",
    "contact_ms",
    "vertical_oscillation_cm",
    "braking_mps",
    "impact_g",
    "pelvic_drop_deg",
]
_STRIDE_COLUMNS = ["t", "rotation_deg", "end", "side", "rotation_cm", "tilt_range_deg"]
_RECORD_COLUMNS = ["t", "cadence_spm", "contact_ms", "vertical_oscillation_cm", "step_length_cm", "vertical_ratio_pct"]


def _frame(rows: list[dict[str, Any]], columns: list[str]):
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(f"DataFrames need pandas: {_PANDAS_HINT}") from None
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame.from_records(rows)


def analyze(path: str | Path, *, acc_unit: str = "auto", gyro_unit: str = "auto", progress: bool = False) -> Run:
    """Analyse one file, as ``stridemon analyze PATH`` does; returns a :class:`Run`.

    ``acc_unit`` ("auto" | "mps2" | "g") and ``gyro_unit`` ("auto" | "dps" | "rads") apply to a
    plain IMU CSV, as ``--acc-unit`` / ``--gyro-unit`` do. Bad input raises
    :class:`stridemon.errors.InputError` with a one-line message. ``progress``: a bar on a
    terminal's stderr while a long file is analysed (never when stderr is not a terminal).
    """
    from stridemon.sources.files import detect_kind

    p = Path(path)
    kind = detect_kind(p)
    if kind == "fit":
        from stridemon.sources.fit import read_fit_document

        return Run(p, read_fit_document(p), kind)
    return _analyze_samples(p, kind, acc_unit, gyro_unit, progress)


def _analyze_samples(p: Path, kind: str, acc_unit: str, gyro_unit: str, progress: bool = False) -> Run:
    import asyncio

    from stridemon.pipeline import Pipeline
    from stridemon.session import run_pipeline
    from stridemon.sinks.summary import analysis_document
    from stridemon.sources.files import open_file_source

    # As fast as it can: big batches (the result does not depend on batch size).
    source = open_file_source(p, acc_unit=acc_unit, gyro_unit=gyro_unit, batch_s=60.0)
    from stridemon.progress import progress_bar

    span = _span_s(source)
    with progress_bar(span[1] - span[0] if span else None, "analysing", json_mode=not progress) as bar:

        def show(out) -> None:  # a sink: how far the pipeline has got, device time
            if len(out.t_s) and span:
                bar.update(float(out.t_s[-1]) - span[0])

        pipe = asyncio.run(run_pipeline(source, Pipeline(), [show]))
    duration = (pipe.last_t_s - pipe.first_t_s) if pipe.first_t_s is not None else 0.0
    fwd = pipe.forward.forward
    extra: dict[str, Any] = {
        "forward_axis_sensor": [round(float(v), 3) for v in fwd] if all(v == v for v in fwd) else None
    }
    report = getattr(source, "report", None)  # a CSV's reading report: rows skipped, not lost silently
    if report is not None and hasattr(report, "skipped_bad_rows"):
        extra["skipped_nan_rows"] = report.skipped_nan_rows
        extra["skipped_bad_rows"] = report.skipped_bad_rows
    phone = getattr(source, "phone_report", None)  # a phone export: which app, and what was assumed
    if phone is not None:
        extra["source"] = phone.source
        extra["input_assumptions"] = list(phone.assumptions)
    doc = analysis_document(pipe.steps, pipe.strides, duration, len(pipe.gaps), extra, pipe.dynamics)
    return Run(p, doc, kind, samples_in=pipe.samples_in)


def _span_s(source: Any) -> tuple[float, float] | None:
    """(first, last) sample time (s) of a file source, for the progress bar; None if unknown."""
    batch = getattr(source, "batch", None)
    if batch is None and getattr(source, "recording", None) is not None:
        batches = source.recording.batches
        if batches and len(batches[0]) and len(batches[-1]):
            return float(batches[0].t_s[0]), float(batches[-1].t_s[-1])
        return None
    if batch is not None and len(batch):
        return float(batch.t_s[0]), float(batch.t_s[-1])
    return None
