"""Graders for lesson 08's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import numpy as np

from . import _grading
from ._grading import _short, call, expect_close, fail, grader, passed
from ..model import modern

import keras
import tensorflow as tf
from keras import layers

__all__ = ["score", "check_conv_bn_relu", "check_residual_block", "check_augment_face", "check_smooth_labels",
           "check_train_step", "check_flip_average"]

LESSON = "08"


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


def _layers_between(inputs, outputs) -> list:
    return [layer for layer in keras.Model(inputs, outputs).layers if not isinstance(layer, keras.layers.InputLayer)]


def _build_block(fn, shape, *args, name: str):
    inputs = keras.Input(shape)
    out = call(fn, inputs, *args, name=name)
    if not isinstance(out, keras.KerasTensor):
        fail(f"{name}(x, ...) returned {_short(out)} ({type(out).__name__}); expected the block's output tensor",
             "apply each layer to the tensor and return the last result: x = layers.Conv2D(...)(x); ...; return x")
    return inputs, out


# ----------------------------------------------------------------------------------------- conv–BN–ReLU
@grader(LESSON, "conv_bn_relu", reference=modern.conv_bn_relu)
def check_conv_bn_relu(fn) -> None:
    """Lesson 08, exercise 1: ``fn(x, filters, name)`` applies a 3×3 "same" convolution without bias, batch
    normalisation and a ReLU to the Keras tensor ``x`` and returns the result."""
    inputs, out = _build_block(fn, (12, 12, 5), 8, "t1", name="conv_bn_relu")
    if tuple(out.shape[1:]) != (12, 12, 8):
        fail(f"conv_bn_relu(x of shape (None, 12, 12, 5), filters=8) gave shape {tuple(out.shape)}; expected "
             "(None, 12, 12, 8)", "padding=\"same\" keeps 12×12, and `filters` sets the channels.")
    kinds = [type(layer).__name__ for layer in _layers_between(inputs, out)]
    convs = [layer for layer in _layers_between(inputs, out) if isinstance(layer, layers.Conv2D)]
    if len(convs) != 1 or kinds.count("BatchNormalization") != 1:
        fail(f"the block's layers are {kinds}; expected one Conv2D, one BatchNormalization and a ReLU",
             "three layers, in this order: Conv2D → BatchNormalization → ReLU (or Activation('relu')).")
    conv = convs[0]
    if conv.kernel_size != (3, 3):
        fail(f"the convolution's kernel is {conv.kernel_size}; expected 3×3")
    if conv.use_bias:
        fail("the convolution has a bias", "batch norm subtracts the mean right after, which cancels any bias: pass "
             "use_bias=False and save the parameters (BN's own shift β takes its place).")
    if conv.activation is not keras.activations.linear:
        fail("the convolution applies its own activation before batch norm",
             "leave Conv2D without activation: normalise first, then the ReLU as the block's last layer.")
    last = _layers_between(inputs, out)[-1]
    relu_last = isinstance(last, layers.ReLU) or (isinstance(last, layers.Activation)
                                                  and last.activation is keras.activations.relu)
    if kinds.index("BatchNormalization") < kinds.index("Conv2D") or not relu_last:
        fail(f"the layers come in the order {kinds}", "Conv2D first, then BatchNormalization, then the ReLU last.")
    passed("3×3 conv (no bias) → batch norm → ReLU, the brick of every modern CNN.")


# ------------------------------------------------------------------------------------------- residual block
def residual_block(x, filters: int, name: str):
    """The lesson's reference: two conv–BN layers with a shortcut (1×1 conv + BN when the channels change)."""
    shortcut = x
    if x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_proj")(x)
        shortcut = layers.BatchNormalization(name=f"{name}_proj_bn")(shortcut)
    y = modern.conv_bn_relu(x, filters, f"{name}_a")
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_b_conv")(y)
    y = layers.BatchNormalization(name=f"{name}_b_bn")(y)
    return layers.ReLU(name=f"{name}_out")(layers.Add(name=f"{name}_add")([shortcut, y]))


@grader(LESSON, "residual_block", reference=residual_block)
def check_residual_block(fn) -> None:
    """Lesson 08, exercise 2: ``fn(x, filters, name)``: ReLU(shortcut + BN(conv(conv_bn_relu(x)))), the shortcut
    being ``x`` itself when it has ``filters`` channels, else a 1×1 convolution + batch norm of it."""
    for channels in (8, 4):
        inputs, out = _build_block(fn, (6, 6, channels), 8, f"r{channels}", name="residual_block")
        what = f"residual_block(x of shape (None, 6, 6, {channels}), filters=8)"
        if tuple(out.shape[1:]) != (6, 6, 8):
            fail(f"{what} gave shape {tuple(out.shape)}; expected (None, 6, 6, 8)")
        found = _layers_between(inputs, out)
        kinds = [type(layer).__name__ for layer in found]
        if "Add" not in kinds:
            fail(f"{what} has no Add layer: {kinds}", "the shortcut is ADDED to the two-convolution path: "
                 "layers.Add()([shortcut, y]), then the ReLU.")
        want = keras.Model(*_build_block(residual_block, (6, 6, channels), 8, "ref", name="reference")).count_params()
        got = keras.Model(inputs, out).count_params()
        if got != want:
            hint = ("when x already has `filters` channels the shortcut is x itself (no layer); otherwise a 1×1 "
                    "Conv2D(filters, 1, use_bias=False) + BatchNormalization makes the shapes match.")
            if channels == 8 and got > want:
                hint = "x already has 8 channels here: the shortcut is x itself, no 1×1 convolution."
            fail(f"{what} has {got:,} parameters; expected {want:,}", hint)
        if not isinstance(found[-1], (layers.ReLU, layers.Activation)):
            fail(f"{what} ends with {kinds[-1]}", "the ReLU comes after the addition, as the block's last layer.")
    passed("two conv–BN layers plus a shortcut: the block learns a correction to its input, so deep stacks train.")


# ------------------------------------------------------------------------------------------------ augmentation
def _windows(image: np.ndarray, padding: int) -> set[bytes]:
    padded = np.pad(image, padding, mode="symmetric")
    size = image.shape[0]
    return {padded[dy:dy + size, dx:dx + size].tobytes() for dy in range(2 * padding + 1)
            for dx in range(2 * padding + 1)}


@grader(LESSON, "augment_face", reference=modern.augment_face)
def check_augment_face(fn) -> None:
    """Lesson 08, exercise 3: ``fn(image, padding=4, flip=True)`` takes one face ``float32 (48, 48, 1)`` and
    returns one of the same shape: mirrored half of the time, then a random 48×48 window of it padded by
    ``padding`` pixels (mirrored edges)."""
    rng = np.random.default_rng(8)
    face = rng.permutation(48 * 48).reshape(48, 48).astype(np.float32)  # every pixel different: windows tell apart
    allowed = _windows(face, 4) | _windows(face[:, ::-1], 4)
    flipped_windows = _windows(face[:, ::-1], 4) - _windows(face, 4)
    seen, flips = set(), 0
    tf.random.set_seed(8)
    for _ in range(40):
        out = call(fn, tf.constant(face[:, :, None]), 4, True, name="augment_face")
        arr = np.asarray(out)
        if arr.shape != (48, 48, 1):
            fail(f"augment_face(face (48, 48, 1), padding=4) returned shape {arr.shape}; expected (48, 48, 1)",
                 "pad to 56×56 first, then cut a random 48×48 window: tf.image.random_crop(padded, [48, 48, 1]).")
        key = arr[:, :, 0].astype(np.float32).tobytes()
        if key not in allowed:
            fail("augment_face returned pixels that are no 48×48 window of the padded (or mirrored) face",
                 "only move pixels: tf.image.random_flip_left_right, tf.pad(..., mode=\"SYMMETRIC\") by `padding` "
                 "on the two image axes (not the channel axis), tf.image.random_crop. No resizing, no scaling.")
        seen.add(key)
        flips += key in flipped_windows
    if len(seen) < 10:
        fail(f"40 calls gave only {len(seen)} different results", "the crop must be random at every call: use "
             "tf.image.random_crop (or tf.random) inside the function, not NumPy randomness fixed once.")
    if not 5 <= flips <= 35:
        fail(f"the face came back mirrored in {flips} of 40 calls; expected about half",
             "tf.image.random_flip_left_right mirrors with probability 1/2.")
    out = np.asarray(call(fn, tf.constant(face[:, :, None]), 0, False, name="augment_face"))
    expect_close(out[:, :, 0], face, "augment_face(face, padding=0, flip=False)",
                 "with no padding and no flip the face must come back unchanged.")
    passed("flip + shift by up to 4 pixels: new faces every epoch at almost no cost.")


# ---------------------------------------------------------------------------------------------- label smoothing
def smooth_labels(onehot, epsilon: float):
    """The lesson's reference: ``(1 - ε)·onehot + ε/k``."""
    onehot = np.asarray(onehot, dtype=np.float64)
    return onehot * (1 - epsilon) + epsilon / onehot.shape[-1]


@grader(LESSON, "smooth_labels", reference=smooth_labels)
def check_smooth_labels(fn) -> None:
    """Lesson 08, exercise 4: ``fn(onehot, epsilon)``: the smoothed targets ``(1 − ε)·onehot + ε/k`` for one-hot
    rows ``(N, k)``."""
    cases = [(np.eye(7)[[3]], 0.1), (np.eye(7)[[0, 6, 2]], 0.2), (np.eye(3)[[1, 1]], 0.3), (np.eye(7)[[5]], 0.0)]
    for onehot, eps in cases:
        got = call(fn, onehot.copy(), eps, name="smooth_labels")
        want = smooth_labels(onehot, eps)
        k = onehot.shape[1]
        hint = "each row keeps 1 − ε on its true class and spreads ε evenly over all k classes: ε/k each."
        arr = np.asarray(got, dtype=np.float64) if np.shape(got) == want.shape else None
        if arr is not None:
            if np.allclose(arr, onehot * (1 - eps) + eps / (k - 1) * (1 - onehot)):
                hint = "spread ε over ALL k classes (ε/k each, the true one too), as Keras's label_smoothing does."
            elif np.allclose(arr, onehot * (1 - eps)):
                hint = "you took ε away from the true class but gave it to nobody: add ε/k to every entry."
        expect_close(got, want, f"smooth_labels({_short(onehot)}, epsilon={eps})", hint)
        if not np.allclose(np.sum(got, axis=-1), 1):
            fail("the smoothed rows do not sum to 1")
    passed("targets of 0.914 and 0.014 instead of 1 and 0: the model stops pushing its logits to infinity.")


# ------------------------------------------------------------------------------------------------ training step
def _tiny_model(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((12, 12, 1))
    x = layers.Rescaling(1 / 255.0)(inputs)
    x = modern.conv_bn_relu(x, 4, "a")
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(7, activation="softmax")(x))


@grader(LESSON, "train_step", reference=modern.make_train_step)
def check_train_step(fn) -> None:
    """Lesson 08, exercise 5: ``fn(model, optimizer, loss_fn)`` returns ``train_step(images, targets)``: one
    optimizer update under a ``GradientTape`` returning ``(loss, accuracy)`` of the batch. Checked against
    ``model.fit`` on the same three batches: the weights must end up the same."""
    rng = np.random.default_rng(8)
    images = rng.integers(0, 256, (3, 16, 12, 12, 1)).astype(np.float32)
    targets = np.eye(7, dtype=np.float32)[rng.integers(0, 7, (3, 16))]
    mine = _tiny_model(0)
    step = call(fn, mine, keras.optimizers.SGD(0.1), keras.losses.CategoricalCrossentropy(), name="make_train_step")
    if not callable(step):
        fail(f"make_train_step returned {_short(step)}; expected the function train_step",
             "define train_step inside make_train_step and `return train_step` (without calling it).")
    first = None
    for i in range(3):
        result = call(step, tf.constant(images[i]), tf.constant(targets[i]), name="train_step")
        if first is None:
            first = result
    try:
        loss, acc = (float(v) for v in first)
    except (TypeError, ValueError):
        fail(f"train_step returned {_short(first)}; expected two numbers, (loss, accuracy)")
    ref = _tiny_model(0)
    ref.compile(keras.optimizers.SGD(0.1), keras.losses.CategoricalCrossentropy())
    want_loss = float(keras.losses.CategoricalCrossentropy()(targets[0], _tiny_model(0)(images[0], training=True)))
    ref.fit(images.reshape(-1, 12, 12, 1), targets.reshape(-1, 7), batch_size=16, shuffle=False, verbose=0)
    inference_loss = float(keras.losses.CategoricalCrossentropy()(targets[0], _tiny_model(0)(images[0], training=False)))
    hint = "return the loss computed inside the tape, for the batch BEFORE the update."
    if abs(loss - inference_loss) < 1e-4 and abs(loss - want_loss) > 1e-4:
        hint = ("the forward pass ran with training=False: call model(images, training=True) inside the tape, so "
                "batch norm uses the batch's statistics and dropout is on, as fit does.")
    expect_close(loss, want_loss, "the loss train_step returned for the first batch", hint, atol=1e-4)
    if not 0 <= acc <= 1:
        fail(f"train_step's accuracy is {acc}; expected a fraction between 0 and 1",
             "compare argmax of the predictions with argmax of the one-hot targets and average.")
    fresh = _tiny_model(0)
    moved = any(not np.allclose(np.asarray(a), np.asarray(b))
                for a, b in zip(mine.trainable_variables, fresh.trainable_variables))
    if not moved:
        fail("after three train_step calls the weights have not changed",
             "get the gradients with tape.gradient(loss, model.trainable_variables) and apply them: "
             "optimizer.apply_gradients(zip(grads, model.trainable_variables)).")
    for got_w, want_w, var in zip(mine.get_weights(), ref.get_weights(), ref.weights):
        expect_close(got_w, want_w, f"after three steps, the weights {var.path}",
                     "call the model with training=True inside the tape (batch norm uses the batch's statistics "
                     "and updates its averages), compute the loss from (targets, predictions), one update per batch.",
                     atol=1e-4)
    passed("your GradientTape step moves the weights exactly as model.fit does on the same batches.")


# ----------------------------------------------------------------------------------------- flip averaging
@grader(LESSON, "flip_average", reference=modern.predict_flip_average)
def check_flip_average(fn, model) -> None:
    """Lesson 08, exercise 6: ``fn(model, faces)``: class probabilities ``(N, 7)`` for uint8 faces ``(N, 48, 48)``,
    the mean of the model's answer for each face and for its mirror image."""
    rng = np.random.default_rng(8)
    faces = rng.integers(0, 256, (5, 48, 48)).astype(np.uint8)
    got = call(fn, model, faces.copy(), name="flip_average")
    want = modern.predict_flip_average(model, faces)
    hint = "average model(faces) and model(faces mirrored left-right): the width axis is axis 2 of (N, 48, 48, 1)."
    arr = np.asarray(got, dtype=np.float64) if np.shape(got) == want.shape else None
    if arr is not None:
        plain = modern.predict_flip_average(model, faces, flip=False)
        if np.allclose(arr, plain, atol=1e-4) and not np.allclose(plain, want, atol=1e-4):
            hint = "these are the plain answers: add the answers for the mirrored faces and average the two."
        elif np.allclose(arr, 2 * want, atol=1e-4):
            hint = "divide the sum of the two answers by 2, so each row still sums to 1."
    expect_close(got, want, f"flip_average(model, {_short(faces)})", hint, atol=1e-4)
    passed("two looks at each face, one answer: usually a few tenths of a point for free.")
