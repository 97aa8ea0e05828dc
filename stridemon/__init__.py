"""stridemon: running cadence and pelvis/trunk rotation from a belt-worn IMU.

Data flows one way, and the package layout follows it:

    devices/  (BLE bytes -> decoded samples)
    sources/  (simulator, file replay, BLE: async iterators of SampleBatch)
    dsp/      (orientation, steps, cadence, rotation; explicit streaming state)
    pipeline.py (SampleBatch -> events and metrics)
    sinks/    (recorder, alerts, reports) and ui/ (dashboard, compare view)
"""

__version__ = "0.1.0"
