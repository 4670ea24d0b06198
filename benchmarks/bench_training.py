"""Group 3 — training throughput of the classic CNN (batch 64): our tf.data pipeline (cached uint8, augmented
in-graph per batch, prefetched) against a per-image Python generator that augments each image in NumPy/SciPy the
way Keras 2's ImageDataGenerator did (random flip, shift, rotation, zoom by one affine warp per image)."""
from __future__ import annotations

import time

import numpy as np
from common import Results
from scipy import ndimage

from emojify_lib.data import pipeline
from emojify_lib.model import networks

N_IMAGES = 3_200
BATCH = 64


def python_generator(x, y, batch_size=BATCH, seed=0):
    """Endless batches like ``ImageDataGenerator(rescale=1./255, ...).flow(...)``: one affine warp per image."""
    rng = np.random.default_rng(seed)
    n = len(x)
    while True:
        order = rng.permutation(n)
        for start in range(0, n - batch_size + 1, batch_size):
            idx = order[start:start + batch_size]
            batch = np.empty((batch_size, 48, 48, 1), np.float32)
            for i, j in enumerate(idx):
                img = x[j].astype(np.float32)
                if rng.random() < 0.5:
                    img = img[:, ::-1]
                angle = np.deg2rad(rng.uniform(-18, 18))
                zoom = rng.uniform(0.9, 1.1)
                shift = rng.uniform(-4.8, 4.8, 2)
                c, s = np.cos(angle) / zoom, np.sin(angle) / zoom
                matrix = np.array([[c, -s], [s, c]])
                offset = np.array([24, 24]) - matrix @ np.array([24, 24]) + shift
                batch[i, :, :, 0] = ndimage.affine_transform(img, matrix, offset, order=1, mode="nearest")
            yield batch, y[idx]


def _fit_rate(model, source, steps: int) -> float:
    model.fit(source, epochs=1, steps_per_epoch=steps // 4, verbose=0, shuffle=False)  # warm-up: trace, fill caches
    start = time.perf_counter()
    model.fit(source, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    return steps * BATCH / (time.perf_counter() - start)


def _pipeline_rate(source, batches: int = 100) -> float:
    """Images/s an input pipeline delivers on its own, with no model consuming them."""
    iterator = iter(source)
    next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * BATCH / (time.perf_counter() - start)


def main() -> Results:
    import keras

    res = Results("3 training throughput")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (N_IMAGES, 48, 48), dtype=np.uint8)
    y = rng.integers(0, 7, N_IMAGES)
    steps = N_IMAGES // BATCH
    pipelines = {
        "tf.data: cached, in-graph augmentation, prefetch":
            lambda: pipeline.make_tf_dataset(x, y, BATCH, shuffle=True, augment=True).repeat(),
        "Python generator, per-image NumPy/SciPy augmentation": lambda: python_generator(x, y),
    }
    warm = networks.classic_cnn()  # the first fit in a process pays one-off start-up costs; pay them here
    warm.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    warm.fit(pipeline.make_tf_dataset(x, y, BATCH).repeat(), epochs=1, steps_per_epoch=10, verbose=0)
    fit, alone = {}, {}
    for name, make in pipelines.items():
        keras.utils.set_random_seed(0)
        model = networks.classic_cnn()
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        fit[name] = _fit_rate(model, make(), steps)
        res.add(f"train classic CNN with {name}", fit[name], "images/s", f"batch {BATCH}, {steps} steps")
    for name, make in pipelines.items():
        alone[name] = _pipeline_rate(make())
        res.add(f"input pipeline alone: {name}", alone[name], "images/s", "no model")
    (ours_fit, classic_fit), (ours_alone, classic_alone) = fit.values(), alone.values()
    res.add("ratio in training, tf.data / Python generator", ours_fit / classic_fit, "×", "target ≥ 2×")
    res.add("ratio of the pipelines alone, tf.data / Python generator", ours_alone / classic_alone, "×",
            "what the pipeline can feed a faster device")
    res.save()
    return res


if __name__ == "__main__":
    main()
