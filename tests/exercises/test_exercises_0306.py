"""Lessons 03 and 06: the exercise graders accept right answers and catch typical wrong ones with a useful hint."""
import numpy as np
import pytest

from emojify_lib import exercises as ex
from conftest import fails


def test_exported():
    for name in ("check_majority_baseline", "check_class_weights", "check_recall", "check_precision"):
        assert name in ex.__all__


# --- Lesson 03 ---------------------------------------------------------------------------------------------

def test_majority_baseline(capsys):
    ex.check_majority_baseline(lambda y: np.bincount(y).max() / len(y))
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_majority_baseline, lambda y: np.bincount(y).max(), match="divide it by len")
    fails(ex.check_majority_baseline, lambda y: 1 / 7, match="chance")
    fails(ex.check_majority_baseline, lambda y: np.argmax(np.bincount(y)) / len(y), match="np.argmax")
    fails(ex.check_majority_baseline, lambda y: np.bincount(y) / len(y), match="expected one number")
    fails(ex.check_majority_baseline, lambda y: np.mean(y == 3), match="expected")   # hard-coded 'happy'
    fails(ex.check_majority_baseline, lambda y: y.missing, match="raised AttributeError")


def test_class_weights(capsys):
    ex.check_class_weights(lambda c: c.sum() / (len(c) * c))
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_class_weights, lambda c: c / c.sum(), match="frequencies")
    fails(ex.check_class_weights, lambda c: c.sum() / c, match="divide by k")
    fails(ex.check_class_weights, lambda c: len(c) * c / c.sum(), match="upside down")
    fails(ex.check_class_weights, lambda c: np.ones(len(c)), match="expected")
    fails(ex.check_class_weights, lambda c: c.sum() / (len(c) * c[:1]), match="shape")
