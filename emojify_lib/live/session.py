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
The session also holds what every view offers the same way: the "emojify" switch (:attr:`LiveSession.cover`: each
face hidden by its emoji), :meth:`LiveSession.snapshot` (the last annotated frame as a PNG, written only when asked;
:meth:`LiveSession.save_snapshot` words the outcome for a Snapshot button)
and the model picker's choices (:func:`model_choices`, :meth:`LiveSession.use_model`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import config
from ..core.emotions import NUM_CLASSES
from ..core.errors import CameraError, EmojifyError, ImageError
from ..model import files
from .overlay import annotate
from .predictor import EmotionPredictor, FacePrediction

#: Where :meth:`LiveSession.snapshot` writes, relative to the working directory (the notebook's folder).
SNAPSHOT_FOLDER = "snapshots"

#: Predictor settings for live video: steady emojis, the fastest classifier, a full face detection on every 4th
#: frame (in between, faces are looked for only near where they were).
LIVE_SETTINGS = {"smoothing": 0.6, "backend": "tflite", "detect_every": 4}


@dataclass
class Shown:
    """What to show for one frame.

    ``picture``: the frame as it came in (decoded, nothing drawn), or ``None`` when the frame was skipped.
    ``faces``: every face found, largest first. ``error``: why the frame was skipped or the source stopped (``None``
    when all went well). ``stop``: the source is gone or ended; read no more. ``cover``: the "emojify" switch as it
    was for this frame. :attr:`frame` is the picture with boxes, labels and emojis drawn on, made when first asked
    for: views that draw the faces themselves (the browser widget draws from :func:`~.overlay.face_look`'s geometry)
    never pay for it.
    """
    picture: np.ndarray | None = None
    faces: list[FacePrediction] = field(default_factory=list)
    error: str | None = None
    stop: bool = False
    cover: bool = False
    _drawn: np.ndarray | None = field(default=None, init=False, repr=False)

    @property
    def frame(self) -> np.ndarray | None:
        """The annotated BGR picture (boxes, labels and an emoji on every face), or ``None`` for a skipped frame."""
        if self._drawn is None and self.picture is not None:
            self._drawn = annotate(self.picture, self.faces, cover=self.cover)
        return self._drawn

    @property
    def main(self) -> FacePrediction | None:
        """The largest face (the one a single-emoji view shows), or ``None``."""
        return self.faces[0] if self.faces else None

    @property
    def probs(self) -> np.ndarray:
        """The main face's probabilities ``float32 (7,)``; zeros when there is no face."""
        return self.main.probs if self.main is not None else np.zeros(NUM_CLASSES, np.float32)


#: The largest encoded frame (JPEG/PNG bytes) the live step decodes; a larger one is refused before decoding.
#: A browser's 320-px frame is ~20 KB and its full-size 640×480 snapshot ~60 KB; a 4K camera picture ~3 MB.
MAX_FRAME_BYTES = 4_000_000
#: The largest picture (width × height, read from the image's header) the live step decodes: 4K, 3840 × 2160.
MAX_FRAME_PIXELS = 3840 * 2160


def image_size(data: bytes, where: str = "encoded image") -> tuple[int, int]:
    """``(width, height)`` of a JPEG or PNG, read from its header without decoding its pixels.
    :class:`ImageError` when the bytes are neither."""
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the caller judges the size
            with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as image:  # lazy: reads the header only
                return image.size
    except Image.DecompressionBombError:  # over Pillow's own limit (~179 megapixels), far above ours
        raise ImageError(f"{where} is over {2 * (Image.MAX_IMAGE_PIXELS or 0):,} pixels; the largest accepted is "
                         f"{MAX_FRAME_PIXELS:,} pixels (3840 × 2160)") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ImageError(f"{where} is not a readable JPEG/PNG image") from None


def decode_image(data: bytes, where: str = "encoded image") -> np.ndarray:
    """Decode the bytes of a JPEG/PNG (e.g. a browser's frame) into a BGR ``uint8`` frame. :class:`ImageError`
    when they are not a readable image, or are larger than :data:`MAX_FRAME_BYTES` or (by the size in the image's
    header) :data:`MAX_FRAME_PIXELS`: such frames are refused before any decoding."""
    import cv2

    if len(data) > MAX_FRAME_BYTES:
        raise ImageError(f"{where} is {len(data):,} bytes; the largest accepted is {MAX_FRAME_BYTES:,}")
    width, height = image_size(data, where) if data else (0, 0)
    if width * height > MAX_FRAME_PIXELS:
        raise ImageError(f"{where} is {width} × {height} pixels; the largest accepted is "
                         f"{MAX_FRAME_PIXELS:,} pixels (3840 × 2160)")
    frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if frame is None:
        raise ImageError(f"{where} is not a readable JPEG/PNG image")
    return frame


def model_choices(folder: str | Path | None = None) -> list[tuple[str, Path]]:
    """The models a picker can offer: ``(label, path)`` for each ``.keras`` file in ``folder`` (default
    ``models/``, see :func:`~emojify_lib.core.config.models_dir`), the learner's own model first. The label is
    the file's name plus the description or data source its ``.json`` record gives. Views show a picker only
    when this holds more than one model."""
    folder = Path(folder) if folder is not None else config.models_dir()
    found = sorted(folder.glob("*.keras"), key=lambda p: (p != files.default_model_path(), p.name))
    out = []
    for path in found:
        info = files.read_model_info(path)
        about = info.get("description") or (f"trained on {info['data_source']}" if info.get("data_source") else "")
        out.append((f"{path.stem}: {about}" if about else path.stem, path))
    return out


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
        self.cover = False  # the "emojify" switch: each face hidden by its emoji
        self.last: Shown | None = None  # the last frame shown (what a snapshot saves)
        #: Say what an unexpected error was (``False`` for visitors, in room mode: they read only that a frame
        #: was skipped, and the traceback goes to the server's terminal).
        self.details = True

    @property
    def warning(self) -> str | None:
        return self.predictor.warning

    def reset(self, source=None) -> None:
        """Start again (new source, counters at zero, faces forgotten)."""
        self.source = source
        self.frames_processed = 0
        self.predictor.reset()

    def step(self, frame, draw: bool = True) -> Shown:
        """One frame (any picture :func:`~emojify_lib.core.images.as_gray` accepts, or encoded image bytes) through
        the pipeline. Never raises: a frame that cannot be used comes back skipped, with ``error`` saying why.
        ``draw``: annotate the frame now (views that show pixels); ``False`` for views that draw the faces
        themselves: :attr:`Shown.frame` is then drawn only if asked for (a Snapshot)."""
        try:
            if isinstance(frame, (bytes, bytearray, memoryview)):
                frame = decode_image(bytes(frame), "the frame")
            faces = self.predictor.predict(frame)
            shown = Shown(frame, faces, cover=self.cover)
            if draw:
                shown.frame  # noqa: B018 -- drawn here, inside the one error policy
        except EmojifyError as exc:
            return self._skip(f"Skipped a bad frame ({self.errors + 1} so far): {exc}")
        except Exception as exc:  # never let one frame end the demo
            if not self.details:
                import sys
                import traceback

                traceback.print_exc(file=sys.__stderr__)  # the server's terminal, not the page
                return self._skip(f"Skipped a frame ({self.errors + 1} so far): an unexpected error "
                                  "(the server's terminal says which)")
            return self._skip(f"Skipped a frame ({self.errors + 1} so far): {type(exc).__name__}: {exc}")
        self.frames_processed += 1
        self.last = shown
        return shown

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

    def snapshot_picture(self, frame=None) -> np.ndarray:
        """The last annotated frame (BGR ``uint8``). ``frame`` (a picture or encoded image bytes, e.g. the browser's
        full-size picture): the last frame's faces drawn on it instead, scaled to its size. :class:`ImageError`
        when there is nothing yet or ``frame`` cannot be used."""
        if self.last is None or self.last.picture is None:
            raise ImageError("no frame to save yet: start the camera and wait for the first picture")
        if frame is None:
            return self.last.frame
        if isinstance(frame, (bytes, bytearray, memoryview)):
            frame = decode_image(bytes(frame), "the snapshot frame")
        sy, sx = (frame.shape[i] / self.last.picture.shape[i] for i in (0, 1))
        return annotate(frame, [f.scaled(sx, sy) for f in self.last.faces], cover=self.cover)

    def snapshot_png(self, frame=None) -> tuple[str, bytes]:
        """``(file name, PNG bytes)`` of :meth:`snapshot_picture`, written nowhere: room mode hands them to the
        visitor's browser as a download."""
        import cv2

        ok, png = cv2.imencode(".png", self.snapshot_picture(frame))
        if not ok:
            raise ImageError("could not encode the snapshot as PNG")
        return f"emojify-{time.strftime('%Y%m%d-%H%M%S')}.png", png.tobytes()

    def snapshot(self, folder: str | Path | None = None, frame=None) -> Path:
        """Save :meth:`snapshot_picture` (the last annotated frame, or ``frame`` with its faces drawn on) as a PNG
        in ``folder`` (default :data:`SNAPSHOT_FOLDER` under the working directory, created if needed) and return
        its path. The only file the live demo ever writes, and only when this is called (never in room mode).
        :class:`ImageError` when there is nothing yet."""
        import cv2

        picture = self.snapshot_picture(frame)
        folder = Path(folder if folder is not None else SNAPSHOT_FOLDER)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = folder / f"emojify-{stamp}.png"
        n = 1
        while path.exists():  # two snapshots in one second: never overwrite
            n += 1
            path = folder / f"emojify-{stamp}-{n}.png"
        if not cv2.imwrite(str(path), picture):
            raise ImageError(f"could not write {path}; check that the folder is writable")
        return path.resolve()

    def save_snapshot(self, frame=None) -> tuple[Path | None, str]:
        """:meth:`snapshot` for a view's Snapshot button: ``(path, "Snapshot saved to …")``, or
        ``(None, "No snapshot: why")`` when there is no frame yet or the file could not be written."""
        try:
            path = self.snapshot(frame=frame)
        except EmojifyError as exc:
            return None, f"No snapshot: {exc}"
        return path, f"Snapshot saved to {path}"

    def use_model(self, path: str | Path | None) -> None:
        """Switch to another model file (``None``: the default :meth:`EmotionPredictor.from_path` picks) with the
        same detector and settings; faces followed so far are forgotten. Raises ``ModelError`` and keeps the
        current model when the file cannot be used."""
        old = self.predictor
        self.predictor = EmotionPredictor.from_path(path, detector=old.detector, smoothing=old.smoothing,
                                                    backend=old.backend, detect_every=old.detect_every)

    def _skip(self, message: str) -> Shown:
        self.errors += 1
        return Shown(error=message)


class SessionView:
    """Base of the interfaces drawn over a :class:`LiveSession` (``self.session``): its predictor and counters,
    read through (so a model picked later is the one seen)."""

    session: LiveSession

    @property
    def predictor(self) -> EmotionPredictor:
        """The predictor the session uses now."""
        return self.session.predictor

    @property
    def frames_processed(self) -> int:
        """Frames shown so far."""
        return self.session.frames_processed

    @property
    def errors(self) -> int:
        """Frames skipped so far."""
        return self.session.errors
