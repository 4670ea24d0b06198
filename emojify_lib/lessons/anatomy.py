"""Taking a CNN apart (lesson 04): output sizes and parameter counts by hand, receptive fields, feature maps.

Every count here is computed from the layer's configuration with the formulas of the lesson, never read back
from Keras, so that a notebook can put the hand-derived number next to Keras's and assert they agree:

* a convolution's output length: ``(n - k) // s + 1`` with "valid" padding, ``ceil(n / s)`` with "same";
* a convolution's parameters: ``(k·k·c_in + 1)·c_out`` (one k×k×c_in kernel plus one bias per filter);
* a dense layer's parameters: ``(n_in + 1)·n_out``;
* the receptive field: ``r_out = r_in + (k - 1)·j_in`` and ``j_out = j_in·s``, starting at ``r = j = 1``.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import keras
import numpy as np

from .convolution import output_size


def conv_output_size(n: int, k: int, stride: int = 1, padding: str = "valid") -> int:
    """Length of one side of a convolution's (or pooling's) output for an input side ``n``, window ``k``.

    ``"valid"``: only windows that fit, ``(n - k) // stride + 1``. ``"same"``: the input is zero-padded so that
    ``ceil(n / stride)`` windows fit (``n`` itself at stride 1). Defined in lesson 04.
    """
    if padding == "valid":  # lesson 02's formula with no padding
        return output_size(n, k, 0, stride)
    if padding == "same":
        return math.ceil(n / stride)
    raise ValueError(f"padding must be 'valid' or 'same', not {padding!r}")


def conv_params(k: int | tuple[int, int], c_in: int, c_out: int, bias: bool = True) -> int:
    """Weights of a 2-D convolution: ``c_out`` kernels of ``k × k × c_in`` numbers, plus a bias each.
    Defined in lesson 04."""
    kh, kw = (k, k) if isinstance(k, int) else k
    return (kh * kw * c_in + int(bias)) * c_out


def dense_params(n_in: int, n_out: int, bias: bool = True) -> int:
    """Weights of a dense layer: one weight per input per output, plus a bias per output."""
    return (n_in + int(bias)) * n_out


class LayerRow(NamedTuple):
    """One row of :func:`layer_table`. ``shape`` and ``hand_params`` come from the formulas; ``keras_shape`` and
    ``keras_params`` from Keras (without the batch dimension)."""
    name: str
    type: str
    shape: tuple
    keras_shape: tuple
    hand_params: int
    keras_params: int


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


_POOLING = keras.layers.MaxPooling2D | keras.layers.AveragePooling2D


def _window(layer) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """``((kh, kw), (sh, sw))``: the window and strides of a Conv2D or pooling layer; None for other layers."""
    cfg = layer.get_config()
    if isinstance(layer, keras.layers.Conv2D):
        return _pair(cfg["kernel_size"]), _pair(cfg["strides"])
    if isinstance(layer, _POOLING):
        return _pair(cfg["pool_size"]), _pair(cfg["strides"] or cfg["pool_size"])
    return None


def _hand_step(layer, shape: tuple) -> tuple[tuple, int]:
    """(output shape, parameter count) of ``layer`` for an input of ``shape``, by the lesson's formulas."""
    cfg = layer.get_config()
    window = _window(layer)
    if window is not None:  # Conv2D or pooling
        (kh, kw), (sh, sw) = window
        h, w, c_in = shape
        side = (conv_output_size(h, kh, sh, cfg["padding"]), conv_output_size(w, kw, sw, cfg["padding"]))
        if isinstance(layer, keras.layers.Conv2D):
            return side + (cfg["filters"],), conv_params((kh, kw), c_in, cfg["filters"], cfg["use_bias"])
        return side + (c_in,), 0
    if isinstance(layer, keras.layers.Dense):
        return shape[:-1] + (cfg["units"],), dense_params(shape[-1], cfg["units"], cfg["use_bias"])
    if isinstance(layer, keras.layers.Flatten):
        return (int(np.prod(shape)),), 0
    if isinstance(layer, keras.layers.GlobalAveragePooling2D | keras.layers.GlobalMaxPooling2D):
        return (shape[-1],), 0
    if isinstance(layer, keras.layers.BatchNormalization):
        # gamma and beta are learned; the moving mean and variance are statistics, counted by Keras too
        return shape, 4 * shape[-1]
    if isinstance(layer, keras.layers.Rescaling | keras.layers.Dropout | keras.layers.Activation | keras.layers.ReLU):
        return shape, 0
    raise ValueError(f"layer_table does not know the formulas for {type(layer).__name__} ({layer.name})")


def _chain(model: keras.Model) -> list:
    """The model's layers in order, without the input layer (a Sequential or a straight-chain functional model)."""
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def layer_table(model: keras.Model) -> list[LayerRow]:
    """Per layer: name, type, output shape by hand and by Keras, parameters by hand and by Keras.

    The hand columns propagate the input shape ``(48, 48, 1)`` through the formulas of the module docstring;
    works for straight-chain models built from Conv2D, pooling, Dense, Flatten, global pooling, batch
    normalisation, Rescaling, Dropout and activations (raises ``ValueError`` on other layers).
    """
    shape = tuple(int(d) for d in model.input_shape[1:])
    rows = []
    for layer in _chain(model):
        shape, params = _hand_step(layer, shape)
        keras_shape = tuple(int(d) for d in layer.output.shape[1:])
        rows.append(LayerRow(layer.name, type(layer).__name__, shape, keras_shape, params, int(layer.count_params())))
    return rows


def format_layer_table(rows: Sequence[LayerRow]) -> str:
    """``layer_table``'s rows as a plain-text table with a total line (for ``print``)."""
    lines = [f"{'layer':<12} {'type':<20} {'output (hand)':<15} {'output (Keras)':<15} {'params (hand)':>14} "
             f"{'params (Keras)':>15}"]
    lines.append("-" * len(lines[0]))
    for r in rows:
        lines.append(f"{r.name:<12} {r.type:<20} {str(r.shape):<15} {str(r.keras_shape):<15} {r.hand_params:>14,} "
                     f"{r.keras_params:>15,}")
    lines.append("-" * len(lines[0]))
    lines.append(f"{'total':<65} {sum(r.hand_params for r in rows):>14,} {sum(r.keras_params for r in rows):>15,}")
    return "\n".join(lines)


class ReceptiveField(NamedTuple):
    """How many input pixels (``size`` × ``size``) one output value of a layer depends on, and ``jump``: how many
    input pixels apart two neighbouring output values are. ``size`` is the whole input after Flatten/Dense."""
    name: str
    size: int
    jump: int


def receptive_fields(model: keras.Model) -> list[ReceptiveField]:
    """Receptive field of every layer of a straight-chain CNN, by ``r += (k - 1)·j`` and ``j *= s``.

    Layers that look at one position at a time (Rescaling, Dropout, activations, batch norm) leave both
    unchanged; after Flatten, Dense or global pooling every output depends on the whole input, so ``size`` is
    the input side (48). Padding does not change the formula (with "same" padding the field can outgrow the
    image: part of it then lies on the zero padding).
    """
    side = int(model.input_shape[1])
    size, jump, rows = 1, 1, []
    for layer in _chain(model):
        window = _window(layer)
        if window is not None:
            (k, _), (s, _) = window
            size, jump = size + (k - 1) * jump, jump * s
        elif isinstance(layer, keras.layers.Flatten | keras.layers.Dense | keras.layers.GlobalAveragePooling2D
                        | keras.layers.GlobalMaxPooling2D):
            size = side
        rows.append(ReceptiveField(layer.name, size, jump))
    return rows


def feature_maps(model: keras.Model, face: np.ndarray, layer_names: Sequence[str]) -> dict[str, np.ndarray]:
    """The activations of ``layer_names`` for one face: ``{name: float32 (H, W, C)}`` (or ``(units,)``).

    ``face`` is ``uint8 (48, 48)`` (or ``(48, 48, 1)``), raw pixels as the model expects. The layers are called
    one after the other on a tensor (inference mode), which needs no sub-model and works the same for
    Sequential and straight-chain functional models, freshly built or loaded from a file.
    """
    wanted = list(layer_names)
    known = {layer.name for layer in _chain(model)}
    missing = [n for n in wanted if n not in known]
    if missing:
        raise ValueError(f"no layer named {missing} in {model.name}; layers are {sorted(known)}")
    x = np.asarray(face, dtype=np.float32).reshape((1,) + tuple(int(d) for d in model.input_shape[1:]))
    x = keras.ops.convert_to_tensor(x)
    maps = {}
    for layer in _chain(model):
        x = layer(x, training=False)
        if layer.name in wanted:
            maps[layer.name] = keras.ops.convert_to_numpy(x)[0]
        if len(maps) == len(wanted):
            break
    return {name: maps[name] for name in wanted}


def plot_feature_maps(maps: dict[str, np.ndarray], n: int = 8, face: np.ndarray | None = None, cmap: str = "viridis"):
    """Show the first ``n`` channels of each map from :func:`feature_maps`, one row per layer (with ``face``
    on the left when given); each channel is scaled to its own range. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    rows, cols = len(maps), n + (face is not None)
    fig, axes = plt.subplots(rows, cols, figsize=(1.35 * cols, 1.5 * rows), squeeze=False)
    for r, (name, fmap) in enumerate(maps.items()):
        if fmap.ndim != 3:
            raise ValueError(f"{name}: expected an (H, W, C) map, got shape {fmap.shape}")
        col = 0
        if face is not None:
            axes[r, 0].imshow(np.asarray(face).squeeze(), cmap="gray", vmin=0, vmax=255)
            axes[r, 0].set_title("input", fontsize=8)
            col = 1
        for c in range(n):
            ax = axes[r, col + c]
            if c < fmap.shape[-1]:
                ax.imshow(fmap[..., c], cmap=cmap)
                ax.set_title(f"{name} #{c}", fontsize=8)
        for ax in axes[r]:
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, col].set_ylabel(f"{name}\n{fmap.shape[0]}×{fmap.shape[1]}", fontsize=8)
    fig.tight_layout()
    return fig
