"""Moved to :mod:`stridemon.coach.library`; kept only for ``stridemon/fitexport.py``'s import."""

from stridemon.coach.library import read_meta  # noqa: F401
