"""Sources of sample batches. Every source has the same async interface (:class:`Source`)."""

from stridemon.sources.base import Source, batches_of, paced

__all__ = ["Source", "batches_of", "paced"]
