"""Finding faces in frames and cutting them out as 48×48 grayscale crops.

:class:`FaceDetector` wraps OpenCV's Haar cascade for frontal faces. It builds the cascade once (the classic
Emojify code rebuilt it for every frame) and detects on a grayscale copy shrunk to ``detect_width`` pixels,
mapping the boxes back to the frame: at 640×480, detecting at 320 px wide is about 3× faster and still finds
faces larger than about 48 px (the cascade's 24-px window, doubled).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.errors import ImageError, ModelError
from ..core.images import SIZE, as_gray

CASCADE_FILE = "haarcascade_frontalface_default.xml"
#: The frontal-face cascade's detection window, in pixels (square); it finds faces of this size and larger.
CASCADE_WINDOW = 24
#: :meth:`FaceDetector.detect_near` shrinks a known face to about this many pixels (twice the cascade's window)
#: before looking for it again: big faces then cost no more than small ones. Not the classifier's 48-px input.
NEAR_FACE_SIDE = 2 * CASCADE_WINDOW
#: How many neighbouring windows :meth:`FaceDetector.detect_near` asks for (``detect`` asks for 5): its region is
#: small, so a face that moved towards the region's edge has fewer neighbours inside it, and it only confirms a face
#: already found. Measured on the drifting astronaut of ``sample_frames``, region grown by a quarter: 5 kept the old
#: box on 16 of 45 searches, 3 on none; with 3 no face was "found" in 1,200 face-free regions of scikit-image photos.
NEAR_MIN_NEIGHBORS = 3
#: :func:`face_patches` shrinks every face box to this many pixels square: a fingerprint of where the face is.
STILL_PATCH = 12
#: :func:`faces_moved`: a face whose patch changed by less than this many grey levels on average (after taking
#: away a change of overall brightness) has not moved. Measured on the astronaut and three LFW faces (100-150 px
#: wide): noise of σ = 6 grey levels changes a patch by at most 0.7, JPEG at quality 70 by 0.3; a face moved by one
#: pixel changes it by 1.3 or more, by half a pixel 0.7-2. So a still face costs no search, and a moving one is
#: looked for again before it has moved a pixel or two from its box.
STILL_LEVEL = 1.0


def cascade_path() -> Path:
    """Where OpenCV keeps the frontal-face Haar cascade (:class:`ModelError` if this OpenCV has none)."""
    import cv2

    folder = getattr(getattr(cv2, "data", None), "haarcascades", None)
    path = Path(folder or "") / CASCADE_FILE
    if not folder or not path.is_file() or not hasattr(cv2, "CascadeClassifier"):
        raise ModelError(f"OpenCV {cv2.__version__} has no Haar cascade ({CASCADE_FILE}); install "
                         "'opencv-python-headless>=4.10,<5' (OpenCV 5 wheels dropped CascadeClassifier)")
    return path


class FaceDetector:
    """Haar-cascade face detector, built once and reused.

    ``detect_width``: frames wider than this are shrunk to it before detecting (``None`` = full size).
    ``scale_factor``, ``min_neighbors``, ``min_size`` are OpenCV's ``detectMultiScale`` settings; ``min_size`` is
    in frame pixels. (The cascade's own window is 24×24 at the detection size, so at 640 px wide with
    ``detect_width=320`` the smallest face found is about 48 px whatever ``min_size`` says.)

    :meth:`detect` accepts any picture :func:`~emojify_lib.core.images.as_gray` accepts (gray, BGR, BGRA; uint8,
    uint16 or float); pass a gray frame to skip the conversion.
    """

    def __init__(self, scale_factor: float = 1.3, min_neighbors: int = 5, min_size: tuple[int, int] = (30, 30),
                 detect_width: int | None = 320):
        import cv2

        self.cascade = cv2.CascadeClassifier(str(cascade_path()))
        if self.cascade.empty():
            raise ModelError(f"OpenCV could not read {cascade_path()}; reinstall opencv-python-headless")
        self.scale_factor, self.min_neighbors = scale_factor, min_neighbors
        self.min_size, self.detect_width = min_size, detect_width

    def detect(self, frame) -> np.ndarray:
        """Face boxes ``int32 (K, 4)`` as ``x, y, w, h`` in frame pixels, largest first (``K`` may be 0)."""
        import cv2

        gray = as_gray(frame, "frame")
        scale = 1.0
        if self.detect_width and gray.shape[1] > self.detect_width:
            scale = self.detect_width / gray.shape[1]
            gray = cv2.resize(gray, (self.detect_width, max(1, round(gray.shape[0] * scale))),
                              interpolation=cv2.INTER_AREA)
        min_size = tuple(max(1, int(round(m * scale))) for m in self.min_size)
        if gray.shape[0] < min_size[1] or gray.shape[1] < min_size[0]:
            return np.zeros((0, 4), np.int32)
        boxes = self.cascade.detectMultiScale(gray, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors,
                                              minSize=min_size)
        if len(boxes) == 0:
            return np.zeros((0, 4), np.int32)
        return _largest_first(scale_boxes(boxes, scale))

    def detect_near(self, frame, boxes, grow: float = 0.25, sizes: tuple[float, float] = (0.7, 1.4),
                    min_neighbors: int = NEAR_MIN_NEIGHBORS) -> np.ndarray:
        """Find known faces again, looking only near each one: inside its box grown by ``grow`` of its size on every
        side (a face may move that far between two calls), at ``sizes`` × its own size, on a copy shrunk so the face
        is about :data:`NEAR_FACE_SIDE` pixels, asking for ``min_neighbors`` neighbouring windows (see
        :data:`NEAR_MIN_NEIGHBORS`). A few hundred windows instead of a whole frame's thousands, so it is several
        times cheaper than :meth:`detect` and follows faces that move between full detections. A face not found
        again keeps its old box (the next full :meth:`detect` drops it if it has gone); new faces wait for that
        full detection too. Same input and output as :meth:`detect`.

        Most of its time goes to the windows that lie on the face itself (they pass many of the cascade's stages),
        so its cost grows with the number of faces, not with the frame: for a face that has not moved, skip it
        (:func:`faces_moved`, as :class:`~emojify_lib.live.predictor.EmotionPredictor` does)."""
        import cv2

        gray = as_gray(frame, "frame")
        boxes = np.asarray(boxes, np.int64).reshape(-1, 4)
        H, W = gray.shape
        frame_scale = self.detect_width / W if self.detect_width and W > self.detect_width else 1.0
        out = []
        for x, y, w, h in boxes:
            # shrink the region so the face is about twice the cascade's window: big faces cost no more
            scale = min(frame_scale, NEAR_FACE_SIDE / max(1, min(w, h)))
            x0, y0 = max(int(x - grow * w), 0), max(int(y - grow * h), 0)
            x1, y1 = min(int(x + w + grow * w), W), min(int(y + h + grow * h), H)
            region = gray[y0:y1, x0:x1]
            if scale != 1.0 and region.size:
                region = cv2.resize(region, (max(1, round(region.shape[1] * scale)), max(1, round(region.shape[0] * scale))),
                                    interpolation=cv2.INTER_AREA)
            lo, hi = max(1, int(min(w, h) * sizes[0] * scale)), int(max(w, h) * sizes[1] * scale) + 1
            found = self.cascade.detectMultiScale(region, scaleFactor=self.scale_factor,
                                                  minNeighbors=min_neighbors, minSize=(lo, lo),
                                                  maxSize=(hi, hi)) if min(region.shape[:2]) >= lo else ()
            if len(found):
                fx, fy, fw, fh = max(found, key=lambda b: b[2] * b[3])
                out.append((x0 + fx / scale, y0 + fy / scale, fw / scale, fh / scale))
            else:
                out.append((x, y, w, h))
        return _largest_first(np.round(np.asarray(out, np.float64).reshape(-1, 4)).astype(np.int32))


def _largest_first(boxes: np.ndarray) -> np.ndarray:
    return boxes[largest_first_order(boxes)]


def largest_first_order(boxes) -> np.ndarray:
    """The order ``(K,)`` that puts boxes ``(K, 4)`` largest first (ties keep their order)."""
    boxes = np.asarray(boxes).reshape(-1, 4)
    return np.argsort(-(boxes[:, 2].astype(np.int64) * boxes[:, 3]), kind="stable")


def face_patches(frame, boxes) -> np.ndarray:
    """Every box ``(x, y, w, h)`` of ``boxes`` cut from the frame (any picture :func:`as_gray` accepts) and shrunk
    to a ``float32 (K, STILL_PATCH, STILL_PATCH)`` patch of block means: cheap to make (about 10 µs a face), and it
    changes when the face in the box moves. A box with no pixels in the frame gives a patch of NaN (always "moved")."""
    import cv2

    gray = as_gray(frame, "frame")
    boxes = np.asarray(boxes, np.int64).reshape(-1, 4)
    out = np.full((len(boxes), STILL_PATCH, STILL_PATCH), np.nan, np.float32)
    for i, (x, y, w, h) in enumerate(boxes):
        cut = gray[max(y, 0):max(y + h, 0), max(x, 0):max(x + w, 0)]
        # the middle k·STILL_PATCH pixels square: OpenCV averages k×k blocks (its fast path, ~6× quicker)
        kh, kw = cut.shape[0] // STILL_PATCH * STILL_PATCH, cut.shape[1] // STILL_PATCH * STILL_PATCH
        if kh and kw:
            cut = cut[(cut.shape[0] - kh) // 2:, (cut.shape[1] - kw) // 2:][:kh, :kw]
        if cut.size:
            out[i] = cv2.resize(cut, (STILL_PATCH, STILL_PATCH), interpolation=cv2.INTER_AREA)
    return out


def faces_moved(before: np.ndarray, now: np.ndarray, level: float = STILL_LEVEL) -> np.ndarray:
    """Which faces moved: ``bool (K,)``, true where the patches ``now`` (:func:`face_patches` of the same boxes on a
    new frame) differ from ``before`` by ``level`` grey levels or more on average. A change of the whole patch's
    brightness (the camera adjusting its exposure) does not count; camera noise stays well under ``level``."""
    change = np.asarray(now, np.float32) - np.asarray(before, np.float32)
    change -= change.mean(axis=(1, 2), keepdims=True)
    return ~(np.abs(change).mean(axis=(1, 2)) < level)  # NaN (no pixels) counts as moved


def scale_boxes(boxes, scale: float) -> np.ndarray:
    """Map boxes ``(K, 4)`` found on a frame resized by ``scale`` back to the full frame: every number divided by
    ``scale`` and rounded to whole pixels, ``int32 (K, 4)``. Defined in lesson 07."""
    return np.round(np.asarray(boxes, np.float64).reshape(-1, 4) / scale).astype(np.int32)


def crop_face(frame, box, margin: float = 0.1) -> np.ndarray:
    """One face as the network's input: ``box`` ``(x, y, w, h)`` grown by ``margin`` of its size on every side,
    clipped to the frame, converted to gray and resized to ``uint8 (48, 48)`` (raw 0–255 pixels; ``frame``: any
    picture :func:`~emojify_lib.core.images.as_gray` accepts). Defined in lesson 07."""
    import cv2

    gray = as_gray(frame, "frame")
    x, y, w, h = (int(v) for v in box)
    H, W = gray.shape
    if w <= 0 or h <= 0:
        raise ImageError(f"face box has no area: x={x} y={y} w={w} h={h}")
    dx, dy = int(w * margin), int(h * margin)
    x0, y0 = max(x - dx, 0), max(y - dy, 0)
    x1, y1 = min(x + w + dx, W), min(y + h + dy, H)
    if x0 >= x1 or y0 >= y1:
        raise ImageError(f"face box (x={x} y={y} w={w} h={h}) lies outside the {W}×{H} frame")
    crop = gray[y0:y1, x0:x1]
    interp = cv2.INTER_AREA if crop.shape[0] > SIZE else cv2.INTER_LINEAR  # AREA shrinks without aliasing
    return cv2.resize(crop, (SIZE, SIZE), interpolation=interp)


def crop_faces(frame, boxes, margin: float = 0.1) -> np.ndarray:
    """:func:`crop_face` for every box: a ``uint8 (K, 48, 48)`` stack of grayscale faces (``frame``: any picture
    ``as_gray`` accepts; converted to gray once)."""
    gray = as_gray(frame, "frame")
    boxes = np.asarray(boxes, dtype=np.int64).reshape(-1, 4)
    out = np.empty((len(boxes), SIZE, SIZE), np.uint8)
    for i, box in enumerate(boxes):
        try:
            out[i] = crop_face(gray, box, margin)
        except ImageError as exc:
            raise ImageError(f"box {i}: {exc}") from None
    return out
