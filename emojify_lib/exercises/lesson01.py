"""Graders for lesson 01's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import numpy as np

from ..lessons import perceptron as ref
from . import _grading
from ._grading import _short, call, expect_close, fail, grader, passed

__all__ = ["score", "check_weighted_sum", "check_perceptron_predict", "check_and_gate_weights",
           "check_perceptron_update", "check_perceptron_train", "check_two_layer_forward",
           "check_two_layer_gradients"]

LESSON = "01"


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


def _weighted_sum(x, w, b):
    return float(np.dot(w, x) + b)


def _and_gate_weights():
    return np.array([1.0, 1.0]), -1.5


@grader(LESSON, "weighted_sum", reference=_weighted_sum)
def check_weighted_sum(fn) -> None:
    """Exercise 1: ``fn(x, w, b)`` returns the neuron's pre-activation ``z = w . x + b`` (one number)."""
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
                 "multiply input by weight, element by element, and add the products up; then add b once.")
        hint = "z = w1*x1 + w2*x2 + ... + b. Did you forget the bias, or add it once per input?"
        if abs(float(got) - float(np.dot(w, x))) < 1e-9 and b != 0:
            hint = "you forgot the bias b."
        elif len(x) != 2:
            hint = (f"this input has {len(x)} numbers: does your function use all of them? "
                    "Write it for any length, not just two.")
        expect_close(got, np.dot(w, x) + b, what, hint)
    passed("z = w · x + b, for inputs of any length.")


@grader(LESSON, "perceptron_predict", reference=ref.perceptron_predict)
def check_perceptron_predict(fn) -> None:
    """Exercise 2: ``fn(X, w, b)`` returns ``step(X @ w + b)``, one 0/1 label per row of ``X``: ``(N,)``."""
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 0.0], [3.0, -4.0], [0.5, 0.5]])
    cases = [(X, np.array([1.0, -0.5]), 0.0), (X, np.array([0.2, 0.3]), -0.25), (X, np.array([-1.0, 1.0]), 0.0),
             (X[:3], np.array([2.0, 1.0]), 1.0), (np.array([[1.0, 1.0, 1.0]]), np.array([1.0, 1.0, -3.0]), 0.5)]
    for X_, w, b in cases:
        got = call(fn, X_, w, b)
        what = f"perceptron_predict(X of shape {X_.shape}, w={w.tolist()}, b={b})"
        arr = np.asarray(got)
        if arr.shape != (len(X_),):
            fail(f"{what} returned shape {arr.shape}; expected ({len(X_)},), one label per row of X",
                 "X @ w gives one weighted sum per row; add b, then apply step to the whole array.")
        z = X_ @ w + b
        want = (z >= 0).astype(int)
        if not np.all(np.isin(arr, (0, 1))):
            fail(f"{what} returned {_short(arr)}; expected labels 0 or 1",
                 "the perceptron's output is step(z), not z itself.")
        if np.array_equal(arr, (z > 0).astype(int)) and not np.array_equal(arr, want):
            fail(f"{what} returned {_short(arr)}, expected {_short(want)}",
                 "a point exactly on the line (z = 0) belongs to class 1: step(0) = 1, so compare with >= 0.")
        hint = "compute z = X @ w + b (one number per row) and return step(z)."
        if np.array_equal(arr, ((X_ @ w) >= 0).astype(int)) and b != 0:
            hint = "you forgot the bias b."
        expect_close(arr, want, what, hint)
    passed("step(X @ w + b): one 0/1 label per row, and points on the line count as class 1.")


@grader(LESSON, "and_gate_weights", reference=_and_gate_weights)
def check_and_gate_weights(fn) -> None:
    """Exercise 3: ``fn()`` returns ``(w, b)``, 2 weights and a bias with ``step(w . x + b)`` = AND on 00, 01,
    10, 11."""
    out = call(fn)
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        fail(f"and_gate_weights() returned {_short(out)}; expected a pair (w, b)", "end with: return w, b")
    w, b = out
    try:
        w = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"w must be 2 numbers; got {_short(w)}")
    if w.shape != (2,):
        fail(f"w must hold 2 weights, one per input; got shape {w.shape}")
    if np.ndim(b) != 0:
        fail(f"b must be one number; got {_short(b)}")
    inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    want = np.array([0, 0, 0, 1])
    got = ref.step(inputs @ w + float(b))
    wrong = [f"{int(x[0])}{int(x[1])} -> {g} (should be {t})" for x, g, t in zip(inputs, got, want) if g != t]
    if wrong:
        fail(f"with w={w.tolist()}, b={float(b)} the perceptron is not AND: " + "; ".join(wrong),
             "write one inequality per input, w·x + b >= 0 for output 1 and < 0 for output 0, and pick numbers "
             "that satisfy all four. Which input needs both weights to reach the threshold?")
    sign = "−" if b < 0 else "+"
    passed(f"step({w[0]:g}·x1 {'−' if w[1] < 0 else '+'} {abs(w[1]):g}·x2 {sign} {abs(float(b)):g}) "
           "computes AND on all four inputs.")


@grader(LESSON, "perceptron_update", reference=ref.perceptron_update)
def check_perceptron_update(fn) -> None:
    """Exercise 4: ``fn(w, b, x, y, lr)`` applies the perceptron rule once and returns ``(w, b)``."""
    cases = [
        (np.array([0.5, -0.5]), 0.0, np.array([1.0, 2.0]), 1, 0.1),    # predicts 0, label 1 -> move up
        (np.array([1.0, 1.0]), 0.5, np.array([2.0, 1.0]), 0, 0.5),     # predicts 1, label 0 -> move down
        (np.array([1.0, 1.0]), 0.5, np.array([2.0, 1.0]), 1, 0.5),     # right: no change
        (np.array([1.0, -1.0]), -1.0, np.array([1.0, 0.0]), 1, 0.5),   # z = 0 exactly: predicts 1, right
        (np.array([0.2, -0.3, 0.1]), -0.1, np.array([-1.0, 0.5, 2.0]), 1, 0.25),
    ]
    for w, b, x, y, lr in cases:
        w_before = w.copy()
        out = call(fn, w.copy(), b, x.copy(), y, lr)
        what = f"perceptron_update(w={w.tolist()}, b={b}, x={x.tolist()}, y={y}, lr={lr})"
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            fail(f"{what} returned {_short(out)}; expected a pair (new_w, new_b)", "end with: return w, b")
        error = y - ref.step(np.dot(w_before, x) + b)
        want_w, want_b = w_before + lr * error * x, b + lr * error
        if error == 0:
            hint = ("this example is already classified right (remember step(0) = 1), so nothing should change: "
                    "the error y − ŷ is 0.")
        else:
            hint = ("compute the error y − ŷ with ŷ = step(w·x + b); the weights move by lr · error · x, the "
                    "bias by lr · error. Check the sign of the error and that x scales the weight change.")
        expect_close(out[0], want_w, f"the new w of {what}", hint)
        expect_close(out[1], want_b, f"the new b of {what}",
                     "the bias moves too, by lr · error (as if it were the weight of an input that is always 1)."
                     if error != 0 else hint)
    passed("mistakes move the weights by lr · (y − ŷ) · x and the bias by lr · (y − ŷ); "
           "right answers change nothing.")


def _train_cases():
    X = np.array([[2.0, 1.0], [-1.0, -1.5], [1.5, 2.5], [-2.0, 0.5], [0.5, -2.0], [3.0, 0.0]])
    y = np.array([1, 0, 1, 0, 0, 1])
    blobs = ref.make_separable_blobs(30, seed=1)
    return [(X, y, 0.5, 4, 0), (X, y, 0.1, 0, 3), (*blobs, 0.05, 12, 2)]


@grader(LESSON, "perceptron_train", reference=ref.perceptron_train)
def check_perceptron_train(fn) -> None:
    """Exercise 5: ``fn(X, y, lr, epochs, seed)`` runs the perceptron rule for ``epochs`` epochs, visiting the
    examples in the order ``rng.permutation(len(X))`` each epoch, and returns ``(w, b, history)`` with
    ``epochs + 1`` entries ``(w, b, mistakes)``."""
    for X, y, lr, epochs, seed in _train_cases():
        what = f"perceptron_train(X of shape {X.shape}, y, lr={lr}, epochs={epochs}, seed={seed})"
        out = call(fn, X.copy(), y.copy(), lr, epochs, seed)
        if not (isinstance(out, (tuple, list)) and len(out) == 3):
            fail(f"{what} returned {_short(out)}; expected (w, b, history)", "end with: return w, b, history")
        w, b, history = out
        want_w, want_b, want_history = ref.perceptron_train(X, y, lr, epochs, seed)
        if not isinstance(history, list):
            fail(f"{what}: history is a {type(history).__name__}; expected a list of (w, b, mistakes) tuples")
        if len(history) != epochs + 1:
            fail(f"{what}: history has {len(history)} entries; expected {epochs + 1}",
                 "entry 0 is the start (already in the list); append one (w, b, mistakes) after EACH epoch — "
                 "`for epoch in range(epochs)`, and the append inside that loop but after the loop over examples.")
        for k, (entry, want) in enumerate(zip(history, want_history)):
            if not (isinstance(entry, (tuple, list)) and len(entry) == 3):
                fail(f"{what}: history[{k}] is {_short(entry)}; expected a tuple (w, b, mistakes)")
        if epochs >= 2 and all(np.array_equal(e[0], history[-1][0]) for e in history[1:-1]) \
                and not all(np.array_equal(e[0], want_history[-1][0]) for e in want_history[1:-1]):
            fail(f"{what}: every history entry holds the final weights",
                 "store a copy, w.copy(): otherwise every entry is the same array, changed in place later.")
        for k, (entry, want) in enumerate(zip(history, want_history)):
            expect_close(entry[0], want[0], f"{what}: the weights w in history[{k}]",
                         "visit the examples in the order rng.permutation(len(X)), a fresh permutation each "
                         "epoch (draw it with the rng given, inside the epoch loop), and update with "
                         "perceptron_update on every example.")
            expect_close(entry[1], want[1], f"{what}: the bias b in history[{k}]",
                         "perceptron_update returns the new bias too: w, b = perceptron_update(...).")
            if k > 0 and entry[2] != want[2]:
                fail(f"{what}: history[{k}] counts {entry[2]} mistakes; epoch {k} made {want[2]}",
                     "before each update, count the example as a mistake when step(x · w + b) != its label; "
                     "reset the count to 0 at the start of each epoch.")
        expect_close(w, want_w, f"{what}: the final w", "return the weights after the last epoch.")
        expect_close(b, want_b, f"{what}: the final b", "return the bias after the last epoch.")
    passed("the rule runs epoch by epoch, in a new random order each time, and the history records every epoch.")


# --- the two-layer network -------------------------------------------------------------------------------------

def _net_case(n_inputs=2, n_hidden=3, n=5, seed=7):
    rng = np.random.default_rng(seed)
    params = ref.init_two_layer(n_inputs, n_hidden, seed=seed)
    params["b1"] = rng.normal(0.0, 0.5, size=n_hidden)          # non-zero biases, so a forgotten bias shows
    params["b2"] = rng.normal(0.0, 0.5, size=1)
    X = rng.normal(0.0, 1.0, size=(n, n_inputs))
    y = (rng.random(n) < 0.5).astype(np.int64)
    y[:2] = (0, 1)
    return X, y, params


def _copy(params):
    return {k: np.array(v, dtype=np.float64, copy=True) for k, v in params.items()}


@grader(LESSON, "two_layer_forward", reference=ref.two_layer_forward)
def check_two_layer_forward(fn) -> None:
    """Exercise 6: ``fn(X, params)`` returns ``(H, p)``: hidden activations ``(N, n_hidden)`` and the
    probabilities of class 1 ``(N,)``."""
    for n_inputs, n_hidden, n, seed in [(2, 3, 5, 7), (2, 4, 4, 1), (3, 2, 6, 3)]:
        X, _, params = _net_case(n_inputs, n_hidden, n, seed)
        what = f"two_layer_forward(X of shape {X.shape}, params with {n_hidden} hidden units)"
        out = call(fn, X.copy(), _copy(params))
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            fail(f"{what} returned {_short(out)}; expected a pair (H, p)", "end with: return H, p")
        H, p = (np.asarray(v, dtype=np.float64) for v in out)
        want_H, want_p = ref.two_layer_forward(X, params)
        if H.shape != want_H.shape:
            fail(f"{what}: H has shape {H.shape}; expected {want_H.shape} (N, n_hidden)",
                 "X has one example per row, so multiply X @ W1, not W1 @ X.")
        no_bias = ref.sigmoid(X @ params["W1"])
        linear = X @ params["W1"] + params["b1"]
        if np.allclose(H, no_bias):
            fail(f"{what}: H is sigmoid(X @ W1), without the bias", "add b1 before the sigmoid.")
        if np.allclose(H, linear):
            fail(f"{what}: H is X @ W1 + b1, without the activation", "pass the hidden sums through sigmoid.")
        expect_close(H, want_H, f"{what}: H", "H = sigmoid(X @ W1 + b1).")
        if p.shape == (len(X), 1):
            fail(f"{what}: p has shape {p.shape}; expected ({len(X)},), one probability per example",
                 "H @ W2 has shape (N, 1): take its only column, [:, 0] (or .ravel()).")
        if p.shape != want_p.shape:
            fail(f"{what}: p has shape {p.shape}; expected {want_p.shape}", "p = sigmoid(H @ W2 + b2), then [:, 0].")
        if np.any(p < 0) or np.any(p > 1):
            fail(f"{what}: p holds values outside [0, 1], e.g. {p.min():.3g}",
                 "the output unit is a sigmoid too: p = sigmoid(H @ W2 + b2).")
        hint = "p = sigmoid(H @ W2 + b2), with the H you just computed."
        if np.allclose(p, ref.sigmoid(H @ params["W2"])[:, 0]):
            hint = "you forgot the output bias b2."
        expect_close(p, want_p, f"{what}: p", hint)
    passed("H = σ(X W1 + b1), p = σ(H W2 + b2) with one probability per example.")


@grader(LESSON, "two_layer_gradients", reference=ref.two_layer_gradients)
def check_two_layer_gradients(fn) -> None:
    """Exercise 7: ``fn(X, y, params)`` returns the gradients of the mean binary cross-entropy, a dict with the
    keys ``W1, b1, W2, b2`` and the shapes of ``params``."""
    for n_inputs, n_hidden, n, seed in [(2, 3, 5, 7), (2, 4, 4, 1), (3, 2, 6, 3)]:
        X, y, params = _net_case(n_inputs, n_hidden, n, seed)
        what = f"two_layer_gradients(X of shape {X.shape}, y, params with {n_hidden} hidden units)"
        before = _copy(params)
        grads = call(fn, X.copy(), y.copy(), params)
        if any(not np.array_equal(params[k], before[k]) for k in before):
            fail(f"{what} changed params", "compute the gradients only; the training loop does the update.")
        if not isinstance(grads, dict) or set(grads) != set(params):
            got = sorted(grads) if isinstance(grads, dict) else _short(grads)
            fail(f"{what} returned {got}; expected a dict with the keys ['W1', 'W2', 'b1', 'b2']",
                 'end with: return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}')
        want = ref.two_layer_gradients(X, y, params)
        for name in ("b2", "W2", "b1", "W1"):
            g = np.asarray(grads[name], dtype=np.float64)
            label = f"{what}: the gradient {name}"
            if g.shape != want[name].shape:
                hint = ("a bias gradient sums the errors over the examples: .sum(axis=0)." if name[0] == "b"
                        else f"it has the shape of {name} itself: {want[name].shape}.")
                fail(f"{label} has shape {g.shape}; expected {want[name].shape}", hint)
            if np.allclose(g, -want[name]) and np.abs(want[name]).max() > 1e-9:
                fail(f"{label} has the wrong sign", "the output error is dZ2 = (p − y) / N, not (y − p) / N.")
            if np.allclose(g, want[name] * len(X)):
                fail(f"{label} is N = {len(X)} times too large",
                     "the loss is a mean over the N examples, so dZ2 = (p − y) / N.")
            hint = {"b2": "db2 = dZ2.sum(axis=0) with dZ2 = (p − y) / N as an (N, 1) column.",
                    "W2": "dW2 = H.T @ dZ2, with H from the forward pass.",
                    "b1": "db1 = dZ1.sum(axis=0).",
                    "W1": "dW1 = X.T @ dZ1."}[name]
            if name in ("W1", "b1"):
                _, p = ref.two_layer_forward(X, params)
                dZ1_no_slope = ((p - y) / len(X))[:, None] @ params["W2"].T
                without = X.T @ dZ1_no_slope if name == "W1" else dZ1_no_slope.sum(axis=0)
                if np.allclose(g, without):
                    hint = ("you forgot the sigmoid's slope in the hidden layer: "
                            "dZ1 = (dZ2 @ W2.T) * H * (1 − H).")
                else:
                    hint += " Check dZ1 = (dZ2 @ W2.T) * H * (1 − H), the chain rule through the hidden sigmoid."
            expect_close(g, want[name], label, hint, atol=1e-8)
    passed("backpropagation: dZ2 = (p − y)/N, dW2 = Hᵀ dZ2, dZ1 = (dZ2 W2ᵀ) ⊙ H(1 − H), dW1 = Xᵀ dZ1, "
           "and each bias gets the summed errors.")
