"""The library never downloads anything: run the whole pipeline in a process with no network at all."""
import os
import shutil
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import socket, os
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    real_socket = socket.socket
    class NoNetwork(real_socket):
        def connect(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6):
                raise OSError(f"network disabled by the test: connect to {address}")
            return super().connect(address)
    socket.socket = NoNetwork
    socket.create_connection = lambda *a, **k: (_ for _ in ()).throw(OSError("network disabled by the test"))

    from emojify_lib.data import fer2013
    from emojify_lib.model import networks
    from emojify_lib.model import training
    from emojify_lib.live.sources import sample_frames
    from emojify_lib.live.overlay import annotate
    from emojify_lib.live.predictor import EmotionPredictor
    ds = fer2013.load_dataset(quick=True, verbose=False)
    model = networks.classic_cnn()
    p = EmotionPredictor(model, backend="tflite")
    frame = sample_frames(1)[0]
    out = annotate(frame, p.predict(frame))
    print("offline ok", ds.source, len(p.predict(frame)))
""")


def test_pipeline_runs_without_network(tmp_path):
    script = tmp_path / "offline.py"
    script.write_text(SCRIPT)
    command = [sys.executable, str(script)]
    # where we may, cut the network for real with a fresh network namespace (only loopback, and it is down)
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        command = ["unshare", "-n", *command]
    r = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "offline ok sample 1" in r.stdout


def test_predict_with_the_reference_model_offline(tmp_path, reference_model_path, astronaut_frame):
    """The README's promise: after set-up, `predict` reads a smiling photo as happy with no network at all."""
    import cv2
    from emojify_lib.testing import copy_reference

    photo = tmp_path / "smile.png"
    cv2.imwrite(str(photo), astronaut_frame)
    copy_reference(reference_model_path, tmp_path / "models")
    command = [sys.executable, "-m", "emojify_lib", "predict", str(photo)]
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        command = ["unshare", "-n", *command]
    env = {**os.environ, "EMOJIFY_MODELS": str(tmp_path / "models"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert ": Happy (" in r.stdout, r.stdout
