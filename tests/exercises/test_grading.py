"""The grading machinery every lesson uses: stub → open, wrong → failed + reference, right → the learner's
answer, the strict mode nbgrader's autograder sees, and the score line."""
import re

import numpy as np
from pathlib import Path

import pytest

from emojify_lib.exercises import ExerciseFailed, ExerciseOpen, _grading
from emojify_lib.exercises._grading import call, fail, grader, passed


@pytest.fixture
def lesson(monkeypatch):
    """A throw-away lesson "99" with two exercises; results and registrations are undone afterwards."""
    monkeypatch.delenv("EMOJIFY_STRICT_EXERCISES", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(_grading, "EXERCISES", {})
    monkeypatch.setattr(_grading, "RESULTS", {})

    def reference_double(x):
        return 2 * x

    @grader("99", "double", reference=reference_double)
    def check_double(fn):
        for x in (0, 1, 5):
            if call(fn, x) != 2 * x:
                fail(f"double({x}) returned {call(fn, x)}, expected {2 * x}", "multiply by two")
        passed("doubles.")

    @grader("99", "nothing_depends_on_it")
    def check_positive(fn):
        if call(fn) <= 0:
            fail("not positive")
        passed("positive.")

    return check_double, check_positive, reference_double


def stub(*args):
    # YOUR CODE HERE
    raise NotImplementedError()


def test_right_answer_is_returned_and_counted(lesson, capsys):
    check_double, _, _ = lesson

    def mine(x):
        return x + x

    assert check_double(mine) is mine
    assert "✅ Correct: doubles." in capsys.readouterr().out
    assert _grading.RESULTS["99", "double"] == "passed"


def test_wrong_answer_prints_the_mistake_and_returns_the_reference(lesson, capsys):
    check_double, _, reference = lesson
    assert check_double(lambda x: x + 2) is reference
    out = capsys.readouterr().out
    assert "❌ double(0) returned 2, expected 0" in out and "💡 Hint: multiply by two" in out
    assert "reference version" in out
    assert _grading.RESULTS["99", "double"] == "failed"


def test_stub_is_open_not_a_crash(lesson, capsys):
    check_double, check_positive, reference = lesson
    assert check_double(stub) is reference
    assert check_positive(stub) is None  # no reference: nothing later needs it
    out = capsys.readouterr().out
    assert out.count("⬜ Not answered yet") == 2 and "NotImplementedError" in out
    assert _grading.RESULTS["99", "double"] == "open"


def test_a_crash_in_the_learners_code_is_a_readable_failure(lesson, capsys):
    check_double, _, _ = lesson
    check_double(lambda x: x / "a")
    assert "raised TypeError" in capsys.readouterr().out


@pytest.mark.parametrize("variable", ["NBGRADER_EXECUTION", "EMOJIFY_STRICT_EXERCISES"])
def test_strict_mode_raises_so_nbgrader_gives_no_points(lesson, monkeypatch, variable):
    check_double, _, _ = lesson
    monkeypatch.setenv(variable, "autograde" if variable == "NBGRADER_EXECUTION" else "1")
    with pytest.raises(ExerciseFailed, match="expected 0"):
        check_double(lambda x: x + 2)
    with pytest.raises(ExerciseOpen):
        check_double(stub)


def test_score_line_counts_passed_failed_and_never_run(lesson, capsys):
    check_double, check_positive, _ = lesson
    check_double(lambda x: 2 * x)
    capsys.readouterr()
    _grading.score("99")
    assert capsys.readouterr().out == "Lesson 99: 1 of 2 exercises passed. Still open: nothing_depends_on_it.\n"
    check_positive(lambda: -1)
    assert str(_grading.results("99")) == ("Lesson 99: 1 of 2 exercises passed. Not right yet: "
                                          "nothing_depends_on_it.")
    with pytest.raises(ValueError, match="no exercises are registered for lesson '98'"):
        _grading.score("98")


def test_every_lesson_has_registered_exercises():
    from emojify_lib import exercises

    lessons = ["01", "02", "03", "04", "05", "05b", "06", "07", "08"]
    assert all(callable(getattr(exercises, f"lesson{n}").score) for n in lessons)  # imported on first use
    assert sorted(_grading.EXERCISES) == lessons
    # one grader module per lesson notebook
    notebooks = sorted(p.name.split("_")[0] for p in (Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))
    assert notebooks == lessons


# ------------------------------------------------------------------ fair autograding (nbgrader's strict mode)
def run_cells(cells, monkeypatch, strict=True):
    """Run notebook-like cells in one namespace, as a kernel does; returns (namespace, [exception or None])."""
    if strict:
        monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    namespace = {"__name__": "__main__"}
    errors = []
    for cell in cells:
        try:
            exec(compile(cell, "<cell>", "exec"), namespace)
            errors.append(None)
        except Exception as exc:  # noqa: BLE001 - nbgrader runs on after an error (allow_errors)
            errors.append(exc)
    return namespace, errors


def test_under_the_autograder_a_failed_check_raises_and_the_notebook_goes_on_with_the_reference(monkeypatch):
    """The issue-23 case: a wrong exercise followed by a right one that calls it. The wrong one costs its own
    point only; the right one is graded on its own, and the score line equals the points."""
    monkeypatch.setattr(_grading, "EXERCISES", {})
    monkeypatch.setattr(_grading, "RESULTS", {})

    def reference_double(x):
        return 2 * x

    @grader("99", "double", reference=reference_double)
    def check_double(fn):
        if call(fn, 3) != 6:
            fail(f"double(3) returned {call(fn, 3)}, expected 6", "multiply by two")
        passed("doubles.")

    @grader("99", "quadruple")
    def check_quadruple(fn):
        if call(fn, 3) != 12:
            fail(f"quadruple(3) returned {call(fn, 3)}, expected 12")
        passed("quadruples.")

    cells = ["def double(x):\n    return x + 2",                           # wrong
             "double = check(double)",                                    # graded: 0 points
             "def quadruple(x):\n    return double(double(x))",          # right, calls double
             "quadruple = check4(quadruple)",                             # graded: must pass
             "later = double(5)"]                                         # an ungraded cell
    builtins = __builtins__ if isinstance(__builtins__, dict) else vars(__builtins__)
    monkeypatch.setitem(builtins, "check", check_double)
    monkeypatch.setitem(builtins, "check4", check_quadruple)
    namespace, errors = run_cells(cells, monkeypatch)
    assert isinstance(errors[1], ExerciseFailed) and errors[3] is None and errors[4] is None
    assert namespace["double"] is reference_double and namespace["later"] == 10
    assert str(_grading.results("99")) == "Lesson 99: 1 of 2 exercises passed. Not right yet: double."
    shown = errors[1]._render_traceback_()
    assert shown[0] == "❌ double(3) returned 5, expected 6" and shown[1] == "💡 Hint: multiply by two"
    assert "reference version" in shown[-1] and len(shown) <= 4


def test_a_failure_shows_short_lines_for_nbgrader_validate():
    exc = ExerciseFailed("❌ " + "word " * 40 + "\n💡 Hint: " + "hint " * 40)
    lines = exc._render_traceback_()
    assert all(len(line) <= _grading.WIDTH for line in lines) and lines[0].startswith("❌ word")
    assert any(line.startswith("💡 Hint:") for line in lines)


def test_an_answer_that_calls_the_librarys_version_is_refused(monkeypatch):
    from emojify_lib.exercises import lesson04  # registered in the real EXERCISES (no `lesson` fixture here)
    from emojify_lib.lessons import anatomy

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    cells = [("anatomy.conv_params", "from emojify_lib.lessons import anatomy\n"
                                    "def conv_params(k, c_in, c_out):\n    return anatomy.conv_params(k, c_in, c_out)"),
             ("ex.conv_params", "from emojify_lib.exercises import lesson04 as ex\n"
                               "def conv_params(k, c_in, c_out):\n    return ex.conv_params(k, c_in, c_out)"),
             ("cp (= anatomy.conv_params)", "from emojify_lib.lessons.anatomy import conv_params as cp\n"
                                           "def conv_params(k, c_in, c_out):\n    return cp(k, c_in, c_out)"),
             ("anatomy.conv_params", "import emojify_lib.lessons.anatomy\n"
                 "def helper(k, c_in, c_out):\n    return emojify_lib.lessons.anatomy.conv_params(k, c_in, c_out)\n"
                 "def conv_params(k, c_in, c_out):\n    return helper(k, c_in, c_out)")]
    for via, source in cells:
        namespace = {"__name__": "__main__"}
        exec(source, namespace)
        with pytest.raises(ExerciseFailed, match=f"this calls `{re.escape(via)}`; write it yourself"):
            lesson04.check_conv_params(namespace["conv_params"])
    namespace = {"__name__": "__main__"}
    exec("def build_classic_cnn():\n    from emojify_lib.model import networks\n    return networks.classic_cnn()",
         namespace)
    with pytest.raises(ExerciseFailed, match="this calls `networks.classic_cnn`"):
        lesson04.check_build_classic_cnn(namespace["build_classic_cnn"])
    own = {"__name__": "__main__"}
    exec("import math\ndef conv_params(k, c_in, c_out):\n    return (k * k * c_in + 1) * c_out", own)
    assert lesson04.check_conv_params(own["conv_params"]) is own["conv_params"]
    assert anatomy.conv_params(3, 1, 32) == 320


def test_hidden_cases_fail_an_answer_tuned_to_the_visible_ones(lesson, monkeypatch, capsys):
    check_double, _, reference = lesson

    def tuned(x):
        return {0: 0, 1: 2, 5: 10}.get(x, 0)

    assert check_double(tuned) is tuned
    assert check_double.hidden(tuned, [(7,), (-3,)]) is reference          # student mode: reference, message
    assert "double(7) returned 0.0, expected 14.0" in capsys.readouterr().out
    assert _grading.RESULTS["99", "double"] == "failed"
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    check_double(tuned)
    with pytest.raises(ExerciseFailed, match="hidden while you worked"):
        check_double.hidden(tuned, [(7,)])
    assert check_double.hidden(lambda x: 2 * x, [(7,)]) is not None


def test_nbgrader_validate_keeps_the_whole_hint():
    """`nbgrader validate` prints a failing cell's traceback cut at 87 characters a line; the grader's lines fit."""
    from nbgrader.validator import Validator

    hint = ("the bias moves too, by lr · error (as if it were the weight of an input that is always 1), "
            "and it moves even when the weights do not")
    exc = ExerciseFailed(f"❌ the new b of perceptron_update(w=[0.5, -0.5], b=0.0, x=[1.0, 2.0], y=1, lr=0.1) "
                         f"returned 0.0, expected 0.1\n💡 Hint: {hint}")
    shown = Validator()._indent("\n".join(exc._render_traceback_()))
    assert "..." not in shown
    assert " ".join(hint.split()) in " ".join(shown.replace("💡 Hint:", "").split())
