"""A frame from a page is untrusted: one larger than the set limits (in bytes, or in pixels by its header) is refused
before any decoding; what is not a JPEG or PNG is refused with the same words whatever it holds."""
import cv2
import numpy as np
import pytest

from emojify_lib.core.errors import ImageError
from emojify_lib.live.session import MAX_FRAME_BYTES, MAX_FRAME_PIXELS, LiveSession, decode_image, image_size


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose header says it is ``width`` × ``height`` (a decompression bomb's trick)."""
    data = bytearray(cv2.imencode(".jpg", np.zeros((48, 64, 3), np.uint8))[1].tobytes())
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 7], data[sof + 7:sof + 9] = height.to_bytes(2, "big"), width.to_bytes(2, "big")
    return bytes(data)


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if cv2.imdecode is reached."""
    def refuse(*args, **kwargs):
        raise AssertionError("decoded a frame that should have been refused first")
    monkeypatch.setattr(cv2, "imdecode", refuse)


def test_sizes_are_read_from_the_header():
    frame = np.zeros((480, 640, 3), np.uint8)
    for ext in (".jpg", ".png"):
        assert image_size(cv2.imencode(ext, frame)[1].tobytes()) == (640, 480)
    assert image_size(_jpeg_claiming(9000, 7000)) == (9000, 7000)


@pytest.mark.parametrize("data, words", [
    (b"\xff\xd8" + b"\0" * MAX_FRAME_BYTES, f"largest accepted is {MAX_FRAME_BYTES:,}"),
    (_jpeg_claiming(4000, 3000), f"4000 × 3000 pixels; the largest accepted is {MAX_FRAME_PIXELS:,}"),
    (_jpeg_claiming(30000, 30000), "the largest accepted is"),
])
def test_oversized_frames_are_refused_before_decoding(data, words, no_decoding):
    with pytest.raises(ImageError, match=words):
        decode_image(data, "the frame")


@pytest.mark.parametrize("data", [b"GIF89a" + b"\0" * 40, b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                                  b"/etc/passwd", b"BM" + b"\0" * 60, b"\xff\xd8\xff"])
def test_other_bytes_are_refused_with_one_message(data, no_decoding):
    with pytest.raises(ImageError) as caught:
        decode_image(data, "the frame")
    assert str(caught.value) == "the frame is not a readable JPEG/PNG image"


def test_the_step_skips_an_oversized_frame_and_goes_on(classic_model, astronaut_frame):
    from emojify_lib.live.predictor import EmotionPredictor

    live = LiveSession(EmotionPredictor(classic_model))
    shown = live.step(_jpeg_claiming(5000, 5000))
    assert shown.error and "largest accepted" in shown.error and live.errors == 1
    assert live.step(cv2.imencode(".jpg", astronaut_frame)[1].tobytes()).error is None


def test_room_mode_hides_an_unexpected_error(classic_model, astronaut_frame, monkeypatch):
    from emojify_lib.live.predictor import EmotionPredictor

    live = LiveSession(EmotionPredictor(classic_model))
    live.details = False

    def boom(frame):
        raise RuntimeError("/srv/teacher/secret/path.keras exploded")
    monkeypatch.setattr(live.predictor, "predict", boom)
    shown = live.step(astronaut_frame)
    assert "unexpected error" in shown.error and "/srv" not in shown.error and "RuntimeError" not in shown.error
