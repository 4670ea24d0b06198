"""Lesson 03: the graders accept right answers, diagnose the typical wrong ones, and fall back on the library."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from emojify_lib.core import emotions
from emojify_lib.data import fer2013, pipeline
from emojify_lib.exercises import lesson03 as ex
from conftest import fails


def test_exported():
    from emojify_lib import exercises
    for name in ("check_read_csv_row", "check_read_folder_image", "check_majority_baseline", "check_class_weights"):
        assert name in ex.__all__ and name in exercises.__all__


# --- read_csv_row ------------------------------------------------------------------------------------------

def _fields(line):
    label, pixels, _usage = line.strip().split(",")
    return label, np.array(pixels.split(), dtype=np.int64)


def row_reader(size=True, pixel_range=True, label_range=True):
    """A read_csv_row that makes the checks asked for (all of them: a right answer)."""
    def read_csv_row(line):
        label, values = _fields(line)
        if size and values.size != 2304:
            raise ValueError(f"expected 2304 pixels, found {values.size}")
        if pixel_range and (values.min() < 0 or values.max() > 255):
            raise ValueError(f"pixels must lie in 0-255, found {values.min()}..{values.max()}")
        if label_range and not 0 <= int(label) <= 6:
            raise ValueError(f"label {label} is not an id 0-6")
        return values.astype(np.uint8).reshape(48, 48), int(label)
    return read_csv_row


right_row = row_reader()


def test_read_csv_row(capsys):
    ex.check_read_csv_row(right_row)
    assert "✅ Correct" in capsys.readouterr().out
    ex.check_read_csv_row(fer2013.read_csv_row)                        # the library is a right answer too

    fails(ex.check_read_csv_row, row_reader(size=False), match="cannot reshape.*does not mention.*2304")
    fails(ex.check_read_csv_row, row_reader(label_range=False), match="label 9 returned instead of raising")
    fails(ex.check_read_csv_row, row_reader(pixel_range=False), match="(?s)pixel 300 returned.*silently wraps")
    fails(ex.check_read_csv_row, lambda line: (right_row(line)[0].T, right_row(line)[1]), match="transposed")
    fails(ex.check_read_csv_row, lambda line: (right_row(line)[0].astype(float), right_row(line)[1]),
          match="dtype float64")
    fails(ex.check_read_csv_row, lambda line: (right_row(line)[0].ravel(), right_row(line)[1]),
          match=r"shape \(2304,\)")
    fails(ex.check_read_csv_row, lambda line: (right_row(line)[0], line.split(",")[0]), match="expected an int")
    fails(ex.check_read_csv_row, lambda line: right_row(line)[::-1], match=r"\(label, face\)")
    fails(ex.check_read_csv_row, lambda line: right_row(line)[0], match="expected a pair")

    def asserts(line):
        label, values = _fields(line)
        assert values.size == 2304 and 0 <= int(label) <= 6 and values.max() <= 255
        return values.astype(np.uint8).reshape(48, 48), int(label)

    fails(ex.check_read_csv_row, asserts, match="raised AssertionError.*expected a ValueError")


# --- read_folder_image -------------------------------------------------------------------------------------

def _read(path):
    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    return image


def test_read_folder_image(capsys):
    ex.check_read_folder_image(lambda p: (_read(p), emotions.label_of(Path(p).parent.name)))
    assert "✅ Correct" in capsys.readouterr().out
    ex.check_read_folder_image(fer2013.read_folder_image)

    def alphabetical(p):
        return _read(p), emotions.CLASSIC_ORDER.index(emotions.FOLDER_ALIASES[Path(p).parent.name])

    fails(ex.check_read_folder_image, alphabetical, match="(?s)alphabetical folder order.*label_of")
    fails(ex.check_read_folder_image, lambda p: (_read(p), emotions.EMOTIONS.index(Path(p).parent.name)),
          match="(?s)disgusted.*both spellings")
    fails(ex.check_read_folder_image,
          lambda p: (cv2.imread(p, cv2.IMREAD_GRAYSCALE), emotions.label_of(Path(p).parent.name)),
          match="returns None")
    fails(ex.check_read_folder_image, lambda p: (cv2.imread(p), emotions.label_of(Path(p).parent.name)),
          match="no channel axis")
    fails(ex.check_read_folder_image, lambda p: (_read(p), Path(p).parent.name), match="expected an int")


# --- majority_baseline and class_weights -------------------------------------------------------------------

def test_majority_baseline(capsys):
    ex.check_majority_baseline(lambda y: np.bincount(y).max() / len(y))
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_majority_baseline, lambda y: np.bincount(y).max(), match="divide it by len")
    fails(ex.check_majority_baseline, lambda y: 1 / 7, match="chance")
    fails(ex.check_majority_baseline, lambda y: np.argmax(np.bincount(y)) / len(y), match="np.argmax")
    fails(ex.check_majority_baseline, lambda y: np.bincount(y) / len(y), match="expected one number")
    fails(ex.check_majority_baseline, lambda y: np.mean(y == 3), match="expected")   # hard-coded 'happy'
    fails(ex.check_majority_baseline, lambda y: y.missing, match="raised AttributeError")


def _weights(f):
    return lambda labels: dict(enumerate(f(np.bincount(labels, minlength=7)).tolist()))


def test_class_weights(capsys):
    ex.check_class_weights(_weights(lambda c: c.sum() / (len(c) * c)))
    assert "✅ Correct" in capsys.readouterr().out
    ex.check_class_weights(pipeline.class_weights)
    fails(ex.check_class_weights, _weights(lambda c: c / c.sum()), match="frequencies")
    fails(ex.check_class_weights, _weights(lambda c: c.sum() / c), match="divide by k")
    fails(ex.check_class_weights, _weights(lambda c: len(c) * c / c.sum()), match="upside down")
    fails(ex.check_class_weights, _weights(lambda c: np.ones(len(c)) * 2), match="expected")
    fails(ex.check_class_weights, lambda y: np.bincount(y).sum() / (7 * np.bincount(y)), match="wants a dict")
    fails(ex.check_class_weights, lambda y: {emotions.EMOTIONS[c]: 1.0 for c in range(7)}, match="class ids 0..6")


# --- the grader's fall-back is the library ------------------------------------------------------------------

def test_a_wrong_or_open_exercise_returns_the_library_version(capsys, monkeypatch):
    monkeypatch.delenv("EMOJIFY_STRICT_EXERCISES", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)

    def stub(*args):
        raise NotImplementedError()

    assert ex.check_read_csv_row(stub) is fer2013.read_csv_row
    assert ex.check_read_folder_image(lambda p: (None, 0)) is fer2013.read_folder_image
    assert ex.check_class_weights(stub) is pipeline.class_weights
    out = capsys.readouterr().out
    assert "⬜ Not answered yet" in out and "reference version" in out
    monkeypatch.setenv("EMOJIFY_STRICT_EXERCISES", "1")
    with pytest.raises(ex._grading.ExerciseOpen):
        ex.check_class_weights(stub)


def test_majority_baseline_tells_an_argmax_answer_from_a_count():
    """The first input's most common id (5), its count (3) and the accuracy (0.5) all differ, so each mistake gets
    its own hint (with [3, 3, 3, 0, 1] argmax and count were both 3)."""
    msg = fails(ex.check_majority_baseline, lambda y: np.argmax(np.bincount(y)), match="np.argmax")
    assert "count of the biggest class" not in msg
    fails(ex.check_majority_baseline, lambda y: np.bincount(y).max(), match="count of the biggest class")
