"""A real training run in quick mode on the bundled sample set."""
import numpy as np
import keras
import pytest

from emojify_lib.data import fer2013
from emojify_lib.model import networks
from emojify_lib.model import training

# Chance on 7 balanced-ish classes is 1/7 ≈ 14 %. The sample faces differ by clear drawn features, so the
# classic CNN, trained for a few CPU epochs, must land far above chance: we require 50 %, i.e. more than three
# times chance. A pipeline bug (wrong labels, wrong scaling, shuffled labels) keeps accuracy near 14 %.
THRESHOLD = 0.50


@pytest.fixture(scope="module")
def trained(quick_trained):
    return quick_trained          # the shared quick run (tests/conftest.py): 4 epochs of the classic CNN


def test_quick_training_beats_chance_by_far(trained):
    ds, history, out = trained
    best = max(history.history["val_accuracy"])
    print(f"sample-set validation accuracy per epoch: {np.round(history.history['val_accuracy'], 3)}")
    assert best >= THRESHOLD, f"validation accuracy {best:.1%} is not far above chance (1/7)"
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_saved_model_and_record(trained):
    ds, history, out = trained
    assert out.is_file()
    info = networks.read_model_info(out)
    assert info["data_source"] == "sample" and info["epochs_run"] == len(history.history["loss"])
    model = networks.load_model(out)
    x, y = ds.test
    acc = float(np.mean(np.argmax(model(x[..., None].astype("float32")).numpy(), axis=1) == y))
    assert acc >= THRESHOLD - 0.1  # the saved file is the trained model, not a fresh one
    assert not (out.parent / "backup" / out.stem).exists()  # backup removed after a finished run


def test_plot_history(trained):
    _, history, _ = trained
    fig = training.plot_history(history, title="quick")
    assert len(fig.axes) == 2 and len(fig.axes[1].lines) >= 2
    with pytest.raises(ValueError, match="History"):
        training.plot_history({})


def test_recipes_and_strategy(monkeypatch):
    monkeypatch.setenv("EMOJIFY_QUICK", "1")
    assert training.Recipe.default() == training.Recipe.quick()
    monkeypatch.setenv("EMOJIFY_QUICK", "0")
    assert training.Recipe.default() == training.Recipe.full()
    assert training.Recipe.named("long").schedule == "plateau"
    with pytest.raises(ValueError, match="unknown recipe"):
        training.Recipe.named("fast")
    with pytest.raises(ValueError, match="schedule"):
        training.Recipe(schedule="step")
    assert training.default_strategy().num_replicas_in_sync >= 1


def test_one_choice_of_data_and_recipe_for_every_way_to_train(monkeypatch, tmp_path):
    monkeypatch.setenv("EMOJIFY_QUICK", "0")
    monkeypatch.setenv("EMOJIFY_DATA", str(tmp_path))  # no FER2013 here: the sample, with the quick recipe
    ds, recipe = training.data_and_recipe(verbose=False)
    assert ds.source == "sample" and recipe == training.Recipe.quick()
    ds, recipe = training.data_and_recipe(recipe="long", quick=True, verbose=False)
    assert ds.source == "sample" and "quick mode" in ds.description and recipe == training.Recipe.long()
    monkeypatch.setenv("EMOJIFY_QUICK", "1")  # the switch counts when the caller passes nothing
    assert "quick mode" in training.data_and_recipe(verbose=False)[0].description
    settings = training.run_settings(ds, training.Recipe.full(), batch_size=32, out=tmp_path / "m.keras")
    assert (settings.epochs, settings.batch_size, settings.learning_rate) == (10, 32, 1e-3)
    with pytest.raises(Exception, match=r"\.keras"):
        training.run_settings(ds, out=tmp_path / "m.h5")


def test_cosine_schedule_warms_up_then_decays_to_zero():
    recipe = training.Recipe(epochs=4, warmup_epochs=1.0, learning_rate=1e-3)
    lr = training.learning_rate_schedule(recipe, steps_per_epoch=10)
    rates = [float(lr(step)) for step in (0, 5, 10, 25, 40)]
    assert rates[0] == 0.0 and rates[1] == pytest.approx(5e-4, rel=1e-3)
    assert rates[2] == pytest.approx(1e-3, rel=1e-3) and rates[2] > rates[3] > rates[4]
    assert rates[4] == pytest.approx(0.0, abs=1e-9)
    assert training.learning_rate_schedule(training.Recipe.long(), steps_per_epoch=10) == pytest.approx(1e-3)
    assert isinstance(training.make_optimizer(recipe, steps_per_epoch=10), keras.optimizers.Adam)


def test_out_must_be_keras(tmp_path):
    ds = fer2013.load_dataset(source="sample", quick=True, verbose=False)
    with pytest.raises(Exception, match=r"\.keras"):
        training.train("classic", ds, epochs=1, out=tmp_path / "m.h5")
