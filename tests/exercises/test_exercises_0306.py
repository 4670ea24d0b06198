"""Lesson 06: the exercise graders accept right answers and catch typical wrong ones with a useful hint."""
import numpy as np
import pytest

from emojify_lib import exercises as ex
from conftest import fails


def test_exported():
    for name in ("check_recall", "check_precision"):
        assert name in ex.__all__


# --- Lesson 06 ---------------------------------------------------------------------------------------------

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


def test_graders_agree_with_evaluation_module():
    from emojify_lib.model import evaluation
    y_true = np.array([0, 0, 1, 1, 1, 2, 6, 6])
    y_pred = np.array([0, 1, 1, 1, 2, 2, 6, 0])
    rep = evaluation.per_class_report(y_true, y_pred)
    ex.check_recall(lambda cm: evaluation.per_class_report(*_labels_of(cm))["recall"][: len(cm)])
    np.testing.assert_allclose(rep["recall"], _diag_over(1)(rep["confusion"]))
    np.testing.assert_allclose(rep["precision"], _diag_over(0)(rep["confusion"]))


def _labels_of(cm):
    """Labels (y_true, y_pred) that produce the confusion matrix ``cm``."""
    n = len(cm)
    pairs = [(i, j) for i in range(n) for j in range(n) for _ in range(int(cm[i, j]))]
    y_true, y_pred = map(np.array, zip(*pairs))
    return y_true, y_pred, n
