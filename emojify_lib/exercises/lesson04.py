"""Graders for lesson 04's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import numpy as np

from . import _grading
from ._grading import _expect_int, _short, call, fail, grader, passed

__all__ = ["score", "check_build_classic_cnn", "check_conv_output_size", "check_conv_params",
           "check_receptive_field"]

LESSON = "04"
CLASSIC_PARAMS = 2_345_607


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


# The references live in modules that import Keras; import them only when a lesson falls back on them, so that
# importing the graders stays cheap for every other lesson.
def classic_cnn(name: str = "classic_cnn"):
    """The reference classic CNN: :func:`emojify_lib.model.networks.classic_cnn`."""
    from ..model.networks import classic_cnn as build

    return build(name=name)


def conv_output_size(n: int, k: int, stride: int = 1, padding: str = "valid") -> int:
    """The reference: :func:`emojify_lib.lessons.anatomy.conv_output_size`."""
    from ..lessons.anatomy import conv_output_size as size

    return size(n, k, stride, padding)


def conv_params(k: int, c_in: int, c_out: int) -> int:
    """The reference: :func:`emojify_lib.lessons.anatomy.conv_params`."""
    from ..lessons.anatomy import conv_params as params

    return params(k, c_in, c_out)


def _describe(layer) -> str:
    cfg = layer.get_config()
    kind = type(layer).__name__
    if kind == "Conv2D":
        return (f"Conv2D({cfg['filters']}, {cfg['kernel_size'][0]}, padding={cfg['padding']!r}, "
                f"activation={cfg['activation']!r})")
    if kind == "Dense":
        return f"Dense({cfg['units']}, activation={cfg['activation']!r})"
    if kind == "Dropout":
        return f"Dropout({cfg['rate']})"
    if kind == "MaxPooling2D":
        return f"MaxPooling2D({cfg['pool_size'][0]})"
    if kind == "Rescaling":
        scale = float(cfg["scale"])
        return "Rescaling(1 / 255)" if np.isclose(scale, 1 / 255) else f"Rescaling({scale:.6g})"
    return f"{kind}()"


def _layer_problem(mine, ref, position: str) -> tuple[str, str] | None:
    """(problem, hint) when the learner's layer differs from the reference layer at the same place."""
    kind, want = type(mine).__name__, type(ref).__name__
    if kind != want:
        hint = (f"compare your list with the table, row by row: here comes {_describe(ref)} named "
                f"{ref.name!r}.")
        if want == "Rescaling":
            hint = ("the first layer after keras.Input is Rescaling(1 / 255): the model scales the raw 0-255 pixels "
                    "itself (without it, training sees 0-255 inputs).")
        elif want == "Flatten":
            hint = ("missing Flatten: a Dense layer on a (4, 4, 128) block acts on each position separately; "
                    "Flatten() lays the block out as 2,048 numbers first.")
        elif want == "Dropout":
            hint = f"missing {_describe(ref)} here (dropout has no parameters, but it belongs to the recipe)."
        elif want == "MaxPooling2D":
            hint = "missing MaxPooling2D(2) here: the three poolings halve the side 44 → 22, 20 → 10, 8 → 4."
        return f"{position} is {_describe(mine)}, expected {_describe(ref)}", hint
    a, b = mine.get_config(), ref.get_config()
    if kind == "Rescaling" and not np.isclose(float(a["scale"]), float(b["scale"])):
        return (f"{position} scales by {a['scale']:.6g}, expected 1/255",
                "Rescaling(1 / 255) maps 0-255 pixels to 0-1.")
    if kind == "Conv2D":
        if a["padding"] != b["padding"]:
            return (f"{position} uses padding={a['padding']!r}, so its output keeps the input's side",
                    "the classic CNN uses Keras's default padding='valid': every 3 × 3 convolution trims a "
                    "pixel from each border (48 → 46). Leave padding out.")
        if a["filters"] != b["filters"] or tuple(a["kernel_size"]) != tuple(b["kernel_size"]):
            return (f"{position} is {_describe(mine)}, expected {_describe(ref)}",
                    "Conv2D(filters, kernel_size): 32, 64, 128, 128 filters, all 3 × 3.")
        if tuple(a["strides"]) != tuple(b["strides"]):
            return f"{position} has strides {a['strides']}, expected 1", "only the poolings shrink the image."
        if a["activation"] != b["activation"]:
            return (f"{position} has activation={a['activation']!r}, expected 'relu'",
                    "give every convolution activation='relu': without a non-linearity, stacked convolutions "
                    "collapse into one.")
    if kind == "MaxPooling2D" and tuple(a["pool_size"]) != tuple(b["pool_size"]):
        return f"{position} is {_describe(mine)}, expected MaxPooling2D(2)", "2 × 2 windows, stride 2."
    if kind == "Dropout" and not np.isclose(a["rate"], b["rate"]):
        return (f"{position} is {_describe(mine)}, expected {_describe(ref)}",
                "0.25 after the convolution blocks, 0.5 after the big dense layer.")
    if kind == "Dense":
        if a["units"] != b["units"]:
            hint = ("the hidden dense layer has 1,024 units." if b["units"] == 1024 else
                    "the last layer has one unit per emotion: 7.")
            return f"{position} is {_describe(mine)}, expected {_describe(ref)}", hint
        if a["activation"] != b["activation"]:
            hint = ("the last layer turns 7 scores into probabilities: activation='softmax'."
                    if b["activation"] == "softmax" else "the hidden dense layer uses activation='relu'.")
            return f"{position} has activation={a['activation']!r}, expected {b['activation']!r}", hint
    return None


@grader(LESSON, "build_classic_cnn", reference=classic_cnn,
        library=("emojify_lib.model.networks:classic_cnn", "emojify_lib.model.networks:build_model"))
def check_build_classic_cnn(fn) -> None:
    """Lesson 04, exercise 1: ``fn()`` returns the classic CNN as a ``keras.Sequential``: input ``(48, 48, 1)``
    raw pixels, the lesson's 14 layers with their names, output ``(7,)`` softmax, 2,345,607 parameters."""
    import keras

    model = call(fn, name="build_classic_cnn")
    if isinstance(model, (list, tuple)):
        fail(f"build_classic_cnn() returned a {type(model).__name__} of layers; expected a model",
             "wrap the list: return keras.Sequential([keras.Input((48, 48, 1)), ...], name='classic_cnn').")
    if not isinstance(model, keras.Model):
        fail(f"build_classic_cnn() returned {_short(model)} ({type(model).__name__}); expected a keras.Sequential",
             "return keras.Sequential([...]).")
    try:
        input_shape = tuple(model.input_shape)
    except (AttributeError, ValueError):
        fail("build_classic_cnn() returned a model without a defined input, so Keras cannot tell its shapes",
             "start the list with keras.Input((48, 48, 1)).")
    if input_shape != (None, 48, 48, 1):
        fail(f"the model's input shape is {input_shape[1:]}, expected (48, 48, 1)",
             "keras.Input((48, 48, 1)): 48 × 48 pixels and one gray channel (Conv2D needs the channel axis).")
    reference = classic_cnn()
    mine = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    ref = [layer for layer in reference.layers if not isinstance(layer, keras.layers.InputLayer)]
    for i, want in enumerate(ref):
        position = f"layer {i + 1} ({want.name!r} in the table)"
        if i >= len(mine):
            fail(f"the model stops after {len(mine)} layers; {position} and {len(ref) - i - 1} more are missing",
                 f"next comes {_describe(want)}.")
        problem = _layer_problem(mine[i], want, position)
        if problem:
            fail(*problem)
        got_shape, want_shape = tuple(mine[i].output.shape[1:]), tuple(want.output.shape[1:])
        if got_shape != want_shape:
            fail(f"{position} outputs {got_shape}, expected {want_shape}",
                 "check the layers before it against the table (padding, pool size, Flatten).")
    if len(mine) > len(ref):
        fail(f"the model has {len(mine)} layers, expected {len(ref)}: {_describe(mine[len(ref)])} after the "
             "softmax layer is one too many", "the model ends with Dense(7, activation='softmax').")
    names = [layer.name for layer in mine]
    wrong = [(got, want.name) for got, want in zip(names, ref) if got != want.name]
    if wrong:
        fail(f"the layers are right but named differently, e.g. {wrong[0][0]!r} where the table says "
             f"{wrong[0][1]!r}", "give each layer its name from the table, e.g. Conv2D(32, 3, activation='relu', "
             "name='conv1'): the cells below look layers up by name.")
    if model.count_params() != CLASSIC_PARAMS:
        fail(f"the model has {model.count_params():,} parameters, expected {CLASSIC_PARAMS:,}",
             "compare the summary with the table, layer by layer (did you switch off a bias?).")
    passed(f"{len(mine)} layers, (48, 48, 1) → (7,), {CLASSIC_PARAMS:,} parameters: the classic CNN, the same "
           "network as emojify_lib.model.networks.classic_cnn.")


@grader(LESSON, "conv_output_size", reference=conv_output_size)
def check_conv_output_size(fn) -> None:
    """Lesson 04, exercise 2: ``fn(n, k, stride, padding)`` returns the side of a Keras ``Conv2D``/pooling output:
    ``(n - k) // stride + 1`` for ``padding="valid"``, ``ceil(n / stride)`` for ``padding="same"`` (an int)."""
    import math

    cases = [(48, 3, 1, "valid"), (46, 3, 1, "valid"), (44, 2, 2, "valid"), (21, 2, 2, "valid"), (7, 3, 2, "valid"),
             (48, 3, 1, "same"), (48, 2, 2, "same"), (5, 3, 2, "same"), (25, 2, 2, "same"), (10, 5, 3, "valid")]
    for n, k, s, padding in cases:
        got = call(fn, n, k, s, padding, name="conv_output_size")
        want = (n - k) // s + 1 if padding == "valid" else math.ceil(n / s)
        what = f"conv_output_size(n={n}, k={k}, stride={s}, padding={padding!r})"
        _expect_int(got, what, hint="a side is a whole number of pixels: `/` gives a float; round down with // for "
                                    "'valid' and up with math.ceil for 'same' (both give ints).")
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


@grader(LESSON, "conv_params", reference=conv_params)
def check_conv_params(fn) -> None:
    """Lesson 04, exercise 3: ``fn(k, c_in, c_out)`` returns the number of parameters of a ``Conv2D`` with
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
    """Lesson 04, exercise 4: ``fn(layers)`` takes a list of ``(k, stride)`` pairs (convolutions and poolings, in
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
