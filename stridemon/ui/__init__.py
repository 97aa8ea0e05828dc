"""Qt windows: the live dashboard (dashboard.py) and the coach's comparison (compare_window.py).

PySide6 is pinned below 6.12 in pyproject.toml: 6.12.0 drops a reference to None on every call
of a C++ method returning void under CPython < 3.12, and a live window aborts within seconds.
"""
