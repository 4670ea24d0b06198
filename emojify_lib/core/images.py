"""Images in, images out: the one set of rules for the pictures every part of emojify reads.

A picture may be ``(H, W)`` gray, ``(H, W, 1)``, ``(H, W, 3)`` BGR (OpenCV's order) or ``(H, W, 4)`` BGRA, with
pixels of dtype ``uint8``, ``uint16`` (scaled down to 8 bits), ``bool`` (0/255), another integer type holding
0-255, or float (read as 0-1 when its maximum is at most 1, else as 0-255; clipped). Anything else raises
:class:`~emojify_lib.core.errors.ImageError` naming what was wrong and where (``where``).

The loaders, the face detector, the predictor and the overlay all go through :func:`as_gray` / :func:`as_bgr`;
faces are ``uint8 (N, 48, 48)`` (:func:`as_faces`) and reach a model as ``float32 (N, 48, 48, 1)`` raw 0-255
pixels (:func:`as_batch`): the model scales them itself.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import ImageError

#: Side of the square grayscale faces FER2013 holds and every model here reads.
SIZE = 48
#: File endings read as images (the loaders, the frame sources and the CLI).
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm"})


def _as_uint8(image, where: str) -> np.ndarray:
    """``image`` checked and turned into ``uint8 (H, W)`` or ``(H, W, 3/4)`` (no copy when it already is)."""
    if image is None:
        raise ImageError(f"{where}: got None instead of an image (the camera or file gave no picture)")
    if not isinstance(image, (np.ndarray, list, tuple)):
        raise ImageError(f"{where}: expected a NumPy array, got {type(image).__name__}")
    img = np.asarray(image)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (3, 4)):
        raise ImageError(f"{where}: expected a (H, W) gray or (H, W, 3/4) colour image, got shape {img.shape}")
    if 0 in img.shape:
        raise ImageError(f"{where}: the image is empty (shape {img.shape})")
    if img.dtype == np.uint8:
        return img
    if img.dtype == np.uint16:
        return (img >> 8).astype(np.uint8)
    if img.dtype == bool:
        return img.astype(np.uint8) * 255
    if img.dtype.kind == "f":
        if not np.isfinite(img).all():
            raise ImageError(f"{where}: float image holds NaN or infinite values")
        scale = 255.0 if img.max(initial=0) <= 1.0 else 1.0
        return np.clip(img * scale, 0, 255).round().astype(np.uint8)
    if img.dtype.kind not in "iu":
        raise ImageError(f"{where}: unsupported pixel type {img.dtype}; use uint8, uint16 or float")
    if img.min(initial=0) < 0 or img.max(initial=0) > 255:
        raise ImageError(f"{where}: integer pixels must lie in 0..255 (or use uint8, uint16 or float), "
                         f"found {img.min()}..{img.max()}")
    return img.astype(np.uint8)


def as_gray(image, where: str = "image") -> np.ndarray:
    """``uint8 (H, W)`` grayscale version of any accepted picture; the array itself when it already is one."""
    import cv2

    img = _as_uint8(image, where)
    if img.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if img.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        img = cv2.cvtColor(np.ascontiguousarray(img), code)
    return np.ascontiguousarray(img)


def is_bgr(frame) -> bool:
    """True when ``frame`` is already a ``uint8 (H, W, 3)`` BGR image (something one can draw on in place)."""
    return (isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
            and 0 not in frame.shape)


def as_bgr(image, where: str = "frame") -> np.ndarray:
    """``uint8 (H, W, 3)`` BGR version of any accepted picture; the array itself when it already is one."""
    import cv2

    if is_bgr(image):
        return image
    img = _as_uint8(image, where)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_BGRA2BGR) if img.shape[2] == 4 else img


def to_gray48(image, where: str = "image") -> np.ndarray:
    """Any accepted picture as a ``uint8 (48, 48)`` grayscale face (resized, not cropped)."""
    import cv2

    img = as_gray(image, where)
    if img.shape != (SIZE, SIZE):
        shrinking = img.shape[0] > SIZE or img.shape[1] > SIZE
        img = cv2.resize(img, (SIZE, SIZE), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    return np.ascontiguousarray(img, dtype=np.uint8)


def as_faces(faces, where: str = "faces") -> np.ndarray:
    """A stack of faces ``(N, 48, 48)`` from ``(N, 48, 48)``, ``(N, 48, 48, 1)`` or one ``(48, 48)`` face
    (pixel values untouched). :class:`ImageError` for any other shape."""
    x = np.asarray(faces)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1:] != (SIZE, SIZE):
        raise ImageError(f"{where}: expected faces of shape (N, {SIZE}, {SIZE}) or one ({SIZE}, {SIZE}) face, "
                         f"got shape {x.shape}")
    return x


def as_batch(faces, where: str = "faces") -> np.ndarray:
    """Faces as a model's input: ``float32 (N, 48, 48, 1)`` raw 0-255 pixels (see :func:`as_faces`)."""
    return as_faces(faces, where)[..., None].astype(np.float32)


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as it is stored (``uint8``/``uint16``, gray, BGR or BGRA, full size).

    :class:`ImageError` naming the file when it is missing, empty or not a readable image.
    """
    import cv2

    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: no such image file")
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0:
        raise ImageError(f"{path}: the file is empty")
    image = cv2.imdecode(raw, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ImageError(f"{path}: not a readable image (corrupt, truncated, or not an image format)")
    return image
