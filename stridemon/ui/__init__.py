"""Qt windows (dashboard) fed by the pipeline's output. Importing this package applies
:func:`stridemon.ui.qtcompat.pin_singletons` (a PySide6 6.12 reference-count bug)."""

from stridemon.ui.qtcompat import pin_singletons

pin_singletons()
