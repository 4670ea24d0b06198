"""Every grader passes the RIGHT answers a learner may write: for each exercise of each lesson, several correct
variants in the styles beginners use (loops or vectorised, lists or arrays, Python's or NumPy's functions, one
rounding or another). The lesson files beside this one test the wrong answers and their hints.

Lesson 07's ``live_step`` is graded on what the exercise asks, so it passes with each of the eight correct
``crop_face`` variants (margin rounded or truncated × ``cv2.resize`` default, AREA, LINEAR or CUBIC), whatever
model the lesson uses (the reference, or a learner's model trained on the sample).
"""
import itertools
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from emojify_lib.core import emotions
from emojify_lib.core.emotions import EMOTIONS, NUM_CLASSES
from emojify_lib.exercises import (lesson01, lesson02, lesson03, lesson04, lesson05, lesson05b, lesson06,
                                   lesson07)
from emojify_lib.lessons.perceptron import step
from emojify_lib.live.overlay import load_emoji


def passes(check, answer, *args, capsys=None):
    """The grader's strict check (what nbgrader runs) accepts ``answer``; so does the learner-facing grader,
    which hands the answer back."""
    check.check(answer, *args)
    assert check(answer, *args) is answer


# ------------------------------------------------------------------------------------------------------ lesson 01
def weighted_sum_loop(x, w, b):
    z = b
    for xi, wi in zip(x, w):
        z += xi * wi
    return z


def valid(image, kernel):
    """A learner's own vectorised correlation (answers that call the library's are refused)."""
    return np.einsum("ijuv,uv->ij", np.lib.stride_tricks.sliding_window_view(image, kernel.shape), kernel)


RIGHT = {
    "01": [
        (lesson01.check_weighted_sum, lambda x, w, b: float(np.dot(w, x) + b)),
        (lesson01.check_weighted_sum, lambda x, w, b: np.sum(np.asarray(w) * np.asarray(x)) + b),
        (lesson01.check_weighted_sum, weighted_sum_loop),
        (lesson01.check_perceptron_predict, lambda X, w, b: step(X @ w + b)),
        (lesson01.check_perceptron_predict, lambda X, w, b: np.where(X @ w + b >= 0, 1, 0)),
        (lesson01.check_perceptron_predict, lambda X, w, b: np.array([1 if x @ w + b >= 0 else 0 for x in X])),
        (lesson01.check_and_gate_weights, lambda: (np.array([1.0, 1.0]), -1.5)),
        (lesson01.check_and_gate_weights, lambda: ([0.5, 0.5], -0.7)),
        (lesson01.check_perceptron_update,
         lambda w, b, x, y, lr: (w + lr * (y - step(w @ x + b)) * x, b + lr * (y - step(w @ x + b)))),
        (lesson01.check_perceptron_update,
         lambda w, b, x, y, lr: (w, b) if step(np.dot(w, x) + b) == y else
         (w + lr * (y - step(np.dot(w, x) + b)) * np.asarray(x), b + lr * (y - step(np.dot(w, x) + b)))),
    ],
    "02": [
        (lesson02.check_correlate2d, lambda im, k: np.array(
            [[np.sum(im[i:i + k.shape[0], j:j + k.shape[1]] * k) for j in range(im.shape[1] - k.shape[1] + 1)]
             for i in range(im.shape[0] - k.shape[0] + 1)])),
        (lesson02.check_correlate2d, lambda im, k: np.einsum(
            "ijuv,uv->ij", np.lib.stride_tricks.sliding_window_view(im, k.shape), k)),
        (lesson02.check_output_size, lambda n, k, p, s: (n + 2 * p - k) // s + 1),
        (lesson02.check_output_size, lambda n, k, p, s: math.floor((n + 2 * p - k) / s) + 1),
        (lesson02.check_output_size, lambda n, k, p, s: int((n + 2 * p - k) / s) + 1),
        (lesson02.check_output_size, lambda n, k, p, s: int(np.floor((n + 2 * p - k) / s)) + 1),
        (lesson02.check_correlate2d_strided, lambda im, k, p=0, s=1: valid(np.pad(im, p), k)[::s, ::s]),
        (lesson02.check_kernel_gradient, lambda X, T, K: 2 / T.size * sum(
            valid(x, valid(x, K) - t) for x, t in zip(X, T))),
    ],
}


def read_csv_row_simple(line):
    label, pixels, _ = line.split(",")
    if label.strip() not in [str(i) for i in range(7)]:
        raise ValueError(f"bad label {label!r}")
    values = [int(v) for v in pixels.split()]
    if len(values) != 2304:
        raise ValueError(f"expected 2304 pixels, got {len(values)}")
    if min(values) < 0 or max(values) > 255:
        raise ValueError(f"pixels must be in 0-255, got {min(values)} to {max(values)}")
    return np.array(values, dtype=np.uint8).reshape(48, 48), int(label)


def read_folder_image_pil(path):
    from PIL import Image

    try:
        face = np.array(Image.open(path).convert("L"))
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"{path}: not a readable image") from exc
    return face, emotions.label_of(Path(path).parent.name)


RIGHT["03"] = [
    (lesson03.check_read_csv_row, read_csv_row_simple),
    (lesson03.check_read_folder_image, read_folder_image_pil),
    (lesson03.check_majority_baseline, lambda y: np.bincount(y).max() / len(y)),
    (lesson03.check_majority_baseline, lambda y: np.mean(y == np.bincount(y).argmax())),
    (lesson03.check_majority_baseline, lambda y: max(list(y).count(c) for c in set(y)) / len(y)),
    (lesson03.check_class_weights, lambda y: {c: len(y) / (7 * n) for c, n in enumerate(np.bincount(y, minlength=7))}),
    (lesson03.check_class_weights, lambda y: dict(enumerate(len(y) / (NUM_CLASSES * np.bincount(y))))),
]


def classic_cnn_variant():
    import keras
    from keras import layers

    conv = dict(kernel_size=(3, 3), activation="relu")
    return keras.Sequential([
        keras.Input(shape=(48, 48, 1)), layers.Rescaling(scale=1.0 / 255, name="rescale"),
        layers.Conv2D(32, name="conv1", **conv), layers.Conv2D(64, name="conv2", **conv),
        layers.MaxPooling2D(pool_size=(2, 2), name="pool1"), layers.Dropout(rate=0.25, name="drop1"),
        layers.Conv2D(128, name="conv3", **conv), layers.MaxPooling2D((2, 2), name="pool2"),
        layers.Conv2D(128, name="conv4", **conv), layers.MaxPooling2D(name="pool3"), layers.Dropout(0.25, name="drop2"),
        layers.Flatten(name="flatten"), layers.Dense(1024, activation=keras.activations.relu, name="dense1"),
        layers.Dropout(0.5, name="drop3"), layers.Dense(7, activation="softmax", name="emotion")], name="classic_cnn")


def receptive_field_backwards(layers):
    r = 1
    for k, s in reversed(layers):
        r = (r - 1) * s + k
    return r


RIGHT["04"] = [
    (lesson04.check_build_classic_cnn, classic_cnn_variant),
    (lesson04.check_conv_output_size,
     lambda n, k, s, p: (n - k) // s + 1 if p == "valid" else math.ceil(n / s)),
    (lesson04.check_conv_output_size, lambda n, k, s, p: (n - k) // s + 1 if p == "valid" else -(-n // s)),
    (lesson04.check_conv_output_size, lambda n, k, s, p: int(np.floor((n - k) / s)) + 1 if p == "valid"
     else int(np.ceil(n / s))),
    (lesson04.check_conv_params, lambda k, ci, co: (k * k * ci + 1) * co),
    (lesson04.check_conv_params, lambda k, ci, co: k ** 2 * ci * co + co),
    (lesson04.check_receptive_field, receptive_field_backwards),
]


def callbacks_positional(path, backup_dir, patience):
    import keras

    return [keras.callbacks.ModelCheckpoint(path, monitor="val_accuracy", save_best_only=True),
            keras.callbacks.EarlyStopping("val_accuracy", patience=patience, restore_best_weights=True),
            keras.callbacks.BackupAndRestore(backup_dir=backup_dir)]


def compile_with_function_metric(model, steps_per_epoch, epochs, learning_rate=None):
    import keras

    if learning_rate is None:
        warm = steps_per_epoch
        learning_rate = keras.optimizers.schedules.CosineDecay(0.0, epochs * steps_per_epoch - warm,
                                                               warmup_target=1e-3, warmup_steps=warm)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])


RIGHT["05"] = [
    (lesson05.check_cross_entropy, lambda p, y: -np.mean(np.log(p[np.arange(len(y)), y]))),
    (lesson05.check_cross_entropy, lambda p, y: -sum(math.log(p[i][y[i]]) for i in range(len(y))) / len(y)),
    (lesson05.check_cross_entropy, lambda p, y: float(-np.log(np.take_along_axis(p, y[:, None], 1)).mean())),
    (lesson05.check_steps_per_epoch, lambda n, b, r=1: math.ceil(n / (b * r))),
    (lesson05.check_steps_per_epoch, lambda n, b, r=1: -(-n // (b * r))),
    (lesson05.check_steps_per_epoch, lambda n, b, r=1: int(np.ceil(n / (b * r)))),
    (lesson05.check_steps_per_epoch, lambda n, b, r=1: n // (b * r) + (n % (b * r) > 0)),
    (lesson05.check_compile_model, compile_with_function_metric),
    (lesson05.check_make_callbacks, callbacks_positional),
    (lesson05.check_fit_model, lambda m, t, v, e, cw, cb, verbose=0: m.fit(
        t, validation_data=v, epochs=e, class_weight=cw, callbacks=cb, verbose=verbose)),
    (lesson05.check_fit_model, lambda m, t, v, e, cw, cb, verbose=0: m.fit(
        x=t, epochs=e, verbose=verbose, callbacks=list(cb), validation_data=v, class_weight=cw, shuffle=False)),
]


def all_reduce_loops(worker_gradients):
    total = [np.zeros_like(np.asarray(g), dtype=float) for g in worker_gradients[0]]
    for grads in worker_gradients:
        for i, g in enumerate(grads):
            total[i] = total[i] + np.asarray(g)
    return total


def average_loss_keras_style(per_example_loss, global_batch_size):
    import tensorflow as tf

    return tf.nn.compute_average_loss(per_example_loss, global_batch_size=global_batch_size)


RIGHT["05b"] = [
    (lesson05b.check_average_loss, average_loss_keras_style),
    (lesson05b.check_all_reduce_sum, all_reduce_loops),
    (lesson05b.check_all_reduce_sum, lambda wg: [sum(np.asarray(g) for g in grads) for grads in zip(*wg)]),
]


def confusion_add_at(y_true, y_pred, n=NUM_CLASSES):
    cm = np.zeros((n, n), dtype=int)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def recall_loop(cm):
    cm = np.asarray(cm)
    return np.array([cm[c, c] / cm[c].sum() if cm[c].sum() else 0.0 for c in range(len(cm))])


def precision_nan_to_zero(cm):
    cm = np.asarray(cm, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(np.diag(cm) / cm.sum(axis=0))


def gradcam_loop(maps, grads):
    heat = np.zeros(maps.shape[:2])
    for k in range(maps.shape[-1]):
        heat += grads[:, :, k].mean() * maps[:, :, k]
    heat = np.maximum(heat, 0)
    return heat / heat.max() if heat.max() > 0 else heat


RIGHT["06"] = [
    (lesson06.check_confusion_matrix, confusion_add_at),
    (lesson06.check_confusion_matrix,
     lambda t, p, n=NUM_CLASSES: np.bincount(np.asarray(t) * n + np.asarray(p), minlength=n * n).reshape(n, n)),
    (lesson06.check_recall, recall_loop),
    (lesson06.check_precision, precision_nan_to_zero),
    (lesson06.check_gradcam_heatmap, gradcam_loop),
    (lesson06.check_gradcam_heatmap, lambda m, g: (lambda h: h / h.max() if h.max() > 0 else h)(
        np.maximum(np.einsum("hwk,k->hw", m, g.mean(axis=(0, 1))), 0))),
]

RIGHT["07"] = [
    (lesson07.check_scale_boxes, lambda b, s: np.round(np.asarray(b) / s).astype(int)),
    (lesson07.check_scale_boxes, lambda b, s: np.rint(np.asarray(b, float) / s).astype(np.int32)),
    (lesson07.check_scale_boxes,
     lambda b, s: np.array([[round(v / s) for v in box] for box in b], dtype=int).reshape(-1, 4)),
    (lesson07.check_smooth, lambda prev, new, a: a * np.asarray(prev) + (1 - a) * np.asarray(new)),
    (lesson07.check_smooth, lambda prev, new, a: np.asarray(new) + a * (np.asarray(prev) - np.asarray(new))),
    (lesson07.check_main_face, lambda faces: max(faces, key=lambda f: f[0][2] * f[0][3], default=None)),
    (lesson07.check_main_face,
     lambda faces: sorted(faces, key=lambda f: f[0][2] * f[0][3])[-1] if len(faces) else None),
]

CASES = [(lesson, check, answer) for lesson, answers in RIGHT.items() for check, answer in answers]


@pytest.mark.parametrize("lesson, check, answer", CASES,
                         ids=[f"{lesson}-{check.title}-{i}" for i, (lesson, check, _) in enumerate(CASES)])
def test_a_right_answer_passes(lesson, check, answer, capsys):
    passes(check, answer)
    assert "✅ Correct" in capsys.readouterr().out


def test_every_exercise_has_right_answers_here():
    from emojify_lib.exercises._grading import EXERCISES

    covered = {(check.lesson, check.title) for _, check, _ in CASES}
    covered |= {("07", "crop_face"), ("07", "live_step"), ("06", "maps_and_gradients"),
                ("01", "perceptron_train"), ("01", "two_layer_forward"), ("01", "two_layer_gradients")}
    # lesson 08's right answers (two ways of writing each exercise) are in tests/exercises/test_lesson08.py
    covered |= {("08", title) for title in ("conv_bn_relu", "residual_block", "augment_face", "smooth_labels",
                                            "train_step", "flip_average")}
    missing = [(lesson, title) for lesson, titles in EXERCISES.items() for title in titles
               if (lesson, title) not in covered]
    assert not missing


# ------------------------------------------------ lesson 01's training and backprop, lesson 06's gradients (models)
def test_lesson01_training_and_backprop_variants(capsys):
    def train(X, y, lr=0.1, epochs=10, seed=0):
        rng = np.random.default_rng(seed)
        w, b = rng.normal(0.0, 0.5, size=X.shape[1]), 0.0
        history = [(w.copy(), b, 0)]
        for _ in range(epochs):
            wrong = 0
            for i in rng.permutation(len(X)):
                error = y[i] - step(X[i] @ w + b)
                wrong += error != 0
                w, b = w + lr * error * X[i], b + lr * error
            history.append((w.copy(), b, int(wrong)))
        return w, b, history

    def forward(X, params):
        H = 1 / (1 + np.exp(-(X @ params["W1"] + params["b1"])))
        return H, (1 / (1 + np.exp(-(H @ params["W2"] + params["b2"])))).ravel()

    def gradients(X, y, params):
        H, p = forward(X, params)
        d2 = (p - y)[:, None] / len(X)
        d1 = d2 @ params["W2"].T * H * (1 - H)
        return {"W1": X.T @ d1, "b1": d1.sum(0), "W2": H.T @ d2, "b2": d2.sum(0)}

    passes(lesson01.check_perceptron_train, train)
    passes(lesson01.check_two_layer_forward, forward)
    passes(lesson01.check_two_layer_gradients, gradients)


def test_lesson06_maps_and_gradients_variant(classic_model, capsys):
    import tensorflow as tf

    from emojify_lib.model.evaluation import _conv_and_output

    def maps_and_gradients(model, face, layer_name, class_index=None):
        x = tf.constant(face[None, :, :, None], dtype=tf.float32)
        with tf.GradientTape() as tape:
            maps, probs = _conv_and_output(model, x, layer_name)
            k = int(np.argmax(probs[0])) if class_index is None else class_index
            score = probs[:, k]
        grads = tape.gradient(score, maps)
        return np.asarray(maps)[0], np.asarray(grads)[0]

    faces = np.random.default_rng(0).integers(0, 256, (3, 48, 48)).astype(np.uint8)
    passes(lesson06.check_maps_and_gradients, maps_and_gradients, classic_model, faces, "conv4")


# -------------------------------------------------------------------- lesson 07: eight right crop_face variants
INTERPOLATIONS = {"default": None, "AREA": cv2.INTER_AREA, "LINEAR": cv2.INTER_LINEAR, "CUBIC": cv2.INTER_CUBIC}
VARIANTS = list(itertools.product(("rounded", "truncated"), INTERPOLATIONS))


def make_crop_face(margin_rounding, interpolation):
    def crop_face(frame, box, margin=0.1):
        x, y, w, h = box
        if margin_rounding == "rounded":
            dx, dy = round(w * margin), round(h * margin)
        else:
            dx, dy = int(w * margin), int(h * margin)
        height, width = frame.shape[:2]
        cut = frame[max(y - dy, 0):min(y + h + dy, height), max(x - dx, 0):min(x + w + dx, width)]
        gray = cv2.cvtColor(cut, cv2.COLOR_BGR2GRAY)
        flag = INTERPOLATIONS[interpolation]
        return cv2.resize(gray, (48, 48)) if flag is None else cv2.resize(gray, (48, 48), interpolation=flag)
    return crop_face


def make_live_step(crop_face):
    def live_step(frame, detector, model):
        found = detector.detect(frame)
        if len(found) == 0:
            return []
        probs = np.asarray(model(np.stack([crop_face(frame, b) for b in found])[..., None].astype("float32"),
                                 training=False))
        out = []
        for box, p in zip(found, probs):
            emotion = EMOTIONS[int(np.argmax(p))]
            out.append((tuple(int(v) for v in box), emotion, float(p.max()), load_emoji(emotion)))
        return out
    return live_step


@pytest.fixture(scope="module", params=["reference", "untrained"])
def lesson07_model(request, reference_model_path, classic_model):
    """The model lesson 07 reads faces with: the reference, or a classic CNN whose seven probabilities all sit
    near 1/7, closer to ties than any trained model's (the hardest case for a grader's tolerance)."""
    from emojify_lib.model import networks

    return networks.load_model(reference_model_path) if request.param == "reference" else classic_model


@pytest.mark.parametrize("margin_rounding, interpolation", VARIANTS)
def test_lesson07_every_right_crop_face_passes_both_checks(margin_rounding, interpolation, lesson07_model, capsys):
    crop_face = make_crop_face(margin_rounding, interpolation)
    lesson07.check_crop_face.check(crop_face)
    lesson07.check_live_step.check(make_live_step(crop_face), lesson07_model)
    assert capsys.readouterr().out.count("✅ Correct") == 2


def test_lesson07_live_step_with_predict_and_uint8_input_passes(lesson07_model):
    """model.predict on the whole batch is slow but right; so is feeding the uint8 crops (Keras casts them)."""
    def with_predict(frame, detector, model):
        boxes = detector.detect(frame)
        if not len(boxes):
            return []
        probs = model.predict(np.stack([lesson07._faces.crop_face(frame, b) for b in boxes])[..., None], verbose=0)
        return [(b, EMOTIONS[int(np.argmax(p))], float(np.max(p)), load_emoji(EMOTIONS[int(np.argmax(p))]))
                for b, p in zip(boxes, probs)]
    lesson07.check_live_step.check(with_predict, lesson07_model)
