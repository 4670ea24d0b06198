"""Lesson 04's helpers: hand formulas agree with Keras layer by layer; receptive fields; feature maps."""
import numpy as np
import pytest

from emojify_lib.lessons import anatomy
from emojify_lib.model import networks

import keras


@pytest.fixture(scope="module")
def seed():
    keras.utils.set_random_seed(0)
    return networks.classic_cnn()


def test_formulas():
    assert anatomy.conv_output_size(48, 3) == 46
    assert anatomy.conv_output_size(44, 2, 2) == 22
    assert anatomy.conv_output_size(7, 3, 2) == 3
    assert anatomy.conv_output_size(48, 3, 1, "same") == 48
    assert anatomy.conv_output_size(25, 2, 2, "same") == 13
    with pytest.raises(ValueError):
        anatomy.conv_output_size(48, 3, 1, "full")
    assert anatomy.conv_params(3, 1, 32) == 320
    assert anatomy.conv_params(3, 32, 64) == 18_496
    assert anatomy.conv_params(3, 32, 64, bias=False) == 18_432
    assert anatomy.dense_params(2048, 1024) == 2_098_176
    assert anatomy.dense_params(1024, 7) == 7_175


def test_layer_table_seed(seed):
    rows = anatomy.layer_table(seed)
    assert [r.name for r in rows][:3] == ["rescale", "conv1", "conv2"]
    for r in rows:
        assert r.shape == r.keras_shape, r
        assert r.hand_params == r.keras_params, r
    assert sum(r.hand_params for r in rows) == seed.count_params() == 2_345_607
    by_name = {r.name: r for r in rows}
    assert by_name["flatten"].shape == (2048,)
    assert by_name["dense1"].hand_params / 2_345_607 > 0.89
    text = anatomy.format_layer_table(rows)
    assert "2,345,607" in text and "conv4" in text


def test_layer_table_strong():
    model = networks.strong_cnn(width=8)
    rows = anatomy.layer_table(model)
    assert all(r.shape == r.keras_shape and r.hand_params == r.keras_params for r in rows)
    assert sum(r.hand_params for r in rows) == model.count_params()
    assert {r.type for r in rows} >= {"BatchNormalization", "GlobalAveragePooling2D", "Conv2D"}


def test_layer_table_catches_unknown_layer():
    model = keras.Sequential([keras.Input((48, 48, 1)), keras.layers.Conv2DTranspose(4, 3)])
    with pytest.raises(ValueError, match="Conv2DTranspose"):
        anatomy.layer_table(model)


def test_receptive_fields(seed):
    fields = {f.name: (f.size, f.jump) for f in anatomy.receptive_fields(seed)}
    assert fields["rescale"] == (1, 1)
    assert fields["conv1"] == (3, 1) and fields["conv2"] == (5, 1)
    assert fields["pool1"] == (6, 2) and fields["drop1"] == (6, 2)
    assert fields["conv3"] == (10, 2) and fields["pool2"] == (12, 4)
    assert fields["conv4"] == (20, 4) and fields["pool3"] == (24, 8)
    assert fields["dense1"][0] == 48
    strided = keras.Sequential([keras.Input((48, 48, 1)), keras.layers.Conv2D(2, 5, strides=2),
                                keras.layers.Conv2D(2, 3)])
    assert [f.size for f in anatomy.receptive_fields(strided)] == [5, 9]


def test_feature_maps_equal_a_submodel(seed):
    face = np.random.default_rng(0).integers(0, 256, (48, 48)).astype(np.uint8)
    maps = anatomy.feature_maps(seed, face, ["conv2", "conv1"])
    assert list(maps) == ["conv2", "conv1"]
    assert maps["conv1"].shape == (46, 46, 32) and maps["conv2"].shape == (44, 44, 64)
    # by hand: Rescaling then conv1 with its own weights
    x = face.astype(np.float32)[None, ..., None] / 255
    want = keras.ops.convert_to_numpy(seed.get_layer("conv1")(x))[0]
    np.testing.assert_allclose(maps["conv1"], want, atol=1e-5)
    assert (maps["conv1"] >= 0).all()          # ReLU
    # and equal what a sub-model cut at conv2 computes
    sub = keras.Model(seed.inputs[0], seed.get_layer("conv2").output)
    np.testing.assert_allclose(maps["conv2"], keras.ops.convert_to_numpy(sub(x * 255))[0], atol=1e-5)
    # the last layer's output equals the model's prediction (dropout off at inference)
    probs = anatomy.feature_maps(seed, face, ["emotion"])["emotion"]
    np.testing.assert_allclose(probs, keras.ops.convert_to_numpy(seed(x * 255, training=False))[0], atol=1e-5)
    with pytest.raises(ValueError, match="no layer named"):
        anatomy.feature_maps(seed, face, ["conv9"])


def test_plot_feature_maps(seed):
    import matplotlib

    matplotlib.use("Agg")
    face = np.full((48, 48), 128, np.uint8)
    fig = anatomy.plot_feature_maps(anatomy.feature_maps(seed, face, ["conv1", "conv2"]), n=4, face=face)
    assert len(fig.axes) == 2 * 5
    with pytest.raises(ValueError):
        anatomy.plot_feature_maps({"dense1": np.zeros(8)})
