"""Graders for lesson 04's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import numpy as np

from . import _grading
from ._grading import _expect_int, _short, call, expect_close, fail, grader, passed

__all__ = ["score", 'check_conv_output_size', 'check_conv_params', 'check_receptive_field']

LESSON = "04"


def score() -> _grading.Score:
    """Print this lesson's score line ("N of M exercises passed") and return it."""
    return _grading.score(LESSON)


@grader(LESSON, "conv_output_size")
def check_conv_output_size(fn) -> None:
    """Lesson 04, exercise 1: ``fn(n, k, stride, padding)`` returns the side of a Keras ``Conv2D``/pooling output:
    ``(n - k) // stride + 1`` for ``padding="valid"``, ``ceil(n / stride)`` for ``padding="same"`` (an int)."""
    import math

    cases = [(48, 3, 1, "valid"), (46, 3, 1, "valid"), (44, 2, 2, "valid"), (21, 2, 2, "valid"), (7, 3, 2, "valid"),
             (48, 3, 1, "same"), (48, 2, 2, "same"), (5, 3, 2, "same"), (25, 2, 2, "same"), (10, 5, 3, "valid")]
    for n, k, s, padding in cases:
        got = call(fn, n, k, s, padding, name="conv_output_size")
        want = (n - k) // s + 1 if padding == "valid" else math.ceil(n / s)
        what = f"conv_output_size(n={n}, k={k}, stride={s}, padding={padding!r})"
        _expect_int(got, what)
        if got == want:
            continue
        if padding == "same":
            hint = "'same' pads just enough that every stride-th pixel gets a window: ceil(n / stride), whatever k is."
            if got == n:
                hint = "with stride > 1 'same' still skips pixels: the output is ceil(n / stride), not n."
            elif got == n // s:
                hint = "round UP for 'same' (ceil): the last, partly padded window counts too."
            elif got == (n - k) // s + 1:
                hint = "that is the 'valid' formula; 'same' pads the border so the size does not depend on k."
        else:
            hint = "'valid' keeps only windows that fit: (n - k) // stride + 1."
            if got == (n - k) / s + 1 or got == -(-(n - k) // s) + 1:
                hint = "round down (//): a window that would hang over the edge is dropped."
            elif got == (n - k) // s:
                hint = "you forgot the first window: add 1."
            elif got == n - k + 1:
                hint = "divide by the stride: the window jumps `stride` pixels at a time."
        fail(f"{what} returned {got}, expected {want}", hint)
    passed("'valid': (n − k) // s + 1; 'same': ⌈n / s⌉ — 48 → 46 → 44 → 22 in the classic CNN's first layers.")


@grader(LESSON, "conv_params")
def check_conv_params(fn) -> None:
    """Lesson 04, exercise 2: ``fn(k, c_in, c_out)`` returns the number of parameters of a ``Conv2D`` with
    ``c_out`` filters of size ``k × k`` on ``c_in`` input channels, with biases: ``(k·k·c_in + 1)·c_out``."""
    cases = [(3, 32, 64), (3, 1, 32), (3, 64, 128), (5, 3, 16), (1, 128, 10), (3, 128, 128)]
    for k, c_in, c_out in cases:
        got = call(fn, k, c_in, c_out, name="conv_params")
        want = (k * k * c_in + 1) * c_out
        what = f"conv_params(k={k}, c_in={c_in}, c_out={c_out})"
        _expect_int(got, what)
        if got == want:
            continue
        hint = "each of the c_out filters is a k × k × c_in block of weights plus one bias."
        if got == k * k * c_in * c_out:
            hint = "you forgot the biases: one per filter, so + c_out."
        elif got == (k * k + 1) * c_out or got == k * k * c_out + c_out:
            hint = "a filter spans ALL input channels: it has k × k × c_in weights, not k × k."
        elif got == (k * k * c_out + 1) * c_in and c_in != 1:
            hint = "c_in and c_out are swapped: there are c_out filters, each k × k × c_in."
        elif got == k * k * c_in * c_out + 1 or got == (k * c_in + 1) * c_out:
            hint = "one bias per filter (c_out of them), and k × k (not k) weights per channel."
        fail(f"{what} returned {got}, expected {want}", hint)
    passed("(k·k·c_in + 1)·c_out: conv2 of the classic CNN has (3·3·32 + 1)·64 = 18,496 parameters.")


@grader(LESSON, "receptive_field")
def check_receptive_field(fn) -> None:
    """Lesson 04, exercise 3: ``fn(layers)`` takes a list of ``(k, stride)`` pairs (convolutions and poolings, in
    order) and returns the receptive field side ``r``: start at ``r = 1, j = 1``; per layer ``r += (k - 1)·j``,
    then ``j *= stride``."""
    seed = [(3, 1), (3, 1), (2, 2), (3, 1), (2, 2), (3, 1), (2, 2)]
    cases = [[(3, 1)], [(3, 1), (3, 1)], [(3, 1), (2, 2), (3, 1)], [(5, 2), (3, 2), (3, 1)], [], seed,
             [(7, 2), (3, 2), (3, 1), (3, 1)]]
    for layers in cases:
        got = call(fn, list(layers), name="receptive_field")
        r, j = 1, 1
        for k, s in layers:
            r, j = r + (k - 1) * j, j * s
        what = f"receptive_field({layers})"
        _expect_int(got, what)
        if got == r:
            continue
        hint = "r = 1, j = 1; for each (k, s): r += (k - 1) * j, then j *= s."
        no_jump = 1 + sum(k - 1 for k, _ in layers)
        r2, j2 = 1, 1
        for k, s in layers:                      # jump updated before growing r
            j2 *= s
            r2 += (k - 1) * j2
        if got == no_jump and no_jump != r:
            hint = "after a stride-2 layer, one step in the output is 2 input pixels: multiply (k - 1) by the jump j."
        elif got == r2 and r2 != r:
            hint = "grow r with the jump of the layer's INPUT: update r first, then j *= s."
        elif got == sum(k for k, _ in layers):
            hint = "neighbouring windows overlap: each layer adds k - 1 (times the jump), not k."
        fail(f"{what} returned {got}, expected {r}", hint)
    passed("the classic CNN's last pooling layer sees 24 × 24 pixels: half the face, enough for an eye and a brow.")
