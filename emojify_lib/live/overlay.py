"""Emoji images and drawing results onto video frames.

Frames are OpenCV's ``uint8 (H, W, 3)`` BGR arrays; emoji images are ``uint8 (h, w, 4)`` BGRA with transparency.
"""
from __future__ import annotations

from dataclasses import dataclass
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


#: The overlay's placement numbers (fractions of a face box), here and nowhere else: the emoji on the box's top-right
#: corner is CORNER_SCALE of the face's height (at least CORNER_MIN pixels) and hangs a third over the corner; in
#: cover mode it is COVER_SCALE of the box's larger side, centred on the face.
CORNER_SCALE, CORNER_MIN, COVER_SCALE = 0.45, 24, 1.15
#: The label's letters (BGR), on the class's colour.
TEXT_COLOR = (20, 20, 20)


@dataclass(frozen=True)
class FaceLook:
    """Where and how one face is drawn, in frame pixels: the one definition of the overlay, which :func:`annotate`
    draws on frames and :meth:`to_page` sends, as fractions of the frame, to the browser widget, which draws the
    same. ``emoji_box``: ``(x, y, size)`` of the square emoji; ``label_box``: ``(x, top, height)`` of the label's
    background (its width follows the label's text in the font of whoever draws it); ``text_scale``: OpenCV's
    font scale for the label."""
    box: tuple[int, int, int, int]
    emotion: str
    color: tuple[int, int, int]
    emoji_box: tuple[int, int, int]
    label: str
    label_box: tuple[int, int, int]
    text_scale: float

    def to_page(self, width: int, height: int) -> dict:
        """The look as JSON for a page showing the frame at any size: every position a fraction of the frame's
        ``width``/``height`` (4 decimals: a tenth of a pixel on a 1000-pixel view), the colours as ``#rrggbb``."""
        x, y, w, h = self.box
        ex, ey, size = self.emoji_box
        lx, top, lh = self.label_box

        def fractions(*pairs):
            return [round(v / of, 4) for v, of in pairs]

        return {"box": fractions((x, width), (y, height), (w, width), (h, height)), "emotion": self.emotion,
                "color": _hex(self.color), "text_color": _hex(TEXT_COLOR),
                "emoji": fractions((ex, width), (ey, height), (size, width), (size, height)),
                "label": self.label, "label_box": fractions((lx, width), (top, height), (lh, height))}


def _hex(bgr: tuple[int, int, int]) -> str:
    b, g, r = bgr
    return f"#{r:02x}{g:02x}{b:02x}"


def face_look(prediction, frame_size: tuple[int, int], cover: bool = False, emoji_size: int | None = None) -> FaceLook:
    """The :class:`FaceLook` of one prediction (anything with ``box``, ``emotion``, ``score``) on a frame of
    ``frame_size`` ``(height, width)``: the emoji on the box's top-right corner, clear of neighbouring faces, or
    with ``cover`` a little larger than the box and centred on it; the label ("Happy 93%") under the box (inside it
    at the frame's bottom edge). ``emoji_size``: a fixed emoji size in pixels instead of one sized to the face."""
    import cv2

    x, y, w, h = (int(v) for v in prediction.box)
    if cover:
        size = emoji_size or int(max(w, h) * COVER_SCALE)
        emoji = (x + (w - size) // 2, y + (h - size) // 2, size)
    else:
        size = emoji_size or max(CORNER_MIN, int(h * CORNER_SCALE))
        emoji = (x + w - size * 2 // 3, y - size // 3, size)
    label = f"{DISPLAY_NAMES[prediction.emotion]} {prediction.score:.0%}"
    scale = max(0.45, min(1.0, w / 200))
    th = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][1] + 8
    top = min(y + h, frame_size[0] - th)
    return FaceLook((x, y, w, h), prediction.emotion, COLORS[prediction.emotion], emoji, label, (x, top, th), scale)


def annotate(frame: np.ndarray, predictions, emoji_size: int | None = None, cover: bool = False) -> np.ndarray:
    """Draw each prediction on a copy of ``frame`` as :func:`face_look` places it: a box, the emoji (beside the
    face's top-right corner, or with ``cover=True`` hiding the whole face: the classic "emojify" fun mode), and a
    label such as "Happy 93%" drawn last, so no emoji hides it. ``frame`` is any picture
    :func:`~emojify_lib.core.images.as_bgr` accepts; ``predictions`` are
    :class:`~emojify_lib.live.predictor.FacePrediction` objects (anything with ``box``, ``emotion``, ``score``)."""
    import cv2

    out = as_bgr(frame, "frame")
    out = out.copy() if out is frame else out
    for p in predictions:
        look = face_look(p, out.shape[:2], cover, emoji_size)
        x, y, w, h = look.box
        cv2.rectangle(out, (x, y), (x + w, y + h), look.color, 2, cv2.LINE_AA)
        ex, ey, size = look.emoji_box
        overlay_rgba(out, load_emoji(p.emotion, size), ex, ey)
        lx, top, lh = look.label_box
        (tw, _), _ = cv2.getTextSize(look.label, cv2.FONT_HERSHEY_SIMPLEX, look.text_scale, 1)
        cv2.rectangle(out, (lx, top), (lx + tw + 6, top + lh), look.color, -1)
        cv2.putText(out, look.label, (lx + 3, top + lh - 5), cv2.FONT_HERSHEY_SIMPLEX, look.text_scale, TEXT_COLOR,
                    1, cv2.LINE_AA)
    return out
