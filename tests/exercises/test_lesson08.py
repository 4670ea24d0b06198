"""Lesson 08: the graders accept right answers (several ways of writing each) and name typical wrong ones."""
import numpy as np
import pytest
import tensorflow as tf

import keras
from keras import layers

from conftest import fails
from emojify_lib.exercises import ExerciseOpen, _grading
from emojify_lib.exercises import lesson08 as ex
from emojify_lib.model import modern


def stub(*args):
    raise NotImplementedError()


def test_exported():
    assert _grading.EXERCISES["08"] == ["conv_bn_relu", "residual_block", "augment_face", "smooth_labels",
                                        "train_step", "flip_average"]
    for title in _grading.EXERCISES["08"]:
        assert f"check_{title}" in ex.__all__


# --- conv–BN–ReLU --------------------------------------------------------------------------------------------
def block_activation_relu(x, filters, name):
    x = layers.Conv2D(filters, (3, 3), padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def test_conv_bn_relu_right_answers(capsys):
    for right in (modern.conv_bn_relu, block_activation_relu):
        assert ex.check_conv_bn_relu(right) is right
    assert capsys.readouterr().out.count("✅ Correct") == 2


def test_conv_bn_relu_mistakes():
    def with_bias(x, f, name):
        return layers.ReLU()(layers.BatchNormalization()(layers.Conv2D(f, 3, padding="same")(x)))
    fails(ex.check_conv_bn_relu, with_bias, match="bias")

    def valid(x, f, name):
        return layers.ReLU()(layers.BatchNormalization()(layers.Conv2D(f, 3, use_bias=False)(x)))
    fails(ex.check_conv_bn_relu, valid, match="same")

    def relu_in_conv(x, f, name):
        return layers.BatchNormalization()(layers.Conv2D(f, 3, padding="same", use_bias=False, activation="relu")(x))
    fails(ex.check_conv_bn_relu, relu_in_conv, match="activation before batch norm")

    def no_bn(x, f, name):
        return layers.ReLU()(layers.Conv2D(f, 3, padding="same", use_bias=False)(x))
    fails(ex.check_conv_bn_relu, no_bn, match="one Conv2D, one BatchNormalization")

    def relu_first(x, f, name):
        return layers.BatchNormalization()(layers.ReLU()(layers.Conv2D(f, 3, padding="same", use_bias=False)(x)))
    fails(ex.check_conv_bn_relu, relu_first, match="order")
    fails(ex.check_conv_bn_relu, lambda x, f, name: None, match="output tensor")
    with pytest.raises(ExerciseOpen):
        ex.check_conv_bn_relu.check(stub)


# --- residual block ------------------------------------------------------------------------------------------
def residual_with_activation(x, filters, name):
    shortcut = x
    if x.shape[-1] != filters:
        shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1, use_bias=False)(x))
    y = modern.conv_bn_relu(x, filters, name + "a")
    y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same", use_bias=False)(y))
    return layers.Activation("relu")(layers.add([y, shortcut]))


def test_residual_block_right_answers(capsys):
    for right in (ex.residual_block, residual_with_activation):
        assert ex.check_residual_block(right) is right
    assert capsys.readouterr().out.count("✅ Correct") == 2


def test_residual_block_mistakes():
    def no_shortcut(x, f, name):
        y = modern.conv_bn_relu(x, f, name + "a")
        return layers.ReLU()(layers.BatchNormalization()(layers.Conv2D(f, 3, padding="same", use_bias=False)(y)))
    fails(ex.check_residual_block, no_shortcut, match="no Add layer")

    def always_projects(x, f, name):
        shortcut = layers.BatchNormalization()(layers.Conv2D(f, 1, use_bias=False)(x))
        y = modern.conv_bn_relu(x, f, name + "a")
        y = layers.BatchNormalization()(layers.Conv2D(f, 3, padding="same", use_bias=False)(y))
        return layers.ReLU()(layers.Add()([shortcut, y]))
    fails(ex.check_residual_block, always_projects, match="shortcut is x itself")

    def relu_before_add(x, f, name):
        shortcut = x if x.shape[-1] == f else layers.BatchNormalization()(layers.Conv2D(f, 1, use_bias=False)(x))
        y = modern.conv_bn_relu(x, f, name + "a")
        y = modern.conv_bn_relu(y, f, name + "b")
        return layers.Add()([shortcut, y])
    fails(ex.check_residual_block, relu_before_add, match="ReLU comes after the addition")


# --- augmentation --------------------------------------------------------------------------------------------
def augment_with_numpy_shift(image, padding=4, flip=True):
    """Right, written differently: random_flip + manual offsets with tf.random."""
    if flip and tf.random.uniform(()) < 0.5:
        image = image[:, ::-1, :]
    if padding:
        padded = tf.pad(image, [[padding, padding], [padding, padding], [0, 0]], mode="SYMMETRIC")
        dy = tf.random.uniform((), 0, 2 * padding + 1, dtype=tf.int32)
        dx = tf.random.uniform((), 0, 2 * padding + 1, dtype=tf.int32)
        image = padded[dy:dy + 48, dx:dx + 48, :]
    return image


def test_augment_face_right_answers(capsys):
    for right in (modern.augment_face, augment_with_numpy_shift):
        assert ex.check_augment_face(right) is right
    assert capsys.readouterr().out.count("✅ Correct") == 2


def test_augment_face_mistakes():
    fixed = np.random.default_rng(0).integers(0, 9, 2)

    def numpy_once(image, padding=4, flip=True):
        padded = tf.pad(image, [[padding, padding], [padding, padding], [0, 0]], mode="SYMMETRIC")
        return padded[fixed[0]:fixed[0] + 48, fixed[1]:fixed[1] + 48, :]
    fails(ex.check_augment_face, numpy_once, match="random at every call")

    def zero_pad(image, padding=4, flip=True):
        image = tf.image.random_flip_left_right(image)
        padded = tf.pad(image, [[padding, padding], [padding, padding], [0, 0]])
        return tf.image.random_crop(padded, [48, 48, 1])
    fails(ex.check_augment_face, zero_pad, match="no 48×48 window")

    def no_crop(image, padding=4, flip=True):
        return tf.pad(image, [[padding, padding], [padding, padding], [0, 0]], mode="SYMMETRIC")
    fails(ex.check_augment_face, no_crop, match=r"shape \(56, 56, 1\)")

    def always_flips(image, padding=4, flip=True):
        image = tf.image.flip_left_right(image) if flip else image
        if padding:
            image = tf.image.random_crop(tf.pad(image, [[padding, padding], [padding, padding], [0, 0]],
                                                mode="SYMMETRIC"), [48, 48, 1])
        return image
    fails(ex.check_augment_face, always_flips, match="about half")


# --- label smoothing -----------------------------------------------------------------------------------------
def test_smooth_labels(capsys):
    def with_tf(onehot, eps):
        onehot = tf.constant(onehot, tf.float32)
        return (onehot * (1 - eps) + eps / onehot.shape[-1]).numpy()
    for right in (ex.smooth_labels, with_tf):
        assert ex.check_smooth_labels(right) is right
    assert capsys.readouterr().out.count("✅ Correct") == 2
    fails(ex.check_smooth_labels, lambda o, e: o * (1 - e) + e / (o.shape[1] - 1) * (1 - o), match="ALL k classes")
    fails(ex.check_smooth_labels, lambda o, e: o * (1 - e), match="gave it to nobody")


# --- the training step ---------------------------------------------------------------------------------------
def make_step_unrolled(model, optimizer, loss_fn):
    """Right, without tf.function and with the accuracy from keras.metrics."""
    def train_step(images, targets):
        with tf.GradientTape() as tape:
            probs = model(images, training=True)
            loss = loss_fn(targets, probs)
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss, keras.metrics.categorical_accuracy(targets, probs).numpy().mean()
    return train_step


def test_train_step_right_answers(capsys):
    for right in (modern.make_train_step, make_step_unrolled):
        assert ex.check_train_step(right) is right
    assert capsys.readouterr().out.count("✅ Correct") == 2


def test_train_step_mistakes():
    def no_update(model, optimizer, loss_fn):
        def step(images, targets):
            probs = model(images, training=True)
            return loss_fn(targets, probs), 0.5
        return step
    fails(ex.check_train_step, no_update, match="have not changed")

    def inference_mode(model, optimizer, loss_fn):
        def step(images, targets):
            with tf.GradientTape() as tape:
                probs = model(images, training=False)
                loss = loss_fn(targets, probs)
            optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
            return loss, 0.5
        return step
    fails(ex.check_train_step, inference_mode, match="training=True")

    def returns_called(model, optimizer, loss_fn):
        return None
    fails(ex.check_train_step, returns_called, match="expected the function train_step")


# --- flip averaging ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_model():
    keras.utils.set_random_seed(1)
    return modern.modern_cnn(widths=(8, 8, 8, 8))


def test_flip_average(small_model, capsys):
    def one_by_one(model, faces):
        x = faces[..., None].astype(np.float32)
        return (model(x, training=False).numpy() + model(x[:, :, ::-1], training=False).numpy()) / 2
    for right in (modern.predict_flip_average, one_by_one):
        assert ex.check_flip_average(right, small_model) is right
    assert capsys.readouterr().out.count("✅ Correct") == 2

    def plain(model, faces):
        return model(faces[..., None].astype(np.float32), training=False).numpy()
    fails(ex.check_flip_average, plain, small_model, match="plain answers")

    def summed(model, faces):
        x = faces[..., None].astype(np.float32)
        return model(x, training=False).numpy() + model(x[:, :, ::-1], training=False).numpy()
    fails(ex.check_flip_average, summed, small_model, match="divide")

    def upside_down(model, faces):
        x = faces[..., None].astype(np.float32)
        return (model(x, training=False).numpy() + model(x[:, ::-1], training=False).numpy()) / 2
    fails(ex.check_flip_average, upside_down, small_model, match="axis 2")
