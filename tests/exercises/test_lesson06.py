"""Lesson 06: the exercise graders accept right answers and catch typical wrong ones with a useful hint."""
import numpy as np
import pytest
import tensorflow as tf

from conftest import fails
from emojify_lib.exercises import ExerciseOpen, _grading
from emojify_lib.exercises import lesson06 as ex
from emojify_lib.model import evaluation


def test_exported():
    assert _grading.EXERCISES["06"] == ["confusion_matrix", "recall", "precision", "gradcam_heatmap",
                                        "maps_and_gradients"]
    for name in ("check_confusion_matrix", "check_recall", "check_precision", "check_gradcam_heatmap",
                 "check_maps_and_gradients"):
        assert name in ex.__all__


def stub(*args):
    raise NotImplementedError()


def is_open(check, *args):
    """The student edition's stub counts as open (⬜), not as wrong."""
    with pytest.raises(ExerciseOpen, match="NotImplementedError"):
        check.check(stub, *args)


# --- the confusion matrix ----------------------------------------------------------------------------------

def loop_cm(y_true, y_pred, n):
    cm = np.zeros((n, n), dtype=int)
    for t, p in zip(y_true, y_pred):
        cm[t, p] += 1
    return cm


def test_confusion_matrix(capsys):
    assert ex.check_confusion_matrix(loop_cm) is loop_cm
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_confusion_matrix, lambda t, p, n: loop_cm(p, t, n), match="swapped")

    def fancy(t, p, n):
        cm = np.zeros((n, n), dtype=int)
        cm[t, p] += 1
        return cm
    fails(ex.check_confusion_matrix, fancy, match="np.add.at")
    fails(ex.check_confusion_matrix, lambda t, p, n: loop_cm(t, p, max(t.max(), p.max()) + 1), match="n × n")
    fails(ex.check_confusion_matrix, lambda t, p, n: loop_cm(t, p, n) / np.maximum(loop_cm(t, p, n).sum(1, keepdims=True), 1),
          match="counts, not fractions")
    fails(ex.check_confusion_matrix, lambda t, p, n: np.diag(np.diag(loop_cm(t, p, n))), match="mistakes are missing")
    fails(ex.check_confusion_matrix, lambda t, p, n: np.ones((n, n)), match="TRUE class is i")
    is_open(ex.check_confusion_matrix)


def test_a_wrong_confusion_matrix_hands_back_the_reference(capsys, monkeypatch):
    monkeypatch.delenv("EMOJIFY_STRICT_EXERCISES", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert ex.check_confusion_matrix(lambda t, p, n: loop_cm(p, t, n)) is evaluation.confusion_matrix
    assert ex.check_confusion_matrix(stub) is evaluation.confusion_matrix
    assert "⬜ Not answered yet" in capsys.readouterr().out


# --- recall and precision ----------------------------------------------------------------------------------

def _diag_over(axis):
    def metric(cm):
        s = cm.sum(axis=axis)
        return np.divide(np.diag(cm), s, out=np.zeros(len(cm)), where=s != 0)
    return metric


def test_recall(capsys):
    ex.check_recall(_diag_over(1))
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_recall, _diag_over(0), match="that is precision")
    with np.errstate(divide="ignore", invalid="ignore"):
        fails(ex.check_recall, lambda cm: np.diag(cm) / cm.sum(axis=1), match="divides by zero")
    fails(ex.check_recall, lambda cm: np.diag(cm) / cm.sum(), match="divided by the total")
    fails(ex.check_recall, lambda cm: float(np.trace(cm) / cm.sum()), match="shape")


def test_precision(capsys):
    ex.check_precision(_diag_over(0))
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_precision, _diag_over(1), match="that is recall")
    with np.errstate(divide="ignore", invalid="ignore"):
        fails(ex.check_precision, lambda cm: np.diag(cm) / cm.sum(axis=0), match="divides by zero")
    fails(ex.check_precision, lambda cm: np.diag(cm), match="expected")


def test_references_agree_with_the_report():
    y_true = np.array([0, 0, 1, 1, 1, 2, 6, 6])
    y_pred = np.array([0, 1, 1, 1, 2, 2, 6, 0])
    rep = evaluation.per_class_report(y_true, y_pred)
    for check, metric in ((ex.check_recall, "recall"), (ex.check_precision, "precision")):
        reference = getattr(evaluation, metric)
        check.check(reference)
        np.testing.assert_allclose(reference(rep["confusion"]), rep[metric])
    ex.check_confusion_matrix.check(evaluation.confusion_matrix)


# --- Grad-CAM: the heat map from maps and gradients --------------------------------------------------------

def heatmap(maps, grads):
    cam = np.maximum((maps * grads.mean(axis=(0, 1))).sum(axis=-1), 0)
    return cam / cam.max() if cam.max() > 0 else np.zeros_like(cam)


def test_gradcam_heatmap(capsys):
    ex.check_gradcam_heatmap(heatmap)
    assert "✅ Correct" in capsys.readouterr().out
    ex.check_gradcam_heatmap(lambda m, g: heatmap(m, g.sum(axis=(0, 1), keepdims=True)))  # sum = mean × h·w: same map
    fails(ex.check_gradcam_heatmap, lambda m, g: heatmap(m, g.mean(axis=-1, keepdims=True)), match="axes 0 and 1")
    fails(ex.check_gradcam_heatmap, lambda m, g: (m * g.mean(axis=(0, 1))).sum(axis=-1) /
          np.abs((m * g.mean(axis=(0, 1))).sum(axis=-1)).max(), match="ReLU")

    def no_norm(m, g):
        return np.maximum((m * g.mean(axis=(0, 1))).sum(axis=-1), 0)
    fails(ex.check_gradcam_heatmap, no_norm, match="normalise")

    def abs_map(m, g):
        cam = np.abs((m * g.mean(axis=(0, 1))).sum(axis=-1))
        return cam / cam.max()
    fails(ex.check_gradcam_heatmap, abs_map, match="absolute value")

    def min_max(m, g):
        cam = no_norm(m, g)
        return (cam - cam.min()) / (cam.max() - cam.min())
    with np.errstate(divide="ignore", invalid="ignore"):
        fails(ex.check_gradcam_heatmap, min_max, match="maximum only|returns? zeros|return zeros")

    def unpooled(m, g):
        cam = np.maximum((m * g).sum(axis=-1), 0)
        return cam / cam.max()
    fails(ex.check_gradcam_heatmap, unpooled, match="its own gradient")

    def divide_by_zero(m, g):
        cam = no_norm(m, g)
        return cam / cam.max()
    with np.errstate(divide="ignore", invalid="ignore"):
        fails(ex.check_gradcam_heatmap, divide_by_zero, match="return zeros")
    fails(ex.check_gradcam_heatmap, lambda m, g: g.mean(axis=(0, 1)), match="one weight per channel")
    is_open(ex.check_gradcam_heatmap)


# --- Grad-CAM: the tape step, on a real (untrained) CNN ----------------------------------------------------

@pytest.fixture(scope="module")
def faces():
    from emojify_lib.data.sample import make_sample
    x, _ = make_sample(n_per_class=1, seed=3)
    return x[:3]


def tape_step(model, face, layer_name, class_index=None, *, batch=False, ignore_class=False, total=False,
              outside=False):
    x = tf.constant(face[None, :, :, None], tf.float32)
    with tf.GradientTape() as tape:
        maps, probs = evaluation._conv_and_output(model, x, layer_name)
        if class_index is None or ignore_class:
            class_index = int(tf.argmax(probs[0]))
        score = tf.reduce_sum(probs[0]) if total else probs[0, class_index]
    if outside:
        score = probs[0, class_index] * 1.0
    grads = tape.gradient(score, maps)
    if batch:
        return maps.numpy(), grads.numpy()
    return maps[0].numpy(), grads[0].numpy()


def test_maps_and_gradients(classic_model, faces, capsys):
    ex.check_maps_and_gradients(tape_step, classic_model, faces)
    assert "✅ Correct" in capsys.readouterr().out
    ex.check_maps_and_gradients(tape_step, classic_model, faces, "conv3")
    m = classic_model
    fails(ex.check_maps_and_gradients, lambda *a: tape_step(*a, total=True), m, faces, match="all zeros")
    fails(ex.check_maps_and_gradients, lambda *a: tape_step(*a, ignore_class=True), m, faces,
          match="PREDICTED class")
    fails(ex.check_maps_and_gradients, lambda *a: tape_step(*a, batch=True), m, faces, match="batch axis")
    fails(ex.check_maps_and_gradients, lambda *a: tape_step(*a, outside=True), m, faces, match="inside the")
    fails(ex.check_maps_and_gradients, lambda mo, f, layer, c=None: tape_step(mo, f, "conv3", c), m, faces,
          match="up to layer 'conv4'")
    fails(ex.check_maps_and_gradients, lambda *a: tape_step(*a)[0], m, faces, match="a pair")
    is_open(ex.check_maps_and_gradients, m, faces)
