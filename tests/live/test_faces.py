"""Face detection and cropping on real photos from scikit-image."""
import numpy as np
import pytest
from emojify_lib.testing import ASTRONAUT_FACE, lfw_faces_frame

from emojify_lib.core.errors import ImageError, ModelError
from emojify_lib.core.images import as_gray
from emojify_lib.live.faces import FaceDetector, crop_faces


def _iou(a, b):
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy / (a[2] * a[3] + b[2] * b[3] - ix * iy)


@pytest.fixture(scope="module")
def detector():
    return FaceDetector()


@pytest.mark.parametrize("detect_width", [320, None])
def test_astronaut_one_face_in_the_right_place(astronaut_frame, detect_width):
    boxes = FaceDetector(detect_width=detect_width).detect(astronaut_frame)
    assert boxes.shape == (1, 4) and boxes.dtype == np.int32
    assert _iou(boxes[0], ASTRONAUT_FACE) > 0.5, (boxes[0], ASTRONAUT_FACE)
    # back in the original 512×512 photo the box lies on her face: x 170-290, y 30-175
    x, y, w, h = (boxes[0] - [80, 0, 0, 0]) * 512 / 480
    assert 160 <= x and x + w <= 295 and 30 <= y and y + h <= 180, (x, y, w, h)


def test_several_lfw_faces_largest_first(detector):
    boxes = detector.detect(lfw_faces_frame(3))
    assert len(boxes) == 3
    areas = boxes[:, 2] * boxes[:, 3]
    assert list(areas) == sorted(areas, reverse=True)
    assert sorted(int(x) // 210 for x in boxes[:, 0]) == [0, 1, 2]  # one per pasted face


@pytest.mark.parametrize("frame", [np.zeros((480, 640, 3), np.uint8), np.full((480, 640, 3), 255, np.uint8),
                                   np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8),
                                   np.zeros((10, 10, 3), np.uint8)])
def test_no_face(detector, frame):
    assert detector.detect(frame).shape == (0, 4)


def test_gray_bgra_and_float_frames_work(detector, astronaut_frame):
    import cv2
    gray = cv2.cvtColor(astronaut_frame, cv2.COLOR_BGR2GRAY)
    bgra = cv2.cvtColor(astronaut_frame, cv2.COLOR_BGR2BGRA)
    for frame in (gray, gray[..., None], bgra, astronaut_frame.astype(np.float32) / 255,
                  astronaut_frame.astype(np.float64)):
        assert len(detector.detect(frame)) == 1
    np.testing.assert_array_equal(as_gray(astronaut_frame.astype(np.float32) / 255), gray)


@pytest.mark.parametrize("frame,message", [
    (None, "None"), ("not an image", "NumPy array"), (np.zeros((4,), np.uint8), "shape"),
    (np.zeros((4, 4, 2), np.uint8), "shape"), (np.zeros((0, 4, 3), np.uint8), "empty"),
    (np.full((8, 8, 3), np.nan, np.float32), "NaN"), (np.full((8, 8, 3), 300, np.int64), "0..255"),
    (np.zeros((8, 8, 3), complex), "unsupported"),
])
def test_bad_frames_are_explained(detector, frame, message):
    with pytest.raises(ImageError, match=message):
        detector.detect(frame)


def test_crop_faces(astronaut_frame):
    gray = as_gray(astronaut_frame)
    crops = crop_faces(astronaut_frame, [ASTRONAUT_FACE, (600, 440, 100, 100)], margin=0.1)
    assert crops.shape == (2, 48, 48) and crops.dtype == np.uint8
    x, y, w, h = ASTRONAUT_FACE
    import cv2
    expected = cv2.resize(gray[y - 9:y + h + 9, x - 9:x + w + 9], (48, 48), interpolation=cv2.INTER_AREA)
    np.testing.assert_array_equal(crops[0], expected)
    assert crop_faces(astronaut_frame, np.zeros((0, 4))).shape == (0, 48, 48)
    with pytest.raises(ImageError, match="outside"):
        crop_faces(astronaut_frame, [(2000, 2000, 10, 10)])
    with pytest.raises(ImageError, match="no area"):
        crop_faces(astronaut_frame, [(5, 5, 0, 10)])


def test_missing_cascade_says_which_opencv_to_install(tmp_path, monkeypatch):
    import cv2
    monkeypatch.setattr(cv2.data, "haarcascades", str(tmp_path) + "/")  # an OpenCV without the XML files
    with pytest.raises(ModelError, match=r"opencv-python-headless>=4.10,<5"):
        FaceDetector()


def test_detector_is_built_once_and_reused(detector, astronaut_frame):
    cascade = detector.cascade
    for _ in range(3):
        detector.detect(astronaut_frame)
    assert detector.cascade is cascade
