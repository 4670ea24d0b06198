"""The exercise graders accept right answers and catch wrong ones with a helpful message."""
import numpy as np
import pytest

from emojify_lib import exercises as ex
from emojify_lib.exercises import ExerciseFailed

from conftest import fails


# --- shared helpers ----------------------------------------------------------------------------------------

def test_shared_helpers(capsys):
    ex.passed("fine")
    assert capsys.readouterr().out == "✅ Correct: fine\n"
    assert issubclass(ExerciseFailed, AssertionError)
    msg = fails(ex.fail, "wrong", "try this", match="wrong")
    assert "💡 Hint: try this" in msg
    fails(ex.call, 42, match="expected a function")
    fails(ex.call, lambda x: 1 / x, 0, match=r"raised ZeroDivisionError")
    fails(ex.expect_close, [1, 2], [1, 2, 3], "v", match=r"shape \(2,\)")
    fails(ex.expect_close, np.zeros((5, 5)), np.eye(5), "m", match=r"at index \(0, 0\)")
    fails(ex.expect_close, "abc", 1.0, "s", match="not a number")
    ex.expect_close(np.ones(3), np.ones(3) + 1e-9, "ok")


# --- Lesson 01 ---------------------------------------------------------------------------------------------

def test_weighted_sum(capsys):
    ex.check_weighted_sum(lambda x, w, b: float(np.dot(w, x) + b))
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_weighted_sum, lambda x, w, b: float(np.dot(w, x)), match="forgot the bias")
    fails(ex.check_weighted_sum, lambda x, w, b: w * x + b, match="expected one number")
    fails(ex.check_weighted_sum, lambda x, w, b: float(np.sum(w * x + b)), match="expected")
    fails(ex.check_weighted_sum, lambda x, w, b: float(w[0] * x[0] + w[1] * x[1] + b),
          match="has 3 numbers")


def test_perceptron_update(capsys):
    def right(w, b, x, y, lr):
        err = y - (1 if np.dot(w, x) + b >= 0 else 0)
        return w + lr * err * x, b + lr * err

    ex.check_perceptron_update(right)
    assert "✅ Correct" in capsys.readouterr().out

    def wrong_sign(w, b, x, y, lr):
        err = (1 if np.dot(w, x) + b >= 0 else 0) - y
        return w + lr * err * x, b + lr * err

    def always_updates(w, b, x, y, lr):
        return w + lr * x, b + lr

    def forgets_bias(w, b, x, y, lr):
        err = y - (1 if np.dot(w, x) + b >= 0 else 0)
        return w + lr * err * x, b

    fails(ex.check_perceptron_update, wrong_sign, match="new w")
    fails(ex.check_perceptron_update, always_updates, match="new w")
    fails(ex.check_perceptron_update, forgets_bias, match="new b")
    fails(ex.check_perceptron_update, lambda w, b, x, y, lr: w, match="expected a pair")


def test_logic_gate(capsys):
    ex.check_logic_gate([1, 1], -1.5, "and")
    ex.check_logic_gate([1, 1], -0.5, "or")
    ex.check_logic_gate([-1, -1], 1.5, "nand")
    assert capsys.readouterr().out.count("✅ Correct") == 3
    msg = fails(ex.check_logic_gate, [1, 1], -0.5, "and", match="not AND")
    assert "01 -> 1 (should be 0)" in msg
    fails(ex.check_logic_gate, [1, 1], -2.5, "and", match="11 -> 0")
    fails(ex.check_logic_gate, [1, 1, 1], -1.5, "and", match="2 weights")
    with pytest.raises(ValueError, match="XOR"):
        ex.check_logic_gate([1, 1], 0, "xor")
