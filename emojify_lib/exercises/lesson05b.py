"""Graders for lesson 05b's exercises (see :mod:`emojify_lib.exercises` for how grading works): the two pieces of
arithmetic that make data-parallel training equal to training on one big batch."""
from __future__ import annotations

import numpy as np

from . import _grading
from ._grading import _short, call, fail, grader, passed

__all__ = ["score", "check_average_loss", "check_all_reduce_sum"]

LESSON = "05b"


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


def _average_loss(per_example_loss, global_batch_size):
    """The lesson's reference: this worker's per-example losses summed, divided by the global batch."""
    import tensorflow as tf

    return tf.reduce_sum(per_example_loss) / global_batch_size


def _all_reduce_sum(worker_gradients):
    """The lesson's reference: for every variable, the sum of the workers' gradients."""
    return [np.sum(np.stack([np.asarray(g) for g in grads]), axis=0) for grads in zip(*worker_gradients)]


@grader(LESSON, "average_loss", reference=_average_loss)
def check_average_loss(fn) -> None:
    """Lesson 05b, exercise 1: ``fn(per_example_loss, global_batch_size)`` returns this worker's share of the loss,
    the sum of its per-example losses (a float tensor ``(B,)``) divided by the *global* batch size, written with
    TensorFlow ops so that a ``GradientTape`` can differentiate it."""
    import tensorflow as tf

    cases = [([0.5, 1.5, 2.0, 4.0], 8), ([1.0, 2.0, 3.0], 3), ([0.25] * 16, 64), ([2.0], 4)]
    for losses, global_batch in cases:
        x = tf.constant(losses, tf.float32)
        what = f"average_loss({_short(np.array(losses))}, global_batch_size={global_batch})"
        with tf.GradientTape() as tape:
            tape.watch(x)
            got = call(fn, x, global_batch, name="average_loss")
        value = np.asarray(got, dtype=np.float64)
        if value.shape != ():
            fail(f"{what} returned an array of shape {value.shape}; expected one number",
                 "add the per-example losses up into one number (tf.reduce_sum), then divide.")
        want = sum(losses) / global_batch
        if abs(float(value) - want) > 1e-6:
            hint = "sum this worker's losses (tf.reduce_sum) and divide by global_batch_size."
            if abs(float(value) - np.mean(losses)) < 1e-6:
                hint = ("you divided by this worker's own batch (its mean). With 2 workers of 32 faces each, every "
                        "worker's mean is then added up by the all-reduce: the step is twice as large as one batch "
                        "of 64 would give. Divide by the GLOBAL batch instead.")
            elif abs(float(value) - sum(losses)) < 1e-6:
                hint = "you returned the sum: divide it by global_batch_size."
            fail(f"{what} returned {float(value):.6g}, expected {want:.6g}", hint)
        if tape.gradient(got, x) is None:
            fail(f"{what} has the right value but no gradient flows through it",
                 "use TensorFlow ops (tf.reduce_sum) on the tensor you are given; np.sum turns it into a NumPy "
                 "array, and a GradientTape cannot see through NumPy.")
    passed("sum / global batch: what tf.nn.compute_average_loss(per_example_loss, global_batch_size=...) computes.")


@grader(LESSON, "all_reduce_sum", reference=_all_reduce_sum)
def check_all_reduce_sum(fn) -> None:
    """Lesson 05b, exercise 2: ``fn(worker_gradients)`` takes one list of gradients per worker (one array per model
    variable, the same shapes on every worker) and returns one list: for every variable, the element-wise sum of
    the workers' gradients — what an all-reduce hands back to every worker."""
    rng = np.random.default_rng(7)
    shapes = [(3, 2), (2,)]
    cases = [[[rng.normal(size=s) for s in shapes] for _ in range(workers)] for workers in (2, 3, 1)]
    for worker_gradients in cases:
        n = len(worker_gradients)
        what = f"all_reduce_sum(gradients of {n} worker(s), each [{', '.join(str(s) for s in shapes)}])"
        given = [[g.copy() for g in grads] for grads in worker_gradients]
        got = call(fn, given, name="all_reduce_sum")
        if not isinstance(got, (list, tuple)) or len(got) != len(shapes):
            fail(f"{what} returned {_short(got)}; expected a list of {len(shapes)} arrays, one per variable",
                 "loop over the variables: zip(*worker_gradients) gives, for each variable, its gradient on "
                 "every worker.")
        want = _all_reduce_sum(worker_gradients)
        for i, (g, w) in enumerate(zip(got, want)):
            g = np.asarray(g)
            if g.shape != w.shape:
                fail(f"{what}: the gradient of variable {i} has shape {g.shape}, expected {w.shape}",
                     "add the workers' arrays element by element; the result has the variable's own shape.")
            if not np.allclose(g, w, atol=1e-9):
                hint = "for each variable, add up the arrays that the workers computed for it."
                if np.allclose(g * n, w, atol=1e-9) and n > 1:
                    hint = ("you averaged the workers' gradients. Each worker already divided its loss by the "
                            "GLOBAL batch, so their gradients add up to the big batch's gradient: sum them.")
                elif np.allclose(g, np.asarray(worker_gradients[0][i]), atol=1e-9) and n > 1:
                    hint = "you returned worker 0's gradient only: every worker's share has to be added in."
                fail(f"{what}: the gradient of variable {i} is wrong", hint)
    passed("every worker gets the same summed gradients, so every copy of the model makes the same update.")
