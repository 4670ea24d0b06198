"""How every exercise is graded: the shared checking helpers, the grader wrapper and the score line.

A lesson's exercise is a function the learner completes in a cell (the student edition holds a stub that raises
``NotImplementedError``). The next cell hands it to the lesson's grader, e.g.
``perceptron_update = ex.check_perceptron_update(perceptron_update)``. The grader

* prints ``✅ Correct: …`` and returns the learner's function when it is right;
* prints ``❌ …`` (what was wrong, on which input) and a hint when it is wrong, and prints ``⬜ …`` when the stub
  is still there; then it returns the lesson's reference version (if the exercise has one), so a skipped or
  wrong exercise never stops the rest of the lesson;
* records the result for :func:`score`, the line at the end of each lesson.

Under nbgrader's autograder or validator (``NBGRADER_EXECUTION`` is set) or with ``EMOJIFY_STRICT_EXERCISES=1``
a wrong or open answer raises :class:`ExerciseFailed` instead, so nbgrader gives the cell no points.

Helpers for writing a grader (a "strict check" raises :class:`ExerciseFailed`, :func:`grader` wraps it):

* ``passed(message)``                  print the success line.
* ``fail(problem, hint=None)``         raise :class:`ExerciseFailed`.
* ``call(fn, *args, name=...)``        call the learner's function; a stub becomes "open", an exception a failure.
* ``expect_close(actual, expected, what=..., hint=..., atol=...)``   compare arrays or numbers (shape, then values).
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

import numpy as np

__all__ = ["ExerciseFailed", "ExerciseOpen", "passed", "fail", "call", "expect_close", "grader", "score",
           "strict", "Score", "results"]


class ExerciseFailed(AssertionError):
    """An exercise answer is wrong; the message says what and how to fix it."""


class ExerciseOpen(ExerciseFailed):
    """The learner's cell still holds the student edition's stub (``raise NotImplementedError()``)."""


def strict() -> bool:
    """True when a wrong or open answer must raise: under nbgrader (``NBGRADER_EXECUTION``) or with
    ``EMOJIFY_STRICT_EXERCISES=1``."""
    return bool(os.environ.get("NBGRADER_EXECUTION")) or os.environ.get("EMOJIFY_STRICT_EXERCISES") == "1"


def passed(message: str) -> None:
    """Print the success line ``✅ Correct: message``."""
    print(f"✅ Correct: {message}")


def fail(problem: str, hint: str | None = None):
    """Raise :class:`ExerciseFailed` with ``❌ problem`` and, if given, a hint on its own line."""
    text = f"❌ {problem}"
    if hint:
        text += f"\n💡 Hint: {hint}"
    raise ExerciseFailed(text)


def call(fn, *args, name: str | None = None):
    """Call the learner's ``fn(*args)``; a ``NotImplementedError`` (the stub) means the exercise is open, any other
    exception becomes a failure that names the input."""
    if not callable(fn):
        fail(f"expected a function, got {type(fn).__name__} {fn!r}",
             "pass the function itself, without calling it: check(my_function), not check(my_function()).")
    name = name or getattr(fn, "__name__", "your function")
    try:
        return fn(*args)
    except ExerciseFailed:
        raise
    except NotImplementedError:
        raise ExerciseOpen(f"{name} still raises NotImplementedError: replace the `# YOUR CODE HERE` stub with "
                           "your code, then run that cell and this one again.") from None
    except Exception as exc:  # noqa: BLE001 - any error in learner code becomes a readable failure
        shown = ", ".join(_short(a) for a in args)
        fail(f"{name}({shown}) raised {type(exc).__name__}: {exc}",
             "run your function by hand on that input and read the traceback.")


def _short(value, limit: int = 60) -> str:
    if isinstance(value, np.ndarray) and value.size > 6:
        return f"<array shape {value.shape}>"
    text = repr(value.tolist() if isinstance(value, np.ndarray) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _expect_int(got, what: str) -> None:
    """Fail unless the learner's answer is a number (an int, or a float that equals one); bools are refused."""
    if isinstance(got, bool) or not isinstance(got, (int, np.integer, float, np.floating)):
        fail(f"{what} returned {_short(got)} ({type(got).__name__}); expected an int")


def expect_close(actual, expected, what: str, hint: str | None = None, atol: float = 1e-6) -> None:
    """Fail unless ``actual`` has ``expected``'s shape and values (within ``atol``). ``what`` names the quantity
    in the message, e.g. ``"weighted_sum(x=[1, 2], w=[0.5, -1], b=0.25)"``."""
    try:
        a = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"{what} returned {_short(actual)} ({type(actual).__name__}), which is not a number or an array of "
             f"numbers", hint)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        fail(f"{what} has shape {a.shape}, expected {e.shape}", hint)
    if not np.all(np.isfinite(a) == np.isfinite(e)) or not np.allclose(a, e, atol=atol, rtol=0, equal_nan=True):
        if a.size <= 6:
            fail(f"{what} returned {_short(a)}, expected {_short(e)}", hint)
        idx = np.unravel_index(np.argmax(np.abs(np.nan_to_num(a - e, nan=np.inf))), a.shape)
        fail(f"{what} differs from the expected result, e.g. at index {tuple(int(i) for i in idx)}: "
             f"got {a[idx]:.6g}, expected {e[idx]:.6g}", hint)


# ------------------------------------------------------------------------------------ grading and the score line
#: Every lesson's exercises in the order the lesson asks them: lesson → [title, ...] (filled by @grader).
EXERCISES: dict[str, list[str]] = {}
#: What happened in this kernel: (lesson, title) → "passed" | "failed" | "open".
RESULTS: dict[tuple[str, str], str] = {}


def grader(lesson: str, title: str, reference=None):
    """Turn a strict check ``check(answer, *args)`` (raises :class:`ExerciseFailed`) into a lesson's grader.

    The grader returns ``answer`` when the check passes and ``reference`` otherwise (the version the rest of the
    lesson then uses; ``None`` where nothing later depends on the answer). ``title`` names the exercise in the
    score line. The strict check stays reachable as ``grader_fn.check``, for tests.
    """
    EXERCISES.setdefault(lesson, [])
    if title in EXERCISES[lesson]:
        raise ValueError(f"lesson {lesson} already has an exercise called {title!r}")
    EXERCISES[lesson].append(title)

    def wrap(check):
        @functools.wraps(check)
        def grade(answer, *args, **kwargs):
            try:
                check(answer, *args, **kwargs)
            except ExerciseOpen as exc:
                RESULTS[lesson, title] = "open"
                if strict():
                    raise
                print(f"⬜ Not answered yet — {exc}")
            except ExerciseFailed as exc:
                RESULTS[lesson, title] = "failed"
                if strict():
                    raise
                print(exc)
            else:
                RESULTS[lesson, title] = "passed"
                return answer
            if reference is not None:
                print("↪ The lesson goes on with the reference version of this piece, so the cells below still run.")
            return reference

        grade.check = check
        grade.lesson, grade.title = lesson, title
        return grade

    return wrap


@dataclass
class Score:
    """One lesson's exercise results in this kernel."""

    lesson: str
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    open: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.passed) + len(self.failed) + len(self.open)

    def __str__(self) -> str:
        line = f"Lesson {self.lesson}: {len(self.passed)} of {self.total} exercises passed."
        if self.failed:
            line += " Not right yet: " + ", ".join(self.failed) + "."
        if self.open:
            line += " Still open: " + ", ".join(self.open) + "."
        return line


def results(lesson: str) -> Score:
    """The lesson's exercise results in this kernel; an exercise whose grading cell never ran counts as open."""
    if lesson not in EXERCISES:
        raise ValueError(f"no exercises are registered for lesson {lesson!r}; known: {sorted(EXERCISES)}")
    result = Score(lesson)
    for title in EXERCISES[lesson]:
        getattr(result, RESULTS.get((lesson, title), "open")).append(title)
    return result


def score(lesson: str) -> None:
    """Print the lesson's score line, e.g. ``Lesson 01: 3 of 4 exercises passed. Still open: …`` (the last cell
    of every lesson)."""
    print(results(lesson))
