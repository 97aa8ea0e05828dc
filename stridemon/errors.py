"""One error root for everything stridemon raises on purpose."""


class StridemonError(Exception):
    """Base class: the message is a complete one-line explanation for the user."""


class InputError(StridemonError):
    """Bad input data (file, packet or recording): says what is wrong and how to fix it."""


class DeviceError(StridemonError):
    """A sensor could not be found, connected or configured."""


class OutputError(StridemonError):
    """A file could not be written (missing or read-only folder, full disk, would overwrite)."""


class DiskFullError(OutputError):
    """The disk (or a file-size or quota limit) filled up while writing; says what was kept."""
