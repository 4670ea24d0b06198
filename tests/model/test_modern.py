"""Lesson 08's network, recipe and training loop: real training on the sample, in seconds."""
import json

import numpy as np
import pytest
import tensorflow as tf

from emojify_lib.core.errors import DataError
from emojify_lib.data import fer2013
from emojify_lib.model import files, modern, networks


def test_network_shapes_and_size():
    model = modern.modern_cnn()
    assert model.input_shape == (None, 48, 48, 1) and model.output_shape == (None, 7)
    assert model.count_params() == 1_167_015
    assert model.get_layer("emotion").count_params() == 256 * 7 + 7
    assert sum(1 for layer in model.layers if layer.name.endswith("_conv")) == 7
    with pytest.raises(ValueError, match="one block count per stage"):
        modern.modern_cnn(widths=(8, 16), blocks=(1,))


def test_augment_face_moves_pixels_only():
    face = np.arange(48 * 48, dtype=np.float32).reshape(48, 48, 1)
    out = np.asarray(modern.augment_face(tf.constant(face)))
    assert out.shape == (48, 48, 1)
    assert set(np.unique(out)) <= set(np.unique(face))
    same = np.asarray(modern.augment_face(tf.constant(face), padding=0, flip=False))
    assert np.array_equal(same, face)


def test_training_dataset_batches_and_bad_input():
    x = np.zeros((10, 48, 48), np.uint8)
    recipe = modern.ModernRecipe.quick().with_(batch_size=4)
    images, targets = next(iter(modern.training_dataset(x, np.arange(10) % 7, recipe)))
    assert images.shape == (4, 48, 48, 1) and images.dtype == tf.float32 and targets.shape == (4, 7)
    with pytest.raises(DataError, match=r"uint8 faces of shape \(N, 48, 48\)"):
        modern.training_dataset(x.astype(np.float32), np.zeros(10), recipe)
    with pytest.raises(DataError, match="10 faces but 3 labels"):
        modern.training_dataset(x, np.zeros(3), recipe)
    with pytest.raises(ValueError, match="precision"):
        modern.ModernRecipe(precision="float16")


def test_schedule_warms_up_then_falls_to_zero():
    recipe = modern.ModernRecipe(epochs=4, peak_learning_rate=2e-3)
    schedule = modern.make_optimizer(recipe, steps_per_epoch=10)._learning_rate
    assert float(schedule(0)) == 0.0
    assert float(schedule(10)) == pytest.approx(2e-3)
    assert float(schedule(40)) == pytest.approx(0.0, abs=1e-9)


def test_flip_average_is_mirror_symmetric():
    model = modern.modern_cnn(widths=(8, 8, 8, 8))
    x = np.random.default_rng(0).integers(0, 256, (300, 48, 48)).astype(np.uint8)   # 300: a padded last batch
    both = modern.predict_flip_average(model, x)
    assert both.shape == (300, 7) and np.allclose(both.sum(axis=1), 1, atol=1e-5)
    assert np.allclose(both, modern.predict_flip_average(model, x[:, :, ::-1].copy()), atol=1e-6)
    plain = modern.predict_flip_average(model, x, flip=False)
    assert np.allclose(plain, model(x[..., None].astype(np.float32), training=False).numpy(), atol=1e-5)


def test_train_modern_learns_the_sample_and_records_its_test_accuracy(tmp_path):
    ds = fer2013.load_dataset(source="sample", quick=True, verbose=False)
    out = tmp_path / "modern.keras"
    path, log = modern.train_modern(ds, out=out, verbose=False)
    assert path == out and out.is_file() and not list(tmp_path.glob("*.partial*"))
    info = json.loads(files.info_path(out).read_text())
    assert info["data_source"] == "sample" and info["test_flip_average"] is True
    assert info["test_accuracy"] == pytest.approx(log["test_accuracy_flip"][-1])
    assert log["loss"][-1] < log["loss"][0]
    assert info["test_accuracy"] > 2.5 / 7, log            # far above chance on the sample's test faces
    model = networks.load_model(out)                        # loads back, checked like every model of the course
    assert model.name == "modern_cnn"
    assert files.choose_model(out).warning == files.SAMPLE_WARNING


def test_auto_precision_times_both(monkeypatch):
    recipe = modern.ModernRecipe.quick().with_(batch_size=8)
    speeds = modern.time_precisions(recipe, steps=2)
    assert set(speeds) == {"float32", "bfloat16"} and all(v > 0 for v in speeds.values())
