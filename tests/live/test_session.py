"""The one live step: every face comes back, and the error policy (stop / skip with a message) holds."""
import cv2
import numpy as np
import pytest

from emojify_lib.live.predictor import EmotionPredictor
from emojify_lib.live.session import LiveSession
from emojify_lib.live.sources import SyntheticFrames
from emojify_lib.testing import lfw_faces_frame


@pytest.fixture(scope="module")
def predictor(classic_model):
    return EmotionPredictor(classic_model)


def test_step_returns_every_face_and_the_main_one(predictor, astronaut_frame):
    session = LiveSession(predictor)
    shown = session.step(lfw_faces_frame(3))
    assert len(shown.faces) == 3 and shown.error is None and not shown.stop
    assert shown.main is shown.faces[0] and shown.probs.shape == (7,)
    assert shown.frame.shape == (480, 640, 3)
    jpeg = cv2.imencode(".jpg", astronaut_frame)[1].tobytes()  # a browser's frame
    assert len(session.step(jpeg).faces) == 1 and session.frames_processed == 2
    empty = session.step(np.zeros((240, 320, 3), np.uint8))
    assert empty.faces == [] and empty.main is None and not empty.probs.any() and empty.frame is not None


def test_bad_frames_are_skipped_with_a_message(predictor):
    session = LiveSession(predictor)
    for bad in (b"not a jpeg", "junk", np.full((8, 8), np.nan)):
        shown = session.step(bad)
        assert shown.frame is None and shown.error.startswith("Skipped") and not shown.stop
    assert session.errors == 3 and session.frames_processed == 0


def test_next_stops_when_the_camera_goes_or_the_source_ends(predictor, astronaut_frame):
    def unplugged():
        yield astronaut_frame
        raise OSError("USB device disconnected")

    session = LiveSession(predictor, SyntheticFrames(unplugged()))
    assert session.next().faces
    gone = session.next()
    assert gone.stop and "Camera stopped" in gone.error and "disconnected" in gone.error
    session.reset(SyntheticFrames([None, astronaut_frame]))
    assert "Skipped a bad frame" in session.next().error  # a None frame from the source: skipped
    assert session.next().faces and session.next().stop  # then the end: stop, no error
