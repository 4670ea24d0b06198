"""Graders for lesson 03's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import numpy as np

from . import _grading
from ._grading import _expect_int, _short, call, expect_close, fail, grader, passed

__all__ = ["score", 'check_majority_baseline', 'check_class_weights']

LESSON = "03"


def score() -> _grading.Score:
    """Print this lesson's score line ("N of M exercises passed") and return it."""
    return _grading.score(LESSON)


@grader(LESSON, "majority_baseline")
def check_majority_baseline(fn) -> None:
    """Lesson 03, exercise 1: ``fn(y)`` returns the accuracy (a number in 0..1) of a "model" that always
    answers the most common class of the labels ``y`` (int array, ids 0-6)."""
    cases = [np.array([3, 3, 3, 0, 1]), np.array([0, 1, 2, 3, 4, 5, 6, 6]), np.array([5]),
             np.repeat(np.arange(7), [3995, 436, 4097, 7215, 4830, 3171, 4965])]
    for y in cases:
        got = call(fn, y.copy(), name="majority_baseline")
        want = np.bincount(y).max() / len(y)
        what = f"majority_baseline({_short(y)})"
        if np.ndim(got) != 0:
            fail(f"{what} returned {_short(got)}; expected one number, the accuracy",
                 "count each class (np.bincount(y)), take the largest count, divide by len(y).")
        hint = "the accuracy is (how many faces have the most common label) / (how many faces there are)."
        if abs(float(got) - np.bincount(y).max()) < 1e-9:
            hint = "that is the count of the biggest class; divide it by len(y) to get an accuracy."
        elif abs(float(got) - 1 / len(np.unique(y))) < 1e-9 or abs(float(got) - 1 / 7) < 1e-9:
            hint = "that is chance for equal classes (1/k); the majority class is more common than that."
        elif abs(float(got) - np.argmax(np.bincount(y)) / len(y)) < 1e-9:
            hint = "np.argmax gives WHICH class is most common; you want HOW MANY faces it has (np.max)."
        expect_close(got, want, what, hint)
    passed("on FER2013's training labels, always answering 'happy' is already right 25.1 % of the time.")


@grader(LESSON, "class_weights")
def check_class_weights(fn) -> None:
    """Lesson 03, exercise 2: ``fn(counts)`` turns the faces per class ``counts`` (``(k,)`` ints) into the
    "balanced" class weights ``n / (k · n_c)`` (``(k,)`` floats), where ``n`` is the total."""
    cases = [np.array([10, 10]), np.array([30, 10]), np.array([5, 20, 25]),
             np.array([3995, 436, 4097, 7215, 4830, 3171, 4965])]
    for counts in cases:
        got = call(fn, counts.copy(), name="class_weights")
        want = counts.sum() / (len(counts) * counts)
        what = f"class_weights({_short(counts)})"
        hint = "weight_c = n / (k · n_c): n = counts.sum(), k = len(counts); rare classes get weights above 1."
        arr = np.asarray(got, dtype=np.float64) if np.ndim(got) == 1 and len(got) == len(counts) else None
        if arr is not None:
            if np.allclose(arr, counts / counts.sum()):
                hint = "those are the class frequencies n_c / n; the weight is the inverse, scaled by 1/k."
            elif np.allclose(arr, counts.sum() / counts):
                hint = "almost: divide by k = len(counts) too, so that balanced classes get weight 1."
            elif (np.allclose(arr, counts / (len(counts) * counts.sum()))
                  or np.allclose(arr, len(counts) * counts / counts.sum())):
                hint = "upside down: rare classes must get LARGE weights, n / (k · n_c)."
        expect_close(got, want, what, hint)
    passed("rare classes weigh more: on FER2013 a disgust face counts 9.4×, a happy face 0.57×.")
