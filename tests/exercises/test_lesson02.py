"""Lesson 02's graders pass right answers, name each typical mistake, and treat the student stub as open."""
import numpy as np
import pytest

from emojify_lib.exercises import ExerciseOpen
from emojify_lib.exercises import lesson02 as ex
from emojify_lib.lessons import convolution as conv

from conftest import fails


def stub(*args):
    raise NotImplementedError()


def test_stub_is_open_and_the_lesson_goes_on_with_the_reference(capsys, monkeypatch):
    monkeypatch.delenv("EMOJIFY_STRICT_EXERCISES", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    for check, reference in [(ex.check_correlate2d, conv.correlate2d), (ex.check_output_size, conv.output_size),
                             (ex.check_correlate2d_strided, conv.correlate2d),
                             (ex.check_kernel_gradient, conv.kernel_gradient)]:
        with pytest.raises(ExerciseOpen):
            check.check(stub)
        assert check(stub) is reference
        assert "⬜ Not answered yet" in capsys.readouterr().out


def test_output_size(capsys):
    ex.check_output_size(lambda n, k, p, s: (n + 2 * p - k) // s + 1)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_output_size, lambda n, k, p, s: (n + p - k) // s + 1, match="n \\+ 2p")
    fails(ex.check_output_size, lambda n, k, p, s: (n + 2 * p - k) / s + 1, match="as a float.*\n.*round down")
    fails(ex.check_output_size, lambda n, k, p, s: (n + 2 * p - k) // s, match="add 1")
    fails(ex.check_output_size, lambda n, k, p, s: n - k + 1, match="expected")
    fails(ex.check_output_size, lambda n, k, p, s: str((n + 2 * p - k) // s + 1), match="expected an int")


def loops(image, kernel, flip=False, dtype=float):
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
    fails(ex.check_correlate2d, lambda im, k: loops(im.T, k.T), match="swapped")   # right only for square inputs
    fails(ex.check_correlate2d, lambda im, k: np.zeros_like(im), match="as large as the image")
    fails(ex.check_correlate2d, lambda im, k: loops(im, k)[:, ::-1], match="differs")
    fails(ex.check_correlate2d, lambda im, k: loops(im, k)[:-1], match="shape")
    fails(ex.check_correlate2d, lambda im, k: loops(im, k)[:-1, :-1], match="off by one")


def strided(image, kernel, padding, stride, mode="constant", flip=False, step=None, pads=None):
    """A right answer by loops, with switches for the typical mistakes."""
    x = np.pad(image, pads if pads is not None else padding, mode=mode)
    kernel = kernel[::-1, ::-1] if flip else kernel
    kh, kw = kernel.shape
    oh, ow = (x.shape[0] - kh) // stride + 1, (x.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    step = stride if step is None else step
    for i in range(oh):
        for j in range(ow):
            out[i, j] = (x[i * step:i * step + kh, j * step:j * step + kw] * kernel).sum()
    return out


def test_correlate2d_strided(capsys):
    ex.check_correlate2d_strided(strided)
    ex.check_correlate2d_strided(lambda im, k, p, s: loops(np.pad(im, p), k)[::s, ::s])   # stride as subsampling
    assert capsys.readouterr().out.count("✅ Correct") == 2
    fails(ex.check_correlate2d_strided, lambda im, k, p, s: strided(im, k, 0, s), match="unpadded")
    fails(ex.check_correlate2d_strided, lambda im, k, p, s: strided(im, k, p, 1), match="stride-1")
    fails(ex.check_correlate2d_strided, lambda im, k, p, s: strided(im, k, p, s, pads=((p, 0), (p, 0))),
          match="BOTH sides")
    fails(ex.check_correlate2d_strided, lambda im, k, p, s: strided(im, k, p, s, mode="edge"), match="'edge'")
    fails(ex.check_correlate2d_strided, lambda im, k, p, s: strided(im, k, p, s, mode="reflect"), match="zeros")
    fails(ex.check_correlate2d_strided, lambda im, k, p, s: strided(im, k, p, s, step=1), match=r"i\*stride")
    fails(ex.check_correlate2d_strided, lambda im, k, p, s: strided(im, k, p, s, flip=True), match="flipped")


def gradient(images, targets, kernel, scale=1.0, flip=False, per="pixel"):
    """A right answer via the lesson's own correlate2d, with switches for the typical mistakes."""
    error = np.stack([conv.correlate2d(x, kernel) for x in images]) - targets
    g = sum(conv.correlate2d(x, e) for x, e in zip(images, error))
    g = g[::-1, ::-1] if flip else g
    n = {"pixel": error.size, "image": len(images), "sum": 1}[per]
    return scale * 2 * g / n


def test_kernel_gradient(capsys):
    ex.check_kernel_gradient(gradient)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_kernel_gradient, lambda x, y, k: gradient(x, y, k, scale=-1), match="wrong sign")
    fails(ex.check_kernel_gradient, lambda x, y, k: gradient(x, y, k, scale=0.5), match="lost the 2")
    fails(ex.check_kernel_gradient, lambda x, y, k: gradient(x, y, k, per="sum"), match="SUM of squared")
    fails(ex.check_kernel_gradient, lambda x, y, k: gradient(x, y, k, per="sum", scale=0.5), match="without the 2")
    fails(ex.check_kernel_gradient, lambda x, y, k: gradient(x, y, k, per="image"), match="number of images only")
    fails(ex.check_kernel_gradient, lambda x, y, k: gradient(x, y, k, flip=True), match="flipped")
    fails(ex.check_kernel_gradient, lambda x, y, k: float(np.mean(y)), match="one number")
    fails(ex.check_kernel_gradient, lambda x, y, k: gradient(x, y, k) + 0.01, match="finite difference")


def test_a_crash_on_the_non_square_input_is_named():
    def square_only(image, kernel):
        k = kernel.shape[0]                          # the mistake: one size for rows and columns
        n = image.shape[0] - k + 1
        out = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                out[i, j] = (image[i:i + k, j:j + k] * kernel).sum()
        return out
    msg = fails(ex.check_correlate2d, square_only, match="non-square input")
    assert "kh, kw = kernel.shape" in msg and "by hand" not in msg

    def crashes_on_non_square(image, kernel):
        k = kernel.shape[0]
        out = np.zeros((image.shape[0] - k + 1, image.shape[1] - k + 1))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = (image[i:i + k, j:j + k] * kernel).sum()   # (2, 2) window times a (2, 3) kernel
        return out
    msg = fails(ex.check_correlate2d, crashes_on_non_square, match="on a non-square input: image \\(7, 5\\)")
    assert "kh, kw = kernel.shape" in msg


def test_a_crash_shows_the_line_of_the_learners_function():
    def crashes(image, kernel):
        total = image.sum()
        return image[None] @ kernel[:, :, None, None]   # a shape error on this line
    msg = fails(ex.check_correlate2d, crashes, match="raised ValueError")
    assert "line 3, `return image[None] @ kernel" in msg
    assert "<4 x 4 float64 array>" in msg            # the input described, not cut off
