"""Lesson 01's perceptron and two-layer network in NumPy: the reference versions its graders fall back to and
its tests check, plus the lesson's data and plotting helpers. The lesson itself holds the teaching copy of each
function (the learner writes most of them as exercises).

* ``step`` and ``sigmoid``: the two activation functions of the lesson.
* ``make_separable_blobs`` and ``xor_data``: a data set a straight line can split, and one it cannot.
* ``perceptron_predict``, ``perceptron_update``, ``perceptron_train``: Rosenblatt's perceptron and its rule.
* ``init_two_layer``, ``two_layer_forward``, ``binary_cross_entropy``, ``two_layer_gradients``: one hidden layer
  of sigmoid units and its backpropagation; it solves XOR.
* ``plot_decision_boundary``: shade the plane by what a classifier predicts.

Arrays in, arrays out: ``X`` is ``float (N, 2)``, labels ``y`` are ``int (N,)`` with values 0 or 1.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = [
    "step", "sigmoid", "make_separable_blobs", "xor_data", "perceptron_predict", "perceptron_update",
    "perceptron_train", "init_two_layer", "two_layer_forward", "binary_cross_entropy", "two_layer_gradients",
    "plot_decision_boundary",
]


# --- activations ---------------------------------------------------------------------------------------------

def step(z):
    """Heaviside step: 1 where ``z >= 0``, else 0. Same shape as ``z``; returns ``int64`` (a Python int for a
    scalar). Defined in lesson 01."""
    out = (np.asarray(z) >= 0).astype(np.int64)
    return out.item() if out.ndim == 0 else out


def sigmoid(z):
    """Logistic function ``1 / (1 + exp(-z))``, written as ``exp(-log(1 + exp(-z)))`` (``np.logaddexp``) so
    that it never overflows, even for ``z = -1000``. Float, same shape. Defined in lesson 01."""
    out = np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))
    return out.item() if out.ndim == 0 else out


# --- data ----------------------------------------------------------------------------------------------------

def make_separable_blobs(n: int = 100, seed: int = 0, margin: float = 0.5):
    """Two Gaussian blobs in the plane that a straight line separates, with a gap of at least ``margin``.

    Class 0 sits around (0.5, 1), class 1 around (3.5, 3); points that would fall closer than ``margin / 2``
    to the line ``x0 + x1 = 4`` (or on its wrong side) are drawn again, so the set is linearly separable.
    The line misses the origin on purpose: a perceptron must learn its bias too.

    Returns ``X`` float64 ``(n, 2)`` and ``y`` int64 ``(n,)`` (``n // 2`` zeros then the ones, shuffled).
    """
    if n < 2:
        raise ValueError(f"make_separable_blobs needs n >= 2 points (one per class), got n={n}")
    rng = np.random.default_rng(seed)
    normal = np.array([1.0, 1.0]) / np.sqrt(2.0)          # unit normal of the separating line x0 + x1 = 4
    offset = 4.0 / np.sqrt(2.0)                           # distance of that line from the origin
    centers = {0: np.array([0.5, 1.0]), 1: np.array([3.5, 3.0])}
    counts = {0: n // 2, 1: n - n // 2}
    xs, ys = [], []
    for label, count in counts.items():
        sign = 1.0 if label == 1 else -1.0
        points = np.empty((0, 2))
        while len(points) < count:
            candidates = centers[label] + rng.normal(0.0, 0.9, size=(count, 2))
            keep = sign * (candidates @ normal - offset) >= margin / 2
            points = np.vstack([points, candidates[keep]])
        xs.append(points[:count])
        ys.append(np.full(count, label, dtype=np.int64))
    X, y = np.vstack(xs), np.concatenate(ys)
    order = rng.permutation(n)
    return X[order], y[order]


def xor_data():
    """The four corners of the unit square labelled by XOR: ``X`` float64 ``(4, 2)``, ``y`` int64 ``[0, 1, 1, 0]``."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


def _check_xy(X, y):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (N, features); got shape {X.shape}")
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must be a 1-D array with one label per row of X ({len(X)}); got shape {y.shape}")
    if len(X) == 0:
        raise ValueError("X and y are empty: there is nothing to learn from")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values")
    if not np.all(np.isin(y, (0, 1))):
        raise ValueError(f"labels must be 0 or 1; got the values {sorted(set(np.unique(y).tolist()))}")
    return X, y.astype(np.int64)


# --- the perceptron (the lesson's reference versions, used by its graders and tests) ---------------------------

def perceptron_predict(X, w, b):
    """Perceptron output ``step(X @ w + b)``: int64 ``(N,)`` of 0/1 for ``X`` float ``(N, features)``.
    Defined in lesson 01."""
    return step(np.asarray(X, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b)


def perceptron_update(w, b, x, y, lr):
    """One step of Rosenblatt's rule on one example ``x`` (``(features,)``) with label ``y``; returns the new
    ``(w, b)``. With ``error = y - step(w . x + b)`` (-1, 0 or +1): ``w + lr * error * x`` and ``b + lr * error``.
    Defined in lesson 01."""
    error = y - step(np.dot(w, x) + b)
    return w + lr * error * x, b + lr * error


def perceptron_train(X, y, lr: float = 0.1, epochs: int = 10, seed: int = 0):
    """Train a perceptron with :func:`perceptron_update`, visiting the examples in a new random order
    (``rng.permutation``) each epoch. The weights start ``normal(0, 0.5)`` from ``seed`` (so the first line is
    visible), the bias at 0.

    Returns ``(w, b, history)``: the final weights float64 ``(features,)``, the bias, and ``epochs + 1`` tuples
    ``(w, b, mistakes)``: the weights after each epoch (entry 0: the start) and how many examples that epoch got
    wrong (each mistake is one update). Defined in lesson 01.
    """
    X, y = _check_xy(X, y)
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    if lr <= 0:
        raise ValueError(f"the learning rate lr must be positive, got {lr}")
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 0.5, size=X.shape[1])
    b = 0.0
    history = [(w.copy(), b, 0)]
    for _ in range(epochs):
        mistakes = 0
        for i in rng.permutation(len(X)):
            mistakes += int(step(X[i] @ w + b) != y[i])
            w, b = perceptron_update(w, b, X[i], y[i], lr)
        history.append((w.copy(), float(b), mistakes))
    return w, float(b), history


# --- a two-layer network (the lesson's reference versions) ---------------------------------------------------

def init_two_layer(n_inputs: int = 2, n_hidden: int = 4, seed: int = 0) -> dict:
    """Parameters of ``inputs -> n_hidden sigmoid units -> 1 sigmoid output``: ``W1`` ``(n_inputs, n_hidden)``
    and ``W2`` ``(n_hidden, 1)`` drawn ``normal(0, 1)`` from ``seed``, biases ``b1`` ``(n_hidden,)`` and ``b2``
    ``(1,)`` zero. Defined in lesson 01."""
    if n_inputs < 1 or n_hidden < 1:
        raise ValueError(f"n_inputs and n_hidden must be >= 1, got {n_inputs} and {n_hidden}")
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, 1.0, size=(n_inputs, n_hidden))
    W2 = rng.normal(0.0, 1.0, size=(n_hidden, 1))
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(1)}


def two_layer_forward(X, params: dict):
    """Forward pass: ``H = sigmoid(X @ W1 + b1)`` ``(N, n_hidden)`` and ``p = sigmoid(H @ W2 + b2)`` flattened to
    ``(N,)``, the probability of class 1. Returns ``(H, p)``. Defined in lesson 01."""
    X = np.asarray(X, dtype=np.float64)
    n_inputs = params["W1"].shape[0]
    if X.ndim != 2 or X.shape[1] != n_inputs:
        raise ValueError(f"X must have shape (N, {n_inputs}) to match W1; got {X.shape}")
    H = sigmoid(X @ params["W1"] + params["b1"])
    p = sigmoid(H @ params["W2"] + params["b2"])[:, 0]
    return H, p


def binary_cross_entropy(y, p) -> float:
    """Mean binary cross-entropy ``-mean(y log p + (1 - y) log(1 - p))``, with ``p`` clipped away from 0 and 1.
    Defined in lesson 01."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def two_layer_gradients(X, y, params: dict) -> dict:
    """Backpropagation: the gradient of the mean binary cross-entropy with respect to every parameter, a dict
    with the keys and shapes of ``params``. With ``dz2 = (p - y) / N`` (shape ``(N, 1)``)::

        dW2 = H.T @ dz2                 db2 = dz2.sum(axis=0)
        dz1 = (dz2 @ W2.T) * H * (1 - H)                          # sigmoid'(z) = s (1 - s)
        dW1 = X.T @ dz1                 db1 = dz1.sum(axis=0)

    Defined in lesson 01.
    """
    X, y = _check_xy(X, y)
    H, p = two_layer_forward(X, params)
    dz2 = ((p - y) / len(X))[:, None]
    dz1 = (dz2 @ params["W2"].T) * H * (1.0 - H)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": H.T @ dz2, "b2": dz2.sum(axis=0)}


# --- plotting ------------------------------------------------------------------------------------------------

CLASS_COLORS = ("#1f77b4", "#d62728")        # class 0 blue, class 1 red


def plot_decision_boundary(predict: Callable, X, y, ax=None, title: str | None = None,
                           grid_points: int = 200, pad: float = 0.5, legend: bool = True):
    """Shade the plane by ``predict`` and draw the labelled points on top.

    ``predict`` maps float ``(M, 2)`` points to ``(M,)`` labels or probabilities; regions where it is ``>= 0.5``
    are class 1 (light red), the rest class 0 (light blue), and the 0.5 level is drawn as a black line.
    Returns the matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    X, y = _check_xy(X, y)
    if X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary draws 2-D points; X has {X.shape[1]} features")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    (x0_min, x1_min), (x0_max, x1_max) = X.min(axis=0) - pad, X.max(axis=0) + pad
    g0, g1 = np.meshgrid(np.linspace(x0_min, x0_max, grid_points), np.linspace(x1_min, x1_max, grid_points))
    values = np.asarray(predict(np.c_[g0.ravel(), g1.ravel()]), dtype=np.float64).reshape(g0.shape)
    ax.contourf(g0, g1, (values >= 0.5).astype(float), levels=[-0.5, 0.5, 1.5],
                cmap=ListedColormap(["#c6dbef", "#fcbba1"]))
    if values.min() < 0.5 <= values.max():
        ax.contour(g0, g1, values, levels=[0.5], colors="k", linewidths=1.5)
    for label in (0, 1):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=30, c=CLASS_COLORS[label], edgecolors="k", linewidths=0.5,
                   label=f"class {label}")
    ax.set_xlim(x0_min, x0_max)
    ax.set_ylim(x1_min, x1_max)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(loc="upper left", fontsize="small", framealpha=0.9)
    return ax
