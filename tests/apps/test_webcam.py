"""The Tk desktop window, started for real under Xvfb, showing frames of a video file."""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest
from emojify_lib.testing import copy_reference

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def xvfb():
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed: run `make system-deps` (apt-get install xvfb)")
    for number in range(90, 110):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            break
        time.sleep(0.1)
    yield f":{number}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, classic_model):
    path = tmp_path_factory.mktemp("webcam") / "m.keras"
    classic_model.save(path)
    return path


def _run(args, display, models_dir=None):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if models_dir is not None:
        env["EMOJIFY_MODELS"] = str(models_dir)
    if display:
        env["DISPLAY"] = display
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return subprocess.run([sys.executable, "-m", "emojify_lib", "webcam", *args], capture_output=True, text=True,
                          env=env, timeout=180)


def test_window_shows_frames_of_a_video(xvfb, reference_model_path, tmp_path, astronaut_frame):
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for _ in range(8):
        writer.write(astronaut_frame)
    writer.release()
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "webcam_window.png"
    shot.unlink(missing_ok=True)
    models_dir = tmp_path / "models"  # what `make course` leaves: the reference model and no FER2013 model
    copy_reference(reference_model_path, models_dir)
    r = _run(["--video", str(video), "--max-frames", "6", "--screenshot", str(shot)], xvfb, models_dir)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "showed 6 frame(s)" in r.stdout and "0 skipped" in r.stdout
    assert "last shown: Happy" in r.stdout, r.stdout  # the smiling astronaut, read by the reference model
    image = cv2.imread(str(shot))
    assert image is not None and image.shape[1] >= 640 and image.std() > 10


def test_no_display_gives_a_clear_message(model_file):
    r = _run(["--sample", "--model", str(model_file)], display=None)
    assert r.returncode == 3 and "no display" in r.stderr and "Traceback" not in r.stderr


def test_missing_video_is_one_line(xvfb, model_file, tmp_path):
    r = _run(["--video", str(tmp_path / "none.mp4"), "--model", str(model_file)], xvfb)
    assert r.returncode == 2 and "video file not found" in r.stderr and "Traceback" not in r.stderr
