"""Streaming DSP: each stage keeps its state explicitly, so chunked input gives the same output.

resample.py     irregular device samples -> uniform grid (cell averages), gaps found here
orientation.py  "up" in the sensor frame (imufusion AHRS) -> vertical acceleration, yaw rate
filters.py      streaming FIR filters (Gaussian smoothing and derivative)
steps.py        initial contacts (candidates, then a step tracker with bouts and left/right)
cadence.py      cadence in steps/min from step times
rotation.py     pelvis/trunk yaw range per stride, heading changes removed
"""
