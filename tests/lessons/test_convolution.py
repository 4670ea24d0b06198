"""Lesson 02's NumPy convolution equals OpenCV's and TensorFlow's, and explains bad input."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from emojify_lib.lessons.convolution import (KERNELS, KernelExplorer, correlate2d, kernel_gradient,  # noqa: E402
                                             output_size, same_padding, to_uint8)
from emojify_lib.core.errors import ImageError  # noqa: E402


@pytest.fixture(scope="module")
def face():
    from skimage import data
    return cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY), (128, 128)).astype(np.float64)


def test_hand_computed_example():
    image = np.arange(16, dtype=float).reshape(4, 4)
    kernel = np.array([[1.0, 0.0], [0.0, -1.0]])
    # out[i, j] = image[i, j] - image[i+1, j+1] = -5 everywhere
    np.testing.assert_array_equal(correlate2d(image, kernel), np.full((3, 3), -5.0))
    np.testing.assert_array_equal(correlate2d(image, kernel[::-1, ::-1]), np.full((3, 3), 5.0))   # convolution


@pytest.mark.parametrize("name", sorted(KERNELS))
@pytest.mark.parametrize("border,pad_mode", [(cv2.BORDER_CONSTANT, "constant"), (cv2.BORDER_REFLECT_101, "reflect"),
                                              (cv2.BORDER_REPLICATE, "edge")])
def test_matches_opencv_filter2d(face, name, border, pad_mode):
    k = np.array(KERNELS[name])
    ours = correlate2d(face, k, padding="same", pad_mode=pad_mode)
    theirs = cv2.filter2D(face, cv2.CV_64F, k, borderType=border)
    np.testing.assert_allclose(ours, theirs, atol=1e-9)


def test_convolution_is_correlation_with_the_flipped_kernel_as_opencv_shows(face):
    k = np.array(KERNELS["sobel_x"])
    flipped = cv2.filter2D(face, cv2.CV_64F, cv2.flip(k, -1), borderType=cv2.BORDER_CONSTANT)
    np.testing.assert_allclose(correlate2d(face, k[::-1, ::-1], padding="same"), flipped, atol=1e-9)


@pytest.mark.parametrize("shape,kshape,stride", [((11, 13), (3, 3), 1), ((11, 13), (4, 2), 2), ((10, 10), (5, 5), 3),
                                                 ((7, 9), (2, 3), 2), ((48, 48), (3, 3), 1), ((6, 6), (6, 6), 1)])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_matches_tensorflow_conv2d(shape, kshape, stride, padding):
    import tensorflow as tf
    rng = np.random.default_rng(sum(shape) + sum(kshape) + stride)
    x, k = rng.random(shape), rng.normal(size=kshape)
    tf_out = tf.nn.conv2d(x[None, :, :, None].astype(np.float32), k[:, :, None, None].astype(np.float32),
                          strides=stride, padding=padding.upper()).numpy()[0, :, :, 0]
    ours = correlate2d(x, k, padding=padding, stride=stride)
    assert ours.shape == tf_out.shape and ours.dtype == np.float64
    np.testing.assert_allclose(ours, tf_out, atol=1e-5)


@pytest.mark.parametrize("n,k,p,s", [(5, 3, 0, 1), (5, 3, 1, 1), (7, 3, 0, 2), (8, 3, 0, 2), (8, 3, 1, 2),
                                     (48, 5, 2, 1), (10, 4, 1, 3), (3, 3, 0, 1), (9, 2, 3, 4)])
def test_output_size_formula_matches_implementation(n, k, p, s):
    out = correlate2d(np.ones((n, n + 1)), np.ones((k, k)), padding=p, stride=s)
    assert out.shape == (output_size(n, k, p, s), output_size(n + 1, k, p, s))
    assert output_size(n, k, p, s) == (n + 2 * p - k) // s + 1


def test_same_padding_keeps_size_and_ceil_with_stride():
    x = np.ones((9, 10))
    assert correlate2d(x, np.ones((3, 3)), "same").shape == (9, 10)
    assert correlate2d(x, np.ones((4, 4)), "same").shape == (9, 10)
    assert correlate2d(x, np.ones((3, 3)), "same", stride=2).shape == (5, 5)
    assert same_padding(9, 3) == (1, 1) and same_padding(9, 4) == (1, 2)
    np.testing.assert_array_equal(correlate2d(np.ones((3, 3)), np.ones((3, 3)), "same"),
                                  [[4, 6, 4], [6, 9, 6], [4, 6, 4]])     # zeros padded around the border


def test_sobel_signs():
    ramp = np.tile(np.arange(8.0), (8, 1))              # brighter to the right, constant down
    np.testing.assert_array_equal(correlate2d(ramp, KERNELS["sobel_x"]), np.full((6, 6), 8.0))
    np.testing.assert_array_equal(correlate2d(ramp, KERNELS["sobel_y"]), np.zeros((6, 6)))


def test_kernels_are_read_only_and_blurs_keep_brightness():
    with pytest.raises(ValueError):
        KERNELS["sharpen"][0, 0] = 7
    for name in ("identity", "box_blur", "gaussian_blur", "sharpen"):
        assert KERNELS[name].sum() == pytest.approx(1.0)
    for name in ("sobel_x", "sobel_y", "laplacian"):
        assert KERNELS[name].sum() == 0


def test_kernel_gradient_matches_tensorflow_and_finite_differences():
    import tensorflow as tf
    rng = np.random.default_rng(1)
    images, kernel = rng.normal(size=(4, 9, 7)), rng.normal(size=(3, 2))
    targets = rng.normal(size=(4, 7, 6))
    ours = kernel_gradient(images, targets, kernel)
    assert ours.shape == kernel.shape and ours.dtype == np.float64
    k = tf.Variable(kernel[:, :, None, None])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((tf.nn.conv2d(images[..., None], k, 1, "VALID")[..., 0] - targets) ** 2)
    np.testing.assert_allclose(ours, tape.gradient(loss, k).numpy()[:, :, 0, 0], atol=1e-10)

    def mse(kern):
        return np.mean([(correlate2d(x, kern) - y) ** 2 for x, y in zip(images, targets)])
    eps = 1e-6
    numeric = np.zeros_like(kernel)
    for idx in np.ndindex(kernel.shape):
        bumped = kernel.copy()
        bumped[idx] += eps
        numeric[idx] = (mse(bumped) - mse(kernel - (bumped - kernel))) / (2 * eps)
    np.testing.assert_allclose(ours, numeric, atol=1e-6)


def test_gradient_descent_with_kernel_gradient_recovers_a_hidden_kernel():
    rng = np.random.default_rng(0)
    images = rng.random((8, 12, 12))
    hidden = np.array(KERNELS["sobel_x"])
    targets = np.stack([correlate2d(x, hidden) for x in images])
    kernel = np.zeros((3, 3))
    for _ in range(300):
        kernel -= 0.2 * kernel_gradient(images, targets, kernel)
    np.testing.assert_allclose(kernel, hidden, atol=1e-3)


def test_kernel_gradient_explains_bad_shapes():
    with pytest.raises(ImageError, match=r"images\[None\]"):
        kernel_gradient(np.ones((5, 5)), np.ones((3, 3)), np.ones((3, 3)))
    with pytest.raises(ImageError, match=r"gives \(2, 3, 3\)"):
        kernel_gradient(np.ones((2, 5, 5)), np.ones((2, 5, 5)), np.ones((3, 3)))


def test_to_uint8():
    r = np.array([[-10.0, 0.4], [254.6, 300.0]])
    np.testing.assert_array_equal(to_uint8(r), [[0, 0], [255, 255]])
    np.testing.assert_array_equal(to_uint8(r, rescale=True), [[0, 9], [218, 255]])
    np.testing.assert_array_equal(to_uint8(np.full((2, 2), 5.0), rescale=True), np.zeros((2, 2)))


def test_bad_input_errors_are_clear():
    with pytest.raises(ImageError, match="larger than the"):
        correlate2d(np.ones((3, 3)), np.ones((5, 5)))
    correlate2d(np.ones((3, 3)), np.ones((5, 5)), padding=1)          # fits once padded
    with pytest.raises(ValueError, match=r"2-D.*colour image"):
        correlate2d(np.ones((8, 8, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="kernel must be a 2-D"):
        correlate2d(np.ones((8, 8)), np.ones(3))
    with pytest.raises(ValueError, match="empty"):
        correlate2d(np.ones((0, 4)), np.ones((1, 1)))
    with pytest.raises(ValueError, match="real numbers"):
        correlate2d(np.array([["a", "b"], ["c", "d"]]), np.ones((1, 1)))
    with pytest.raises(ValueError, match="padding must be"):
        correlate2d(np.ones((5, 5)), np.ones((3, 3)), padding="full")
    with pytest.raises(ValueError, match="padding must be"):
        correlate2d(np.ones((5, 5)), np.ones((3, 3)), padding=-1)
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        correlate2d(np.ones((5, 5)), np.ones((3, 3)), stride=0)
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        correlate2d(np.ones((5, 5)), np.ones((3, 3)), stride=1.5)
    with pytest.raises(ValueError, match="larger than the padded input"):
        output_size(3, 5, 0, 1)
    with pytest.raises(ValueError, match="s must be an integer >= 1"):
        output_size(5, 3, 0, 0)


def test_kernel_explorer_reacts_to_edits(face):
    ex = KernelExplorer(face, kernel="identity")
    np.testing.assert_allclose(ex.result, face)
    ex.boxes[4].value = 2.0                                           # edit one box like a learner would
    np.testing.assert_allclose(ex.result, 2 * face)
    assert ex.preset.value == "(custom)"
    ex.preset.value = "sobel_x"                                       # a preset fills all nine boxes
    np.testing.assert_array_equal(ex.kernel, KERNELS["sobel_x"])
    np.testing.assert_allclose(ex.result, correlate2d(face, KERNELS["sobel_x"], "same", pad_mode="reflect"))
    ex.rescale.value = True
    assert ex.image_out.min() == 0 and ex.image_out.max() == 255
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle
    with pytest.raises(ValueError, match="3x3"):
        ex.kernel = np.ones((5, 5))
    with pytest.raises(ValueError, match="3x3"):
        KernelExplorer(face, kernel=np.ones((2, 2)))
