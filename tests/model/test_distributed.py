"""Multi-worker training, for real: two worker processes on localhost (MultiWorkerMirroredStrategy, custom step)."""
import os
import re
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from emojify_lib.core.errors import ClusterError


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


# The CLI, except that the worker dies (exit code 17, no clean-up) right after writing its first checkpoint.
DIE_AFTER_FIRST_CHECKPOINT = """
import os, runpy
import tensorflow as tf
save = tf.train.CheckpointManager.save
def save_and_die(self, *args, **kwargs):
    save(self, *args, **kwargs)
    os._exit(17)
tf.train.CheckpointManager.save = save_and_die
runpy.run_module("emojify_lib", run_name="__main__", alter_sys=True)
"""


def start_worker(workers, index, out, models_dir, *extra, epochs=1, batch_size=128, data=None, die=False):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "EMOJIFY_MODELS": str(models_dir)}
    env.pop("TF_CONFIG", None)
    program = ["-c", DIE_AFTER_FIRST_CHECKPOINT] if die else ["-m", "emojify_lib"]
    source = ["--data", str(data)] if data else ["--source", "sample"]
    return subprocess.Popen([sys.executable, *program, "train", *source, "--quick", "--epochs", str(epochs),
                             "--batch-size", str(batch_size), "--workers", workers, "--index", str(index),
                             "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(proc, timeout):
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()  # SIGKILL: TensorFlow's workers catch SIGTERM
        out, err = proc.communicate()
        pytest.fail(f"worker still running after {timeout} s:\n{out}\n{err}")


def test_two_workers_train_one_epoch_in_step(tmp_path):
    from emojify_lib.model import networks
    from emojify_lib.testing import sample_faces_csv

    # sample faces in FER2013's csv format: 140 training faces, 3 steps of 2 × 32 (one quick epoch, not the whole
    # sample set: two TensorFlow processes share this 2-core machine)
    data = sample_faces_csv(tmp_path / "faces.csv")
    workers = ",".join(f"localhost:{p}" for p in free_ports(2))
    out = tmp_path / "mw.keras"
    procs = [start_worker(workers, i, out, tmp_path, batch_size=32, data=data) for i in (0, 1)]
    results = [finish(p, timeout=240) for p in procs]
    for p, (stdout, stderr) in zip(procs, results):
        assert p.returncode == 0, stdout + stderr
    sums = [float(re.search(r"weights checksum ([\d.]+)", stdout).group(1)) for stdout, _ in results]
    assert sums[0] == pytest.approx(sums[1], rel=1e-9)       # both copies made the same updates
    assert sorted(p.name for p in tmp_path.rglob("*.keras")) == ["mw.keras"]   # only the chief wrote a model
    assert not (tmp_path / "backup").exists() or not any((tmp_path / "backup").iterdir())
    info = networks.read_model_info(out)
    assert info["workers"] == 2 and info["epochs_run"] == 1 and info["train_images"] == 140
    assert info["resumed_at_epoch"] == 0 and info["optimizer_steps"] == info["steps_per_epoch"] == 3
    model = networks.load_model(out)
    from emojify_lib.model.distributed import weights_checksum
    assert weights_checksum(model) == pytest.approx(sums[0], rel=1e-6)   # the file holds the trained weights
    probs = model.predict(np.zeros((5, 48, 48, 1), np.float32), verbose=0)
    assert probs.shape == (5, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_a_killed_worker_and_its_peer_resume_from_the_last_checkpoint(tmp_path):
    """Worker 1 dies right after its checkpoint of epoch 1 of 2; worker 0 stops with one clear error; started
    again with the same command, both resume at epoch 2, train that epoch only, and end in step."""
    from emojify_lib.data.fer2013 import write_fer2013_csv
    from emojify_lib.model import networks
    from emojify_lib.testing import tiny_splits

    data = write_fer2013_csv(tmp_path / "tiny.csv", tiny_splits(64))   # 2 steps of 2 × 16 faces per epoch
    workers = ",".join(f"localhost:{p}" for p in free_ports(2))
    out = tmp_path / "mw.keras"
    run = dict(epochs=2, batch_size=16, data=data)
    procs = [start_worker(workers, i, out, tmp_path, **run, die=i == 1) for i in (0, 1)]
    (out0, err0), (out1, err1) = [finish(p, timeout=240) for p in procs]
    assert procs[1].returncode == 17, out1 + err1
    assert procs[0].returncode == 2, out0 + err0
    assert err0.strip().splitlines()[-1].startswith(
        "emojify: error: worker 0: lost the other worker(s) during epoch 2/2") and "Traceback" not in err0
    assert "its checkpoint after epoch 1 is kept" in err0
    assert not list(tmp_path.rglob("*.keras"))

    procs = [start_worker(workers, i, out, tmp_path, **run) for i in (0, 1)]
    results = [finish(p, timeout=240) for p in procs]
    for i, (p, (stdout, stderr)) in enumerate(zip(procs, results)):
        assert p.returncode == 0, stdout + stderr
        assert f"worker {i}/2: resumed from the checkpoint after epoch 1" in stdout
        assert f"worker {i}/2: trained classic for 1 epoch(s)" in stdout   # epoch 2 only, not from scratch
    sums = [float(re.search(r"weights checksum ([\d.]+)", stdout).group(1)) for stdout, _ in results]
    assert sums[0] == pytest.approx(sums[1], rel=1e-9)
    assert sorted(p.name for p in tmp_path.rglob("*.keras")) == ["mw.keras"]
    info = networks.read_model_info(out)
    assert info["epochs_run"] == 2 and info["resumed_at_epoch"] == 1
    assert info["optimizer_steps"] == 2 * info["steps_per_epoch"] == 4   # the optimizer's state came back too
    from emojify_lib.model.distributed import weights_checksum
    assert weights_checksum(networks.load_model(out)) == pytest.approx(sums[0], rel=1e-6)


def test_a_missing_peer_is_one_clear_error_within_the_timeout(tmp_path):
    workers = ",".join(f"localhost:{p}" for p in free_ports(2))
    start = time.monotonic()
    stdout, stderr = finish(proc := start_worker(workers, 0, tmp_path / "x.keras", tmp_path, "--timeout", "3"), 60)
    assert proc.returncode == 2
    lines = stderr.strip().splitlines()
    assert lines[-1].startswith("emojify: error: worker 0: no answer within 3 s from worker(s) 1 at localhost:")
    assert "Traceback" not in stderr
    assert time.monotonic() - start < 45
    assert not list(tmp_path.rglob("*.keras"))


def test_a_taken_port_is_one_clear_error(tmp_path):
    port, other = free_ports(2)
    with socket.socket() as squatter:
        squatter.bind(("", port))
        squatter.listen()
        proc = start_worker(f"localhost:{port},localhost:{other}", 0, tmp_path / "x.keras", tmp_path)
        stdout, stderr = finish(proc, 60)
    assert proc.returncode == 2
    assert f"port {port} on this machine is not free" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("workers, index, message", [
    ("localhost:1234", 0, "at least two workers"),
    ("localhost:1234,localhost", 0, "'localhost' is not host:port"),
    ("localhost:1234,localhost:1235", 2, "index 2 is not in the cluster"),
    ("localhost:1234,localhost:1234", 0, "share one address"),
])
def test_bad_cluster_specs_are_refused_before_anything_starts(workers, index, message):
    from emojify_lib.model import distributed

    with pytest.raises(ClusterError, match=re.escape(message)):
        distributed.join_cluster(workers, index, timeout=1)


def test_bad_tf_config_json():
    from emojify_lib.model import distributed

    with pytest.raises(ClusterError, match="not valid JSON"):
        distributed.check_tf_config("{cluster: ")
    assert distributed.check_tf_config(distributed.parse_workers("a:1,b:2", 1)) == ([("a", 1), ("b", 2)], 1)
