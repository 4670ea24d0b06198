"""Graders for lesson 05's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import numpy as np

from . import _grading
from ._grading import _expect_int, _short, call, expect_close, fail, grader, passed

__all__ = ["score", 'check_steps_per_epoch', 'check_cross_entropy']

LESSON = "05"


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


@grader(LESSON, "steps_per_epoch")
def check_steps_per_epoch(fn) -> None:
    """Lesson 05, exercise 1: ``fn(n, batch_size, replicas=1)`` returns the optimizer steps in one epoch over ``n``
    images when each of ``replicas`` devices takes ``batch_size`` of them per step (the last batch may be short):
    ``ceil(n / (batch_size · replicas))``."""
    import math

    cases = [(28709, 64, 1), (2070, 64, 1), (640, 64, 1), (1, 64, 1), (28709, 64, 4), (1000, 32, 2), (300, 64, 8)]
    for n, b, rep in cases:
        got = call(fn, n, b, rep, name="steps_per_epoch")
        want = math.ceil(n / (b * rep))
        what = f"steps_per_epoch(n={n}, batch_size={b}, replicas={rep})"
        _expect_int(got, what)
        if got == want:
            continue
        hint = "the global batch is batch_size × replicas; count how many of those cover n images."
        if got == n // (b * rep):
            hint = "round UP: the last, smaller batch is still a step (math.ceil, or -(-n // global_batch))."
        elif got == math.ceil(n / b) and rep > 1:
            hint = "with several replicas each step consumes batch_size images PER replica: divide by batch_size × replicas."
        elif got == n / (b * rep):
            hint = "a step count is a whole number: round up with math.ceil."
        fail(f"{what} returned {got}, expected {want}", hint)
    passed("⌈n / (batch · replicas)⌉: FER2013's 28,709 training faces take 449 steps at batch 64 on one device.")


@grader(LESSON, "cross_entropy")
def check_cross_entropy(fn) -> None:
    """Lesson 05, exercise 2: ``fn(probs, labels)`` returns the mean cross-entropy ``-mean(log p[i, y_i])`` of
    predicted probabilities ``probs`` ``(N, k)`` for integer ``labels`` ``(N,)`` (one number, natural log)."""
    rng = np.random.default_rng(5)
    raw = rng.random((6, 7)) + 0.05
    cases = [(np.array([[0.7, 0.2, 0.1]]), np.array([0])),
             (np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]), np.array([1, 2])),
             (np.full((3, 7), 1 / 7), np.array([0, 3, 6])),
             (raw / raw.sum(axis=1, keepdims=True), rng.integers(0, 7, 6))]
    for probs, labels in cases:
        got = call(fn, probs.copy(), labels.copy(), name="cross_entropy")
        picked = probs[np.arange(len(labels)), labels]
        want = -np.mean(np.log(picked))
        what = f"cross_entropy({_short(probs)}, {_short(labels)})"
        if np.ndim(got) != 0:
            fail(f"{what} returned {_short(got)} with shape {np.shape(got)}; expected one number (the mean)",
                 "average the per-face losses with np.mean.")
        hint = "pick each face's probability of its TRUE class, probs[np.arange(N), labels], take -log, average."
        g = float(got)
        if abs(g + want) < 1e-9 and want != 0:
            hint = "the sign: log of a probability is negative, so the loss is MINUS the mean log."
        elif abs(g - (-np.sum(np.log(picked)))) < 1e-9 and len(labels) > 1:
            hint = "take the mean over faces, not the sum."
        elif abs(g - (-np.mean(np.log10(picked)))) < 1e-9:
            hint = "use the natural log (np.log), as Keras does, not log10."
        elif abs(g - (-np.mean(np.log(probs)))) < 1e-9:
            hint = "only the true class's probability counts: index it with probs[np.arange(N), labels]."
        expect_close(g, want, what, hint, atol=1e-6)
    passed("−mean log p(true class): 1.946 = ln 7 for a model that guesses uniformly over 7 classes.")
