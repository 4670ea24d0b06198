"""Lesson 07: the graders of the live step accept right answers, catch the typical wrong ones with a useful hint,
report a stub as open, and fall back to the library's version where later cells need one."""
import cv2
import numpy as np
import pytest

from emojify_lib.core.emotions import EMOTIONS
from emojify_lib.exercises import ExerciseOpen, lesson07 as ex
from emojify_lib.live import faces
from emojify_lib.live.overlay import load_emoji
from conftest import fails


def stub(*args):
    raise NotImplementedError()


def test_exported():
    from emojify_lib import exercises
    for name in ("check_scale_boxes", "check_crop_face", "check_live_step", "check_smooth", "check_main_face"):
        assert name in exercises.__all__ and hasattr(ex, name)


def test_stub_is_open_and_the_lesson_goes_on_with_the_library(capsys):
    assert ex.check_scale_boxes(stub) is faces.scale_boxes
    assert ex.check_crop_face(stub) is faces.crop_face
    out = capsys.readouterr().out
    assert out.count("⬜ Not answered yet") == 2 and "reference version" in out
    with pytest.raises(ExerciseOpen):
        ex.check_smooth.check(stub)


# --- scale_boxes ---------------------------------------------------------------------------------------------

def test_scale_boxes(capsys):
    right = lambda b, s: np.round(np.asarray(b, float) / s).astype(int)  # noqa: E731
    assert ex.check_scale_boxes(right) is right
    assert ex.check_scale_boxes(faces.scale_boxes) is faces.scale_boxes  # the library's version passes its grader
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_scale_boxes, lambda b, s: np.round(np.asarray(b) * s).astype(int), match="multiplied")
    fails(ex.check_scale_boxes, lambda b, s: (np.asarray(b) / s).astype(int), match="np.round")
    fails(ex.check_scale_boxes, lambda b, s: np.asarray(b) / s, match="dtype float")


# --- crop_face -----------------------------------------------------------------------------------------------

def my_crop(frame, box, margin=0.1):
    x, y, w, h = box
    dx, dy = int(w * margin), int(h * margin)
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    crop = gray[max(y - dy, 0):min(y + h + dy, gray.shape[0]), max(x - dx, 0):min(x + w + dx, gray.shape[1])]
    return cv2.resize(crop, (48, 48))  # linear, not the library's area interpolation: still right


def test_crop_face(capsys):
    assert ex.check_crop_face(my_crop) is my_crop
    ex.check_crop_face(faces.crop_face)
    assert capsys.readouterr().out.count("✅ Correct") == 2


def test_crop_face_mistakes():
    def no_margin(frame, box, margin=0.1):
        return my_crop(frame, box, 0.0)

    def swapped(frame, box, margin=0.1):
        x, y, w, h = box
        return my_crop(frame, (y, x, h, w), margin)

    def not_clipped(frame, box, margin=0.1):
        x, y, w, h = box
        dx, dy = int(w * margin), int(h * margin)
        return cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)[y - dy:y + h + dy, x - dx:x + w + dx], (48, 48))

    fails(ex.check_crop_face, no_margin, match="grow it by margin")
    fails(ex.check_crop_face, swapped, match=r"rows are y")
    fails(ex.check_crop_face, not_clipped, match="clip the grown box")
    fails(ex.check_crop_face, lambda f, b, m=0.1: cv2.resize(f[b[1]:b[1] + b[3], b[0]:b[0] + b[2]], (48, 48)),
          match="three colour channels")
    fails(ex.check_crop_face, lambda f, b, m=0.1: my_crop(f, b, m) / 255.0, match="scale twice")
    fails(ex.check_crop_face, lambda f, b, m=0.1: cv2.resize(my_crop(f, b, m), (64, 64)), match=r"\(64, 64\)")
    fails(ex.check_crop_face, lambda f, b, m=0.1: 255 - my_crop(f, b, m), match="differs from the expected")


# --- live_step -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model(reference_model_path):
    from emojify_lib.model import networks
    return networks.load_model(reference_model_path)


def make_live_step(batch=True, scale=1.0, probability=lambda p, k: float(p[k]), emoji=load_emoji, order=EMOTIONS):
    def live_step(frame, detector, model):
        boxes = detector.detect(frame)
        crops = np.stack([faces.crop_face(frame, b) for b in boxes]) if len(boxes) else np.zeros((0, 48, 48), np.uint8)
        x = crops[..., None].astype("float32") * scale
        if batch:
            probs = np.asarray(model(x, training=False)) if len(x) else np.zeros((0, 7))
        else:
            probs = np.concatenate([np.asarray(model(x[i:i + 1], training=False)) for i in range(len(x))] or
                                   [np.zeros((0, 7))])
        out = []
        for box, p in zip(boxes, probs):
            k = int(np.argmax(p))
            out.append((tuple(int(v) for v in box), order[k], probability(p, k), emoji(order[k])))
        return out
    return live_step


def test_live_step(model, capsys):
    right = make_live_step()
    assert ex.check_live_step(right, model) is right
    assert "✅ Correct" in capsys.readouterr().out
    # model.predict on the whole batch is slow but right: one call with every face
    def with_predict(frame, detector, model):
        boxes = detector.detect(frame)
        if not len(boxes):
            return []
        probs = model.predict(np.stack([faces.crop_face(frame, b) for b in boxes])[..., None].astype("float32"),
                              verbose=0)
        return [(b, EMOTIONS[int(np.argmax(p))], float(p.max()), load_emoji(EMOTIONS[int(np.argmax(p))]))
                for b, p in zip(boxes, probs)]
    ex.check_live_step.check(with_predict, model)
    ex.check_live_step.check(ex._live_step, model)  # the reference the lesson falls back to


def test_live_step_mistakes(model):
    fails(ex.check_live_step, make_live_step(batch=False), model, match="call the model once")
    fails(ex.check_live_step, make_live_step(scale=1 / 255), model, match="Rescaling")
    fails(ex.check_live_step, make_live_step(probability=lambda p, k: p), model, match="one number")
    fails(ex.check_live_step, make_live_step(emoji=lambda e: f"{e}.png"), model, match="load_emoji")
    fails(ex.check_live_step, make_live_step(order=EMOTIONS[1:] + EMOTIONS[:1]), model, match="largest probability at happy")
    fails(ex.check_live_step, lambda f, d, m: [], model, match="detector finds 1")
    fails(ex.check_live_step, lambda f, d, m: None, model, match="expected a list")


# --- smooth and main_face ------------------------------------------------------------------------------------

def test_smooth(capsys):
    ex.check_smooth(lambda prev, new, a: a * prev + (1 - a) * new)
    ex.check_smooth.check(ex._smooth)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_smooth, lambda prev, new, a: (1 - a) * prev + a * new, match="swapped the weights")
    fails(ex.check_smooth, lambda prev, new, a: prev, match="alpha weighs the past")


def test_main_face(capsys):
    right = lambda fs: max(fs, key=lambda f: f[0][2] * f[0][3]) if fs else None  # noqa: E731
    ex.check_main_face(right)
    ex.check_main_face.check(ex._main_face)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_main_face, lambda fs: max(fs, key=lambda f: f[0][2] * f[0][3]), match="raised ValueError")
    fails(ex.check_main_face, lambda fs: max(fs, key=lambda f: f[0][2]) if fs else None, match="areas w\\*h")
    fails(ex.check_main_face, lambda fs: fs[0] if fs else None, match="areas")


def test_the_empty_cases_are_named():
    def rows(boxes, scale):  # a list of rows: an empty input gives shape (0,), not (0, 4)
        return np.array([[round(v / scale) for v in box] for box in boxes], dtype=int)
    msg = fails(ex.check_scale_boxes, rows, match=r"shape \(0,\), expected \(0, 4\)")
    assert "K = 0" in msg and "divide by the scale" not in msg
    def crashes_on_empty(boxes, scale):
        return np.round(np.vstack(list(boxes)) / scale).astype(int)
    fails(ex.check_scale_boxes, crashes_on_empty, match="no boxes: a frame without faces.*\n.*K = 0")
    msg = fails(ex.check_main_face, lambda fs: max(fs, key=lambda f: f[0][2] * f[0][3]), match="on an empty list")
    assert "if not faces: return None" in msg
