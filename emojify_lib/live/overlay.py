"""Emoji images and drawing results onto video frames.

Frames are OpenCV's ``uint8 (H, W, 3)`` BGR arrays; emoji images are ``uint8 (h, w, 4)`` BGRA with transparency.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..core import config
from ..core.emotions import DISPLAY_NAMES, EMOJI_FILES, EMOTIONS
from ..core.errors import ImageError
from ..core.images import as_bgr, is_bgr

#: Box and label colour per class (BGR), chosen to be told apart on a video.
COLORS = {"angry": (60, 60, 230), "disgust": (60, 170, 60), "fear": (200, 120, 160), "happy": (40, 200, 255),
          "sad": (220, 140, 60), "surprise": (240, 200, 40), "neutral": (200, 200, 200)}


def _name(emotion: str | int) -> str:
    if isinstance(emotion, (int, np.integer)):
        if not 0 <= int(emotion) < len(EMOTIONS):
            raise ValueError(f"emotion id {emotion} is not in 0-6")
        return EMOTIONS[int(emotion)]
    if emotion not in EMOJI_FILES:
        raise ValueError(f"unknown emotion {emotion!r}; expected one of {EMOTIONS}")
    return emotion


@lru_cache(maxsize=64)
def _load(name: str, size: int | None) -> np.ndarray:
    import cv2

    path = config.emojis_dir() / EMOJI_FILES[name]
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None or image.ndim != 3 or image.shape[2] != 4:
        raise ImageError(f"emoji image {path} is missing or has no transparency; redraw it with "
                         "`python emojis/make_emojis.py`")
    if size is not None:
        image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    image.setflags(write=False)
    return image


def load_emoji(emotion: str | int, size: int | None = None) -> np.ndarray:
    """The emoji of a class (name or canonical id) as ``uint8 (h, w, 4)`` BGRA, optionally resized to
    ``size``×``size``. Cached; the returned array is read-only."""
    return _load(_name(emotion), size)


def overlay_rgba(frame: np.ndarray, image: np.ndarray, x: int, y: int) -> np.ndarray:
    """Alpha-blend a BGRA ``image`` onto BGR ``frame`` with its top-left corner at ``(x, y)``, in place.

    Parts outside the frame are clipped, so the image may hang over any edge. Returns ``frame``.
    """
    if not is_bgr(frame):
        raise ImageError("overlay_rgba draws in place, so it needs a uint8 (H, W, 3) BGR frame, got "
                         f"{getattr(frame, 'dtype', type(frame).__name__)} {getattr(frame, 'shape', '')}")
    h, w = image.shape[:2]
    fx0, fy0 = max(x, 0), max(y, 0)
    fx1, fy1 = min(x + w, frame.shape[1]), min(y + h, frame.shape[0])
    if fx0 >= fx1 or fy0 >= fy1:
        return frame
    part = image[fy0 - y:fy1 - y, fx0 - x:fx1 - x]
    alpha = part[:, :, 3:4].astype(np.float32) / 255.0
    region = frame[fy0:fy1, fx0:fx1]
    region[:] = (part[:, :, :3] * alpha + region * (1.0 - alpha)).astype(np.uint8)
    return frame


def annotate(frame: np.ndarray, predictions, emoji_size: int | None = None, cover: bool = False) -> np.ndarray:
    """Draw each prediction on a copy of ``frame``: a box, a label such as "Happy 93%", and the emoji beside the
    face's top-right corner (sized to the face unless ``emoji_size`` is given); with ``cover=True`` the emoji
    hides the whole face instead (the classic "emojify" fun mode). ``frame`` is any picture
    :func:`~emojify_lib.core.images.as_bgr` accepts; ``predictions`` are
    :class:`~emojify_lib.live.predictor.FacePrediction` objects (anything with ``box``, ``emotion``, ``score``)."""
    import cv2

    out = as_bgr(frame, "frame")
    out = out.copy() if out is frame else out
    for p in predictions:
        x, y, w, h = (int(v) for v in p.box)
        color = COLORS[p.emotion]
        cv2.rectangle(out, (x, y), (x + w, y + h), color, 2, cv2.LINE_AA)
        if cover:  # the emoji, a little larger than the box, centred on the face
            size = emoji_size or int(max(w, h) * 1.15)
            overlay_rgba(out, load_emoji(p.emotion, size), x + (w - size) // 2, y + (h - size) // 2)
        else:  # the emoji sits on the box's top-right corner, so it never covers a neighbouring face
            size = emoji_size or max(24, int(h * 0.45))
            overlay_rgba(out, load_emoji(p.emotion, size), x + w - size * 2 // 3, y - size // 3)
        label = f"{DISPLAY_NAMES[p.emotion]} {p.score:.0%}"
        scale = max(0.45, min(1.0, w / 200))
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        # the label hangs under the box (inside it at the frame's bottom edge), drawn last so no emoji hides it
        top = min(y + h, out.shape[0] - th - 8)
        cv2.rectangle(out, (x, top), (x + tw + 6, top + th + 8), color, -1)
        cv2.putText(out, label, (x + 3, top + th + 3), cv2.FONT_HERSHEY_SIMPLEX, scale, (20, 20, 20), 1, cv2.LINE_AA)
    return out
