"""Model architecture, the classic h5 weights, save/load round trips and clear errors for bad files."""
import numpy as np
import pytest

from emojify_lib.core import emotions
from emojify_lib.model import networks
from emojify_lib.core.errors import ModelError

keras = pytest.importorskip("keras")


def _faces(n=6, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 48, 48, 1)).astype("float32")


def test_classic_cnn_is_the_classic_architecture():
    m = networks.classic_cnn()
    kinds = [type(l).__name__ for l in m.layers]
    assert kinds == ["Rescaling", "Conv2D", "Conv2D", "MaxPooling2D", "Dropout", "Conv2D", "MaxPooling2D",
                     "Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense", "Dropout", "Dense"]
    assert [l.filters for l in m.layers if hasattr(l, "filters")] == [32, 64, 128, 128]
    assert [l.rate for l in m.layers if hasattr(l, "rate")] == [0.25, 0.25, 0.5]
    assert m.get_layer("dense1").units == 1024 and m.output_shape == (None, 7)
    assert m.count_params() == 2_345_607
    assert m.layers[0].scale == pytest.approx(1 / 255)


def test_strong_cnn_shapes_and_regularisation():
    m = networks.strong_cnn()
    assert m.input_shape == (None, 48, 48, 1) and m.output_shape == (None, 7)
    assert sum(isinstance(l, keras.layers.BatchNormalization) for l in m.layers) == 9
    assert isinstance(m.layers[1], keras.layers.Rescaling)
    assert all(l.kernel_regularizer is not None for l in m.layers if isinstance(l, keras.layers.Conv2D))
    p = m(_faces(), training=False).numpy()
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)


def test_rescaling_lives_in_the_model():
    """Raw 0-255 pixels and pre-scaled pixels must NOT give the same output: only raw is right."""
    m = networks.classic_cnn()
    x = _faces()
    assert not np.allclose(m(x).numpy(), m(x / 255.0).numpy(), atol=1e-4)


def test_keras_round_trip(tmp_path):
    m = networks.classic_cnn()
    path = tmp_path / "m.keras"
    m.save(path)
    loaded = networks.load_model(path)
    np.testing.assert_allclose(loaded(_faces()).numpy(), m(_faces()).numpy(), atol=1e-6)


def test_classic_h5_weights_load_with_outputs_reordered(tmp_path):
    m = networks.classic_cnn()
    path = networks.save_classic_weights(m, tmp_path / "emotion_model.h5")
    import h5py
    with h5py.File(path) as f:
        names = [n.decode() for n in f.attrs["layer_names"]]
        assert len(names) == 6 and all(f[n].attrs["weight_names"].size == 2 for n in names)
        last = f[names[-1]]
        kernel = np.asarray(last[last.attrs["weight_names"][0].decode()])
    # the file's column k holds the classic class CLASSIC_ORDER[k]
    for k, name in enumerate(emotions.CLASSIC_ORDER):
        np.testing.assert_array_equal(kernel[:, k], m.get_layer("emotion").get_weights()[0][:, emotions.EMOTIONS.index(name)])
    loaded = networks.load_model(path)
    np.testing.assert_allclose(loaded(_faces()).numpy(), m(_faces()).numpy(), atol=1e-6)


def test_classic_h5_of_wrong_architecture_is_refused(tmp_path):
    other = keras.Sequential([keras.Input((48, 48, 1)), keras.layers.Conv2D(8, 3), keras.layers.Flatten(),
                              keras.layers.Dense(7)])
    path = networks.save_classic_weights(other, tmp_path / "emotion_model.h5")
    with pytest.raises(ModelError, match="not the classic Emojify architecture"):
        networks.load_model(path)


def test_missing_empty_truncated_and_foreign_files(tmp_path):
    with pytest.raises(ModelError, match="No model file"):
        networks.load_model(tmp_path / "none.keras")
    (tmp_path / "empty.keras").write_bytes(b"")
    with pytest.raises(ModelError, match="empty"):
        networks.load_model(tmp_path / "empty.keras")
    good = tmp_path / "good.keras"
    networks.classic_cnn().save(good)
    blob = good.read_bytes()
    (tmp_path / "cut.keras").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ModelError, match="truncated or corrupt"):
        networks.load_model(tmp_path / "cut.keras")
    (tmp_path / "junk.h5").write_bytes(b"not hdf5 at all")
    with pytest.raises(ModelError, match="not a readable Keras HDF5"):
        networks.load_model(tmp_path / "junk.h5")
    (tmp_path / "model.pt").write_bytes(b"x")
    with pytest.raises(ModelError, match="unknown model format"):
        networks.load_model(tmp_path / "model.pt")


def test_wrong_architecture_keras_file(tmp_path):
    wrong = keras.Sequential([keras.Input((64, 64, 3)), keras.layers.Flatten(), keras.layers.Dense(10)])
    wrong.save(tmp_path / "wrong.keras")
    with pytest.raises(ModelError, match="wrong architecture"):
        networks.load_model(tmp_path / "wrong.keras")


def test_lambda_layer_is_refused_in_safe_mode(tmp_path):
    inputs = keras.Input((48, 48, 1))
    x = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(7, activation="softmax")(x)
    keras.Model(inputs, outputs).save(tmp_path / "lambda.keras")
    with pytest.raises(ModelError, match="refused: it contains a Lambda layer"):
        networks.load_model(tmp_path / "lambda.keras")


def test_find_trained_model_and_info(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOJIFY_MODELS", str(tmp_path))
    assert networks.find_trained_model() is None
    with pytest.raises(ModelError, match="No trained model found"):
        networks.load_model()
    path = networks.default_model_path()
    networks.classic_cnn().save(path)
    networks.write_model_info(path, data_source="sample", epochs_run=2)
    assert networks.find_trained_model() == path
    assert networks.read_model_info(path)["data_source"] == "sample"
    assert networks.read_model_info(tmp_path / "other.keras") == {}
    with pytest.raises(ModelError, match="unknown model"):
        networks.build_model("resnet")
