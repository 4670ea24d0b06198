"""Lesson 04: the graders accept right answers, diagnose the typical wrong ones, and fall back on the library."""
import math

import keras
from keras import layers

from emojify_lib.exercises import lesson04 as ex
from emojify_lib.model import networks
from conftest import fails


def test_exported():
    from emojify_lib import exercises
    for name in ("check_build_classic_cnn", "check_conv_output_size", "check_conv_params", "check_receptive_field"):
        assert name in ex.__all__ and name in exercises.__all__


# --- build_classic_cnn -------------------------------------------------------------------------------------

def classic(padding="valid", rescale=1 / 255, flatten=True, names=True, dense=1024, last="softmax",
            conv_activation="relu", drop1=0.25, extra=()):
    """The classic CNN as a learner types it, with one thing changed where asked."""
    n = (lambda name: name) if names else (lambda name: None)
    stack = [keras.Input((48, 48, 1))]
    if rescale:
        stack.append(layers.Rescaling(rescale, name=n("rescale")))
    stack += [layers.Conv2D(32, 3, activation=conv_activation, padding=padding, name=n("conv1")),
              layers.Conv2D(64, 3, activation="relu", name=n("conv2")),
              layers.MaxPooling2D(2, name=n("pool1"))]
    if drop1:
        stack.append(layers.Dropout(drop1, name=n("drop1")))
    stack += [layers.Conv2D(128, 3, activation="relu", name=n("conv3")),
              layers.MaxPooling2D(2, name=n("pool2")),
              layers.Conv2D(128, 3, activation="relu", name=n("conv4")),
              layers.MaxPooling2D(2, name=n("pool3")),
              layers.Dropout(0.25, name=n("drop2"))]
    if flatten:
        stack.append(layers.Flatten(name=n("flatten")))
    stack += [layers.Dense(dense, activation="relu", name=n("dense1")),
              layers.Dropout(0.5, name=n("drop3")),
              layers.Dense(7, activation=last, name=n("emotion")), *extra]
    return keras.Sequential(stack, name="classic_cnn")


def test_build_classic_cnn(capsys):
    ex.check_build_classic_cnn(classic)
    assert "✅ Correct" in capsys.readouterr().out
    ex.check_build_classic_cnn(networks.classic_cnn)
    fails(ex.check_build_classic_cnn, lambda: classic(padding="same"), match="padding='same'.*\n.*'valid'")
    fails(ex.check_build_classic_cnn, lambda: classic(rescale=None), match="(?s)expected Rescaling.*raw 0-255")
    fails(ex.check_build_classic_cnn, lambda: classic(rescale=1 / 127.5), match="expected 1/255")
    fails(ex.check_build_classic_cnn, lambda: classic(flatten=False), match="(?s)expected Flatten.*missing Flatten")
    fails(ex.check_build_classic_cnn, lambda: classic(dense=512), match="(?s)Dense\\(512.*1,024 units")
    fails(ex.check_build_classic_cnn, lambda: classic(last="relu"), match="softmax")
    fails(ex.check_build_classic_cnn, lambda: classic(conv_activation=None), match="activation='relu'")
    fails(ex.check_build_classic_cnn, lambda: classic(drop1=0), match="(?s)expected Dropout\\(0.25\\).*missing")
    fails(ex.check_build_classic_cnn, lambda: classic(names=False), match="(?s)named differently.*name='conv1'")
    fails(ex.check_build_classic_cnn, lambda: classic(extra=[layers.Dense(7)]), match="one too many")
    fails(ex.check_build_classic_cnn, lambda: classic().layers, match="wrap the list")
    fails(ex.check_build_classic_cnn, lambda: keras.Sequential([keras.Input((48, 48)), layers.Flatten()]),
          match=r"\(48, 48\), expected \(48, 48, 1\)")
    fails(ex.check_build_classic_cnn, lambda: keras.Sequential([layers.Rescaling(1 / 255)]), match="keras.Input")
    fails(ex.check_build_classic_cnn, lambda: keras.Sequential([keras.Input((48, 48, 1)),
                                                                layers.Rescaling(1 / 255, name="rescale")]),
          match="stops after 1 layers")


def test_a_wrong_or_open_model_falls_back_to_the_library_network(monkeypatch, capsys):
    monkeypatch.delenv("EMOJIFY_STRICT_EXERCISES", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    fallback = ex.check_build_classic_cnn(lambda: classic(padding="same"))
    model = fallback()
    assert model.count_params() == 2_345_607 and [l.name for l in model.layers] == \
        [l.name for l in networks.classic_cnn().layers]
    assert ex.check_conv_params(lambda k, a, b: 0)(3, 32, 64) == 18_496
    assert ex.check_conv_output_size(lambda n, k, s, p: 0)(48, 3, 1, "valid") == 46
    assert "reference version" in capsys.readouterr().out


# --- the layer arithmetic ---------------------------------------------------------------------------

def right_size(n, k, s, padding):
    return (n - k) // s + 1 if padding == "valid" else math.ceil(n / s)


def test_conv_output_size(capsys):
    ex.check_conv_output_size(right_size)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_conv_output_size, lambda n, k, s, p: (n - k) // s + 1, match="'valid' formula")
    fails(ex.check_conv_output_size, lambda n, k, s, p: n if p == "same" else (n - k) // s + 1, match="stride > 1")
    fails(ex.check_conv_output_size, lambda n, k, s, p: n // s if p == "same" else (n - k) // s + 1,
          match="round UP")
    fails(ex.check_conv_output_size, lambda n, k, s, p: math.ceil(n / s) if p == "same" else (n - k) / s + 1,
          match="round down")
    fails(ex.check_conv_output_size, lambda n, k, s, p: math.ceil(n / s) if p == "same" else (n - k) // s,
          match="first window")
    fails(ex.check_conv_output_size, lambda n, k, s, p: math.ceil(n / s) if p == "same" else n - k + 1,
          match="stride")
    fails(ex.check_conv_output_size, lambda n, k, s, p: str(right_size(n, k, s, p)), match="expected an int")
    fails(ex.check_conv_output_size, lambda n, k, s: n, match="raised TypeError")


def test_conv_params(capsys):
    ex.check_conv_params(lambda k, ci, co: (k * k * ci + 1) * co)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_conv_params, lambda k, ci, co: k * k * ci * co, match="biases")
    fails(ex.check_conv_params, lambda k, ci, co: (k * k + 1) * co, match="ALL input channels")
    fails(ex.check_conv_params, lambda k, ci, co: (k * k * co + 1) * ci, match="swapped")
    fails(ex.check_conv_params, lambda k, ci, co: (k * ci + 1) * co, match="k × k")
    fails(ex.check_conv_params, lambda k, ci, co: 18496, match="expected")


def right_rf(layers):
    r, j = 1, 1
    for k, s in layers:
        r, j = r + (k - 1) * j, j * s
    return r


def test_receptive_field(capsys):
    ex.check_receptive_field(right_rf)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_receptive_field, lambda layers: 1 + sum(k - 1 for k, _ in layers), match="jump")

    def jump_first(layers):
        r, j = 1, 1
        for k, s in layers:
            j *= s
            r += (k - 1) * j
        return r

    fails(ex.check_receptive_field, jump_first, match="update r first")
    fails(ex.check_receptive_field, lambda layers: sum(k for k, _ in layers), match="k - 1")
    fails(ex.check_receptive_field, lambda layers: 24, match="expected")


def test_classic_receptive_field_matches_anatomy():
    from emojify_lib.lessons import anatomy
    from emojify_lib.model import networks

    fields = {f.name: f.size for f in anatomy.receptive_fields(networks.classic_cnn())}
    assert fields["pool3"] == right_rf([(3, 1), (3, 1), (2, 2), (3, 1), (2, 2), (3, 1), (2, 2)]) == 24


