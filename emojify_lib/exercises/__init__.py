"""Graders for the lessons' exercises, one module per lesson (``lesson01`` … ``lesson08``, and
``lesson05b``); they may import the core, data, model and lessons packages, never an app (lesson 07's alone may
use the live path it grades).

How grading works — the stub, the reference version a lesson falls back to, nbgrader and the score line — is
described in :mod:`emojify_lib.exercises._grading`. A notebook imports its lesson's module::

    from emojify_lib.exercises import lesson01 as ex
    ...
    perceptron_update = ex.check_perceptron_update(perceptron_update)
    ...
    ex.score()

A lesson's grader is imported only when it is used, so the NumPy-only lesson 01 never waits for TensorFlow
(``tests/exercises/test_exercises.py`` checks it). ``emojify_lib.exercises.<grader name>`` and ``__all__`` still
reach every lesson's graders; they import the lessons on first use.
"""
from __future__ import annotations

import importlib

from ._grading import ExerciseFailed, ExerciseOpen, Score, call, expect_close, fail, passed, score, strict

#: The lessons' grader modules, in course order.
LESSONS = ("lesson01", "lesson02", "lesson03", "lesson04", "lesson05", "lesson05b", "lesson06", "lesson07",
           "lesson08")
_SHARED = ["ExerciseFailed", "ExerciseOpen", "Score", "call", "expect_close", "fail", "passed", "score", "strict"]


def _lesson(name: str):
    return importlib.import_module(f".{name}", __name__)


def __getattr__(name: str):
    if name in LESSONS:
        return _lesson(name)
    if name == "__all__":  # every lesson's graders: imports all lessons
        return _SHARED + [n for lesson in LESSONS for n in _lesson(lesson).__all__ if n != "score"]
    for lesson in LESSONS:
        module = _lesson(lesson)
        if name in module.__all__ and name != "score":
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(LESSONS))
