"""The CNNs: the classic architecture, a stronger one, and loading saved models safely.

Every model here takes raw pixels, ``float32 (N, 48, 48, 1)`` in 0-255, and scales them itself with a
``Rescaling(1/255)`` layer, so training, evaluation and the webcam all feed the same thing. Outputs are
softmax probabilities ``(N, 7)`` in the canonical class order of :mod:`emojify_lib.core.emotions`.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..core import config
from ..core.emotions import CANONICAL_TO_CLASSIC, NUM_CLASSES
from ..core.errors import ModelError
from ..core.images import SIZE
# The model-file names, re-exported here because lessons and tests reach them as ``networks.<name>``.
from .files import (DEFAULT_MODEL_NAME, ModelChoice, choose_model, default_model_path,  # noqa: F401
                    find_trained_model, info_path, read_model_info, write_model_info)

import keras
from keras import layers

from .modern import modern_cnn  # lesson 08's network, in BUILDERS by name

INPUT_SHAPE = (SIZE, SIZE, 1)


def classic_cnn(name: str = "classic_cnn") -> keras.Model:
    """The classic Emojify network, layer for layer, with a ``Rescaling`` layer in front.

    Conv 32 → Conv 64 → MaxPool → Dropout .25 → Conv 128 → MaxPool → Conv 128 → MaxPool → Dropout .25 →
    Flatten → Dense 1024 → Dropout .5 → Dense 7 softmax (all 3×3 convolutions, ReLU, "valid" padding).
    About 2.3 million parameters, most of them in the first Dense layer.
    """
    return keras.Sequential([
        keras.Input(INPUT_SHAPE, name="pixels"),
        layers.Rescaling(1.0 / 255, name="rescale"),
        layers.Conv2D(32, 3, activation="relu", name="conv1"),
        layers.Conv2D(64, 3, activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Dropout(0.25, name="drop1"),
        layers.Conv2D(128, 3, activation="relu", name="conv3"),
        layers.MaxPooling2D(2, name="pool2"),
        layers.Conv2D(128, 3, activation="relu", name="conv4"),
        layers.MaxPooling2D(2, name="pool3"),
        layers.Dropout(0.25, name="drop2"),
        layers.Flatten(name="flatten"),
        layers.Dense(1024, activation="relu", name="dense1"),
        layers.Dropout(0.5, name="drop3"),
        layers.Dense(NUM_CLASSES, activation="softmax", name="emotion", dtype="float32"),
    ], name=name)


def _conv_block(x, filters: int, block: int, l2: float, dropout: float):
    reg = keras.regularizers.L2(l2)
    for i in (1, 2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_regularizer=reg,
                          name=f"b{block}_conv{i}")(x)
        x = layers.BatchNormalization(name=f"b{block}_bn{i}")(x)
        x = layers.Activation("relu", name=f"b{block}_relu{i}")(x)
    x = layers.MaxPooling2D(2, name=f"b{block}_pool")(x)
    return layers.Dropout(dropout, name=f"b{block}_drop")(x)


def strong_cnn(width: int = 64, l2: float = 1e-4, name: str = "strong_cnn") -> keras.Model:
    """A deeper VGG-style network meant for real FER2013.

    Four blocks of two 3×3 "same" convolutions with batch normalisation (``width``, 2×, 4×, 8× filters),
    each block ending in max pooling and dropout, then global average pooling, Dense 256 with batch norm
    and dropout .5, and the softmax. L2 weight decay on every kernel. With ``width=64`` it has about
    4.8 million parameters. Published networks of this shape reach about 73 % on FER2013's test split
    (Khaireddin & Chen, 2021); it has not been trained to the end here (about 20 minutes per epoch on a
    2-core CPU; the classic network's measured accuracy is in benchmarks/results.md, group 6).
    """
    inputs = keras.Input(INPUT_SHAPE, name="pixels")
    x = layers.Rescaling(1.0 / 255, name="rescale")(inputs)
    for block, (mult, drop) in enumerate(((1, 0.2), (2, 0.25), (4, 0.3), (8, 0.35)), start=1):
        x = _conv_block(x, width * mult, block, l2, drop)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(256, use_bias=False, kernel_regularizer=keras.regularizers.L2(l2), name="dense1")(x)
    x = layers.BatchNormalization(name="dense1_bn")(x)
    x = layers.Activation("relu", name="dense1_relu")(x)
    x = layers.Dropout(0.5, name="dense1_drop")(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="emotion", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


#: The networks by name: the one list that ``build_model``, ``train`` and the CLI's ``--model`` check against.
BUILDERS = {"classic": classic_cnn, "strong": strong_cnn, "modern": modern_cnn}
MODEL_NAMES = tuple(BUILDERS)


def check_model_name(name: str) -> str:
    """``name`` if it is one of :data:`MODEL_NAMES`, else a :class:`ModelError` that lists them."""
    if name not in BUILDERS:
        raise ModelError(f"unknown model {name!r}; choose one of {list(MODEL_NAMES)}")
    return name


def build_model(name: str = "classic", **kwargs) -> keras.Model:
    """Build a fresh, untrained model by name (one of :data:`MODEL_NAMES`)."""
    return BUILDERS[check_model_name(name)](**kwargs)


# -------------------------------------------------------------------------------------------- files
# Paths and records live in the Keras-free ``files`` module; load and save, which need Keras, live here.
def load_chosen(spec: str | Path | None = None) -> tuple[keras.Model, ModelChoice]:
    """``(keras model, ModelChoice)`` for :func:`emojify_lib.model.files.choose_model`'s pick (``spec``: ``None``,
    ``"reference"`` or a model file)."""
    choice = choose_model(spec)
    return load_model(choice.path), choice


def load_model(path: str | Path | None = None) -> keras.Model:
    """Load a trained emotion model and check that it fits emojify's input and output.

    ``path`` may be a ``.keras`` file (loaded with Keras's safe mode: a file carrying Python code, such as
    a ``Lambda`` layer, is refused) or a classic ``emotion_model.h5`` weights file of the classic architecture
    (its outputs are reordered from the alphabetical order to the canonical one). ``None`` loads
    :func:`find_trained_model`. Raises :class:`ModelError` with what to do on every failure.
    """
    if path is None:
        path = find_trained_model()
        if path is None:
            raise ModelError(f"No trained model found in {config.models_dir()}. Train one in lesson 05 or with "
                             "`python -m emojify_lib train`, or pass the path of a .keras file.")
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"No model file at {path}. Train one (lesson 05 or `python -m emojify_lib train`) "
                         "or check the path.")
    if path.stat().st_size == 0:
        raise ModelError(f"{path} is empty (0 bytes): the save was interrupted; train or copy it again.")
    if path.suffix == ".h5":
        model = load_classic_weights(path)
    elif path.suffix == ".keras":
        if not zipfile.is_zipfile(path):
            raise ModelError(f"{path} is not a complete .keras file (truncated or corrupt); save or copy it again.")
        try:
            model = keras.saving.load_model(path, compile=False, safe_mode=True)
        except Exception as exc:  # Keras raises many types; turn them into one readable message
            text = str(exc)
            if "unsafe" in text.lower() or "lambda" in text.lower() or "safe_mode" in text:
                raise ModelError(f"{path} was refused: it contains a Lambda layer or other Python code, which "
                                 "could run anything on your machine. emojify loads only models built from "
                                 "standard layers; rebuild it without Lambda layers.") from None
            raise ModelError(f"{path} could not be loaded as a Keras model: {text.splitlines()[0][:300]}") from None
    else:
        raise ModelError(f"{path}: unknown model format {path.suffix!r}; use a .keras file or a classic .h5 "
                         "weights file")
    check_model(model, path)
    return model


def check_model(model: keras.Model, where: str | Path = "model") -> None:
    """Raise :class:`ModelError` unless ``model`` maps ``(N, 48, 48, 1)`` to ``(N, 7)``."""
    in_shape = tuple(model.input_shape[1:]) if hasattr(model, "input_shape") else None
    out_shape = tuple(model.output_shape[1:]) if hasattr(model, "output_shape") else None
    if in_shape not in (INPUT_SHAPE, INPUT_SHAPE[:2]) or out_shape != (NUM_CLASSES,):
        raise ModelError(f"{where}: wrong architecture for emojify: input {in_shape}, output {out_shape}; "
                         f"expected input {INPUT_SHAPE} ({SIZE}×{SIZE} gray) and output ({NUM_CLASSES},) ({NUM_CLASSES} emotions)")


def load_classic_weights(path: str | Path) -> keras.Model:
    """Build :func:`classic_cnn` and load the classic Emojify ``emotion_model.h5`` into it.

    The classic file is a Keras 2 HDF5 weights file (``model.save_weights``) of the same layers, trained on
    pixels scaled by 1/255 with outputs in alphabetical folder order. Weights are matched layer by layer in
    order and the last layer's columns are permuted so the outputs come out in canonical order.
    """
    import h5py

    path = Path(path)
    model = classic_cnn()
    targets = [layer for layer in model.layers if layer.weights]
    try:
        with h5py.File(path, "r") as f:
            root = f["model_weights"] if "model_weights" in f else f  # full-model files nest the weights
            names = [n.decode() if isinstance(n, bytes) else n for n in root.attrs["layer_names"]]
            groups = []
            for name in names:
                group = root[name]
                weight_names = [w.decode() if isinstance(w, bytes) else w for w in group.attrs["weight_names"]]
                if weight_names:
                    groups.append((name, [np.asarray(group[w]) for w in weight_names]))
    except (OSError, KeyError) as exc:
        raise ModelError(f"{path} is not a readable Keras HDF5 weights file ({exc}); "
                         "is it the classic emotion_model.h5, fully downloaded?") from None
    if len(groups) != len(targets):
        raise ModelError(f"{path} holds weights for {len(groups)} layers but the classic CNN has {len(targets)}: "
                         "it is not the classic Emojify architecture")
    for layer, (name, values) in zip(targets, groups):
        expected = [tuple(w.shape) for w in layer.weights]
        if [v.shape for v in values] != expected:
            raise ModelError(f"{path}: layer {name!r} has weight shapes {[v.shape for v in values]}, "
                             f"the classic CNN's {layer.name!r} needs {expected}: not the classic architecture")
        layer.set_weights(values)
    kernel, bias = model.get_layer("emotion").get_weights()
    model.get_layer("emotion").set_weights([kernel[:, CANONICAL_TO_CLASSIC], bias[CANONICAL_TO_CLASSIC]])
    return model


def save_classic_weights(model: keras.Model, path: str | Path) -> Path:
    """Write a classic-architecture model in the classic ``emotion_model.h5`` layout (Keras 2 HDF5 weights,
    outputs in alphabetical order). Used by tests and for sharing with the classic scripts."""
    import h5py

    from ..core.emotions import CLASSIC_TO_CANONICAL

    path = Path(path)
    weighted = [layer for layer in model.layers if layer.weights]
    with h5py.File(path, "w") as f:
        names = [f"{type(layer).__name__.lower()}_{i}" for i, layer in enumerate(weighted, start=1)]
        f.attrs["layer_names"] = np.array([n.encode() for n in names])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.4.0"
        for name, layer in zip(names, weighted):
            values = layer.get_weights()
            if layer is weighted[-1]:
                values = [values[0][:, CLASSIC_TO_CANONICAL], values[1][CLASSIC_TO_CANONICAL]]
            group = f.create_group(name)
            wnames = [f"{name}/{kind}:0" for kind in ("kernel", "bias")][: len(values)]
            group.attrs["weight_names"] = np.array([w.encode() for w in wnames])
            for wname, value in zip(wnames, values):
                group.create_dataset(wname, data=value)
    return path
