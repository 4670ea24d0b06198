"""The one set of image rules: every accepted picture becomes the same gray / BGR / face / batch."""
import cv2
import numpy as np
import pytest

from emojify_lib.core.errors import ImageError
from emojify_lib.core.images import SIZE, as_batch, as_bgr, as_faces, as_gray, read_image, to_gray48


def test_gray_and_bgr_agree_across_layouts_and_dtypes():
    rng = np.random.default_rng(0)
    bgr = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    assert as_gray(bgr).shape == (30, 40) and np.array_equal(as_gray(bgr), gray)
    assert np.array_equal(as_gray(cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)), gray)
    assert as_gray(gray) is gray and as_bgr(bgr) is bgr  # nothing copied when already right
    assert np.array_equal(as_gray(gray.astype(np.float64) / 255), gray)
    assert np.array_equal(as_gray(gray.astype(np.uint16) << 8), gray)
    assert np.array_equal(as_gray(gray[..., None]), gray)
    assert as_bgr(gray).shape == (30, 40, 3) and np.array_equal(as_bgr(gray)[..., 1], gray)
    assert as_gray(np.ones((4, 4), bool)).max() == 255


@pytest.mark.parametrize("image,message", [
    (None, "None"), ("junk", "NumPy array"), (np.zeros((4, 4, 2), np.uint8), "shape"),
    (np.zeros((0, 4), np.uint8), "empty"), (np.full((4, 4), np.inf), "NaN or infinite"),
    (np.full((4, 4), -1, np.int16), "0..255"), (np.zeros((4, 4), complex), "unsupported"),
])
def test_one_error_per_rule_names_where(image, message):
    for convert in (as_gray, as_bgr, to_gray48):
        with pytest.raises(ImageError, match=message) as info:
            convert(image, "frame 7")
        assert "frame 7" in str(info.value)


def test_faces_and_batches():
    face = np.arange(SIZE * SIZE, dtype=np.uint8).reshape(SIZE, SIZE)
    assert as_faces(face).shape == (1, SIZE, SIZE)
    assert as_faces(np.stack([face] * 3)[..., None]).shape == (3, SIZE, SIZE)
    batch = as_batch(np.stack([face] * 2))
    assert batch.shape == (2, SIZE, SIZE, 1) and batch.dtype == np.float32 and batch.max() == face.max()  # raw 0-255
    with pytest.raises(ImageError, match=r"\(N, 48, 48\)"):
        as_batch(np.zeros((2, 47, 48)))
    assert to_gray48(np.zeros((200, 100, 3), np.uint8)).shape == (SIZE, SIZE)


def test_read_image_keeps_size_and_explains_failures(tmp_path):
    cv2.imwrite(str(tmp_path / "a.png"), np.full((20, 30, 3), 9, np.uint8))
    assert read_image(tmp_path / "a.png").shape == (20, 30, 3)
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "junk.png").write_bytes(b"not an image")
    for name, message in (("missing.png", "no such image"), ("empty.png", "empty"), ("junk.png", "not a readable")):
        with pytest.raises(ImageError, match=message):
            read_image(tmp_path / name)
