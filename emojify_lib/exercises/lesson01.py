"""Graders for lesson 01's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import numpy as np

from . import _grading
from ._grading import _expect_int, _short, call, expect_close, fail, grader, passed

__all__ = ["score", 'check_weighted_sum', 'check_perceptron_update', 'check_logic_gate']

LESSON = "01"


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


@grader(LESSON, "weighted_sum")
def check_weighted_sum(fn) -> None:
    """Lesson 01, exercise 1: ``fn(x, w, b)`` returns the neuron's pre-activation ``z = w . x + b`` (a number)."""
    cases = [
        (np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.25),
        (np.array([0.0, 0.0]), np.array([3.0, 4.0]), -2.0),
        (np.array([2.0, -1.0, 0.5]), np.array([1.0, 1.0, 4.0]), 0.0),
        (np.array([1.5]), np.array([-2.0]), 1.0),
    ]
    for x, w, b in cases:
        got = call(fn, x, w, b)
        what = f"weighted_sum(x={x.tolist()}, w={w.tolist()}, b={b})"
        if np.ndim(got) != 0:
            fail(f"{what} returned {_short(got)}, an array of shape {np.shape(got)}; expected one number",
                 "multiply element by element and add the products up (np.dot(w, x) or (w * x).sum()), then add b.")
        hint = "z = w1*x1 + w2*x2 + ... + b. Did you forget the bias, or add it once per input?"
        if abs(float(got) - float(np.dot(w, x))) < 1e-9 and b != 0:
            hint = "you forgot the bias: z = np.dot(w, x) + b."
        elif len(x) != 2:
            hint = (f"this input has {len(x)} numbers: does your function use all of them? "
                    "np.dot(w, x) works for any length.")
        expect_close(got, np.dot(w, x) + b, what, hint)
    passed("z = w · x + b, for inputs of any length.")


@grader(LESSON, "perceptron_update")
def check_perceptron_update(fn) -> None:
    """Lesson 01, exercise 2: ``fn(w, b, x, y, lr)`` applies the perceptron rule once and returns ``(w, b)``."""
    from ..lessons.perceptron import step

    cases = [
        (np.array([0.5, -0.5]), 0.0, np.array([1.0, 2.0]), 1, 0.1),    # predicts 0, label 1 -> move up
        (np.array([1.0, 1.0]), 0.5, np.array([2.0, 1.0]), 0, 0.5),     # predicts 1, label 0 -> move down
        (np.array([1.0, 1.0]), 0.5, np.array([2.0, 1.0]), 1, 0.5),     # right: no change
        (np.array([0.2, -0.3, 0.1]), -0.1, np.array([-1.0, 0.5, 2.0]), 1, 0.25),
    ]
    for w, b, x, y, lr in cases:
        w_before = w.copy()
        out = call(fn, w.copy(), b, x.copy(), y, lr)
        what = f"perceptron_update(w={w.tolist()}, b={b}, x={x.tolist()}, y={y}, lr={lr})"
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            fail(f"{what} returned {_short(out)}; expected a pair (new_w, new_b)", "end with: return w, b")
        error = y - step(np.dot(w_before, x) + b)
        want_w, want_b = w_before + lr * error * x, b + lr * error
        if error == 0:
            hint = "this example is already classified right, so nothing should change."
        else:
            hint = ("the update is error = y - step(w·x + b); w + lr * error * x; b + lr * error. "
                    "Check the sign of the error and that x scales the weight change.")
        expect_close(out[0], want_w, f"the new w of {what}", hint)
        expect_close(out[1], want_b, f"the new b of {what}", hint)
    passed("mistakes move the weights by lr · (y − ŷ) · x and the bias by lr · (y − ŷ); right answers change nothing.")


_GATES = {"and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "nand": (1, 1, 1, 0), "nor": (1, 0, 0, 0)}


@grader(LESSON, "logic_gate")
def check_logic_gate(w, b, gate: str = "and") -> None:
    """Lesson 01, exercise 3: weights ``w`` (2 numbers) and bias ``b`` with ``step(w . x + b)`` equal to ``gate``
    (``"and"``, ``"or"``, ``"nand"`` or ``"nor"``) on the four inputs 00, 01, 10, 11."""
    from ..lessons.perceptron import step

    gate = gate.lower()
    if gate not in _GATES:
        raise ValueError(f"gate must be one of {sorted(_GATES)} (XOR cannot be done by one perceptron), got {gate!r}")
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (2,):
        fail(f"w must hold 2 weights, one per input; got shape {w.shape}")
    if np.ndim(b) != 0:
        fail(f"b must be one number; got {_short(b)}")
    inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    want = np.array(_GATES[gate])
    got = step(inputs @ w + float(b))
    wrong = [f"{int(x[0])}{int(x[1])} -> {g} (should be {t})" for x, g, t in zip(inputs, got, want) if g != t]
    if wrong:
        fail(f"with w={w.tolist()}, b={float(b)} the perceptron is not {gate.upper()}: " + "; ".join(wrong),
             "write the four inequalities w·x + b >= 0 (output 1) or < 0 (output 0) and pick numbers that "
             "satisfy all of them; for AND, both weights positive and a bias more negative than either weight.")
    def term(v, name):
        return f"{'−' if v < 0 else '+'} {abs(v):g}{name}"

    formula = f"{w[0]:g}·x1 {term(w[1], '·x2')} {term(float(b), '')}"
    passed(f"step({formula}) computes {gate.upper()} on all four inputs.")
