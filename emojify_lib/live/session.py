"""The live step that every interface shares: one frame in, what to show out.

The kernel-camera widget, the browser-camera widget and the Tk window are thin views over a
:class:`LiveSession`: they call :meth:`LiveSession.next` (read a frame from a source and step it) or
:meth:`LiveSession.step` (a frame they already have, or the bytes of an encoded image) and draw the
:class:`Shown` they get back. The one error policy lives here:

* the camera is gone (:class:`~emojify_lib.core.errors.CameraError` while reading): ``stop`` is set;
* the source ends (a video file's last frame): ``stop`` is set, ``error`` is ``None``;
* a bad frame (any other emojify error, while reading or in the step): skipped, ``error`` says why;
* any other exception in the step: skipped with a message, never the end of the demo.

:class:`Shown` holds every face of the frame (largest first); views that show one emoji use :attr:`Shown.main`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.emotions import NUM_CLASSES
from ..core.errors import CameraError, EmojifyError, ImageError
from .overlay import annotate
from .predictor import EmotionPredictor, FacePrediction

#: Predictor settings for live video: steady emojis, the fastest classifier, detection on every 2nd frame.
LIVE_SETTINGS = {"smoothing": 0.6, "backend": "tflite", "detect_every": 2}


@dataclass
class Shown:
    """What to show for one frame.

    ``frame``: the annotated BGR picture (boxes, labels and an emoji on every face), or ``None`` when the frame
    was skipped. ``faces``: every face found, largest first. ``error``: why the frame was skipped or the source
    stopped (``None`` when all went well). ``stop``: the source is gone or ended; read no more.
    """
    frame: np.ndarray | None = None
    faces: list[FacePrediction] = field(default_factory=list)
    error: str | None = None
    stop: bool = False

    @property
    def main(self) -> FacePrediction | None:
        """The largest face (the one a single-emoji view shows), or ``None``."""
        return self.faces[0] if self.faces else None

    @property
    def probs(self) -> np.ndarray:
        """The main face's probabilities ``float32 (7,)``; zeros when there is no face."""
        return self.main.probs if self.main is not None else np.zeros(NUM_CLASSES, np.float32)


def decode_image(data: bytes, where: str = "encoded image") -> np.ndarray:
    """Decode the bytes of a JPEG/PNG (e.g. a browser's frame) into a BGR ``uint8`` frame; :class:`ImageError`
    when they are not a readable image."""
    import cv2

    frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if frame is None:
        raise ImageError(f"{where} is not a readable JPEG/PNG image")
    return frame


class LiveSession:
    """Detect → classify → annotate for a stream of frames, with counters and the one error policy.

    ``predictor``: an :class:`~emojify_lib.live.predictor.EmotionPredictor` (default: the trained model with
    :data:`LIVE_SETTINGS`). ``source``: a :class:`~emojify_lib.live.sources.FrameSource` for :meth:`next`
    (views that receive frames themselves, like the browser widget, leave it out and call :meth:`step`).
    """

    def __init__(self, predictor: EmotionPredictor | None = None, source=None):
        self.predictor = predictor if predictor is not None else EmotionPredictor.from_path(**LIVE_SETTINGS)
        self.source = source
        self.frames_processed = 0
        self.errors = 0

    @property
    def warning(self) -> str | None:
        return self.predictor.warning

    def reset(self, source=None) -> None:
        """Start again (new source, counters at zero, faces forgotten)."""
        self.source = source
        self.frames_processed = 0
        self.predictor.reset()

    def step(self, frame) -> Shown:
        """One frame (any picture :func:`~emojify_lib.core.images.as_gray` accepts, or encoded image bytes) through
        the pipeline. Never raises: a frame that cannot be used comes back skipped, with ``error`` saying why."""
        try:
            if isinstance(frame, (bytes, bytearray, memoryview)):
                frame = decode_image(bytes(frame), "the frame")
            faces = self.predictor.predict(frame)
            shown = annotate(frame, faces)
        except EmojifyError as exc:
            return self._skip(f"Skipped a bad frame ({self.errors + 1} so far): {exc}")
        except Exception as exc:  # never let one frame end the demo
            return self._skip(f"Skipped a frame ({self.errors + 1} so far): {type(exc).__name__}: {exc}")
        self.frames_processed += 1
        return Shown(shown, faces)

    def next(self) -> Shown:
        """Read the next frame from ``source`` and :meth:`step` it (see the module's error policy)."""
        try:
            frame = self.source.read()
        except CameraError as exc:  # the device is gone: stop
            return Shown(error=f"Camera stopped: {exc}", stop=True)
        except EmojifyError as exc:  # one bad frame: skip it
            return self._skip(f"Skipped a bad frame ({self.errors + 1} so far): {exc}")
        if frame is None:
            return Shown(stop=True)
        return self.step(frame)

    def _skip(self, message: str) -> Shown:
        self.errors += 1
        return Shown(error=message)


class SessionView:
    """Base of the interfaces drawn over a :class:`LiveSession` (``self.session``): its counters, read through."""

    session: LiveSession

    @property
    def frames_processed(self) -> int:
        """Frames shown so far."""
        return self.session.frames_processed

    @property
    def errors(self) -> int:
        """Frames skipped so far."""
        return self.session.errors
