"""The grading machinery every lesson uses: stub → open, wrong → failed + reference, right → the learner's
answer, the strict mode nbgrader's autograder sees, and the score line."""
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

    lessons = ["01", "02", "03", "04", "05", "05b", "06", "07"]
    assert sorted(_grading.EXERCISES) == lessons
    assert all(callable(getattr(exercises, f"lesson{n}").score) for n in lessons)
    # one grader module per lesson notebook
    notebooks = sorted(p.name.split("_")[0] for p in (Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))
    assert notebooks == lessons
