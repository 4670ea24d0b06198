"""Lesson 08's modern CNN and the recipe that trains it past the reference model on a laptop CPU.

The network: stages of 3×3 conv–batch-norm–ReLU blocks (32/64/128/256 channels; one block at full 48×48
resolution, two in each later stage), max pooling between stages, global average pooling, dropout and the softmax.
The recipe: flip + random-crop augmentation in ``tf.data``, label smoothing, AdamW with a one-epoch warm-up and a
cosine to zero, batch 128, and flip averaging at test time. Lesson 08 writes each piece in its cells (the block,
the head, the augmentation, the ``GradientTape`` step and the epoch loop); this module is what the CLI
(``python -m emojify_lib train``), the benchmark and later lessons reuse. Measured on real FER2013 in
``benchmarks/results.md`` (group 10), with the CPU named.

Like every model of the course the network takes raw ``float32 (N, 48, 48, 1)`` pixels in 0-255 and scales them
itself (one ``Rescaling`` layer); outputs are probabilities ``(N, 7)`` in :mod:`emojify_lib.core.emotions`' order.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from ..core.emotions import NUM_CLASSES
from ..core.errors import DataError
from ..core.images import SIZE

import keras
import tensorflow as tf
from keras import layers

INPUT_SHAPE = (SIZE, SIZE, 1)


def conv_bn_relu(x, filters: int, name: str):
    """3×3 "same" convolution without bias (batch norm's shift replaces it), batch norm, ReLU. Defined in lesson 08."""
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def modern_cnn(widths=(32, 64, 128, 256), blocks=(1, 2, 2, 2), dropout: float = 0.4,
               name: str = "modern_cnn") -> keras.Model:
    """Lesson 08's network: for each stage ``blocks[i]`` conv–BN–ReLU blocks of ``widths[i]`` channels, max pooling
    between stages (48 → 24 → 12 → 6), global average pooling, dropout, Dense softmax. About 1.17 M parameters
    with the defaults. One block at 48×48 instead of two makes a training step about a third cheaper on a CPU
    (``benchmarks/results.md``, group 10)."""
    if len(widths) != len(blocks) or not widths:
        raise ValueError(f"modern_cnn: give one block count per stage, got widths={widths} blocks={blocks}")
    inputs = keras.Input(INPUT_SHAPE, name="pixels")
    x = layers.Rescaling(1.0 / 255, name="rescale")(inputs)
    for stage, (width, count) in enumerate(zip(widths, blocks), start=1):
        for block in range(1, count + 1):
            x = conv_bn_relu(x, width, f"s{stage}b{block}")
        if stage < len(widths):
            x = layers.MaxPooling2D(2, name=f"s{stage}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="emotion", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


@dataclass
class ModernRecipe:
    """Hyper-parameters of lesson 08's recipe. ``full()`` is the one measured on real FER2013 on a 2-core CPU;
    ``quick()`` fits the bundled sample in CI. ``precision``: ``"float32"``, ``"bfloat16"`` (Keras's
    ``mixed_bfloat16``: bfloat16 maths, float32 weights) or ``"auto"``, which times a few steps of each on this
    machine and keeps the faster (bfloat16 pays on some CPUs and costs on others)."""
    epochs: int = 17
    batch_size: int = 128
    peak_learning_rate: float = 2e-3
    warmup_epochs: float = 1.0
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    crop_padding: int = 4
    flip: bool = True
    precision: str = "auto"
    widths: tuple = (32, 64, 128, 256)
    blocks: tuple = (1, 2, 2, 2)

    def __post_init__(self):
        if self.precision not in ("auto", "float32", "bfloat16"):
            raise ValueError(f"ModernRecipe.precision must be auto, float32 or bfloat16, not {self.precision!r}")

    @classmethod
    def full(cls) -> "ModernRecipe":
        return cls()

    @classmethod
    def quick(cls) -> "ModernRecipe":
        # 5 epochs of batch 32 on the 2,070 sample faces: 67-70 % test on two seeds (batch 64 needs 8 epochs)
        return cls(epochs=5, batch_size=32, widths=(16, 32, 64, 128), precision="float32")

    def with_(self, **changes) -> "ModernRecipe":
        return replace(self, **changes)


def augment_face(image, padding: int = 4, flip: bool = True):
    """One training face ``(48, 48, 1)``: mirrored left-right half of the time, then a random 48×48 crop of it
    padded by ``padding`` pixels on each side (edge pixels mirrored outwards): a shift of up to ``padding``
    pixels. Defined in lesson 08."""
    if flip:
        image = tf.image.random_flip_left_right(image)
    if padding:
        padded = tf.pad(image, [[padding, padding], [padding, padding], [0, 0]], mode="SYMMETRIC")
        image = tf.image.random_crop(padded, [SIZE, SIZE, 1])
    return image


def training_dataset(x: np.ndarray, y: np.ndarray, recipe: ModernRecipe, seed: int = 0) -> tf.data.Dataset:
    """Shuffled, augmented batches ``(float32 (B, 48, 48, 1) raw pixels, one-hot float32 (B, 7))`` for one pass
    over ``x`` (uint8 ``(N, 48, 48)``) and ``y`` (class ids ``(N,)``); iterate it again for the next epoch."""
    x, y = _checked(x, y, "training_dataset")
    ds = tf.data.Dataset.from_tensor_slices((x[..., None], y.astype(np.int32)))
    ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)

    def prepare(image, label):
        image = augment_face(tf.cast(image, tf.float32), recipe.crop_padding, recipe.flip)
        return image, tf.one_hot(label, NUM_CLASSES)

    return ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).batch(recipe.batch_size).prefetch(tf.data.AUTOTUNE)


def _checked(x, y, where: str):
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 3 or x.shape[1:] != (SIZE, SIZE) or x.dtype != np.uint8:
        raise DataError(f"{where}: expected uint8 faces of shape (N, {SIZE}, {SIZE}), got {x.dtype} {x.shape}")
    if len(y) != len(x):
        raise DataError(f"{where}: {len(x)} faces but {len(y)} labels")
    if len(x) == 0:
        raise DataError(f"{where}: no faces given")
    return x, y


def make_optimizer(recipe: ModernRecipe, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """AdamW whose learning rate climbs linearly to the peak over the warm-up, then follows a half cosine to 0 at
    the last step. Defined in lesson 08."""
    total = max(2, steps_per_epoch * recipe.epochs)
    warmup = min(total - 1, int(round(steps_per_epoch * recipe.warmup_epochs)))
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=total - warmup, warmup_target=recipe.peak_learning_rate, warmup_steps=warmup)
    return keras.optimizers.AdamW(learning_rate=schedule, weight_decay=recipe.weight_decay)


def make_train_step(model: keras.Model, optimizer, loss_fn):
    """A compiled training step for ``model``: forward pass under a ``GradientTape``, loss, gradients, one
    optimizer update; returns the batch's mean loss and accuracy. Defined in lesson 08 (the learner writes it)."""
    @tf.function
    def train_step(images, targets):
        with tf.GradientTape() as tape:
            probs = model(images, training=True)
            loss = loss_fn(targets, probs)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        hits = tf.equal(tf.argmax(probs, axis=-1), tf.argmax(targets, axis=-1))
        return loss, tf.reduce_mean(tf.cast(hits, tf.float32))
    return train_step


def _answers(model: keras.Model, x: np.ndarray, batch_size: int = 256, flip: bool = True):
    """``(plain, mirrored)`` probabilities ``float32 (N, 7)`` for uint8 faces ``(N, 48, 48)``: one compiled call
    per batch answers each face and its mirror image (``mirrored`` is ``None`` when not ``flip``). The last batch
    is padded to ``batch_size`` so the call is traced once."""
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[1:] != (SIZE, SIZE):
        raise DataError(f"expected faces of shape (N, {SIZE}, {SIZE}), got {x.shape}")

    @tf.function
    def both(batch):
        plain = model(batch, training=False)
        return plain, (model(tf.reverse(batch, axis=[2]), training=False) if flip else plain)

    plain, mirrored = [], []
    for start in range(0, len(x), batch_size):
        chunk = x[start:start + batch_size]
        batch = np.zeros((batch_size, SIZE, SIZE, 1), np.float32)
        batch[: len(chunk), :, :, 0] = chunk
        p, m = both(tf.constant(batch))
        plain.append(np.asarray(p, np.float32)[: len(chunk)])
        mirrored.append(np.asarray(m, np.float32)[: len(chunk)])
    if not plain:
        empty = np.zeros((0, NUM_CLASSES), np.float32)
        return empty, (empty if flip else None)
    return np.concatenate(plain), (np.concatenate(mirrored) if flip else None)


def predict_flip_average(model: keras.Model, x: np.ndarray, batch_size: int = 256, flip: bool = True) -> np.ndarray:
    """Class probabilities ``float32 (N, 7)`` for uint8 faces ``(N, 48, 48)``, averaged over each face and its
    mirror image when ``flip`` (test-time augmentation). Defined in lesson 08."""
    plain, mirrored = _answers(model, x, batch_size, flip)
    return plain if mirrored is None else (plain + mirrored) / 2


def accuracy(probs: np.ndarray, y: np.ndarray) -> float:
    return float((np.asarray(probs).argmax(axis=1) == np.asarray(y)).mean()) if len(y) else float("nan")


def build(recipe: ModernRecipe, precision: str = "float32") -> keras.Model:
    """:func:`modern_cnn` with the recipe's widths, built under ``precision``'s dtype policy."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    try:
        return modern_cnn(recipe.widths, recipe.blocks)
    finally:
        keras.mixed_precision.set_global_policy(previous)


def time_precisions(recipe: ModernRecipe, steps: int = 10) -> dict[str, float]:
    """Images per second of a training step in float32 and in bfloat16 on this machine, measured side by side
    (after one warm-up step each) on random faces. What ``precision="auto"`` decides by."""
    rng = np.random.default_rng(0)
    images = tf.constant(rng.integers(0, 256, (recipe.batch_size, SIZE, SIZE, 1)).astype(np.float32))
    targets = tf.one_hot(rng.integers(0, NUM_CLASSES, recipe.batch_size), NUM_CLASSES)
    speeds = {}
    for precision in ("float32", "bfloat16"):
        model = build(recipe, precision)
        step = make_train_step(model, keras.optimizers.AdamW(1e-4), keras.losses.CategoricalCrossentropy())
        step(images, targets)
        start = time.perf_counter()
        for _ in range(steps):
            loss, _ = step(images, targets)
        float(loss)
        speeds[precision] = steps * recipe.batch_size / (time.perf_counter() - start)
    return speeds


def fit_modern(x_train, y_train, recipe: ModernRecipe | None = None, *, test: tuple | None = None,
               test_every: int = 1, seed: int = 0, verbose: bool = True, on_epoch=None):
    """Train lesson 08's network with its recipe and the course's own training loop; returns ``(model, log)``.

    ``x_train`` uint8 ``(N, 48, 48)``, ``y_train`` class ids ``(N,)``. ``test=(x, y)``: test accuracy (plain and
    flip-averaged) every ``test_every`` epochs and after the last, timed apart from training. ``log`` is a dict:
    per-epoch lists (``loss``, ``accuracy``, ``train_seconds``, ``test_accuracy``, ``test_accuracy_flip``), the
    ``precision`` used and its timing, ``train_seconds`` in all. A progress bar with a time estimate shows each
    epoch when ``verbose``. The returned model computes in float32 whatever precision trained it.
    """
    recipe = recipe or ModernRecipe.full()
    x_train, y_train = _checked(x_train, y_train, "fit_modern")
    keras.utils.set_random_seed(seed)
    log = {"loss": [], "accuracy": [], "train_seconds": [], "test_epochs": [], "test_accuracy": [],
           "test_accuracy_flip": [], "test_seconds": []}
    precision = recipe.precision
    if precision == "auto":
        log["precision_speeds"] = {k: round(v, 1) for k, v in time_precisions(recipe).items()}
        precision = max(log["precision_speeds"], key=log["precision_speeds"].get)
        keras.utils.set_random_seed(seed)
    log["precision"] = precision
    model = build(recipe, precision)
    steps = math.ceil(len(x_train) / recipe.batch_size)
    optimizer = make_optimizer(recipe, steps)
    loss_fn = keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing)
    train_step = make_train_step(model, optimizer, loss_fn)
    # One iterator over a repeated dataset for the whole run: a fresh iterator every epoch (``for b in data``) made
    # some epochs wait up to a minute at their end, tearing the last one down (benchmarks/results.md, group 10).
    batches = iter(training_dataset(x_train, y_train, recipe, seed).repeat())
    for epoch in range(1, recipe.epochs + 1):
        bar = keras.utils.Progbar(steps, stateful_metrics=["loss", "accuracy"], verbose=1 if verbose else 0)
        if verbose:
            print(f"Epoch {epoch}/{recipe.epochs}")
        started = time.perf_counter()
        total_loss = total_hits = seen = 0.0
        for _ in range(steps):
            images, targets = next(batches)
            loss, acc = train_step(images, targets)
            n = int(images.shape[0])
            total_loss += float(loss) * n
            total_hits += float(acc) * n
            seen += n
            bar.add(1, [("loss", total_loss / seen), ("accuracy", total_hits / seen)])
        log["train_seconds"].append(round(time.perf_counter() - started, 2))
        log["loss"].append(total_loss / seen)
        log["accuracy"].append(total_hits / seen)
        if test is not None and (epoch % test_every == 0 or epoch == recipe.epochs):
            started = time.perf_counter()
            plain, mirrored = _answers(model, test[0])
            log["test_epochs"].append(epoch)
            log["test_accuracy"].append(accuracy(plain, test[1]))
            log["test_accuracy_flip"].append(accuracy(plain + mirrored, test[1]))
            log["test_seconds"].append(round(time.perf_counter() - started, 2))
            if verbose:
                print(f"  test accuracy {log['test_accuracy'][-1]:.1%}, with flip averaging "
                      f"{log['test_accuracy_flip'][-1]:.1%}")
        if verbose and epoch < recipe.epochs:
            left = (recipe.epochs - epoch) * sum(log["train_seconds"]) / epoch / 60
            print(f"  about {left:.0f} min of training to go ({recipe.epochs - epoch} epochs)")
        if on_epoch is not None:
            on_epoch(epoch, log)
    log["total_train_seconds"] = round(sum(log["train_seconds"]), 1)
    if precision != "float32":  # hand back a float32 model (same weights): the live path and TFLite expect it
        plain = build(recipe, "float32")
        plain.set_weights(model.get_weights())
        model = plain
    return model, log


def train_modern(dataset, recipe: ModernRecipe | None = None, out=None, seed: int = 0, verbose: bool = True):
    """Train lesson 08's network on ``dataset`` (a :class:`~emojify_lib.data.fer2013.Dataset`) with ``recipe``
    (default: :meth:`ModernRecipe.full` on FER2013, :meth:`ModernRecipe.quick` on the sample), test it with flip
    averaging, and save it to ``out`` (default ``models/emotion_cnn.keras``) with a record holding its test
    accuracy. On FER2013 it trains on the Training faces and the hold-out together (28,709): the schedule ends at
    zero and the last epoch is the one kept. Returns ``(path, log)``. What ``python -m emojify_lib train`` runs."""
    from pathlib import Path

    from . import files

    if recipe is None:
        recipe = ModernRecipe.quick() if dataset.source == "sample" else ModernRecipe.full()
    x, y = dataset.train
    if dataset.source != "sample" and len(dataset.val[1]):
        x, y = np.concatenate([x, dataset.val[0]]), np.concatenate([y, dataset.val[1]])
    out = Path(out) if out is not None else files.default_model_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    model, log = fit_modern(x, y, recipe, test=dataset.test, test_every=recipe.epochs, seed=seed, verbose=verbose)
    partial = out.with_name(out.stem + ".partial.keras")
    model.save(partial)
    partial.replace(out)
    files.write_model_info(out, data_source=dataset.source, data_description=dataset.description,
                           model=model.name, epochs_run=recipe.epochs, test_accuracy=log["test_accuracy_flip"][-1],
                           test_accuracy_plain=log["test_accuracy"][-1], test_flip_average=True,
                           train_images=int(len(x)), seconds=log["total_train_seconds"], precision=log["precision"])
    return out, log
