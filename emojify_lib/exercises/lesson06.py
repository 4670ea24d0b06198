"""Graders for lesson 06's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import numpy as np

from . import _grading
from ._grading import _expect_int, _short, call, expect_close, fail, grader, passed

__all__ = ["score", 'check_recall', 'check_precision']

LESSON = "06"


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


_CM_CASES = (
    np.array([[5, 1], [2, 2]]),
    np.array([[1, 1, 0], [0, 2, 1], [0, 0, 1]]),
    np.array([[4, 0, 1], [0, 0, 0], [2, 3, 5]]),     # no face of class 1 (empty row)
    np.array([[3, 0, 1], [2, 0, 2], [0, 0, 4]]),     # class 1 never predicted (empty column)
)


def _check_cm_metric(fn, name: str, axis: int, right: str, wrong_axis_hint: str) -> None:
    for cm in _CM_CASES:
        got = call(fn, cm.copy(), name=name)
        sums = cm.sum(axis=axis)
        want = np.divide(np.diag(cm), sums, out=np.zeros(len(cm)), where=sums != 0)
        what = f"{name}({_short(cm)})"
        hint = f"{name} of class c = C[c, c] / {right}; give 0 where that sum is 0."
        arr = np.asarray(got, dtype=np.float64) if np.shape(got) == (len(cm),) else None
        if arr is not None:
            other = cm.sum(axis=1 - axis)
            if np.allclose(arr, np.divide(np.diag(cm), other, out=np.zeros(len(cm)), where=other != 0)):
                hint = wrong_axis_hint
            elif not np.isfinite(arr).all():
                hint = ("a class with an empty row or column divides by zero: return 0 there "
                        "(np.divide(..., where=...)).")
            elif np.allclose(arr, np.diag(cm) / cm.sum()):
                hint = f"you divided by the total; divide by {right} instead."
        expect_close(got, want, what, hint)


@grader(LESSON, "recall")
def check_recall(fn) -> None:
    """Lesson 06, exercise 1: ``fn(cm)`` returns each class's recall ``C[c, c] / C[c, :].sum()`` from a
    confusion matrix ``cm`` (rows = true class), ``(k,)`` floats, 0 for a class with no faces."""
    _check_cm_metric(fn, "recall", axis=1, right="the sum of row c (all faces whose TRUE class is c)",
                     wrong_axis_hint="that is precision: you divided by column sums. Recall asks 'of the faces "
                                     "that ARE class c, how many did we find?', so divide by row sums (axis=1).")
    passed("recall = diagonal / row sums: the share of each class's faces the model found.")


@grader(LESSON, "precision")
def check_precision(fn) -> None:
    """Lesson 06, exercise 2: ``fn(cm)`` returns each class's precision ``C[c, c] / C[:, c].sum()`` from a
    confusion matrix ``cm`` (columns = predicted class), ``(k,)`` floats, 0 for a class never predicted."""
    _check_cm_metric(fn, "precision", axis=0, right="the sum of column c (all faces PREDICTED as c)",
                     wrong_axis_hint="that is recall: you divided by row sums. Precision asks 'of the faces we "
                                     "CALLED class c, how many are?', so divide by column sums (axis=0).")
    passed("precision = diagonal / column sums: how often the model is right when it names a class.")
