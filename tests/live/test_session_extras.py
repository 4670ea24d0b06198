"""What every live view offers through the session: the emojify switch, Snapshot (the only file ever written, and
only when asked) and the model picker's choices."""
import cv2
import numpy as np
import pytest

from emojify_lib.core.errors import ImageError, ModelError
from emojify_lib.live.overlay import annotate
from emojify_lib.live.predictor import EmotionPredictor
from emojify_lib.live.session import LiveSession, model_choices
from emojify_lib.testing import lfw_faces_frame


@pytest.fixture(scope="module")
def predictor(classic_model):
    return EmotionPredictor(classic_model)


def test_cover_mode_hides_each_face_under_its_emoji(predictor):
    frame = lfw_faces_frame(3)
    faces = predictor.predict(frame)
    assert len(faces) == 3
    beside, covered = annotate(frame, faces), annotate(frame, faces, cover=True)
    on_black = annotate(np.zeros_like(frame), faces, cover=True)
    for face in faces:
        x, y, w, h = face.box
        centre = (slice(y + h // 3, y + 2 * h // 3), slice(x + w // 3, x + 2 * w // 3))
        # covered: the face's centre is the (opaque) emoji whatever lies under it; beside: the face itself
        assert np.array_equal(covered[centre], on_black[centre]) and covered[centre].std() > 5
        assert np.array_equal(beside[centre], frame[centre])
    session = LiveSession(predictor)
    session.cover = True
    assert not np.array_equal(session.step(frame).frame, beside)


def test_snapshot_writes_one_png_only_when_asked(predictor, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    session = LiveSession(predictor)
    with pytest.raises(ImageError, match="no frame to save yet"):
        session.snapshot()
    for _ in range(5):
        shown = session.step(lfw_faces_frame(3))
    assert list(tmp_path.iterdir()) == []  # stepping frames writes nothing
    first = session.snapshot()
    assert first.parent == tmp_path / "snapshots" and np.array_equal(cv2.imread(str(first)), shown.frame)
    big = cv2.resize(lfw_faces_frame(3), (1280, 960))  # the browser's full-size picture: faces scaled onto it
    second = session.snapshot(frame=cv2.imencode(".jpg", big)[1].tobytes())
    assert second != first and cv2.imread(str(second)).shape == (960, 1280, 3)
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["snapshots", first.name, second.name])


def test_model_choices_and_switching(classic_model, tmp_path):
    assert model_choices(tmp_path) == []
    classic_model.save(tmp_path / "reference.keras")
    classic_model.save(tmp_path / "emotion_cnn.keras")
    (tmp_path / "reference.json").write_text('{"description": "reference model"}')
    (tmp_path / "emotion_cnn.json").write_text('{"data_source": "sample"}')
    choices = model_choices(tmp_path)
    assert [p.name for _, p in choices] == ["emotion_cnn.keras", "reference.keras"]  # the learner's model first
    assert choices[0][0] == "emotion_cnn: trained on sample" and choices[1][0] == "reference: reference model"
    session = LiveSession(EmotionPredictor.from_path(choices[0][1], smoothing=0.5))
    assert session.predictor.path == choices[0][1] and session.warning  # sample-trained: says so
    detector = session.predictor.detector
    session.use_model(choices[1][1])
    assert session.predictor.path == choices[1][1] and session.predictor.detector is detector
    assert session.predictor.smoothing == 0.5 and session.warning is None
    with pytest.raises(ModelError):
        session.use_model(tmp_path / "missing.keras")
    assert session.predictor.path == choices[1][1]  # a failed switch keeps the model in use
