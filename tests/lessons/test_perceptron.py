"""Lesson 01's NumPy perceptron and two-layer network: they learn what they should and fail where they must."""
import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from emojify_lib.lessons.perceptron import (binary_cross_entropy, init_two_layer, make_separable_blobs,  # noqa: E402
                                            perceptron_predict, perceptron_train, plot_decision_boundary, sigmoid,
                                            step, two_layer_forward, two_layer_gradients, xor_data)


def accuracy(y, pred):
    return float(np.mean(np.asarray(y) == np.asarray(pred)))


def test_step_and_sigmoid_values():
    np.testing.assert_array_equal(step(np.array([-2.0, -1e-9, 0.0, 3.0])), [0, 0, 1, 1])
    assert step(0.0) == 1 and step(-0.5) == 0
    z = np.array([-1000.0, -5.0, 0.0, 5.0, 1000.0])
    with np.errstate(over="raise"):                # no overflow at the extremes
        s = sigmoid(z)
    np.testing.assert_allclose(s, [0.0, 1 / (1 + np.exp(5)), 0.5, 1 / (1 + np.exp(-5)), 1.0], atol=1e-12)
    assert sigmoid(0.0) == 0.5
    np.testing.assert_allclose(sigmoid(z) + sigmoid(-z), 1.0)


def test_separable_blobs_are_separable_and_deterministic():
    X, y = make_separable_blobs(200, seed=1)
    assert X.shape == (200, 2) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [100, 100]
    margin = X @ np.array([1.0, 1.0]) / np.sqrt(2) - 4 / np.sqrt(2)
    assert np.all(margin[y == 1] >= 0.25) and np.all(margin[y == 0] <= -0.25)
    X2, y2 = make_separable_blobs(200, seed=1)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, make_separable_blobs(200, seed=2)[0])


@pytest.mark.parametrize("seed", range(5))
def test_perceptron_converges_on_separable_data(seed):
    X, y = make_separable_blobs(100, seed=seed)
    w, b, history = perceptron_train(X, y, lr=0.05, epochs=30, seed=seed)
    assert len(history) == 31 and history[0][2] == 0
    assert accuracy(y, perceptron_predict(X, w, b)) == 1.0
    assert history[-1][2] == 0                                             # converged: no more mistakes
    np.testing.assert_array_equal(history[-1][0], w)
    # the rule changes nothing once an epoch makes no mistake
    first_clean = next(k for k, (_, _, mistakes) in enumerate(history) if k > 0 and mistakes == 0)
    assert all(np.array_equal(h[0], history[first_clean][0]) for h in history[first_clean:])
    assert all(accuracy(y, perceptron_predict(X, h[0], h[1])) == 1.0 for h in history[first_clean - 1:])


def test_perceptron_history_is_a_copy_and_reproducible():
    X, y = make_separable_blobs(60, seed=0)
    _, _, h1 = perceptron_train(X, y, lr=0.05, epochs=5, seed=3)
    _, _, h2 = perceptron_train(X, y, lr=0.05, epochs=5, seed=3)
    for (w1, b1, m1), (w2, b2, m2) in zip(h1, h2):
        np.testing.assert_array_equal(w1, w2)
        assert b1 == b2 and m1 == m2
    assert h1[0][0] is not h1[-1][0] and not np.array_equal(h1[0][0], h1[-1][0])


def test_perceptron_cannot_learn_xor():
    X, y = xor_data()
    for seed in range(10):
        _, _, history = perceptron_train(X, y, lr=0.1, epochs=50, seed=seed)
        assert max(accuracy(y, perceptron_predict(X, w, b)) for w, b, _ in history) <= 0.75
        assert all(mistakes > 0 for _, _, mistakes in history[1:])      # it never stops making mistakes
    # no straight line at all does better than 3 of 4
    rng = np.random.default_rng(0)
    best = max(accuracy(y, perceptron_predict(X, rng.normal(size=2), rng.normal())) for _ in range(2000))
    assert best == 0.75


def fit(X, y, n_hidden, seed, lr=1.0, steps=3000):
    params = init_two_layer(2, n_hidden, seed)
    losses = []
    for _ in range(steps):
        losses.append(binary_cross_entropy(y, two_layer_forward(X, params)[1]))
        for name, grad in two_layer_gradients(X, y, params).items():
            params[name] -= lr * grad
    return params, losses


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_layer_net_solves_xor(seed):
    X, y = xor_data()
    params, losses = fit(X, y, n_hidden=4, seed=seed)
    assert losses[-1] < 0.05 < losses[0]
    np.testing.assert_array_equal((two_layer_forward(X, params)[1] >= 0.5).astype(int), y)


def test_two_layer_gradients_match_finite_differences():
    X, y = xor_data()
    params = init_two_layer(2, 3, seed=4)
    params["b1"] += np.array([0.3, -0.2, 0.1])
    grads = two_layer_gradients(X, y, params)
    assert {k: g.shape for k, g in grads.items()} == {k: v.shape for k, v in params.items()}
    eps = 1e-6

    def loss():
        return binary_cross_entropy(y, two_layer_forward(X, params)[1])

    for name in ("W1", "b1", "W2", "b2"):
        param = params[name]
        for idx in itertools.islice(np.ndindex(param.shape), 6):
            old = param[idx]
            param[idx] = old + eps
            up = loss()
            param[idx] = old - eps
            down = loss()
            param[idx] = old
            assert grads[name][idx] == pytest.approx((up - down) / (2 * eps), abs=1e-7), (name, idx)


def test_bad_inputs_raise_clear_errors():
    X, y = xor_data()
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        perceptron_train(X, np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError, match="2-D"):
        perceptron_train(X[:, 0], y)
    with pytest.raises(ValueError, match="one label per row"):
        perceptron_train(X, y[:3])
    with pytest.raises(ValueError, match="learning rate"):
        perceptron_train(X, y, lr=0)
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        two_layer_forward(np.ones((3, 5)), init_two_layer())
    with pytest.raises(ValueError, match="n_hidden"):
        init_two_layer(2, 0)
    with pytest.raises(ValueError, match="n >= 2"):
        make_separable_blobs(1)


def test_plot_decision_boundary_draws_regions_line_and_points():
    X, y = make_separable_blobs(40, seed=0)
    w, b, _ = perceptron_train(X, y, lr=0.05, epochs=10)
    ax = plot_decision_boundary(lambda P: perceptron_predict(P, w, b), X, y, title="t")
    assert ax.get_title() == "t"
    assert len(ax.collections) >= 3              # filled regions, the boundary line, two scatter sets
    offsets = np.vstack([c.get_offsets() for c in ax.collections if c.get_offsets().shape[-1] == 2
                         and len(c.get_offsets()) in (20,)])
    assert offsets.shape == (40, 2)
    plt.close("all")
