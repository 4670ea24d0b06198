"""Graders for lesson 02's exercises (see :mod:`emojify_lib.exercises` for how grading works).

1. ``correlate2d(image, kernel)``: the sliding-window sum with two loops ("valid", stride 1);
2. ``output_size(n, k, p, s)``: how many window positions fit along one axis;
3. ``correlate2d_strided(image, kernel, padding, stride)``: the same with zero padding and a stride;
4. ``kernel_gradient(images, targets, kernel)``: the gradient of the mean squared error with respect to the kernel,
   so that gradient descent can learn a kernel from input/output pairs.
"""
from __future__ import annotations

import numpy as np

from ..lessons import convolution as conv
from . import _grading
from ._grading import ExerciseFailed, ExerciseOpen, _expect_int, call, expect_close, fail, grader, passed

__all__ = ["score", "check_correlate2d", "check_output_size", "check_correlate2d_strided", "check_kernel_gradient"]

LESSON = "02"


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


def _array2d(got):
    """The learner's result as a float array if it is 2-D, else None (expect_close then reports the shape)."""
    try:
        a = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return a if a.ndim == 2 else None


def _same(a, b) -> bool:
    return a is not None and a.shape == np.shape(b) and np.allclose(a, b, atol=1e-6)


NONSQUARE_HINT = ("rows and columns have sizes of their own: H, W = image.shape and kh, kw = kernel.shape; loop over "
                  "H - kh + 1 rows and W - kw + 1 columns and cut windows of kh rows by kw columns.")


@grader(LESSON, "correlate2d", reference=conv.correlate2d)
def check_correlate2d(fn) -> None:
    """Lesson 02, exercise 1: ``fn(image, kernel)`` is a 'valid', stride-1 cross-correlation (a float array
    of shape ``(H - kh + 1, W - kw + 1)``)."""
    rng = np.random.default_rng(2)
    cases = [
        (np.arange(16, dtype=np.float64).reshape(4, 4), np.array([[1.0, 0.0], [0.0, -1.0]])),
        (rng.integers(0, 10, (5, 6)).astype(np.float64),
         np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [3.0, 0.0, 1.0]])),
        (rng.normal(size=(7, 5)), rng.normal(size=(2, 3))),        # not square: rows and columns differ
    ]
    for image, kernel in cases:
        nonsquare = image.shape[0] != image.shape[1] or kernel.shape[0] != kernel.shape[1]
        try:
            got = call(fn, image.copy(), kernel.copy(), name="correlate2d")
        except ExerciseOpen:
            raise
        except ExerciseFailed as exc:
            if nonsquare:
                fail(f"{str(exc)[2:].splitlines()[0]} (on a non-square input: image {image.shape}, kernel "
                     f"{kernel.shape})", NONSQUARE_HINT)
            raise
        want = conv.correlate2d(image, kernel)
        what = f"correlate2d(image {image.shape}, kernel {kernel.shape})"
        hint = ("out[i, j] is the sum of (the kh x kw window of the image whose top-left corner is at row i, "
                "column j) times the kernel; there are H - kh + 1 rows and W - kw + 1 columns of such windows.")
        a = _array2d(got)
        if a is not None and a.shape == want.shape:
            if _same(a, conv.correlate2d(image, kernel[::-1, ::-1])):
                hint = "you flipped the kernel: that is convolution. Correlation uses the kernel as it is."
            elif _same(a, np.trunc(want)) or _same(a, np.rint(want)):
                hint = "the result was rounded to integers: create the output with dtype float (np.zeros(..., float))."
        elif a is not None and a.shape == want.shape[::-1]:
            hint = "rows and columns are swapped: the output has H - kh + 1 rows and W - kw + 1 columns."
        elif a is not None and a.shape == (image.shape[0] - kernel.shape[0], image.shape[1] - kernel.shape[1]):
            hint = ("off by one: the window's top-left corner can sit at rows 0 to H - kh, which is H - kh + 1 "
                    "positions (range(H - kh) stops one short); the same for columns.")
        elif a is not None and a.shape == image.shape:
            hint = ("your output is as large as the image, but a kh x kw window fits in only H - kh + 1 rows and "
                    "W - kw + 1 columns of positions ('valid': no padding).")
        elif a is not None and nonsquare:
            what += ", a non-square input,"
            hint = NONSQUARE_HINT
        expect_close(got, want, what, hint)
    passed("your loops compute the sliding-window sums, kernel unflipped, on square and non-square inputs.")


@grader(LESSON, "output_size", reference=conv.output_size)
def check_output_size(fn) -> None:
    """Lesson 02, exercise 2: ``fn(n, k, p, s)`` returns the output length ``(n + 2p - k) // s + 1`` (an int)."""
    cases = [(5, 3, 0, 1), (5, 3, 1, 1), (48, 3, 1, 1), (48, 2, 0, 2), (7, 3, 0, 2), (8, 3, 0, 2), (28, 5, 2, 1),
             (10, 4, 1, 3), (224, 7, 3, 2)]
    for n, k, p, s in cases:
        got = call(fn, n, k, p, s, name="output_size")
        what = f"output_size(n={n}, k={k}, p={p}, s={s})"
        want = (n + 2 * p - k) // s + 1
        if isinstance(got, (float, np.floating)) and float(got) != want:
            fail(f"{what} returned {got}, a fraction; expected the whole number {want}",
                 "a window that does not fit is dropped, so round down: use // instead of /.")
        _expect_int(got, what, hint="a window that does not fit is dropped, so round down: use // (floor division, "
                                    "an int) instead of /.")
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


@grader(LESSON, "correlate2d_strided", reference=conv.correlate2d)
def check_correlate2d_strided(fn) -> None:
    """Lesson 02, exercise 3: ``fn(image, kernel, padding, stride)`` pads ``padding`` zeros on every side, then
    correlates with windows ``stride`` pixels apart; the output is ``output_size(H, kh, p, s) x
    output_size(W, kw, p, s)``."""
    rng = np.random.default_rng(5)
    image = rng.integers(1, 10, (8, 9)).astype(np.float64)       # no zeros inside: zero padding is visible
    k3 = rng.integers(-3, 4, (3, 3)).astype(np.float64)
    k23 = rng.integers(-3, 4, (2, 3)).astype(np.float64)
    for kernel, p, s in [(k3, 0, 1), (k3, 1, 1), (k3, 0, 2), (k3, 1, 2), (k23, 2, 3), (k23, 1, 2)]:
        got = call(fn, image.copy(), kernel.copy(), p, s, name="correlate2d_strided")
        want = conv.correlate2d(image, kernel, padding=p, stride=s)
        what = f"correlate2d_strided(image {image.shape}, kernel {kernel.shape}, padding={p}, stride={s})"
        hint = ("pad first (p zeros on every side), then put the window's top-left corner at row i*stride, column "
                "j*stride of the padded image, for as many rows and columns as output_size says.")
        a = _array2d(got)
        if a is not None and a.shape != want.shape:
            if p and a.shape == conv.correlate2d(image, kernel, stride=s).shape:
                hint = ("the output has the size of an unpadded correlation: pad the image with p zeros on every "
                        "side first.")
            elif s > 1 and a.shape == conv.correlate2d(image, kernel, padding=p).shape:
                hint = "the output has the size of a stride-1 correlation: move the window `stride` pixels at a time."
            elif p and a.shape == conv.correlate2d(np.pad(image, ((p, 0), (p, 0))), kernel, stride=s).shape:
                hint = "pad on BOTH sides: p rows at the top and p at the bottom, p columns left and p right."
        elif a is not None:
            for mode in ("edge", "reflect", "symmetric"):
                if p and _same(a, conv.correlate2d(np.pad(image, p, mode=mode), kernel, stride=s)):
                    hint = f"the border was filled with {mode!r} values: pad with zeros (np.pad's default, 'constant')."
                    break
            if s > 1 and _same(a, conv.correlate2d(image, kernel, padding=p)[:a.shape[0], :a.shape[1]]):
                hint = ("you took the first windows one pixel apart: output pixel (i, j) uses the window at row "
                        "i*stride, column j*stride.")
            elif _same(a, conv.correlate2d(image, kernel[::-1, ::-1], padding=p, stride=s)):
                hint = "you flipped the kernel: that is convolution. Correlation uses the kernel as it is."
        expect_close(got, want, what, hint)
    passed("zero padding on every side and windows `stride` apart, on square and non-square kernels.")


@grader(LESSON, "kernel_gradient", reference=conv.kernel_gradient)
def check_kernel_gradient(fn) -> None:
    """Lesson 02, exercise 4: ``fn(images, targets, kernel)`` returns the gradient of
    ``mean((correlate2d(images[n], kernel) - targets[n])**2)`` with respect to ``kernel`` (shape ``kernel.shape``)."""
    rng = np.random.default_rng(7)
    cases = []
    for n, h, w, kshape in [(3, 6, 7, (3, 3)), (2, 5, 6, (2, 3)), (1, 4, 4, (3, 3))]:
        images = rng.normal(size=(n, h, w))
        hidden = rng.normal(size=kshape)
        targets = np.stack([conv.correlate2d(x, hidden) for x in images]) + 0.1 * rng.normal(
            size=(n, h - kshape[0] + 1, w - kshape[1] + 1))
        cases.append((images, targets, rng.normal(size=kshape)))
    for images, targets, kernel in cases:
        got = call(fn, images.copy(), targets.copy(), kernel.copy(), name="kernel_gradient")
        want = conv.kernel_gradient(images, targets, kernel)
        what = f"kernel_gradient(images {images.shape}, targets {targets.shape}, kernel {kernel.shape})"
        n_img, m = images.shape[0], targets.size
        per_image = m // n_img
        hint = ("check it against a finite difference: (loss(kernel + eps at [u, v]) - loss(kernel)) / eps for a "
                "tiny eps should be close to your gradient at [u, v].")
        try:
            a = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            a = None
        if a is not None and a.shape == want.shape:
            known = [
                (-want, "wrong sign: the error is prediction − target; the gradient points uphill and the training "
                        "step subtracts it."),
                (want / 2, "you lost the 2 that comes from differentiating the square."),
                (want * m, "that is the gradient of the SUM of squared errors: the loss is the mean, so divide by the "
                           "number of output pixels of all images together."),
                (want * m / 2, "that is the gradient of the sum, without the 2: the loss is the mean of the squares."),
                (want * per_image, "you divided by the number of images only: the mean runs over every output pixel "
                                   "of every image."),
                (want / n_img, "you divided by the number of images twice, or averaged per image and then again."),
                (want[::-1, ::-1], "the gradient is flipped: the error at output (i, j) multiplies the image pixel "
                                   "at (i + u, j + v) for kernel entry [u, v]."),
            ]
            for wrong, why in known:
                if _same(a, wrong) and not _same(a, want):
                    hint = why
                    break
        elif a is not None and a.ndim == 0:
            hint = "you returned one number (the loss?): return the gradient, one number per kernel entry."
        expect_close(got, want, what, hint, atol=1e-6)
    passed("your gradient matches 2/M · Σₙ correlate2d(imagesₙ, errorₙ) on square and non-square kernels.")
