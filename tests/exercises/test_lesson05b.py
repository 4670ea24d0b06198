"""Lesson 05b: the graders accept right answers, name each typical mistake, treat the stub as open, and fall back
to a reference so that the lesson goes on."""
import numpy as np
import pytest
import tensorflow as tf

from emojify_lib.exercises import ExerciseOpen
from emojify_lib.exercises import lesson05b as ex
from conftest import fails


def stub(*args):
    # YOUR CODE HERE
    raise NotImplementedError()


def test_stubs_are_open_and_the_fallbacks_compute_the_right_thing(capsys, monkeypatch):
    monkeypatch.delenv("EMOJIFY_STRICT_EXERCISES", raising=False)   # lenient, as in a learner's notebook
    for check in (ex.check_average_loss, ex.check_all_reduce_sum):
        with pytest.raises(ExerciseOpen):
            check.check(stub)
    average_loss, all_reduce_sum = ex.check_average_loss(stub), ex.check_all_reduce_sum(stub)
    assert capsys.readouterr().out.count("⬜ Not answered yet") == 2
    assert float(average_loss(tf.constant([1.0, 3.0]), 8)) == pytest.approx(0.5)
    summed = all_reduce_sum([[np.ones(2), np.full((2, 2), 2.0)], [np.ones(2), np.full((2, 2), 3.0)]])
    assert np.array_equal(summed[0], [2.0, 2.0]) and np.array_equal(summed[1], np.full((2, 2), 5.0))


# --- exercise 1: average_loss ----------------------------------------------------------------------------------
def test_average_loss_right_answers_pass(capsys):
    ex.check_average_loss.check(lambda losses, n: tf.reduce_sum(losses) / n)
    ex.check_average_loss.check(lambda losses, n: tf.nn.compute_average_loss(losses, global_batch_size=n))
    assert capsys.readouterr().out.count("✅") == 2


@pytest.mark.parametrize("wrong, match", [
    (lambda losses, n: tf.reduce_mean(losses), "own batch"),
    (lambda losses, n: tf.reduce_sum(losses), "returned the sum"),
    (lambda losses, n: losses / n, "shape"),
    (lambda losses, n: tf.reduce_sum(losses) / (2 * n), "sum this worker's losses"),
    (lambda losses, n: tf.constant(float(np.sum(losses.numpy())) / n), "no gradient"),
])
def test_average_loss_mistakes_are_named(wrong, match):
    fails(ex.check_average_loss, wrong, match=match)


# --- exercise 2: all_reduce_sum --------------------------------------------------------------------------------
def test_all_reduce_sum_right_answers_pass(capsys):
    ex.check_all_reduce_sum.check(lambda grads: [sum(g) for g in zip(*grads)])
    ex.check_all_reduce_sum.check(lambda grads: [np.add.reduce(np.stack(g)) for g in zip(*grads)])
    assert capsys.readouterr().out.count("✅") == 2


@pytest.mark.parametrize("wrong, match", [
    (lambda grads: [np.mean(np.stack(g), axis=0) for g in zip(*grads)], "averaged"),
    (lambda grads: list(grads[0]), "worker 0's gradient only"),
    (lambda grads: [np.sum(np.stack(g)) for g in zip(*grads)], "shape"),
    (lambda grads: np.sum([np.sum(g) for g in grads[0]]), "one per variable"),
    (lambda grads: [sum(g) * 1.5 for g in zip(*grads)], "add up the arrays"),
])
def test_all_reduce_sum_mistakes_are_named(wrong, match):
    fails(ex.check_all_reduce_sum, wrong, match=match)


def test_lenient_mode_prints_the_diagnosis_and_falls_back(capsys, monkeypatch):
    monkeypatch.delenv("EMOJIFY_STRICT_EXERCISES", raising=False)
    got = ex.check_all_reduce_sum(lambda grads: list(grads[0]))
    out = capsys.readouterr().out
    assert "❌" in out and "worker 0" in out
    assert got([[np.ones(1)], [np.ones(1)]])[0][0] == 2.0
