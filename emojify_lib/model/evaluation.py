"""Judging a trained model: predictions, confusion matrix, per-class scores, mistakes and where the model looks.

Plain arrays in, plain arrays out. Faces are ``uint8 (N, 48, 48)`` raw pixels (the model scales them itself),
labels are ``int`` class ids ``(N,)`` in the canonical order of :mod:`emojify_lib.core.emotions`, probabilities are
``float32 (N, 7)``.

Typical use (lesson 06)::

    probs = predict_probs(model, x_test)                 # (N, 7)
    y_pred = probs.argmax(axis=1)
    cm = confusion_matrix(y_test, y_pred)                # (7, 7), rows = true class, columns = predicted
    print(format_report(per_class_report(y_test, y_pred)))
    heat = grad_cam(model, x_test[0])                    # (48, 48) in 0..1: where the model looked
"""
from __future__ import annotations

import numpy as np

from ..core.emotions import DISPLAY_NAMES, EMOTIONS, NUM_CLASSES
from ..core.images import SIZE, as_batch, as_faces

__all__ = ["predict_probs", "confusion_matrix", "recall", "precision", "per_class_report", "format_report",
           "plot_confusion_matrix", "most_confident_mistakes", "plot_faces", "saliency_map", "grad_cam",
           "maps_and_gradients", "gradcam_heatmap", "overlay_heatmap"]


# ------------------------------------------------------------------------------------------- predictions
def predict_probs(model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class probabilities of ``model`` for faces ``x`` (``uint8 (N, 48, 48)``): ``float32 (N, 7)``.

    Calls the model directly on batches of ``batch_size`` faces (``training=False``, so dropout is off) instead
    of ``model.predict``, which builds a new input pipeline on every call.
    """
    x = as_faces(x, "predict_probs")
    out = [np.asarray(model(as_batch(x[i:i + batch_size]), training=False), dtype=np.float32)
           for i in range(0, len(x), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, NUM_CLASSES), np.float32)


# ------------------------------------------------------------------------------------------------- scores
def confusion_matrix(y_true, y_pred, n: int = NUM_CLASSES) -> np.ndarray:
    """``int64 (n, n)`` counts: entry ``[i, j]`` is how many faces of true class ``i`` were predicted as ``j``.

    Row sums are the number of faces of each class (the support), the diagonal holds the right answers and the
    whole matrix sums to the number of faces. Defined in lesson 06.
    """
    y_true = np.asarray(y_true, dtype=np.int64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= n):
            raise ValueError(f"{name} holds labels outside 0..{n - 1}: {y.min()}..{y.max()}")
    return np.bincount(y_true * n + y_pred, minlength=n * n).reshape(n, n)


def _safe_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b`` elementwise, 0 where ``b`` is 0 (a class never predicted has precision 0, not NaN)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b != 0)


def recall(cm: np.ndarray) -> np.ndarray:
    """Each class's recall from a confusion matrix (rows = true class): ``C[c, c] / C[c, :].sum()``,
    ``float64 (n,)``, 0 for a class with no faces. Defined in lesson 06."""
    cm = np.asarray(cm)
    return _safe_divide(np.diag(cm), cm.sum(axis=1))


def precision(cm: np.ndarray) -> np.ndarray:
    """Each class's precision from a confusion matrix (columns = predicted class): ``C[c, c] / C[:, c].sum()``,
    ``float64 (n,)``, 0 for a class never predicted. Defined in lesson 06."""
    cm = np.asarray(cm)
    return _safe_divide(np.diag(cm), cm.sum(axis=0))


def per_class_report(y_true, y_pred, n: int = NUM_CLASSES) -> dict:
    """Precision, recall and F1 of every class, from the confusion matrix ``C``.

    Returns a dict of ``float64 (n,)`` arrays ``precision`` (``C[c, c] / C[:, c].sum()``), ``recall``
    (``C[c, c] / C[c, :].sum()``), ``f1`` (their harmonic mean) and ``int64 (n,)`` ``support`` (faces per
    true class), plus the numbers ``accuracy``, ``macro_precision``, ``macro_recall`` and ``macro_f1``
    (unweighted means over classes, so a rare class counts as much as a common one) and the ``confusion``
    matrix itself. Divisions by zero give 0.
    """
    cm = confusion_matrix(y_true, y_pred, n)
    prec, rec = precision(cm), recall(cm)
    f1 = _safe_divide(2 * prec * rec, prec + rec)
    total = cm.sum()
    return {
        "precision": prec, "recall": rec, "f1": f1, "support": cm.sum(axis=1),
        "accuracy": float(np.trace(cm) / total) if total else 0.0,
        "macro_precision": float(prec.mean()), "macro_recall": float(rec.mean()),
        "macro_f1": float(f1.mean()), "confusion": cm,
    }


def format_report(report: dict, names=None) -> str:
    """A per-class table of :func:`per_class_report`'s numbers, one line per class plus accuracy and macro
    averages, for printing."""
    n = len(report["precision"])
    names = list(names) if names is not None else [DISPLAY_NAMES.get(e, e) for e in EMOTIONS][:n]
    width = max(12, max(len(s) for s in names) + 2)
    lines = [f"{'class':<{width}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for i, name in enumerate(names):
        lines.append(f"{name:<{width}}{report['precision'][i]:>10.3f}{report['recall'][i]:>10.3f}"
                     f"{report['f1'][i]:>10.3f}{int(report['support'][i]):>10d}")
    total = int(np.sum(report["support"]))
    lines.append("-" * len(lines[0]))
    lines.append(f"{'macro avg':<{width}}{report['macro_precision']:>10.3f}{report['macro_recall']:>10.3f}"
                 f"{report['macro_f1']:>10.3f}{total:>10d}")
    lines.append(f"{'accuracy':<{width}}{'':>20}{report['accuracy']:>10.3f}{total:>10d}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ plots
def plot_confusion_matrix(cm: np.ndarray, normalize: bool = True, ax=None, names=None, title: str | None = None):
    """Draw a confusion matrix (rows = true class, columns = predicted) with its numbers in the cells.

    ``normalize=True`` colours and labels each row as fractions of that class (so the diagonal is each class's
    recall and rare classes are as readable as common ones); ``False`` shows raw counts. Returns the axes.
    """
    import matplotlib.pyplot as plt

    cm = np.asarray(cm)
    n = cm.shape[0]
    names = list(names) if names is not None else [DISPLAY_NAMES.get(e, e) for e in EMOTIONS][:n]
    shown = _safe_divide(cm, cm.sum(axis=1, keepdims=True)) if normalize else cm
    if ax is None:
        ax = plt.figure(figsize=(6.4, 5.4)).gca()
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else max(1, shown.max()))
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04,
                       label="fraction of the true class" if normalize else "faces")
    threshold = (1 if normalize else max(1, shown.max())) / 2
    for i in range(n):
        for j in range(n):
            text = f"{shown[i, j]:.2f}" if normalize else f"{int(shown[i, j])}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if shown[i, j] > threshold else "black")
    ax.set_xticks(range(n), names, rotation=45, ha="right")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title or ("confusion matrix (each row sums to 1)" if normalize else "confusion matrix (counts)"))
    return ax


def most_confident_mistakes(probs: np.ndarray, y_true, k: int = 8) -> np.ndarray:
    """Indices (``int64``, at most ``k``) of the wrongly classified faces the model was surest of, surest
    first: the faces where the predicted class's probability is highest while the prediction is wrong.
    Often these are mislabelled faces, or faces that show two emotions at once."""
    probs = np.asarray(probs)
    y_true = np.asarray(y_true).ravel()
    if probs.ndim != 2 or len(probs) != len(y_true):
        raise ValueError(f"probs must be (N, classes) with N = len(y_true) = {len(y_true)}; got {probs.shape}")
    pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(pred != y_true)
    confidence = probs[wrong, pred[wrong]]
    order = np.argsort(-confidence, kind="stable")
    return wrong[order][:k].astype(np.int64)


def plot_faces(x: np.ndarray, titles=None, ncols: int = 8, size: float = 1.4, cmap: str | None = "gray"):
    """Show images in a grid, ``ncols`` per row, with an optional title each; returns the figure.

    ``x`` holds gray faces ``(N, 48, 48)`` (shown with ``cmap``, 0-255) or RGB images ``(N, H, W, 3)``.
    """
    import matplotlib.pyplot as plt

    x = np.asarray(x)
    n = len(x)
    ncols = max(1, min(ncols, n))
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + (0.35 if titles else 0)) * nrows),
                             squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= n:
            continue
        if x[i].ndim == 2:
            ax.imshow(x[i], cmap=cmap, vmin=0, vmax=255 if x.dtype == np.uint8 else None)
        else:
            ax.imshow(x[i])
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------- where the model looks
def saliency_map(model, face: np.ndarray, class_index: int | None = None) -> np.ndarray:
    """Vanilla gradient saliency (Simonyan et al., 2014) of one face: ``float32 (48, 48)``, ``>= 0``.

    The absolute gradient of the class's probability (default: the predicted class) with respect to each input
    pixel: how much a tiny change of that pixel would change the score. Bright pixels matter. Defined in lesson 06.
    """
    import tensorflow as tf

    x = tf.constant(as_batch(face)[:1])
    with tf.GradientTape() as tape:
        tape.watch(x)
        probs = model(x, training=False)
        index = int(tf.argmax(probs[0])) if class_index is None else int(class_index)
        score = probs[0, index]
    grad = tape.gradient(score, x)
    return np.abs(grad.numpy()[0, :, :, 0]).astype(np.float32)


def _last_conv_name(model) -> str:
    import keras

    convs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    if not convs:
        raise ValueError(f"model {model.name!r} has no Conv2D layer; pass layer_name= explicitly")
    return convs[-1]


def _conv_and_output(model, x, layer_name: str):
    """Run ``model`` on ``x`` and return (activations of ``layer_name``, model output), both differentiable.
    Defined in lesson 06 (``maps_and_probs``)."""
    import keras

    if isinstance(model, keras.Sequential):
        # Keras 3 Sequential models have no usable symbolic graph to cut at a layer: call layer after layer.
        conv, out = None, x
        for layer in model.layers:
            out = layer(out, training=False)
            if layer.name == layer_name:
                conv = out
        if conv is None:
            raise ValueError(f"model {model.name!r} has no layer named {layer_name!r}")
        return conv, out
    probe = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.outputs[0]])
    conv, out = probe(x, training=False)
    return conv, out


def grad_cam(model, face: np.ndarray, layer_name: str | None = None, class_index: int | None = None) -> np.ndarray:
    """Grad-CAM (Selvaraju et al., 2017) of one face: ``float32 (48, 48)`` in 0..1, 1 where the model looked most.

    Takes the activations ``A_k`` of a convolution layer (default: the last ``Conv2D``) and the class score's
    gradient with respect to them (:func:`maps_and_gradients`; default class: the predicted one), weights each
    channel by its average gradient ``alpha_k``, keeps the positive part of ``sum_k alpha_k A_k``
    (:func:`gradcam_heatmap`), and stretches that coarse map to 48×48 (maximum 1). All zeros if nothing speaks for
    the class. Defined in lesson 06.
    """
    import cv2

    maps, grads = maps_and_gradients(model, face, layer_name, class_index)
    cam = cv2.resize(gradcam_heatmap(maps, grads), (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)
    return _max_one(cam)     # again: the stretched map's peak can fall between pixels


def maps_and_gradients(model, face: np.ndarray, layer_name: str | None = None, class_index: int | None = None):
    """One face's feature maps at ``layer_name`` (default: the last ``Conv2D``) and the gradient of the class's
    probability (default: the predicted class) with respect to them, recorded with ``tf.GradientTape``:
    two ``float32 (h, w, channels)`` arrays. Defined in lesson 06."""
    import tensorflow as tf

    layer_name = layer_name or _last_conv_name(model)
    x = tf.constant(as_batch(face)[:1])
    with tf.GradientTape() as tape:
        maps, probs = _conv_and_output(model, x, layer_name)
        index = int(tf.argmax(probs[0])) if class_index is None else int(class_index)
        score = probs[0, index]
    grads = tape.gradient(score, maps)
    if grads is None:
        raise ValueError(f"the score does not depend on layer {layer_name!r}")
    return maps[0].numpy().astype(np.float32), grads[0].numpy().astype(np.float32)


def gradcam_heatmap(maps: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """Grad-CAM's coarse map from one face's feature maps ``maps`` ``(h, w, k)`` and the class score's gradient
    ``grads`` with respect to them (same shape): ``float32 (h, w)`` in 0..1.

    Each channel's weight ``alpha_k`` is its gradient averaged over the ``h × w`` cells; the map is the positive
    part (ReLU) of ``sum_k alpha_k maps[..., k]``, divided by its maximum (all zeros if that is 0).
    Defined in lesson 06.
    """
    maps = np.asarray(maps, dtype=np.float32)
    grads = np.asarray(grads, dtype=np.float32)
    if maps.ndim != 3 or maps.shape != grads.shape:
        raise ValueError(f"maps and grads must both be (h, w, channels); got {maps.shape} and {grads.shape}")
    weights = grads.mean(axis=(0, 1))                                      # alpha_k, one per channel
    return _max_one(np.maximum(maps @ weights, 0))


def _max_one(cam: np.ndarray) -> np.ndarray:
    """``cam`` divided by its maximum, as float32 (all zeros when the maximum is not positive)."""
    top = float(cam.max())
    return (cam / top if top > 0 else np.zeros_like(cam)).astype(np.float32)


def overlay_heatmap(face: np.ndarray, heat: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """Blend a heat map ``(48, 48)`` (any range; stretched to 0..1) over a gray face ``uint8 (48, 48)`` in the
    "jet" colours (blue = cold, red = hot): returns RGB ``uint8 (48, 48, 3)``."""
    import cv2

    face = np.asarray(face, dtype=np.uint8)
    heat = np.asarray(heat, dtype=np.float32)
    if face.shape != heat.shape:
        raise ValueError(f"face {face.shape} and heat map {heat.shape} must have the same shape")
    span = float(heat.max() - heat.min())
    heat = (heat - heat.min()) / span if span > 0 else np.zeros_like(heat)
    coloured = cv2.cvtColor(cv2.applyColorMap(np.uint8(255 * heat), cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    gray = np.repeat(face[..., None], 3, axis=2)
    return np.clip((1 - alpha) * gray + alpha * coloured, 0, 255).astype(np.uint8)
