"""Known pictures and tiny data sets to check the live path and the training code against: webcam-like frames
made from real photos that scikit-image ships (nothing is downloaded) and tiny random data sets.

Lesson 07's grader (:mod:`emojify_lib.exercises.lesson07`) grades the learner's live step on these frames, which
is why this module ships with the package; ``tests/``, ``benchmarks/`` and notebooks that check the pipeline use
them too. The core (core, data, model, live) never imports it (``lint-imports`` checks). The browser harness
(fake camera, Voilà, headless Chromium) is not part of the package: it lives in ``tests/browser_harness.py``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .core.emotions import NUM_CLASSES
from .core.images import SIZE
from .live.sources import sample_frames

#: Where the astronaut's face lies in :func:`astronaut_640x480`: (x, y, w, h), the photo's box (x 174-275,
#: y 64-165 in 512²) scaled by 480/512 and moved 80 px right.
ASTRONAUT_FACE = (80 + 174 * 480 // 512, 64 * 480 // 512, 101 * 480 // 512, 101 * 480 // 512)


def astronaut_640x480() -> np.ndarray:
    """skimage's astronaut photo as a 640×480 BGR frame: resized to 480×480 and padded left and right by 80 px
    (stretching would defeat the Haar cascade). The first frame of :func:`~emojify_lib.live.sources.sample_frames`."""
    return sample_frames(1)[0]


def lfw_faces_frame(n: int = 3) -> np.ndarray:
    """A 640×480 BGR frame with ``n`` faces from skimage's ``lfw_subset()`` (25×25 crops) enlarged to 150 px."""
    import cv2
    from skimage import data as skdata

    faces = skdata.lfw_subset()[:n]
    frame = np.full((480, 640, 3), 90, np.uint8)
    for i, face in enumerate(faces):
        big = cv2.resize((face * 255).astype(np.uint8), (150, 150), interpolation=cv2.INTER_CUBIC)
        big = cv2.copyMakeBorder(big, 25, 25, 25, 25, cv2.BORDER_REPLICATE)  # keep some context around the face
        x = 10 + i * 210
        frame[140:340, x:x + 200] = big[..., None]
    return frame


def sample_faces_csv(path, per_class: tuple[int, int, int] = (20, 5, 5)) -> Path:
    """A small FER2013-format csv of the bundled sample's drawn faces, ``per_class`` faces of each class in train,
    val and test (default 140 / 35 / 35): a whole training run of the CLI in seconds. Returns ``path``."""
    from .data import sample
    from .data.fer2013 import write_fer2013_csv

    splits = {split: sample.make_sample(n_per_class=n, seed=seed)
              for seed, (split, n) in enumerate(zip(("train", "val", "test"), per_class))}
    return write_fer2013_csv(path, splits)


def random_faces(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random ``uint8 (48, 48)`` "faces" and random labels ``int64 (n,)``."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, SIZE, SIZE), dtype=np.uint8), rng.integers(0, NUM_CLASSES, n).astype(np.int64)


def tiny_splits(n: int = 14) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{"train", "val", "test"}`` of ``n`` random faces each, every class present: enough to write a small
    ``fer2013.csv`` or folder tree (:func:`~emojify_lib.data.fer2013.write_fer2013_csv`,
    :func:`~emojify_lib.data.fer2013.write_image_folders`) and load it back."""
    out = {}
    for i, split in enumerate(("train", "val", "test")):
        x, y = random_faces(n, seed=i)
        y[:NUM_CLASSES] = np.arange(NUM_CLASSES)
        out[split] = (x, y)
    return out


def copy_reference(reference_model_path, folder):
    """Put the reference model (file, record, licence) into ``folder`` (e.g. a test's EMOJIFY_MODELS)."""
    import shutil

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for path in (reference_model_path, reference_model_path.with_suffix(".json")):
        shutil.copy(path, folder / path.name)
    return folder / reference_model_path.name
