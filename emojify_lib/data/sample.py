"""The bundled sample set: procedurally drawn cartoon faces, one generator per emotion.

FER2013 cannot be shipped with the course (its licence forbids redistribution) and it cannot be downloaded
in CI, so every lesson has a stand-in that is built on the fly: 48x48 grayscale cartoon faces drawn with
OpenCV. Each class shows its emotion through the same cues a person would use - the shape of the mouth,
the angle of the eyebrows, how wide the eyes are - while everything else varies at random: where the face
sits, its size and tilt, skin and background grey levels, lighting, noise, blur, hair and glasses. The
strength of each expression varies too, so weak expressions blur into their neighbours (fear and
surprise, anger and disgust, sadness and a neutral face) much as they do in real photographs.

Everything is deterministic: the same ``seed`` always draws the same faces.

Typical use::

    from emojify_lib import sample
    splits = sample.load_sample(quick=True)     # {"train": (x, y), "val": (x, y), "test": (x, y)}
    x, y = splits["train"]                      # x uint8 (N, 48, 48), y int64 (N,) in canonical order
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from ..core import config
from ..core.emotions import EMOTIONS, NUM_CLASSES
from ..core.images import SIZE

__all__ = ["SAMPLE_DESCRIPTION", "SIZE", "CLASS_WEIGHTS", "make_sample", "load_sample", "split_counts",
           "draw_face"]

SAMPLE_DESCRIPTION = (
    "Synthetic sample: 48x48 grayscale cartoon faces drawn by a program (emojify_lib.data.sample), not photos of "
    "real people. Each of the 7 emotions is drawn with its own mouth, eyebrows and eyes, with random position, "
    "size, tilt, lighting, noise, hair and glasses. It lets every lesson run without FER2013, but a model "
    "trained on it has only learnt cartoons and will do poorly on real faces."
)

#: How common each class is relative to the others, in canonical order (angry, disgust, fear, happy, sad,
#: surprise, neutral). A mild copy of FER2013's imbalance: disgust is rare, happy is the most common.
CLASS_WEIGHTS: tuple[float, ...] = (1.0, 0.5, 1.0, 1.3, 1.1, 0.9, 1.1)

# Faces are drawn on a canvas twice the final size, then rotated, scaled and shifted down to 48x48 in one
# warp. Drawing uses OpenCV's fixed-point coordinates (``shift=_SHIFT``) so features land between pixels.
_CANVAS = 2 * SIZE
_SHIFT = 4
_ONE = 1 << _SHIFT
_CX, _CY = 48.0, 50.0       # face centre on the canvas
_EYE_DX, _EYE_Y = 13.0, 44.0
_MOUTH_Y = 70.0


def _p(x: float, y: float) -> tuple[int, int]:
    """A canvas point in OpenCV's fixed-point format."""
    return int(round(x * _ONE)), int(round(y * _ONE))


def _poly(img: np.ndarray, xs, ys, colour: float, thickness: int, closed: bool = False) -> None:
    pts = np.round(np.stack([xs, ys], axis=1) * _ONE).astype(np.int32)
    cv2.polylines(img, [pts], closed, colour, thickness, cv2.LINE_AA, _SHIFT)


def _fill(img: np.ndarray, xs, ys, colour: float) -> None:
    pts = np.round(np.stack([xs, ys], axis=1) * _ONE).astype(np.int32)
    cv2.fillPoly(img, [pts], colour, cv2.LINE_AA, _SHIFT)


def _ellipse(img, cx, cy, ax, ay, colour, thickness=-1, angle=0.0, start=0, end=360) -> None:
    cv2.ellipse(img, _p(cx, cy), _p(max(ax, 0.3), max(ay, 0.3)), angle, start, end, colour, thickness,
                cv2.LINE_AA, _SHIFT)


# ------------------------------------------------------------------------------------ the expressions
# Each class is a small recipe of parameters for the three parts that carry an expression. ``t`` in
# [0.3, 1] is the expression's strength: at low ``t`` every face drifts towards neutral.

def _brows(cls: str, t: float, rng: np.random.Generator) -> dict:
    """Eyebrow shape: vertical shift of the inner and outer ends (+ = down), overall lift, arch, gap."""
    j = rng.uniform(-0.7, 0.7, 2)
    if cls == "angry":        # pulled down and together at the inner ends
        return dict(inner=4.5 * t + j[0], outer=-1.5 * t + j[1], lift=1.5 * t, arch=0.0, gap=-1.5 * t)
    if cls == "disgust":      # lowered, one side more than the other
        side = rng.choice([-1, 1])
        return dict(inner=2.5 * t + j[0], outer=0.0 + j[1], lift=1.5 * t, arch=0.5, gap=-1.0 * t,
                    skew=side * 2.0 * t)
    if cls == "fear":         # raised, inner ends up and drawn together, fairly straight
        return dict(inner=-2.5 * t + j[0], outer=0.5 * t + j[1], lift=-4.0 * t, arch=0.3, gap=-1.5 * t)
    if cls == "happy":
        return dict(inner=0.5 + j[0], outer=0.5 + j[1], lift=-0.8 * t, arch=1.5, gap=0.0)
    if cls == "sad":          # inner ends raised, outer ends drooping
        return dict(inner=-4.0 * t + j[0], outer=2.0 * t + j[1], lift=-0.5 * t, arch=0.5, gap=0.0)
    if cls == "surprise":     # high, round arches
        return dict(inner=0.0 + j[0], outer=0.5 + j[1], lift=-5.5 * t, arch=2.5 * t + 1.0, gap=0.5)
    return dict(inner=j[0], outer=j[1], lift=0.0, arch=1.0, gap=0.0)          # neutral


def _eye_open(cls: str, t: float, rng: np.random.Generator) -> float:
    """Half-height of the eye opening on the canvas (a normal eye is about 3)."""
    base = rng.uniform(2.6, 3.6)
    change = {"angry": -1.5, "disgust": -1.6, "fear": 2.2, "happy": -0.8, "sad": -0.6,
              "surprise": 2.6, "neutral": 0.0}[cls]
    return max(0.9, base + change * t)


def _draw_mouth(img, cls: str, t: float, rng: np.random.Generator, ink: float, dark: float, light: float,
                lw: int) -> None:
    cx = _CX + rng.uniform(-1.0, 1.0)
    y0 = _MOUTH_Y + rng.uniform(-2.0, 2.0)
    u = np.linspace(-1.0, 1.0, 15)
    if cls in ("happy", "sad", "neutral", "angry"):
        width = {"happy": 14.0, "sad": 12.0, "neutral": 11.0, "angry": 9.5}[cls] * rng.uniform(0.85, 1.15)
        if cls == "happy":
            bend = rng.uniform(4.0, 8.0) * t           # centre below the corners: a smile
        elif cls == "sad":
            bend = -rng.uniform(3.5, 6.5) * t          # centre above the corners: a frown
            y0 += 1.0
        elif cls == "neutral":
            bend = rng.uniform(-1.2, 1.2)
        else:
            bend = -rng.uniform(0.5, 2.5) * t
        xs = cx + width * u
        ys = y0 + bend * (1.0 - u ** 2) - bend / 2
        if cls == "happy" and rng.random() < 0.45:    # open smile: a D shape with teeth
            top = y0 - bend / 2 + 0.6 * bend * (1.0 - u ** 2) * 0.25
            _fill(img, np.r_[xs, xs[::-1]], np.r_[ys, top[::-1]], dark)
            _poly(img, xs[2:-2], top[2:-2] + 1.5, light, max(1, lw - 1))
        elif cls == "angry" and rng.random() < 0.35:  # bared, clenched teeth
            h = rng.uniform(2.0, 3.5) * t + 1.0
            _fill(img, xs, ys - h, dark)
            _fill(img, np.r_[xs, xs[::-1]], np.r_[ys - h, ys[::-1] + h], dark)
            _poly(img, xs[1:-1], ys[1:-1], light, 1)
        else:
            _poly(img, xs, ys, ink, lw + (1 if cls == "angry" else 0))
    elif cls == "surprise":                            # a round, dropped-open O
        ax = rng.uniform(3.5, 5.5) * (0.6 + 0.4 * t)
        ay = rng.uniform(5.5, 9.0) * (0.5 + 0.5 * t)
        _ellipse(img, cx, y0 + 1.0, ax, ay, dark)
        _ellipse(img, cx, y0 + 1.0, ax, ay, ink, lw)
    elif cls == "fear":                                # wide, stretched, tense open mouth
        width = rng.uniform(10.0, 13.5)
        h = rng.uniform(2.5, 5.0) * (0.5 + 0.5 * t)
        xs = cx + width * u
        upper = y0 - h * (1.0 - u ** 2) * 0.6 + 1.5 * t * u ** 2    # corners pulled down and out
        lower = y0 + h * (1.0 - u ** 4) + 1.5 * t * u ** 2
        _fill(img, np.r_[xs, xs[::-1]], np.r_[upper, lower[::-1]], dark)
        if rng.random() < 0.6:                         # a row of teeth
            _poly(img, xs[3:-3], upper[3:-3] + 1.2, light, max(1, lw - 1))
        _poly(img, np.r_[xs, xs[::-1]], np.r_[upper, lower[::-1]], ink, 1, closed=True)
    else:                                              # disgust: tight, wavy, one side of the lip raised
        width = rng.uniform(8.0, 11.0)
        side = rng.choice([-1.0, 1.0])
        xs = cx + width * u
        ys = (y0 - side * 2.5 * t * np.clip(u * side, 0, None) ** 1.5
              + 1.2 * t * np.sin(3.0 * np.pi * u + rng.uniform(0, np.pi)) * (1 - u ** 2)
              + 1.5 * t * u ** 2)
        _poly(img, xs, ys, ink, lw + 1)


def draw_face(cls: str | int, rng: np.random.Generator) -> np.ndarray:
    """Draw one random face showing emotion ``cls`` (a name or canonical id) and return it,
    ``uint8 (48, 48)``. All randomness comes from ``rng``."""
    cls = EMOTIONS[cls] if not isinstance(cls, str) else cls
    if cls not in EMOTIONS:
        raise ValueError(f"unknown emotion {cls!r}; expected one of {EMOTIONS}")
    r = rng.uniform
    t = r(0.4, 1.0) if rng.random() < 0.25 else r(0.7, 1.0)     # strength of the expression

    # Background: a smooth random texture plus, sometimes, stripes (a wall, a curtain).
    bg_level = r(20, 235)
    coarse = rng.random((4, 4)).astype(np.float32)
    img = cv2.resize(coarse, (_CANVAS, _CANVAS), interpolation=cv2.INTER_CUBIC)
    img = bg_level + (img - 0.5) * r(15, 60)
    if rng.random() < 0.2:
        xx = np.arange(_CANVAS, dtype=np.float32)
        img = img + r(8, 25) * np.sin(xx / r(2.5, 8.0) + r(0, 6.3))[None, :]
    img = np.ascontiguousarray(img, dtype=np.float32)

    skin = r(80, 215)
    if abs(skin - bg_level) < 25:                     # keep the face visible against the background
        skin = float(np.clip(skin + (40 if skin > bg_level else -40) * (1 if skin < 175 else -1), 60, 230))
    ink = skin * r(0.1, 0.4)                          # line colour: clearly darker than the skin
    dark = skin * r(0.05, 0.25)                       # inside of an open mouth
    light = min(255.0, skin + r(25, 70))              # eye whites, teeth
    lw = int(rng.choice([3, 3, 4]))

    fw, fh = r(25, 31), r(32, 38)                     # face half-width / half-height on the canvas
    hair = None
    if rng.random() < 0.7:
        hair = float(np.clip(skin + (1 if rng.random() < 0.25 else -1) * r(50, 120), 0, 255))
        _ellipse(img, _CX + r(-2, 2), _CY - r(6, 10), fw + r(2, 6), fh + r(-2, 3), hair)   # hair behind
    _ellipse(img, _CX - fw + 1, _EYE_Y + 6, 4, 7, skin * 0.95)                         # ears
    _ellipse(img, _CX + fw - 1, _EYE_Y + 6, 4, 7, skin * 0.95)
    _ellipse(img, _CX, _CY, fw, fh, skin)
    # a soft shadow along one cheek, so the face is not a flat disc
    shade = np.zeros_like(img)
    _ellipse(shade, _CX + rng.choice([-1, 1]) * fw * 0.55, _CY + 4, fw * 0.5, fh * 0.8, r(4, 18))
    mask = np.zeros_like(img)
    _ellipse(mask, _CX, _CY, fw, fh, 1.0)
    img -= shade * mask
    _ellipse(img, _CX, _CY, fw, fh, skin * r(0.55, 0.85), 2)                          # outline
    if hair is not None and rng.random() < 0.6:       # a fringe over the forehead
        fringe_y = _CY - fh + r(6, 13)
        xs = np.linspace(_CX - fw, _CX + fw, 13)
        ys = fringe_y - 6 * ((xs - _CX) / fw) ** 2 + rng.uniform(-1.5, 1.5, xs.size)
        top = np.full_like(xs, _CY - fh - 3)
        _fill(img, np.r_[xs, xs[::-1]], np.r_[ys, top], hair)

    # Eyes and eyebrows, one side at a time (side -1 = image left).
    brow = _brows(cls, t, rng)
    openness = _eye_open(cls, t, rng)
    pupil_dx = r(-1.5, 1.5)
    brow_w = lw + 1
    for side in (-1.0, 1.0):
        ex, ey = _CX + side * _EYE_DX, _EYE_Y + r(-0.4, 0.4)
        h = openness * r(0.9, 1.1)
        if cls == "happy" and rng.random() < 0.3:     # smiling eyes: upturned arcs
            _ellipse(img, ex, ey + 1.5, 5.5, 3.0, ink, lw, start=180, end=360)
        else:
            _ellipse(img, ex, ey, 6.0, h, light)
            pr = min(2.8, h + 0.2) if cls not in ("surprise", "fear") else 2.0 * r(0.8, 1.1)
            _ellipse(img, ex + pupil_dx, ey, pr, min(pr, h), ink * 0.6)
            _ellipse(img, ex, ey, 6.0, h, ink, 1)
        # eyebrow: inner end, a middle point with its arch, outer end
        skew = brow.get("skew", 0.0) * side * 0.5
        by = ey - 9.5 + brow["lift"] + skew
        xi = ex - side * (5.5 + brow["gap"])
        xo = ex + side * 7.5
        xm = (xi + xo) / 2
        ys = np.array([by + brow["inner"], by - brow["arch"] + (brow["inner"] + brow["outer"]) / 2,
                       by + brow["outer"]])
        xs_b = np.array([xi, xm, xo])
        _poly(img, xs_b, ys, ink, brow_w)

    # Nose, with wrinkles for disgust (and sometimes frown lines for anger).
    ny = _EYE_Y + r(12, 15) - (1.5 * t if cls == "disgust" else 0.0)
    _poly(img, np.array([_CX - 1, _CX - 2.5, _CX - 3.5, _CX + 3.5]), np.array([_EYE_Y + 2, ny - 3, ny, ny]),
          ink * 1.3, 1)
    if cls == "disgust":
        for k in range(int(rng.integers(2, 4))):
            wy = _EYE_Y + 3.5 + 2.2 * k
            _poly(img, np.array([_CX - 3.5, _CX, _CX + 3.5]), np.array([wy + 0.8, wy - 0.5, wy + 0.8]), ink, 1)
    elif cls == "angry" and rng.random() < 0.5:
        for dx in (-1.5, 1.5):
            _poly(img, np.array([_CX + dx, _CX + dx * 0.8]), np.array([_EYE_Y - 8, _EYE_Y - 3]), ink, 1)

    _draw_mouth(img, cls, t, rng, ink, dark, light, lw)

    if rng.random() < 0.18:                           # glasses
        g = float(rng.choice([ink * 0.5, min(255.0, skin + 60)]))
        for side in (-1.0, 1.0):
            _ellipse(img, _CX + side * _EYE_DX, _EYE_Y + 0.5, 9.0, 7.0, g, 2)
        _poly(img, np.array([_CX - 4.5, _CX + 4.5]), np.array([_EYE_Y, _EYE_Y]), g, 2)

    # Place the face: tilt, size and position, and halve the canvas, in one affine warp.
    angle = r(-15, 15)
    zoom = r(1.0, 1.3)
    m = cv2.getRotationMatrix2D((_CX, _CY), angle, 0.5 * zoom)
    m[:, 2] += np.array([SIZE / 2 - _CX + r(-3, 3), SIZE / 2 + 1 - _CY + r(-3, 3)])
    out = cv2.warpAffine(img, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    if rng.random() < 0.5:
        out = out[:, ::-1]

    # Camera: lighting gradient, contrast and brightness, blur, sensor noise.
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE - 0.5
    theta = r(0, 2 * np.pi)
    out = out * (1.0 + r(0, 0.6) * (np.cos(theta) * xx + np.sin(theta) * yy))
    mean = float(out.mean())
    out = (out - mean) * r(0.6, 1.3) + mean + r(-25, 25)
    if rng.random() < 0.5:
        out = cv2.GaussianBlur(np.ascontiguousarray(out), (3, 3), r(0.3, 0.9))
    out = out + rng.normal(0.0, r(1.0, 7.0), out.shape)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


# ------------------------------------------------------------------------------------------- data sets
def make_sample(n_per_class: int = 200, seed: int | Sequence[int] = 0, class_counts: Sequence[int] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Draw a shuffled set of sample faces.

    ``n_per_class`` faces of each of the 7 classes, or ``class_counts[k]`` faces of class ``k`` when
    ``class_counts`` (7 non-negative ints, canonical order) is given. Returns ``x`` ``uint8 (N, 48, 48)``
    and ``y`` ``int64 (N,)`` with labels 0-6 in :data:`emojify_lib.core.emotions.EMOTIONS` order. The same
    arguments always give the same arrays.
    """
    if class_counts is None:
        if int(n_per_class) < 0:
            raise ValueError(f"n_per_class must be >= 0, got {n_per_class}")
        counts = [int(n_per_class)] * NUM_CLASSES
    else:
        counts = [int(c) for c in class_counts]
        if len(counts) != NUM_CLASSES or min(counts) < 0:
            raise ValueError(f"class_counts must be {NUM_CLASSES} non-negative ints, got {list(class_counts)}")
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(NUM_CLASSES, dtype=np.int64), counts)
    rng.shuffle(y)
    x = np.empty((y.size, SIZE, SIZE), dtype=np.uint8)
    for i, label in enumerate(y):
        x[i] = draw_face(int(label), rng)
    return x, y


def split_counts(quick: bool | None = None) -> dict[str, list[int]]:
    """Faces per class in each split of :func:`load_sample`: FER2013-like proportions
    (:data:`CLASS_WEIGHTS`) of a base of 300/50/50 per class in quick mode and 1000/250/250 otherwise."""
    quick = config.quick_mode() if quick is None else quick
    bases = {"train": 300, "val": 50, "test": 50} if quick else {"train": 1000, "val": 250, "test": 250}
    return {split: [int(round(base * w)) for w in CLASS_WEIGHTS] for split, base in bases.items()}


_SPLIT_SEEDS = {"train": 0, "val": 1, "test": 2}


def _disk_path(split: str, quick: bool, seed: int) -> Path | None:
    """Where :func:`_cached_split` keeps a drawn split between runs, or ``None`` (``EMOJIFY_CACHE=off``). The
    name hashes this file's source and the OpenCV and NumPy versions, so any change to the drawing (or to the
    libraries that draw) draws afresh instead of reusing stale faces."""
    folder = config.cache_dir()
    if folder is None:
        return None
    key = hashlib.sha256(Path(__file__).read_bytes())
    key.update(f"{cv2.__version__}|{np.__version__}|{split}|{quick}|{seed}".encode())
    return folder / f"sample-{split}-{'quick' if quick else 'full'}-{key.hexdigest()[:16]}.npz"


def _read_drawn(path: Path, counts: list[int]) -> tuple[np.ndarray, np.ndarray] | None:
    """A split saved by :func:`_write_drawn`, or ``None`` when it is missing, unreadable or not what ``counts``
    asks for (a cut-short or corrupt file is simply drawn again)."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            x, y = saved["x"], saved["y"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    n = sum(counts)
    if (x.dtype != np.uint8 or x.shape != (n, SIZE, SIZE) or y.shape != (n,) or y.dtype.kind not in "iu"
            or (n and (y.min() < 0 or y.max() >= NUM_CLASSES))
            or np.bincount(y, minlength=NUM_CLASSES).tolist() != counts):
        return None
    return x, y.astype(np.int64)


def _write_drawn(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    """Save a drawn split for the next run; written to a temporary name and renamed, so that a reader never
    sees half a file. A cache that cannot be written (read-only home, full disk) is skipped silently."""
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(tmp, x=x, y=y)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


@functools.lru_cache(maxsize=8)
def _cached_split(split: str, quick: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    counts = split_counts(quick)[split]
    path = _disk_path(split, quick, seed)
    drawn = _read_drawn(path, counts) if path is not None and path.is_file() else None
    if drawn is None:
        # distinct, well-separated seeds per split and per user seed, so the splits are independent draws
        drawn = make_sample(seed=[seed, _SPLIT_SEEDS[split], int(quick)], class_counts=counts)
        if path is not None:
            _write_drawn(path, *drawn)
    x, y = drawn
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def load_sample(quick: bool | None = None, seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The sample set split like FER2013: ``{"train": (x, y), "val": (x, y), "test": (x, y)}``.

    Each split is an independent draw (its own seed), ``x`` ``uint8 (N, 48, 48)``, ``y`` ``int64 (N,)``,
    with mildly imbalanced classes (see :func:`split_counts`): about 2,070 / 345 / 345 faces in quick mode
    (``quick`` defaults to ``EMOJIFY_QUICK``) and about 6,900 / 1,725 / 1,725 otherwise. Splits are cached
    in memory and, between runs, on disk (``config.cache_dir()``: drawing the faces takes seconds, reading them
    back milliseconds); every call returns fresh copies that the caller may modify.
    """
    quick = config.quick_mode() if quick is None else bool(quick)
    out = {}
    for split in ("train", "val", "test"):
        x, y = _cached_split(split, quick, int(seed))
        out[split] = (x.copy(), y.copy())
    return out
