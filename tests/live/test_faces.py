"""Face detection and cropping on real photos from scikit-image."""
import numpy as np
import pytest
from emojify_lib.testing import ASTRONAUT_FACE, lfw_faces_frame

from emojify_lib.core.errors import ImageError, ModelError
from emojify_lib.core.images import as_gray
from emojify_lib.live.faces import STILL_PATCH, FaceDetector, crop_faces, face_patches, faces_moved


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


def _shifted(frame, dx, dy):
    """The frame moved right by ``dx`` and down by ``dy`` pixels (edges repeated): a face that moved."""
    import cv2
    return cv2.warpAffine(frame, np.float32([[1, 0, dx], [0, 1, dy]]), frame.shape[1::-1],
                          borderMode=cv2.BORDER_REPLICATE)


def _centre(box):
    return np.array([box[0] + box[2] / 2, box[1] + box[3] / 2])


@pytest.mark.parametrize("dx,dy", [(16, 8), (-12, -10)])
def test_detect_near_follows_moved_faces(detector, astronaut_frame, dx, dy):
    for frame in (astronaut_frame, lfw_faces_frame(3)):
        before = detector.detect(frame)
        moved = _shifted(frame, dx, dy)
        after = detector.detect_near(moved, before)
        assert after.shape == before.shape and after.dtype == np.int32
        truth = detector.detect(moved)  # where a full detection puts the moved faces
        assert len(truth) == len(before)
        for old, new in zip(sorted(before.tolist()), sorted(after.tolist())):
            assert np.abs(_centre(new) - _centre(old) - [dx, dy]).max() <= 0.06 * old[2], (old, new)
            assert max(_iou(new, t) for t in truth) > 0.75, (new, truth)


def test_detect_near_keeps_the_box_of_a_face_it_cannot_find(detector, astronaut_frame):
    boxes = detector.detect(astronaut_frame)
    blank = np.full_like(astronaut_frame, 90)
    np.testing.assert_array_equal(detector.detect_near(blank, boxes), boxes)
    assert detector.detect_near(astronaut_frame, np.zeros((0, 4))).shape == (0, 4)


def test_faces_moved_sees_a_one_pixel_move_not_noise_or_brightness(detector, astronaut_frame):
    for frame in (astronaut_frame, lfw_faces_frame(3)):
        gray = as_gray(frame)
        boxes = detector.detect(gray)
        before = face_patches(gray, boxes)
        assert before.shape == (len(boxes), STILL_PATCH, STILL_PATCH) and before.dtype == np.float32
        noise = np.random.default_rng(0).normal(0, 6, gray.shape)  # a camera's noise, σ = 6 grey levels
        noisy = np.clip(gray + noise, 0, 255).astype(np.uint8)
        brighter = np.clip(gray.astype(int) + 12, 0, 255).astype(np.uint8)
        for still in (gray, noisy, brighter):
            assert not faces_moved(before, face_patches(still, boxes)).any()
        for dx, dy in ((1, 0), (0, 1), (-1, 0)):
            assert faces_moved(before, face_patches(_shifted(gray, dx, dy), boxes)).all(), (dx, dy)
    outside = face_patches(as_gray(astronaut_frame), [(700, 10, 50, 50)])
    assert np.isnan(outside).all() and faces_moved(outside, outside).all()  # nothing to compare: look again
