"""Feeding faces to Keras: the ``tf.data`` pipeline and the training augmentations.

Batches are ``float32 (B, 48, 48, 1)`` raw 0-255 pixels, the same thing :func:`emojify_lib.core.images.as_batch`
gives a model outside training; the model's ``Rescaling`` layer scales them.
"""
from __future__ import annotations

import numpy as np

from ..core.emotions import NUM_CLASSES
from ..core.errors import DataError, ImageError
from ..core.images import SIZE, as_faces


def class_weights(labels, num_classes: int | None = None) -> dict[int, float]:
    """Balanced class weights ``n / (k · n_c)`` for Keras's ``fit(class_weight=...)``, as ``{class id: weight}``.

    Defined in lesson 03 (lesson 05 passes them to ``fit``).

    ``labels`` are int class ids ``(N,)``; ``k`` is ``num_classes`` (default: 7, FER2013's classes). A rare class
    gets a weight above 1, a common one below 1; a balanced set gets 1 everywhere. A class with no examples gets
    weight 0 (it never appears, so its weight is never used) instead of a division by zero.
    """
    k = NUM_CLASSES if num_classes is None else int(num_classes)
    y = np.asarray(labels).ravel()
    if y.size == 0:
        raise DataError("class_weights: no labels given; pass the training labels, e.g. data.y_train")
    if y.min() < 0 or y.max() >= k:
        raise DataError(f"class_weights: labels must lie in 0..{k - 1}, got {int(y.min())}..{int(y.max())}")
    counts = np.bincount(y.astype(np.int64), minlength=k)
    return {c: float(y.size / (k * n)) if n else 0.0 for c, n in enumerate(counts)}


def augmentation_layers(seed: int = 0):
    """The random augmentations used in training, as a Keras ``Sequential`` working on raw 0-255 batches
    ``(B, 48, 48, 1)``: horizontal flip, shift up to 10 %, rotation up to ±18°, zoom ±10 %, contrast ±20 %."""
    import keras

    return keras.Sequential([
        keras.layers.RandomFlip("horizontal", seed=seed),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", seed=seed + 1),
        keras.layers.RandomRotation(0.05, fill_mode="nearest", seed=seed + 2),
        keras.layers.RandomZoom(0.1, fill_mode="nearest", seed=seed + 3),
        keras.layers.RandomContrast(0.2, value_range=(0, 255), seed=seed + 4),
    ], name="augment")


def make_tf_dataset(x: np.ndarray, y: np.ndarray | None = None, batch_size: int = 64, shuffle: bool = False,
                    augment: bool = False, cache: bool = True, seed: int = 0):
    """A ``tf.data.Dataset`` of batches ``(float32 (B, 48, 48, 1) raw 0-255, int64 (B,))``.

    The uint8 faces are cached in memory, shuffled each epoch (``shuffle``), batched, augmented in-graph on
    whole batches (``augment``) and prefetched. ``y=None`` gives batches of images only.
    """
    import tensorflow as tf

    x = as_faces(x, "make_tf_dataset")
    if x.dtype != np.uint8:
        raise ImageError(f"make_tf_dataset expects uint8 faces of shape (N, {SIZE}, {SIZE}) (raw pixels, cached "
                         f"as they are), got {x.dtype} {x.shape}")
    if y is not None and len(y) != len(x):
        raise DataError(f"make_tf_dataset: {len(x)} images but {len(y)} labels")
    items = x[..., None] if y is None else (x[..., None], np.asarray(y, dtype=np.int64))
    ds = tf.data.Dataset.from_tensor_slices(items)
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(min(len(x), 20_000), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    to_float = (lambda a: tf.cast(a, tf.float32)) if y is None else (lambda a, b: (tf.cast(a, tf.float32), b))
    ds = ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    if augment:
        layers = augmentation_layers(seed)
        if y is None:
            ds = ds.map(lambda a: layers(a, training=True), num_parallel_calls=tf.data.AUTOTUNE)
        else:
            ds = ds.map(lambda a, b: (layers(a, training=True), b), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
