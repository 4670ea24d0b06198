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
    "EMOTIONS": "emotions", "DISPLAY_NAMES": "emotions", "NUM_CLASSES": "emotions", "label_of": "emotions",
    "EmojifyError": "errors", "DataError": "errors", "ImageError": "errors", "ModelError": "errors",
    "CameraError": "errors", "NoFaceError": "errors",
    "quick_mode": "config",
    "Dataset": "data", "load_dataset": "data", "load_fer2013_csv": "data", "load_fer2013_folders": "data",
    "make_tf_dataset": "data", "to_gray48": "data",
    "seed_cnn": "models", "strong_cnn": "models", "build_model": "models", "load_model": "models",
    "train": "training", "plot_history": "training",
    "predict_probs": "evaluation", "confusion_matrix": "evaluation", "per_class_report": "evaluation",
    "FaceDetector": "faces", "EmotionPredictor": "predictor",
    "KernelCameraDemo": "demo", "BrowserCameraDemo": "demo",
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
