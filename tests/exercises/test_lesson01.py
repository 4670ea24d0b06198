"""Lesson 01's graders accept right answers, name each typical mistake, and treat the student stub as open."""
import numpy as np
import pytest

from emojify_lib.exercises import ExerciseOpen
from emojify_lib.exercises import lesson01 as ex
from emojify_lib.lessons import perceptron as ref

from conftest import fails


def stub(*args):
    # YOUR CODE HERE
    raise NotImplementedError()


CHECKS = [ex.check_weighted_sum, ex.check_perceptron_predict, ex.check_and_gate_weights,
          ex.check_perceptron_update, ex.check_perceptron_train, ex.check_two_layer_forward,
          ex.check_two_layer_gradients]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.title)
def test_the_stub_is_open(check):
    with pytest.raises(ExerciseOpen, match="NotImplementedError"):
        check.check(stub)


def test_weighted_sum(capsys):
    ex.check_weighted_sum.check(lambda x, w, b: float(np.dot(w, x) + b))
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_weighted_sum, lambda x, w, b: float(np.dot(w, x)), match="forgot the bias")
    fails(ex.check_weighted_sum, lambda x, w, b: w * x + b, match="expected one number")
    fails(ex.check_weighted_sum, lambda x, w, b: float(np.sum(w * x + b)), match="expected")
    fails(ex.check_weighted_sum, lambda x, w, b: float(w[0] * x[0] + w[1] * x[1] + b), match="has 3 numbers")


def test_perceptron_predict(capsys):
    ex.check_perceptron_predict.check(lambda X, w, b: (X @ w + b >= 0).astype(int))
    ex.check_perceptron_predict.check(ref.perceptron_predict)
    assert capsys.readouterr().out.count("✅ Correct") == 2
    fails(ex.check_perceptron_predict, lambda X, w, b: (X @ w >= 0).astype(int), match="forgot the bias")
    fails(ex.check_perceptron_predict, lambda X, w, b: (X @ w + b > 0).astype(int), match="step.0. = 1")
    fails(ex.check_perceptron_predict, lambda X, w, b: X @ w + b, match="labels 0 or 1")
    fails(ex.check_perceptron_predict, lambda X, w, b: (X @ w + b >= 0)[:, None].astype(int), match=r"shape \(5, 1\)")
    fails(ex.check_perceptron_predict, lambda X, w, b: (X[0] @ w + b >= 0), match="shape")


def test_and_gate_weights(capsys):
    ex.check_and_gate_weights.check(lambda: (np.array([1.0, 1.0]), -1.5))
    ex.check_and_gate_weights.check(lambda: ([2, 3], -4))
    assert capsys.readouterr().out.count("✅ Correct") == 2
    msg = fails(ex.check_and_gate_weights, lambda: ([1, 1], -0.5), match="not AND")   # that is OR
    assert "01 -> 1 (should be 0)" in msg
    fails(ex.check_and_gate_weights, lambda: ([1, 1], -2.5), match="11 -> 0")
    fails(ex.check_and_gate_weights, lambda: ([1, 1, 1], -1.5), match="2 weights")
    fails(ex.check_and_gate_weights, lambda: (1, 1, -1.5), match="expected a pair")


def test_perceptron_update(capsys):
    def right(w, b, x, y, lr):
        err = y - (1 if np.dot(w, x) + b >= 0 else 0)
        return w + lr * err * x, b + lr * err

    ex.check_perceptron_update.check(right)
    assert "✅ Correct" in capsys.readouterr().out

    def wrong_sign(w, b, x, y, lr):
        err = (1 if np.dot(w, x) + b >= 0 else 0) - y
        return w + lr * err * x, b + lr * err

    def always_updates(w, b, x, y, lr):
        return w + lr * x, b + lr

    def forgets_bias(w, b, x, y, lr):
        err = y - (1 if np.dot(w, x) + b >= 0 else 0)
        return w + lr * err * x, b

    def strict_step(w, b, x, y, lr):               # step(0) = 0: a point on the line is treated as a mistake
        err = y - (1 if np.dot(w, x) + b > 0 else 0)
        return w + lr * err * x, b + lr * err

    fails(ex.check_perceptron_update, wrong_sign, match="new w")
    fails(ex.check_perceptron_update, always_updates, match="new w")
    assert "bias moves too" in fails(ex.check_perceptron_update, forgets_bias, match="new b")
    assert "step(0) = 1" in fails(ex.check_perceptron_update, strict_step, match="new w")
    fails(ex.check_perceptron_update, lambda w, b, x, y, lr: w, match="expected a pair")


def loop(X, y, lr=0.1, epochs=10, seed=0, *, copy=True, shuffle_once=False, epochs_off=0, count_all=False,
         drop_bias=False):
    """A learner's training loop, right by default; each keyword is one typical mistake."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 0.5, size=X.shape[1])
    b = 0.0
    history = [(w.copy(), b, 0)]
    order = rng.permutation(len(X)) if shuffle_once else None
    for _ in range(epochs + epochs_off):
        if not shuffle_once:
            order = rng.permutation(len(X))
        mistakes = 0
        for i in order:
            wrong = ref.step(X[i] @ w + b) != y[i]
            mistakes += 1 if (wrong or count_all) else 0
            new_w, new_b = ref.perceptron_update(w, b, X[i], y[i], lr)
            if copy:
                w = new_w
            else:
                w[:] = new_w                       # in place: every history entry would be this one array
            b = b if drop_bias else new_b
        history.append((w.copy() if copy else w, b, mistakes))
    return w, b, history


def test_perceptron_train(capsys):
    ex.check_perceptron_train.check(loop)
    ex.check_perceptron_train.check(ref.perceptron_train)
    assert capsys.readouterr().out.count("✅ Correct") == 2
    fails(ex.check_perceptron_train, lambda *a: loop(*a, copy=False), match="final weights")
    fails(ex.check_perceptron_train, lambda *a: loop(*a, shuffle_once=True), match="fresh permutation")
    fails(ex.check_perceptron_train, lambda *a: loop(*a, epochs_off=-1), match="entries; expected")
    fails(ex.check_perceptron_train, lambda *a: loop(*a, count_all=True), match="mistakes")
    fails(ex.check_perceptron_train, lambda *a: loop(*a, drop_bias=True), match="bias b")
    fails(ex.check_perceptron_train, lambda *a: loop(*a)[:2], match=r"expected \(w, b, history\)")


def forward(X, params, *, bias=True, act=True, flatten=True):
    Z1 = X @ params["W1"] + (params["b1"] if bias else 0)
    H = ref.sigmoid(Z1) if act else Z1
    p = ref.sigmoid(H @ params["W2"] + params["b2"])
    return H, (p[:, 0] if flatten else p)


def test_two_layer_forward(capsys):
    ex.check_two_layer_forward.check(forward)
    ex.check_two_layer_forward.check(ref.two_layer_forward)
    assert capsys.readouterr().out.count("✅ Correct") == 2
    fails(ex.check_two_layer_forward, lambda X, P: forward(X, P, bias=False), match="without the bias")
    fails(ex.check_two_layer_forward, lambda X, P: forward(X, P, act=False), match="without the activation")
    fails(ex.check_two_layer_forward, lambda X, P: forward(X, P, flatten=False), match=r"\[:, 0\]")
    fails(ex.check_two_layer_forward, lambda X, P: (forward(X, P)[0], ref.sigmoid(forward(X, P)[0] @ P["W2"])[:, 0]),
          match="forgot the output bias")
    fails(ex.check_two_layer_forward, lambda X, P: (forward(X, P)[0].T, forward(X, P)[1]), match="X @ W1")


def gradients(X, y, params, *, mean=True, sign=1, slope=True, sum_bias=True):
    H, p = ref.two_layer_forward(X, params)
    dz2 = (sign * (p - y) / (len(X) if mean else 1))[:, None]
    dz1 = dz2 @ params["W2"].T
    if slope:
        dz1 = dz1 * H * (1 - H)
    db = (lambda d: d.sum(axis=0)) if sum_bias else (lambda d: d)
    return {"W1": X.T @ dz1, "b1": db(dz1), "W2": H.T @ dz2, "b2": db(dz2)}


def test_two_layer_gradients(capsys):
    ex.check_two_layer_gradients.check(gradients)
    ex.check_two_layer_gradients.check(ref.two_layer_gradients)
    assert capsys.readouterr().out.count("✅ Correct") == 2
    fails(ex.check_two_layer_gradients, lambda *a: gradients(*a, mean=False), match="N = 5 times too large")
    fails(ex.check_two_layer_gradients, lambda *a: gradients(*a, sign=-1), match="wrong sign")
    fails(ex.check_two_layer_gradients, lambda *a: gradients(*a, slope=False), match="forgot the sigmoid's slope")
    fails(ex.check_two_layer_gradients, lambda *a: gradients(*a, sum_bias=False), match=r"sum\(axis=0\)")
    fails(ex.check_two_layer_gradients, lambda *a: {k: v for k, v in gradients(*a).items() if k != "b1"},
          match="expected a dict with the keys")

    def updates_in_place(X, y, params):
        grads = gradients(X, y, params)
        params["W1"] -= grads["W1"]
        return grads

    fails(ex.check_two_layer_gradients, updates_in_place, match="changed params")
