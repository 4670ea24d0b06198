"""Graders for lesson 06's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import numpy as np

from ..model import evaluation
from . import _grading
from ._grading import ExerciseFailed, _short, call, expect_close, fail, grader, passed

__all__ = ["score", "check_confusion_matrix", "check_recall", "check_precision", "check_gradcam_heatmap",
           "check_maps_and_gradients"]

LESSON = "06"


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


# ------------------------------------------------------------------------------------------ confusion matrix
_LABEL_CASES = (
    (np.array([0, 0, 1, 1, 1, 2]), np.array([0, 1, 1, 1, 2, 2]), 3),
    (np.array([2, 0, 1, 2]), np.array([0, 0, 2, 2]), 3),
    (np.array([0, 0, 0, 3, 3, 1]), np.array([0, 0, 3, 3, 1, 1]), 5),     # class 2 and 4 never occur
    (np.array([6, 6, 5, 0, 6]), np.array([6, 6, 6, 0, 5]), 7),           # repeated (true, predicted) pairs
)


def _diagnose_confusion(got, y_true, y_pred, n) -> str:
    hint = ("entry [i, j] counts the faces whose TRUE class is i and whose PREDICTED class is j; the matrix is "
            "n × n even when some class never occurs.")
    want = evaluation.confusion_matrix(y_true, y_pred, n)
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return hint
    if arr.ndim == 2 and arr.shape[0] == arr.shape[1] and arr.shape != want.shape:
        return (f"the matrix must be n × n = {n} × {n} (the n argument), not sized by the largest label seen: a "
                "small test set can miss a class.")
    if arr.shape != want.shape:
        return hint
    if np.array_equal(arr, want.T):
        return "rows and columns are swapped: rows are the TRUE class (y_true), columns the PREDICTED class."
    if np.allclose(arr, np.minimum(want, 1)):
        return ("each pair was counted at most once: with NumPy's fancy indexing `cm[y_true, y_pred] += 1` a "
                "repeated (true, predicted) pair adds only 1. Loop over the pairs, or use np.add.at.")
    rows = want.sum(axis=1, keepdims=True)
    if np.allclose(arr, np.divide(want, rows, out=np.zeros(want.shape), where=rows != 0)):
        return "return counts, not fractions of each row: the lesson normalises the rows later, for the plot."
    if np.allclose(arr, np.diag(np.diag(want))):
        return "the mistakes are missing: every face adds 1 at [true, predicted], also when the two differ."
    return hint


@grader(LESSON, "confusion_matrix", reference=evaluation.confusion_matrix)
def check_confusion_matrix(fn) -> None:
    """Lesson 06, exercise 1: ``fn(y_true, y_pred, n)`` returns the ``(n, n)`` counts, ``[i, j]`` = faces of true
    class ``i`` predicted as ``j``."""
    for y_true, y_pred, n in _LABEL_CASES:
        got = call(fn, y_true.copy(), y_pred.copy(), n, name="confusion_matrix")
        want = evaluation.confusion_matrix(y_true, y_pred, n)
        expect_close(got, want, f"confusion_matrix(y_true={_short(y_true)}, y_pred={_short(y_pred)}, n={n})",
                     _diagnose_confusion(got, y_true, y_pred, n))
    passed("rows = true class, columns = predicted class; the diagonal holds the right answers.")


# --------------------------------------------------------------------------------------- recall and precision
_CM_CASES = (
    np.array([[5, 1], [2, 2]]),
    np.array([[1, 1, 0], [0, 2, 1], [0, 0, 1]]),
    np.array([[4, 0, 1], [0, 0, 0], [2, 3, 5]]),     # no face of class 1 (empty row)
    np.array([[3, 0, 1], [2, 0, 2], [0, 0, 4]]),     # class 1 never predicted (empty column)
)


def _check_cm_metric(fn, name: str, axis: int, right: str, wrong_axis_hint: str) -> None:
    for cm in _CM_CASES:
        got = call(fn, cm.copy(), name=name)
        sums = cm.sum(axis=axis)
        want = np.divide(np.diag(cm), sums, out=np.zeros(len(cm)), where=sums != 0)
        what = f"{name}({_short(cm)})"
        hint = f"{name} of class c = C[c, c] / {right}; give 0 where that sum is 0."
        arr = np.asarray(got, dtype=np.float64) if np.shape(got) == (len(cm),) else None
        if arr is not None:
            other = cm.sum(axis=1 - axis)
            if np.allclose(arr, np.divide(np.diag(cm), other, out=np.zeros(len(cm)), where=other != 0)):
                hint = wrong_axis_hint
            elif not np.isfinite(arr).all():
                hint = ("a class with an empty row or column divides by zero: return 0 there "
                        "(np.divide(..., where=...)).")
            elif np.allclose(arr, np.diag(cm) / cm.sum()):
                hint = f"you divided by the total; divide by {right} instead."
        expect_close(got, want, what, hint)


@grader(LESSON, "recall", reference=evaluation.recall)
def check_recall(fn) -> None:
    """Lesson 06, exercise 2: ``fn(cm)`` returns each class's recall ``C[c, c] / C[c, :].sum()`` from a
    confusion matrix ``cm`` (rows = true class), ``(k,)`` floats, 0 for a class with no faces."""
    _check_cm_metric(fn, "recall", axis=1, right="the sum of row c (all faces whose TRUE class is c)",
                     wrong_axis_hint="that is precision: you divided by column sums. Recall asks 'of the faces "
                                     "that ARE class c, how many did we find?', so divide by row sums (axis=1).")
    passed("recall = diagonal / row sums: the share of each class's faces the model found.")


@grader(LESSON, "precision", reference=evaluation.precision)
def check_precision(fn) -> None:
    """Lesson 06, exercise 3: ``fn(cm)`` returns each class's precision ``C[c, c] / C[:, c].sum()`` from a
    confusion matrix ``cm`` (columns = predicted class), ``(k,)`` floats, 0 for a class never predicted."""
    _check_cm_metric(fn, "precision", axis=0, right="the sum of column c (all faces PREDICTED as c)",
                     wrong_axis_hint="that is recall: you divided by row sums. Precision asks 'of the faces we "
                                     "CALLED class c, how many are?', so divide by column sums (axis=0).")
    passed("precision = diagonal / column sums: how often the model is right when it names a class.")


# ---------------------------------------------------------------------------------------------------- Grad-CAM
def _heatmap_cases():
    rng = np.random.default_rng(6)
    maps = np.maximum(rng.normal(size=(6, 5, 4)), 0).astype(np.float32)      # ReLU outputs, like a conv layer's
    grads = rng.normal(size=(6, 5, 4)).astype(np.float32)
    offset = maps + 1.0                                                        # a map whose minimum is above 0
    up = np.abs(grads) + 0.1                                                   # every channel speaks for the class
    yield maps, grads
    yield offset, up
    yield maps, -up                                                            # nothing speaks for it: all zeros
    yield np.maximum(rng.normal(size=(8, 8, 16)), 0).astype(np.float32), rng.normal(size=(8, 8, 16)).astype(np.float32)


def _diagnose_heatmap(got, maps, grads) -> str:
    hint = ("pool each channel's gradients over the h × w cells (mean over axes 0 and 1: one weight per channel), "
            "sum the maps weighted by those, keep the positive part (ReLU) and divide by the maximum.")
    h, w, _ = maps.shape
    if np.shape(got) != (h, w):
        return (f"the map keeps the layer's grid, (h, w) = ({h}, {w}): average the gradients over axes (0, 1) to get "
                "one weight per channel, then sum maps × weights over the channel axis (-1).")
    arr = np.asarray(got, dtype=np.float64)
    if not np.isfinite(arr).all():
        return "when the map is 0 everywhere after the ReLU its maximum is 0: return zeros instead of dividing by it."
    raw = maps @ grads.mean(axis=(0, 1))
    relu = np.maximum(raw, 0)

    def unit(a):
        top = a.max()
        return a / top if top > 0 else np.zeros_like(a)
    if (arr < -1e-6).any():
        return "the map has negative values: apply the ReLU (np.maximum(cam, 0)) before normalising."
    if np.allclose(arr, unit(np.abs(raw)), atol=1e-5):
        return "use the ReLU, not the absolute value: cells that speak AGAINST the class must become 0."
    if np.allclose(arr, relu, atol=1e-5):
        return "normalise: divide the map by its maximum so that it runs from 0 to 1."
    span = relu.max() - relu.min()
    if span > 0 and np.allclose(arr, (relu - relu.min()) / span, atol=1e-5):
        return "divide by the maximum only: subtracting the minimum moves where 'no evidence' (0) is."
    if np.allclose(arr, unit(np.maximum((maps * grads).sum(axis=-1), 0)), atol=1e-5):
        return ("you multiplied every cell by its own gradient: average the gradients over the cells FIRST "
                "(one weight per channel, grads.mean(axis=(0, 1))), then weight the maps.")
    return hint


@grader(LESSON, "gradcam_heatmap", reference=evaluation.gradcam_heatmap)
def check_gradcam_heatmap(fn) -> None:
    """Lesson 06, exercise 4: ``fn(maps, grads)`` turns one face's feature maps ``(h, w, k)`` and the class score's
    gradient with respect to them into Grad-CAM's coarse map ``(h, w)`` in 0..1."""
    for maps, grads in _heatmap_cases():
        got = call(fn, maps.copy(), grads.copy(), name="gradcam_heatmap")
        want = evaluation.gradcam_heatmap(maps, grads)
        expect_close(got, want, f"gradcam_heatmap(maps {maps.shape}, grads {grads.shape})",
                     _diagnose_heatmap(got, maps, grads), atol=1e-5)
    passed("one weight per channel (the mean gradient), a weighted sum of the maps, ReLU, divided by the maximum.")


def _as_array(value, what: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"{what} is {_short(value)} ({type(value).__name__}), not an array",
             "return NumPy arrays: maps[0].numpy(), grads[0].numpy().")


@grader(LESSON, "maps_and_gradients", reference=evaluation.maps_and_gradients)
def check_maps_and_gradients(fn, model, faces, layer_name: str | None = None) -> None:
    """Lesson 06, exercise 5: ``fn(model, face, layer_name, class_index=None)`` returns the feature maps at
    ``layer_name`` and the gradient of the class's probability with respect to them, both ``(h, w, k)``; graded
    on ``model`` and ``faces`` against :func:`emojify_lib.model.evaluation.grad_cam`."""
    import cv2

    layer_name = layer_name or evaluation._last_conv_name(model)
    faces = np.asarray(faces)
    for i, face in enumerate(faces[:3]):
        predicted = int(np.argmax(evaluation.predict_probs(model, face[None])[0]))
        for class_index in (None, (predicted + 3) % 7):
            what = f"maps_and_gradients(model, faces[{i}], {layer_name!r}, class_index={class_index})"
            try:
                got = call(fn, model, face, layer_name, class_index, name="maps_and_gradients")
            except ExerciseFailed as exc:
                if "NoneType" in str(exc):
                    fail(str(exc)[2:].split("\n")[0],
                         "tape.gradient returned None: compute the maps AND the score inside the "
                         "`with tf.GradientTape() as tape:` block, then call tape.gradient(score, maps) after it.")
                raise
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                fail(f"{what} returned {_short(got)}; expected a pair (maps, grads)", "return maps, grads")
            maps, grads = (_as_array(a, f"{what}[{k}]") for k, a in enumerate(got))
            want_maps, want_grads = evaluation.maps_and_gradients(model, face, layer_name, class_index)
            if maps.shape == (1, *want_maps.shape) or grads.shape == (1, *want_grads.shape):
                fail(f"{what} returned shapes {maps.shape} and {grads.shape}; expected {want_maps.shape} twice",
                     "drop the batch axis: return maps[0] and grads[0] (one face).")
            expect_close(maps, want_maps, f"{what}: the maps",
                         f"run the model up to layer {layer_name!r} with maps_and_probs(model, x, layer_name).",
                         atol=1e-4 * max(1.0, float(np.abs(want_maps).max())))
            scale = float(np.abs(want_grads).max()) or 1.0
            hint = "take the gradient of ONE class's probability, probs[0, class_index], with respect to the maps."
            if grads.size and np.abs(grads).max() < 1e-3 * scale:
                hint = ("your gradient is (almost) all zeros: the 7 probabilities always sum to 1, so the gradient of their "
                        "sum is 0. Take one class's probability, probs[0, class_index].")
            elif class_index is not None and not (grads.shape == want_grads.shape and
                                                  np.allclose(grads / scale, want_grads / scale, atol=1e-3)):
                other, other_grads = evaluation.maps_and_gradients(model, face, layer_name, None)
                if grads.shape == other_grads.shape and np.allclose(grads / scale, other_grads / scale, atol=1e-3):
                    hint = ("these are the gradients for the PREDICTED class: use class_index when it is given "
                            "(argmax only when it is None).")
            expect_close(grads / scale, want_grads / scale, f"{what}: the gradients (divided by their largest size)",
                         hint, atol=1e-3)
        cam = cv2.resize(evaluation.gradcam_heatmap(maps, grads), face.shape[::-1], interpolation=cv2.INTER_LINEAR)
        cam = cam / cam.max() if cam.max() > 0 else cam
        expect_close(cam, evaluation.grad_cam(model, face, layer_name, class_index), f"Grad-CAM of faces[{i}]",
                     atol=1e-3)
    passed("the tape recorded the forward pass, so tape.gradient(score, maps) gives ∂score/∂maps; "
           "your Grad-CAM matches the library's.")
