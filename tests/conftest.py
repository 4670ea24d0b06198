"""Shared fixtures. The frames and tiny data sets themselves live in :mod:`emojify_lib.testing` (the benchmarks use
them too); TensorFlow's start-up noise is silenced here, once, where the test process starts."""
import pytest

from emojify_lib.core import config
from emojify_lib.testing import ASTRONAUT_FACE, astronaut_640x480, lfw_faces_frame, tiny_splits  # noqa: F401

config.quiet_tensorflow()


@pytest.fixture(scope="session")
def astronaut_frame():
    return astronaut_640x480()


@pytest.fixture(scope="session")
def reference_model_path():
    """models/reference.keras, set up by `make test` (`python -m emojify_lib reference`); set up here if missing."""
    from emojify_lib.model import reference

    return reference.ensure_reference()


@pytest.fixture
def no_project_reference(monkeypatch, tmp_path_factory):
    """The project's ``models/`` seen as empty: a learner whose ``$EMOJIFY_MODELS`` has no reference model otherwise
    reads the project's (``config.project_models_dir``), so a test of "no reference set up" must hide it."""
    from emojify_lib.core import config

    empty = tmp_path_factory.mktemp("no-project-models")
    monkeypatch.setattr(config, "project_models_dir", lambda: empty)
    return empty


@pytest.fixture(scope="session")
def quick_trained(tmp_path_factory):
    """One real quick-mode training run of the classic CNN on the sample (``Recipe.quick``), shared by the tests
    that need a trained model file (test_training checks the run, test_cli predicts with the file):
    ``(dataset, history, path)``."""
    from emojify_lib.data import fer2013
    from emojify_lib.model import training

    out = tmp_path_factory.mktemp("models") / "quick.keras"
    ds = fer2013.load_dataset(source="sample", quick=True, verbose=False)
    history = training.train("classic", ds, epochs=4, out=out, recipe=training.Recipe.quick(), verbose=0)
    return ds, history, out


@pytest.fixture(scope="session")
def classic_model():
    from emojify_lib.model import networks

    import keras
    keras.utils.set_random_seed(0)
    return networks.classic_cnn()


def fails(check, *args, match):
    """Run an exercise grader's strict check (what nbgrader's autograder sees) on a wrong answer: it must raise
    ExerciseFailed matching ``match``; returns the message."""
    from emojify_lib.exercises import ExerciseFailed

    with pytest.raises(ExerciseFailed, match=match) as info:
        getattr(check, "check", check)(*args)
    assert str(info.value).startswith("❌")
    return str(info.value)
