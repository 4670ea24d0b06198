"""Graders for the lessons' exercises, one module per lesson (``lesson01`` … ``lesson07``, and
``lesson05b``).

How grading works — the stub, the reference version a lesson falls back to, nbgrader and the score line — is
described in :mod:`emojify_lib.exercises._grading`. A notebook imports its lesson's module::

    from emojify_lib.exercises import lesson01 as ex
    ...
    perceptron_update = ex.check_perceptron_update(perceptron_update)
    ...
    ex.score()
"""
from __future__ import annotations

from . import lesson01, lesson02, lesson03, lesson04, lesson05, lesson05b, lesson06, lesson07
from ._grading import ExerciseFailed, ExerciseOpen, Score, call, expect_close, fail, passed, score, strict

_LESSONS = (lesson01, lesson02, lesson03, lesson04, lesson05, lesson05b, lesson06, lesson07)
__all__ = ["ExerciseFailed", "ExerciseOpen", "Score", "call", "expect_close", "fail", "passed", "score", "strict",
           *(name for module in _LESSONS for name in module.__all__ if name != "score")]


def __getattr__(name: str):
    for module in _LESSONS:
        if name in module.__all__ and name != "score":
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
