"""emojify: the helper library of the emojify course (a CNN that reads emotions on faces and shows emojis).

Folders, each importing only the ones below it (``lint-imports`` checks the contract in pyproject.toml):

* ``core``: ``emotions`` (the class list), ``errors``, ``config`` (quick mode, paths), ``images`` (image rules);
* ``data``: ``fer2013`` (loaders, writers, ``load_dataset``), ``sample`` (drawn faces), ``pipeline`` (tf.data);
* ``model``: ``networks``, ``files`` (paths, records, which model; no Keras), ``reference``, ``training``,
  ``evaluation``, ``distributed``;
* ``live``: ``faces``, ``predictor``, ``tracking``, ``overlay``, ``sources``, ``session`` (the one live step);
* ``apps``: ``widgets`` (kernel and browser camera), ``window`` (Tk); ``__main__`` is the CLI.

Course parts sit beside them and depend on them, never the other way: ``lessons`` (``perceptron``,
``convolution``, ``anatomy``) and ``exercises`` (the graders). ``testing`` holds frames and tiny data sets
shared by the tests and the benchmarks.

The public names below are imported lazily, so ``import emojify_lib`` is instant and TensorFlow loads only
when a name that needs it is first used.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

from .core import config as _config

_config.install_quiet_tensorflow_import()  # TensorFlow, whoever imports it first, loads without its start-up lines

_EXPORTS = {
    "EMOTIONS": "core.emotions", "DISPLAY_NAMES": "core.emotions", "NUM_CLASSES": "core.emotions",
    "label_of": "core.emotions",
    "EmojifyError": "core.errors", "DataError": "core.errors", "ImageError": "core.errors",
    "ModelError": "core.errors", "CameraError": "core.errors", "NoFaceError": "core.errors",
    "quick_mode": "core.config",
    "SIZE": "core.images", "as_gray": "core.images", "as_batch": "core.images", "read_image": "core.images",
    "to_gray48": "core.images",
    "Dataset": "data.fer2013", "load_dataset": "data.fer2013", "load_fer2013_csv": "data.fer2013",
    "load_fer2013_folders": "data.fer2013", "read_csv_row": "data.fer2013", "read_folder_image": "data.fer2013", "make_tf_dataset": "data.pipeline", "class_weights": "data.pipeline",
    "classic_cnn": "model.networks", "strong_cnn": "model.networks", "build_model": "model.networks",
    "load_model": "model.networks", "MODEL_NAMES": "model.networks",
    "train": "model.training", "plot_history": "model.training",
    "predict_probs": "model.evaluation", "confusion_matrix": "model.evaluation",
    "per_class_report": "model.evaluation",
    "FaceDetector": "live.faces", "EmotionPredictor": "live.predictor",
    "LiveSession": "live.session", "LIVE_SETTINGS": "live.session",
    "KernelCameraDemo": "apps.widgets", "BrowserCameraDemo": "apps.widgets",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'emojify_lib' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
