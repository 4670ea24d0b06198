"""The predictor with a real Keras model and real OpenCV detection."""
import numpy as np
import pytest
from emojify_lib.testing import lfw_faces_frame

from emojify_lib.model import networks
from emojify_lib.core.emotions import EMOTIONS
from emojify_lib.core.errors import ImageError, ModelError
from emojify_lib.live.faces import FaceDetector
from emojify_lib.live.predictor import EmotionPredictor
from emojify_lib.live.session import LIVE_SETTINGS
from emojify_lib.live.sources import sample_frames


@pytest.fixture(scope="module")
def predictor(classic_model):
    return EmotionPredictor(classic_model)


def test_classify_batch_equals_model_per_face(predictor, classic_model):
    faces = np.random.default_rng(0).integers(0, 256, (5, 48, 48), dtype=np.uint8)
    batch = predictor.classify(faces)
    assert batch.shape == (5, 7) and batch.dtype == np.float32
    for face, probs in zip(faces, batch):
        single = classic_model(face[None, :, :, None].astype("float32"), training=False).numpy()[0]
        np.testing.assert_allclose(probs, single, atol=1e-5)
    assert predictor.classify(np.zeros((0, 48, 48), np.uint8)).shape == (0, 7)
    with pytest.raises(ImageError, match=r"\(N, 48, 48\)"):
        predictor.classify(np.zeros((2, 32, 32), np.uint8))


def test_tflite_backend_gives_the_same_probabilities(classic_model, predictor):
    fast = EmotionPredictor(classic_model, backend="tflite")
    faces = np.random.default_rng(1).integers(0, 256, (3, 48, 48), dtype=np.uint8)
    np.testing.assert_allclose(fast.classify(faces), predictor.classify(faces), atol=1e-4)
    np.testing.assert_allclose(fast.classify(faces[:1]), predictor.classify(faces[:1]), atol=1e-4)
    with pytest.raises(ValueError, match="backend"):
        EmotionPredictor(classic_model, backend="onnx")


class CountingDetector(FaceDetector):
    """A real detector that counts its full detections and the faces it looks for near their boxes."""

    def __init__(self):
        super().__init__()
        self.full, self.near = 0, 0

    def detect(self, frame):
        self.full += 1
        return super().detect(frame)

    def detect_near(self, frame, boxes, **kwargs):
        self.near += len(boxes)
        return super().detect_near(frame, boxes, **kwargs)


def test_detect_every_looks_again_only_for_faces_that_moved(classic_model, astronaut_frame):
    detector = CountingDetector()
    p = EmotionPredictor(classic_model, detector=detector, detect_every=3)
    results = [p.predict(astronaut_frame) for _ in range(7)]
    assert detector.full == 3 and all(len(r) == 1 for r in results)  # full detections on frames 0, 3, 6
    assert detector.near == 0 and len({r[0].box for r in results}) == 1  # a still face keeps its box
    p.reset()
    walk = [np.roll(astronaut_frame, 3 * i, axis=1) for i in range(7)]  # 3 pixels to the right every frame
    boxes = [p.find_faces(frame) for frame in walk]
    assert detector.full == 6 and detector.near == 4  # the moving face is looked for on every frame between
    assert [b[0][0] - boxes[0][0][0] for b in boxes] == pytest.approx([3 * i for i in range(7)], abs=4)
    p.reset()
    blank = np.zeros_like(astronaut_frame)
    for _ in range(3):
        p.predict(blank)
    assert detector.full == 9  # with no face to follow, it looks on every frame
    with pytest.raises(ValueError, match="detect_every"):
        EmotionPredictor(classic_model, detect_every=0)


def test_live_settings_follow_moving_faces_and_find_the_same_ones(classic_model):
    """The sample video (the astronaut drifting up to 6 px a frame, then three faces): with the live settings the
    boxes stay on the faces a full detection finds on every frame, although it runs only on every 4th."""
    frames = sample_frames(90)[:64]
    full = FaceDetector()
    truth = [full.detect(f) for f in frames]
    detector = CountingDetector()
    live = EmotionPredictor(classic_model, detector=detector, **{**LIVE_SETTINGS, "backend": "tf"})
    off, reused_off = [], []
    for i, (frame, faces) in enumerate(zip(frames, truth)):
        boxes = live.find_faces(frame)
        assert len(boxes) == len(faces), i
        last_full = truth[i - i % LIVE_SETTINGS["detect_every"]]
        for box in faces:  # each face's distance to the nearest box, in face widths
            off.append(min(_off(box, b) for b in boxes))
            reused_off.append(min(_off(box, b) for b in last_full))
    assert detector.full < len(frames) / 3 and detector.near > 30
    assert max(reused_off) > 0.12  # the faces move: boxes kept from the last full detection would lag behind
    assert max(off) < 0.06


def _off(a, b):
    return max(abs(a[0] + a[2] / 2 - b[0] - b[2] / 2), abs(a[1] + a[3] / 2 - b[1] - b[3] / 2)) / a[2]


def test_predict_astronaut(predictor, astronaut_frame):
    preds = predictor.predict(astronaut_frame)
    assert len(preds) == 1
    p = preds[0]
    assert p.emotion in EMOTIONS and p.probs.shape == (7,) and abs(p.probs.sum() - 1) < 1e-4
    assert p.score == p.probs.max() and p.display_name


def test_several_faces_and_no_face(predictor):
    assert len(predictor.predict(lfw_faces_frame(3))) == 3
    assert predictor.predict(np.zeros((480, 640, 3), np.uint8)) == []


@pytest.mark.parametrize("frame,message", [(None, "None"), (np.zeros((480, 640, 2), np.uint8), "shape"),
                                           (np.zeros((0, 640, 3), np.uint8), "empty")])
def test_wrong_frames_raise_image_error(predictor, frame, message):
    with pytest.raises(ImageError, match=message):
        predictor.predict(frame)


def test_smoothing_follows_each_face_separately(classic_model):
    p = EmotionPredictor(classic_model, smoothing=0.5)
    frame = lfw_faces_frame(3)
    first = sorted((q.box[0], q.track) for q in p.predict(frame))
    again = sorted((q.box[0], q.track) for q in p.predict(frame))
    assert len({t for _, t in first}) == 3 and first == again  # three tracks, each face keeps its own
    p.reset()
    assert {q.track for q in p.predict(frame)}.isdisjoint({t for _, t in first})


def test_smoothing_damps_flicker(classic_model, astronaut_frame):
    class Flicker:
        """A model whose answer alternates between two classes on every call."""
        def __init__(self):
            import tensorflow as tf
            self.calls = tf.Variable(0)  # a variable, so the traced tf.function sees every call

        def __call__(self, x, training=False):
            import tensorflow as tf
            self.calls.assign_add(1)
            label = tf.where(self.calls % 2 == 1, 3, 4)
            return tf.one_hot(tf.fill([tf.shape(x)[0]], label), 7)

    raw = EmotionPredictor(Flicker())
    smooth = EmotionPredictor(Flicker(), smoothing=0.8)
    raw_labels = [raw.predict(astronaut_frame)[0].emotion for _ in range(8)]
    smooth_labels = [smooth.predict(astronaut_frame)[0].emotion for _ in range(8)]
    changes = lambda labels: sum(a != b for a, b in zip(labels, labels[1:]))
    assert changes(raw_labels) == 7 and changes(smooth_labels) <= 1
    assert len({p.track for p in [smooth.predict(astronaut_frame)[0] for _ in range(3)]}) == 1
    with pytest.raises(ValueError):
        EmotionPredictor(classic_model, smoothing=1.0)


def test_from_path(tmp_path, monkeypatch, classic_model, no_project_reference):
    monkeypatch.setenv("EMOJIFY_MODELS", str(tmp_path))
    with pytest.raises(ModelError, match="No model to use.*reference.*lesson 05"):
        EmotionPredictor.from_path()
    path = networks.default_model_path()
    classic_model.save(path)
    networks.write_model_info(path, data_source="sample")
    chosen = EmotionPredictor.from_path()  # no reference model here: the sample model, with both warnings
    assert "synthetic sample" in chosen.warning and "reference model is not set up" in chosen.warning
    assert "synthetic sample" in EmotionPredictor.from_path(path).warning
    assert "your model" in EmotionPredictor.from_path(path).model_note
