"""The exercise graders accept right answers and catch wrong ones with a helpful message."""
import subprocess
import sys

import numpy as np

from emojify_lib import exercises as ex
from emojify_lib.exercises import ExerciseFailed

from conftest import fails


# --- shared helpers ----------------------------------------------------------------------------------------

def test_lesson01_grader_starts_no_tensorflow():
    """Lesson 01 is NumPy only: importing its grader (a fresh interpreter) loads neither TensorFlow nor Keras,
    and the lazy package still reaches every lesson's graders by name."""
    code = ("import sys, emojify_lib.exercises.lesson01; "
            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
    assert "check_perceptron_update" in ex.__all__ and ex.lesson02.__name__.endswith("lesson02")



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
