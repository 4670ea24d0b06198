"""Graders for lesson 07's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import numpy as np

from . import _grading
from ._grading import _expect_int, _short, call, expect_close, fail, grader, passed

__all__ = ["score", 'check_scale_boxes', 'check_main_face', 'check_smooth']

LESSON = "07"


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


@grader(LESSON, "scale_boxes")
def check_scale_boxes(fn) -> None:
    """``fn(boxes, scale)`` maps ``(K, 4)`` boxes found on a frame shrunk by ``scale`` back to full-frame
    pixels: every number divided by ``scale``, rounded to whole pixels, as an integer array."""
    cases = [(np.array([[10, 20, 30, 30]]), 0.5, [[20, 40, 60, 60]]),
             (np.array([[0, 0, 33, 33], [50, 10, 16, 16]]), 0.25, [[0, 0, 132, 132], [200, 40, 64, 64]]),
             (np.array([[7, 5, 21, 21]]), 320 / 640, [[14, 10, 42, 42]]),
             (np.zeros((0, 4), int), 0.5, np.zeros((0, 4)))]
    for boxes, scale, expected in cases:
        got = call(fn, boxes.copy(), scale, name="scale_boxes")
        expect_close(got, expected, what=f"scale_boxes({_short(boxes)}, {scale})",
                     hint="a box found at half size is twice as large in the full frame: divide by the scale.")
        if np.asarray(got).dtype.kind not in "iu":
            fail(f"scale_boxes returned dtype {np.asarray(got).dtype}; boxes are whole pixels",
                 "finish with np.round(...).astype(int).")
    passed("boxes found on the small frame land on the same faces in the full frame.")


@grader(LESSON, "main_face")
def check_main_face(fn) -> None:
    """``fn(predictions)`` returns the prediction with the largest box (w × h), or ``None`` for no faces."""
    from types import SimpleNamespace

    def p(box, emotion="happy"):  # shaped like the live path's FacePrediction; the grader needs nothing live
        return SimpleNamespace(box=box, emotion=emotion, probs=np.full(7, 1 / 7))

    if call(fn, [], name="main_face") is not None:
        fail("main_face([]) should return None: with no face there is no main face",
             "check `if not predictions: return None` first.")
    cases = [[p((0, 0, 50, 50)), p((100, 0, 80, 80), "sad")],
             [p((0, 0, 100, 20)), p((0, 0, 60, 60), "fear")],
             [p((5, 5, 40, 40), "angry")]]
    for preds in cases:
        want = max(preds, key=lambda q: q.box[2] * q.box[3])
        got = call(fn, preds, name="main_face")
        if got is not want:
            boxes = [q.box for q in preds]
            fail(f"for boxes {boxes} main_face returned {getattr(got, 'box', got)}, expected {want.box}",
                 "compare areas w*h (box[2] * box[3]), not widths or positions.")
    passed("the largest face is the one nearest the camera — the one whose emoji we show.")


@grader(LESSON, "smooth")
def check_smooth(fn) -> None:
    """``fn(previous, new, alpha)`` returns the exponential moving average ``alpha·previous + (1−alpha)·new``."""
    prev, new = np.array([0.8, 0.2]), np.array([0.0, 1.0])
    for alpha in (0.0, 0.5, 0.9):
        expect_close(call(fn, prev, new, alpha, name="smooth"), alpha * prev + (1 - alpha) * new,
                     what=f"smooth({prev.tolist()}, {new.tolist()}, alpha={alpha})",
                     hint="alpha weighs the past: alpha=0 means no smoothing (return new).")
    passed("a large alpha keeps the emoji steady; a small one follows the face quickly.")
