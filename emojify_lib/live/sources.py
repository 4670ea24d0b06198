"""Frame sources with one interface: a camera, a video file, image files, or frames made in code.

Every source is a context manager and an iterator of BGR ``uint8 (H, W, 3)`` frames::

    with VideoFile("clip.mp4") as source:
        for frame in source:
            ...

``read()`` returns the next frame, ``None`` at the normal end of a finite source, and raises
:class:`~emojify_lib.core.errors.CameraError` when the device is missing or stops delivering frames. ``release()``
(called on leaving the ``with`` block, and safe to call twice) always frees the device.

:func:`open_source` is the one way the apps turn what the user chose (a camera index, a video file, the sample
video) into a source.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from ..core.errors import CameraError, ImageError
from ..core.images import IMAGE_SUFFIXES, as_bgr, read_image

#: What names the built-in sample video in :func:`open_source` (and in the kernel demo's source menu).
SAMPLE_VIDEO = "sample video (no camera)"
#: The sample video's length: 3 seconds at 30 frames/s, long enough to see the astronaut drift and the group.
SAMPLE_VIDEO_FRAMES = 90

REMOTE_HINT = ("a camera is seen only by the machine that runs the Python kernel; on JupyterHub, Colab or Binder "
               "use the browser-camera demo (BrowserCameraDemo) instead")


class FrameSource:
    """Base class: subclasses implement ``_read()`` (frame, or ``None`` at the end) and ``_release()``."""

    name = "source"

    def __init__(self):
        self.frames_read = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def read(self) -> np.ndarray | None:
        if self._closed:
            raise CameraError(f"{self.name} is closed; open a new source")
        frame = self._read()
        if frame is not None:
            self.frames_read += 1
        return frame

    def release(self) -> None:
        if not self._closed:
            self._closed = True
            self._release()

    def _read(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _release(self) -> None:
        pass

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            frame = self.read()
            if frame is None:
                return
            yield frame

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def __del__(self):
        try:
            self.release()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} frames_read={self.frames_read} closed={self._closed}>"


class OpenCVCamera(FrameSource):
    """A camera on the kernel's machine through ``cv2.VideoCapture(index)``.

    Raises :class:`CameraError` when no camera opens at ``index``, and when ``max_failures`` reads in a row
    return no frame (the camera was unplugged or taken by another program).
    """

    def __init__(self, index: int = 0, width: int | None = 640, height: int | None = 480, max_failures: int = 10,
                 capture_factory: Callable = None):
        super().__init__()
        import cv2

        self.index, self.max_failures, self._failures = index, max_failures, 0
        self.name = f"camera {index}"
        factory = capture_factory or cv2.VideoCapture
        self._cap = factory(index)
        if self._cap is None or not self._cap.isOpened():
            self._closed = True
            raise CameraError(f"no camera at index {index} on the machine running the kernel; check that it is "
                              f"plugged in and not used by another program, or try another index. Note: {REMOTE_HINT}")
        if width:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)

    def _read(self):
        while True:
            try:
                ok, frame = self._cap.read()
            except Exception as exc:  # a driver error mid-stream
                raise CameraError(f"{self.name} failed while reading: {exc}") from exc
            if ok and frame is not None:
                self._failures = 0
                return frame
            self._failures += 1
            if self._failures >= self.max_failures:
                raise CameraError(f"{self.name} stopped delivering frames ({self._failures} failed reads in a row): "
                                  "camera lost — was it unplugged or opened by another program?")

    def _release(self) -> None:
        self._cap.release()


class VideoFile(FrameSource):
    """Frames of a video file; ``loop=True`` starts again at the end."""

    def __init__(self, path: str | Path, loop: bool = False):
        super().__init__()
        import cv2

        self.path, self.loop, self.name = Path(path), loop, f"video {Path(path).name}"
        if not self.path.is_file():
            self._closed = True
            raise CameraError(f"video file not found: {self.path}")
        self._cap = cv2.VideoCapture(str(self.path))
        ok, first = self._cap.read() if self._cap.isOpened() else (False, None)
        if not ok:
            self._cap.release()
            self._closed = True
            raise CameraError(f"{self.path} could not be read as a video (corrupt, empty or an unsupported codec)")
        self._pending = first

    def _read(self):
        if self._pending is not None:
            frame, self._pending = self._pending, None
            return frame
        ok, frame = self._cap.read()
        if not ok and self.loop:
            import cv2

            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
        return frame if ok else None

    def _release(self) -> None:
        self._cap.release()


class ImageFiles(FrameSource):
    """Image files as frames: a list of paths or a folder (read in name order). Unreadable files are skipped
    with a warning and counted in ``skipped``; a folder with no images raises :class:`CameraError`."""

    def __init__(self, paths: str | Path | Iterable[str | Path], loop: bool = False):
        super().__init__()
        if isinstance(paths, (str, Path)) and Path(paths).is_dir():
            folder = Path(paths)
            self.paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            self.name = f"images in {folder}"
        else:
            self.paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
            self.name = f"{len(self.paths)} image file(s)"
        if not self.paths:
            self._closed = True
            raise CameraError(f"no images found ({self.name}); expected .png/.jpg files")
        self.loop, self.skipped, self._i = loop, 0, 0

    def _read(self):
        misses = 0
        while misses < len(self.paths):
            if self._i >= len(self.paths):
                if not self.loop:
                    return None
                self._i = 0
            path = self.paths[self._i]
            self._i += 1
            try:
                return as_bgr(read_image(path), str(path))
            except ImageError as exc:
                self.skipped += 1
                misses += 1
                warnings.warn(f"skipped unreadable image {path}: {exc} ({self.skipped} skipped so far)", stacklevel=3)
        raise CameraError(f"none of the {len(self.paths)} image file(s) could be read")


class SyntheticFrames(FrameSource):
    """Frames from a list/array or any iterable or generator (for tests and demos with no camera).

    ``loop=True`` repeats a list/array. An exception raised by the generator becomes a :class:`CameraError`,
    like a camera failing mid-stream. Frames are checked: a frame that is not a BGR ``uint8`` image raises
    :class:`~emojify_lib.core.errors.ImageError` from ``read()`` (the source itself stays usable).
    """

    def __init__(self, frames, loop: bool = False, name: str = "synthetic frames"):
        super().__init__()
        self.name = name
        self._frames = frames if isinstance(frames, (list, tuple, np.ndarray)) else None
        self._iter = iter(frames)
        self.loop = loop and self._frames is not None and len(self._frames) > 0

    def _read(self):
        try:
            frame = next(self._iter)
        except StopIteration:
            if not self.loop:
                return None
            self._iter = iter(self._frames)
            frame = next(self._iter)
        except Exception as exc:
            raise CameraError(f"{self.name} failed mid-stream: {exc}") from exc
        if frame is None:
            raise ImageError(f"{self.name}: frame {self.frames_read} is None")
        return frame


def list_cameras(max_index: int = 4) -> list[int]:
    """Indices of the cameras OpenCV can open on this machine (tries 0 … ``max_index - 1``)."""
    import cv2

    found = []
    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    level = logging.getLogLevel() if logging else None
    if logging:  # probing absent devices makes OpenCV print warnings; they are expected here
        logging.setLogLevel(logging.LOG_LEVEL_ERROR)
    try:
        for index in range(max_index):
            cap = cv2.VideoCapture(index)
            try:
                if cap.isOpened():
                    found.append(index)
            finally:
                cap.release()
    finally:
        if logging:
            logging.setLogLevel(level)
    return found


def sample_frames(n: int = 60, size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """``n`` BGR frames of a short "video" made from real photos that scikit-image ships: the astronaut photo
    (one face) drifting slowly, then three faces from ``lfw_subset()`` side by side. For demos and tests on
    machines without a camera; nothing is downloaded."""
    import cv2
    from skimage import data as skdata

    w, h = size
    side = min(w, h)
    face = cv2.resize(cv2.cvtColor(skdata.astronaut(), cv2.COLOR_RGB2BGR), (side, side), interpolation=cv2.INTER_AREA)
    group = np.full((h, w, 3), 90, np.uint8)
    for i, small in enumerate(skdata.lfw_subset()[:3]):
        big = cv2.resize((small * 255).astype(np.uint8), (w // 4, w // 4), interpolation=cv2.INTER_CUBIC)
        y0, x0 = (h - w // 4) // 2, w // 16 + i * (w // 3)
        group[y0:y0 + w // 4, x0:x0 + w // 4] = big[..., None]
    frames = []
    for i in range(n):
        if i < max(1, (2 * n) // 3):  # the astronaut drifts left and right by up to 40 px
            dx = int(40 * np.sin(2 * np.pi * i / max(n // 2, 1)))
            frame = np.full((h, w, 3), 40, np.uint8)
            x0 = (w - side) // 2 + dx
            xa, xb = max(x0, 0), min(x0 + side, w)
            frame[:side, xa:xb] = face[:, xa - x0:xb - x0]
        else:
            frame = group.copy()
        frames.append(frame)
    return frames


def open_source(spec, *, loop: bool = False) -> FrameSource:
    """The frame source that ``spec`` names, opened: an ``int`` is a camera on this machine
    (:class:`OpenCVCamera`), :data:`SAMPLE_VIDEO` the built-in sample video (:func:`sample_frames`), any other
    ``str`` or ``Path`` a video file (:class:`VideoFile`); a :class:`FrameSource` is returned as it is and a
    function is called to make one. ``loop``: the sample video or video file starts again at its end.
    Raises :class:`CameraError` when the camera or file cannot be opened."""
    if isinstance(spec, FrameSource):
        return spec
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return OpenCVCamera(int(spec))
    if isinstance(spec, str) and spec == SAMPLE_VIDEO:
        return SyntheticFrames(sample_frames(SAMPLE_VIDEO_FRAMES), loop=loop, name=SAMPLE_VIDEO)
    if isinstance(spec, (str, Path)):
        return VideoFile(spec, loop=loop)
    if callable(spec):
        return spec()
    raise TypeError(f"open_source: expected a camera index, {SAMPLE_VIDEO!r}, a video path, a FrameSource or a "
                    f"function returning one; got {type(spec).__name__}")
