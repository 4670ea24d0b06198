"""Graders for lesson 02's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import numpy as np

from . import _grading
from ._grading import _expect_int, _short, call, expect_close, fail, grader, passed

__all__ = ["score", 'check_output_size', 'check_correlate2d', 'check_shift_kernel']

LESSON = "02"


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


@grader(LESSON, "output_size")
def check_output_size(fn) -> None:
    """Lesson 02, exercise 1: ``fn(n, k, p, s)`` returns the output length ``(n + 2p - k) // s + 1`` (an int)."""
    cases = [(5, 3, 0, 1), (5, 3, 1, 1), (48, 3, 1, 1), (48, 2, 0, 2), (7, 3, 0, 2), (8, 3, 0, 2), (28, 5, 2, 1),
             (10, 4, 1, 3), (224, 7, 3, 2)]
    for n, k, p, s in cases:
        got = call(fn, n, k, p, s)
        what = f"output_size(n={n}, k={k}, p={p}, s={s})"
        want = (n + 2 * p - k) // s + 1
        if isinstance(got, (float, np.floating)) and float(got) != want:
            fail(f"{what} returned {got}, a fraction; expected the whole number {want}",
                 "a window that does not fit is dropped, so round down: use // instead of /.")
        _expect_int(got, what)
        if got != want:
            hint = "padding adds p on BOTH sides (2p), then count the steps of size s that fit, plus the first one."
            if got == (n + p - k) // s + 1:
                hint = "padding adds p zeros on each side, so the padded length is n + 2p."
            elif got == (n + 2 * p - k) / s + 1 or got == -(-(n + 2 * p - k) // s) + 1:
                hint = "round down (//): a window that would hang over the edge is not used."
            elif got == (n + 2 * p - k) // s:
                hint = "you forgot the first window: add 1."
            fail(f"{what} returned {got}, expected {want}", hint)
    passed("output = ⌊(n + 2p − k) / s⌋ + 1.")


@grader(LESSON, "correlate2d")
def check_correlate2d(fn) -> None:
    """Lesson 02, exercise 2: ``fn(image, kernel)`` is a 'valid', stride-1 cross-correlation (a float array
    of shape ``(H - kh + 1, W - kw + 1)``)."""
    from ..lessons.convolution import correlate2d

    rng = np.random.default_rng(2)
    cases = [
        (np.arange(16, dtype=np.float64).reshape(4, 4), np.array([[1.0, 0.0], [0.0, -1.0]])),
        (rng.integers(0, 10, (5, 6)).astype(np.float64), np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [3.0, 0.0, 1.0]])),
        (rng.normal(size=(7, 5)), rng.normal(size=(2, 3))),        # not square: rows and columns differ
    ]
    for image, kernel in cases:
        got = call(fn, image.copy(), kernel.copy(), name="my_correlate2d")
        want = correlate2d(image, kernel)
        what = f"my_correlate2d(image {image.shape}, kernel {kernel.shape})"
        hint = ("out[i, j] = (image[i:i+kh, j:j+kw] * kernel).sum(), for i in range(H - kh + 1) and "
                "j in range(W - kw + 1).")
        got_arr = np.asarray(got, dtype=np.float64) if np.ndim(got) == 2 else None
        if got_arr is not None and got_arr.shape == want.shape:
            if np.allclose(got_arr, correlate2d(image, kernel[::-1, ::-1]), atol=1e-6) and \
                    not np.allclose(want, got_arr, atol=1e-6):
                hint = "you flipped the kernel: that is convolution. Correlation uses the kernel as it is."
            elif np.allclose(got_arr, want.astype(np.int64), atol=1e-6) and not np.allclose(got_arr, want):
                hint = "the result was rounded to integers: create the output with dtype float (np.zeros(..., float))."
        elif got_arr is not None and got_arr.shape == want.shape[::-1]:
            hint = "rows and columns are swapped: the output has H - kh + 1 rows and W - kw + 1 columns."
        expect_close(got, want, what, hint)
    passed("your loops compute the same sliding-window sums as emojify_lib.convolution.correlate2d.")


@grader(LESSON, "shift_kernel")
def check_shift_kernel(kernel) -> None:
    """Lesson 02, exercise 3: a 3x3 kernel that, applied with ``correlate2d``, moves the image one pixel to the
    right: ``out[i, j] = image[i, j - 1]``."""
    from ..lessons.convolution import correlate2d

    k = np.asarray(kernel, dtype=np.float64)
    if k.shape != (3, 3):
        fail(f"the kernel must be 3x3; got shape {k.shape}")
    image = np.random.default_rng(3).integers(0, 256, (9, 9)).astype(np.float64)
    got = correlate2d(image, k, padding="same")[1:-1, 1:-1]        # compare inside, away from padded borders
    want = image[1:-1, :-2]
    if np.allclose(got, want):
        passed("a single 1 left of the centre copies each pixel's left neighbour into it: the image moves right.")
        return
    if np.allclose(got, image[1:-1, 2:]):
        fail("your kernel moves the image one pixel to the LEFT",
             "correlate2d does not flip the kernel: out[i, j] = sum image[i+u-1, j+v-1] * kernel[u, v]. To copy "
             "the LEFT neighbour image[i, j-1] into out[i, j], put the 1 at kernel[1, 0].")
    if np.allclose(got, image[1:-1, 1:-1]):
        fail("your kernel leaves the image where it was (that is the identity kernel)",
             "move the single 1 away from the centre.")
    fail("applied with correlate2d, your kernel does not move the image one pixel to the right",
         "use a kernel that is all zeros except for one 1. Which neighbour of pixel (i, j) should land in out[i, j]?")
