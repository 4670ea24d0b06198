"""emojify: the helper library of the emojify course (a CNN that reads emotions on faces and shows emojis).

Modules, one idea each: ``emotions`` (the class list), ``data`` (FER2013 and tf.data), ``sample`` (the bundled
synthetic faces), ``models``, ``training``, ``evaluation``, ``perceptron`` and ``convolution`` (lessons 01-02
from scratch), ``faces``, ``predictor``, ``emoji``, ``camera``, ``demo``, ``webcam`` and ``exercises``.

The public names below are imported lazily, so ``import emojify_lib`` is instant and TensorFlow loads only
when a name that needs it is first used.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "EMOTIONS": "core.emotions", "DISPLAY_NAMES": "core.emotions", "NUM_CLASSES": "core.emotions", "label_of": "core.emotions",
    "EmojifyError": "core.errors", "DataError": "core.errors", "ImageError": "core.errors", "ModelError": "core.errors",
    "CameraError": "core.errors", "NoFaceError": "core.errors",
    "quick_mode": "core.config",
    "Dataset": "data.fer2013", "load_dataset": "data.fer2013", "load_fer2013_csv": "data.fer2013", "load_fer2013_folders": "data.fer2013",
    "make_tf_dataset": "data.fer2013", "to_gray48": "data.fer2013",
    "seed_cnn": "model.networks", "strong_cnn": "model.networks", "build_model": "model.networks", "load_model": "model.networks",
    "train": "model.training", "plot_history": "model.training",
    "predict_probs": "model.evaluation", "confusion_matrix": "model.evaluation", "per_class_report": "model.evaluation",
    "FaceDetector": "live.faces", "EmotionPredictor": "live.predictor",
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
