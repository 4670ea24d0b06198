"""Lesson 01: the perceptron and a two-layer network, from scratch in NumPy.

Everything here works on small 2-D point clouds so that every weight can be drawn:

* ``step`` and ``sigmoid``: the two activation functions of the lesson.
* ``make_separable_blobs`` and ``xor_data``: a data set a straight line can split, and one it cannot.
* ``perceptron_train`` / ``perceptron_predict``: Rosenblatt's learning rule, keeping the weights of every epoch.
* ``TwoLayerNet``: one hidden layer of sigmoid units trained by backpropagation; it solves XOR.
* ``plot_decision_boundary``: shade the plane by what a classifier predicts.

Arrays in, arrays out: ``X`` is ``float (N, 2)``, labels ``y`` are ``int (N,)`` with values 0 or 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = [
    "step", "sigmoid", "make_separable_blobs", "xor_data", "EpochRecord", "perceptron_train",
    "perceptron_predict", "accuracy", "TwoLayerNet", "plot_decision_boundary",
]


# --- activations ---------------------------------------------------------------------------------------------

def step(z):
    """Heaviside step: 1 where ``z >= 0``, else 0. Same shape as ``z``; returns ``int64`` (a Python int for a scalar)."""
    out = (np.asarray(z) >= 0).astype(np.int64)
    return out.item() if out.ndim == 0 else out


def sigmoid(z):
    """Logistic function ``1 / (1 + exp(-z))``, computed without overflow for large ``|z|``. Float, same shape."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])                   # z < 0 here, so exp(z) cannot overflow
    out[~pos] = ez / (1.0 + ez)
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


def accuracy(y_true, y_pred) -> float:
    """Fraction of labels predicted right, a float in [0, 1]."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must have the same shape")
    return float(np.mean(y_true == y_pred))


# --- the perceptron ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EpochRecord:
    """The perceptron after one epoch: its weights ``w`` (copy), bias ``b``, how many ``updates`` the epoch made
    (0 for the record of the starting weights, epoch 0), and its ``accuracy`` on the whole training set."""
    epoch: int
    w: np.ndarray
    b: float
    updates: int
    accuracy: float


def perceptron_predict(X, w, b):
    """Perceptron output ``step(X @ w + b)``: int64 ``(N,)`` of 0/1."""
    X = np.asarray(X, dtype=np.float64)
    return step(X @ np.asarray(w, dtype=np.float64) + b)


def perceptron_train(X, y, lr: float = 0.1, epochs: int = 10, seed: int = 0, init_scale: float = 0.5):
    """Train a perceptron with Rosenblatt's rule and keep its weights after every epoch.

    For each example ``(x, y)``, in a new random order each epoch::

        y_hat = step(w . x + b)
        w <- w + lr * (y - y_hat) * x
        b <- b + lr * (y - y_hat)

    Nothing changes on a correct prediction; a mistake tilts the line towards the misclassified point.
    The weights start small and random (``normal(0, init_scale)``) so the first boundary is visible.

    Returns ``(w, b, history)``: the final weights float64 ``(features,)``, the bias (float), and a list of
    ``epochs + 1`` :class:`EpochRecord` (record 0 holds the starting weights).
    """
    X, y = _check_xy(X, y)
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    if lr <= 0:
        raise ValueError(f"the learning rate lr must be positive, got {lr}")
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, init_scale, size=X.shape[1])
    b = 0.0

    def record(epoch, updates):
        return EpochRecord(epoch, w.copy(), float(b), updates, accuracy(y, perceptron_predict(X, w, b)))

    history = [record(0, 0)]
    for epoch in range(1, epochs + 1):
        updates = 0
        for i in rng.permutation(len(X)):
            error = y[i] - step(X[i] @ w + b)          # -1, 0 or +1
            if error != 0:
                w = w + lr * error * X[i]
                b = b + lr * error
                updates += 1
        history.append(record(epoch, updates))
    return w, float(b), history


# --- a two-layer network -------------------------------------------------------------------------------------

class TwoLayerNet:
    """A tiny multilayer perceptron: ``inputs -> n_hidden sigmoid units -> 1 sigmoid output``.

    Forward pass, for ``X`` of shape ``(N, n_inputs)``::

        H = sigmoid(X @ W1 + b1)          # (N, n_hidden)
        p = sigmoid(H @ W2 + b2)          # (N, 1): the probability of class 1

    It is trained by full-batch gradient descent on the binary cross-entropy loss, with gradients from
    backpropagation (see :meth:`gradients`). Weights start ``normal(0, 1)`` from ``seed``.
    """

    def __init__(self, n_inputs: int = 2, n_hidden: int = 4, seed: int = 0):
        if n_inputs < 1 or n_hidden < 1:
            raise ValueError(f"n_inputs and n_hidden must be >= 1, got {n_inputs} and {n_hidden}")
        rng = np.random.default_rng(seed)
        self.W1 = rng.normal(0.0, 1.0, size=(n_inputs, n_hidden))
        self.b1 = np.zeros(n_hidden)
        self.W2 = rng.normal(0.0, 1.0, size=(n_hidden, 1))
        self.b2 = np.zeros(1)

    def forward(self, X):
        """Return ``(H, p)``: hidden activations ``(N, n_hidden)`` and output probabilities ``(N,)``."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.W1.shape[0]:
            raise ValueError(f"X must have shape (N, {self.W1.shape[0]}); got {X.shape}")
        H = sigmoid(X @ self.W1 + self.b1)
        p = sigmoid(H @ self.W2 + self.b2)[:, 0]
        return H, p

    def predict_proba(self, X):
        """Probability of class 1 for each row of ``X``: float64 ``(N,)``."""
        return self.forward(X)[1]

    def predict(self, X):
        """Class 0/1 for each row of ``X`` (probability >= 0.5 means 1): int64 ``(N,)``."""
        return (self.predict_proba(X) >= 0.5).astype(np.int64)

    def loss(self, X, y) -> float:
        """Mean binary cross-entropy ``-mean(y log p + (1 - y) log(1 - p))``."""
        X, y = _check_xy(X, y)
        p = np.clip(self.predict_proba(X), 1e-12, 1 - 1e-12)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    def gradients(self, X, y):
        """Backpropagation: the gradient of :meth:`loss` with respect to every parameter, as a dict.

        With ``z2 = H @ W2 + b2`` and ``p = sigmoid(z2)``, the cross-entropy's gradient is simply
        ``dL/dz2 = (p - y) / N``. The chain rule carries it back one layer at a time::

            dW2 = H.T @ dz2                 db2 = sum(dz2)
            dH  = dz2 @ W2.T                dz1 = dH * H * (1 - H)      # sigmoid'(z) = s (1 - s)
            dW1 = X.T @ dz1                 db1 = sum(dz1)
        """
        X, y = _check_xy(X, y)
        H, p = self.forward(X)
        dz2 = ((p - y) / len(X))[:, None]                  # (N, 1)
        dz1 = (dz2 @ self.W2.T) * H * (1.0 - H)            # (N, n_hidden)
        return {"W2": H.T @ dz2, "b2": dz2.sum(axis=0), "W1": X.T @ dz1, "b1": dz1.sum(axis=0)}

    def train_step(self, X, y, lr: float = 1.0) -> float:
        """One gradient-descent step on all of ``X``; returns the loss before the step."""
        loss = self.loss(X, y)
        for name, grad in self.gradients(X, y).items():
            setattr(self, name, getattr(self, name) - lr * grad)
        return loss

    def fit(self, X, y, lr: float = 1.0, epochs: int = 3000):
        """Run ``epochs`` full-batch steps; returns the list of losses (one per step, before it)."""
        if lr <= 0:
            raise ValueError(f"the learning rate lr must be positive, got {lr}")
        return [self.train_step(X, y, lr) for _ in range(epochs)]


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
