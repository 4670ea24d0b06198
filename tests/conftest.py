"""Shared fixtures: real photos that scikit-image ships, turned into webcam-like frames without distorting faces."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


def astronaut_640x480() -> np.ndarray:
    """skimage's astronaut photo (512², face near x 174-275, y 64-165) as a 640×480 BGR frame: resized to 480×480
    and padded left/right by 80 px (stretching would defeat the Haar cascade)."""
    from skimage import data as skdata

    square = cv2.resize(cv2.cvtColor(skdata.astronaut(), cv2.COLOR_RGB2BGR), (480, 480), interpolation=cv2.INTER_AREA)
    return cv2.copyMakeBorder(square, 0, 0, 80, 80, cv2.BORDER_CONSTANT, value=(40, 40, 40))


#: Where the astronaut's face lies in that frame: (x, y, w, h), from the original box scaled by 480/512, +80 in x.
ASTRONAUT_FACE = (80 + 174 * 480 // 512, 64 * 480 // 512, 101 * 480 // 512, 101 * 480 // 512)


def lfw_faces_frame(n: int = 3) -> np.ndarray:
    """A 640×480 BGR frame with ``n`` faces from skimage's ``lfw_subset()`` (25×25 crops) enlarged to 150 px."""
    from skimage import data as skdata

    faces = skdata.lfw_subset()[:n]
    frame = np.full((480, 640, 3), 90, np.uint8)
    for i, face in enumerate(faces):
        big = cv2.resize((face * 255).astype(np.uint8), (150, 150), interpolation=cv2.INTER_CUBIC)
        big = cv2.copyMakeBorder(big, 25, 25, 25, 25, cv2.BORDER_REPLICATE)  # keep some context around the face
        x = 10 + i * 210
        frame[140:340, x:x + 200] = big[..., None]
    return frame


@pytest.fixture(scope="session")
def astronaut_frame():
    return astronaut_640x480()


@pytest.fixture(scope="session")
def reference_model_path():
    """models/reference.keras, set up by `make test` (`python -m emojify_lib reference`); set up here if missing."""
    from emojify_lib import reference

    return reference.ensure_reference()


def copy_reference(reference_model_path, folder):
    """Put the reference model (file, record, licence) into ``folder`` (e.g. a test's EMOJIFY_MODELS)."""
    import shutil
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for path in (reference_model_path, reference_model_path.with_suffix(".json")):
        shutil.copy(path, folder / path.name)
    return folder / reference_model_path.name


@pytest.fixture(scope="session")
def seed_model():
    from emojify_lib import models

    import keras
    keras.utils.set_random_seed(0)
    return models.seed_cnn()


def fails(check, *args, match):
    """Run an exercise grader on a wrong answer: it must raise ExerciseFailed matching ``match``; the message."""
    from emojify_lib.exercises import ExerciseFailed

    with pytest.raises(ExerciseFailed, match=match) as info:
        check(*args)
    assert str(info.value).startswith("❌")
    return str(info.value)
