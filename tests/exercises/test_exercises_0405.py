"""Lesson 05: the exercise graders accept right answers and catch typical wrong ones with a useful hint."""
import math

import numpy as np
import pytest

from emojify_lib import exercises as ex
from conftest import fails


def test_exported():
    for name in ("check_steps_per_epoch", "check_cross_entropy"):
        assert name in ex.__all__


# --- Lesson 05 ---------------------------------------------------------------------------------------------

def test_steps_per_epoch(capsys):
    ex.check_steps_per_epoch(lambda n, b, r=1: math.ceil(n / (b * r)))
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_steps_per_epoch, lambda n, b, r=1: n // (b * r), match="round UP")
    fails(ex.check_steps_per_epoch, lambda n, b, r=1: math.ceil(n / b), match="PER replica")
    fails(ex.check_steps_per_epoch, lambda n, b, r=1: n / (b * r), match="whole number|round UP")
    fails(ex.check_steps_per_epoch, lambda n, b, r=1: 449, match="expected")


def test_cross_entropy(capsys):
    def right(p, y):
        return -np.mean(np.log(p[np.arange(len(y)), y]))

    ex.check_cross_entropy(right)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_cross_entropy, lambda p, y: -right(p, y), match="sign")
    fails(ex.check_cross_entropy, lambda p, y: -np.sum(np.log(p[np.arange(len(y)), y])), match="mean over faces")
    fails(ex.check_cross_entropy, lambda p, y: -np.mean(np.log10(p[np.arange(len(y)), y])), match="log10")
    fails(ex.check_cross_entropy, lambda p, y: -np.mean(np.log(p)), match="true class")
    fails(ex.check_cross_entropy, lambda p, y: -np.log(p[np.arange(len(y)), y]), match="one number")
    fails(ex.check_cross_entropy, lambda p, y: 1 - np.mean(p[np.arange(len(y)), y]), match="expected")
