"""Specific exceptions: each message says what was wrong, where, and what to do about it."""


class EmojifyError(Exception):
    """Base class of every error this library raises on purpose."""


class DataError(EmojifyError, ValueError):
    """A data file or folder is missing, malformed or empty."""


class ImageError(EmojifyError, ValueError):
    """An image or video frame has the wrong type, dtype, shape or content."""


class ModelError(EmojifyError):
    """A model file is missing, unreadable, unsafe or of the wrong architecture."""


class CameraError(EmojifyError, RuntimeError):
    """A camera or frame source could not be opened, or stopped delivering frames."""


class NoFaceError(EmojifyError, LookupError):
    """No face was found where one was needed."""


class ClusterError(EmojifyError, RuntimeError):
    """A multi-worker cluster spec is malformed, or its workers could not all be reached in time."""
