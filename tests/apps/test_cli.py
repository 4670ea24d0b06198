"""The command line, end to end, in real subprocesses."""
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest


def run(*args, env=None, timeout=300):
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    return subprocess.run([sys.executable, "-m", "emojify_lib", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout)


def test_help_lists_commands():
    r = run("--help")
    assert r.returncode == 0
    for word in ("train", "predict", "EMOJIFY_QUICK"):
        assert word in r.stdout
    assert "--epochs" in run("train", "--help").stdout


def test_train_command_trains_and_saves_a_model(tmp_path):
    from emojify_lib.model import networks
    from emojify_lib.testing import sample_faces_csv

    # 140 sample faces in FER2013's csv format: the command's whole path (load, train, save, record) in seconds
    data = sample_faces_csv(tmp_path / "faces.csv")
    out = tmp_path / "cli.keras"
    r = run("train", "--model", "classic", "--data", str(data), "--epochs", "1", "--out", str(out),
            env={"EMOJIFY_MODELS": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert "Trained classic for 1 epoch(s)" in r.stdout and "Best validation accuracy" in r.stdout
    assert f"Saved {out}" in r.stdout and out.is_file()
    info = networks.read_model_info(out)
    assert info["epochs_run"] == 1 and info["train_images"] == 140 and info["model"] == "classic_cnn"


def test_train_command_trains_lesson_08s_network_by_default(tmp_path):
    from emojify_lib.model import files
    from emojify_lib.testing import sample_faces_csv

    data = sample_faces_csv(tmp_path / "faces.csv")
    out = tmp_path / "modern.keras"
    r = run("train", "--data", str(data), "--epochs", "1", "--batch-size", "32", "--out", str(out),
            env={"EMOJIFY_MODELS": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert "Training lesson 08's modern CNN" in r.stdout and "Epoch 1/1" in r.stdout
    assert "Test accuracy:" in r.stdout and "with flip averaging" in r.stdout and f"Saved {out}" in r.stdout
    info = files.read_model_info(out)
    assert info["model"] == "modern_cnn" and info["epochs_run"] == 1 and 0 <= info["test_accuracy"] <= 1
    assert "The demo now uses:" in r.stdout
    bad = run("train", "--model", "modern", "--recipe", "long", "--data", str(data))
    assert bad.returncode != 0 and "its own recipe" in bad.stderr and "Traceback" not in bad.stderr


@pytest.fixture(scope="module")
def trained_model(quick_trained):
    return quick_trained[2]       # the shared quick run on the sample (tests/conftest.py)


def test_train_then_predict_a_sample_face(trained_model, tmp_path):
    from emojify_lib.data import sample
    from emojify_lib.core.emotions import DISPLAY_NAMES

    x, y = sample.make_sample(n_per_class=1, seed=5)
    path = tmp_path / "face.png"
    cv2.imwrite(str(path), x[0])
    r = run("predict", str(path), "--model", str(trained_model))
    assert r.returncode == 0, r.stderr
    assert any(name in r.stdout for name in DISPLAY_NAMES.values()) and "%" in r.stdout
    assert "synthetic sample" in r.stderr  # the model says what it was trained on


def test_predict_finds_the_face_in_a_photo(trained_model, tmp_path):
    from skimage import data as skdata

    photo = cv2.cvtColor(skdata.astronaut(), cv2.COLOR_RGB2BGR)
    cv2.imwrite(str(tmp_path / "astronaut.jpg"), photo)
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 200), 128, np.uint8))
    r = run("predict", str(tmp_path / "astronaut.jpg"), str(blank), "--model", str(trained_model))
    assert "astronaut.jpg:" in r.stdout and "%" in r.stdout
    assert "blank.png: no face found" in r.stdout
    assert r.returncode == 1  # one image had no face


def test_errors_are_one_line_without_traceback(tmp_path):
    (tmp_path / "junk.png").write_text("nope")
    cases = [
        run("predict", str(tmp_path / "junk.png"), "--model", str(tmp_path / "missing.keras")),
        run("train", "--source", "fer2013", env={"EMOJIFY_DATA": str(tmp_path)}),
        run("train", "--data", str(tmp_path / "nothing.csv"), "--source", "fer2013"),
    ]
    for r in cases:
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr
        lines = [l for l in r.stderr.splitlines() if l.startswith("emojify: error:")]
        assert len(lines) == 1, r.stderr
    assert "No model file" in cases[0].stderr and "FER2013 not found" in cases[1].stderr
