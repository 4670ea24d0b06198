"""The exercise graders accept right answers and catch wrong ones with a helpful message."""
import numpy as np

from emojify_lib import exercises as ex
from emojify_lib.exercises import ExerciseFailed

from conftest import fails


# --- shared helpers ----------------------------------------------------------------------------------------

def test_shared_helpers(capsys):
    ex.passed("fine")
    assert capsys.readouterr().out == "✅ Correct: fine\n"
    assert issubclass(ExerciseFailed, AssertionError)
    msg = fails(ex.fail, "wrong", "try this", match="wrong")
    assert "💡 Hint: try this" in msg
    fails(ex.call, 42, match="expected a function")
    fails(ex.call, lambda x: 1 / x, 0, match=r"raised ZeroDivisionError")
    fails(ex.expect_close, [1, 2], [1, 2, 3], "v", match=r"shape \(2,\)")
    fails(ex.expect_close, np.zeros((5, 5)), np.eye(5), "m", match=r"at index \(0, 0\)")
    fails(ex.expect_close, "abc", 1.0, "s", match="not a number")
    ex.expect_close(np.ones(3), np.ones(3) + 1e-9, "ok")


# --- Lesson 02 ---------------------------------------------------------------------------------------------

def test_output_size(capsys):
    ex.check_output_size(lambda n, k, p, s: (n + 2 * p - k) // s + 1)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_output_size, lambda n, k, p, s: (n + p - k) // s + 1, match="n \\+ 2p")
    fails(ex.check_output_size, lambda n, k, p, s: (n + 2 * p - k) / s + 1, match="fraction")
    fails(ex.check_output_size, lambda n, k, p, s: (n + 2 * p - k) // s, match="add 1")
    fails(ex.check_output_size, lambda n, k, p, s: n - k + 1, match="expected")
    fails(ex.check_output_size, lambda n, k, p, s: str((n + 2 * p - k) // s + 1), match="expected an int")


def loops(image, kernel, flip=False, dtype=float, transpose_out=False):
    if flip:
        kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1), dtype=dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw] * kernel).sum()
    return out


def test_correlate2d(capsys):
    ex.check_correlate2d(loops)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_correlate2d, lambda im, k: loops(im, k, flip=True), match="flipped the kernel")
    fails(ex.check_correlate2d, lambda im, k: loops(im, k, dtype=int), match="rounded to integers")
    def swapped(im, k):
        return loops(im.T, k.T)            # rows and columns mixed up: right only for square inputs

    fails(ex.check_correlate2d, swapped, match="swapped")
    fails(ex.check_correlate2d, lambda im, k: np.zeros_like(im), match="shape")
    fails(ex.check_correlate2d, lambda im, k: loops(im, k)[:, ::-1], match="differs")


def test_shift_kernel(capsys):
    right = np.zeros((3, 3))
    right[1, 0] = 1
    ex.check_shift_kernel(right)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_shift_kernel, right[:, ::-1], match="LEFT")
    fails(ex.check_shift_kernel, np.eye(3)[::-1] * 0 + np.pad([[1]], 1), match="identity")
    fails(ex.check_shift_kernel, right.T, match="does not move")
    fails(ex.check_shift_kernel, np.zeros((2, 2)), match="3x3")
