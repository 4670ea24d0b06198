"""Group 7 — multi-worker training: images/s of the classic CNN on the sample faces, one process (``train()``, Keras
``fit``) against two local worker processes (``MultiWorkerMirroredStrategy``, custom step), same global batch (64),
same epochs, run one after the other through the CLI. Each run's rate is the one its JSON record reports: the
training loop's images/s, start-up excluded.

Two workers on one machine share its cores and add an all-reduce of every gradient per step, so expect no speed-up
here; the point is that the path works. On two machines each worker has its own cores (or GPU), so the compute per
step halves while the all-reduce (the classic CNN's 2.3 M weights, ~9 MB per step each way) goes over the network.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from common import HERE, Results

EPOCHS = 2
GLOBAL_BATCH = 64


def _cli(args, models_dir, **popen):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "EMOJIFY_MODELS": str(models_dir),
           "PYTHONPATH": str(HERE.parent)}
    return subprocess.Popen([sys.executable, "-m", "emojify_lib", "train", "--source", "sample", "--quick",
                             "--epochs", str(EPOCHS), *args], env=env, stdout=subprocess.DEVNULL, **popen)


def _rate(out: Path) -> float:
    return json.loads(out.with_suffix(".json").read_text())["images_per_second"]


def main() -> Results:
    res = Results("7 multi-worker training")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        one = tmp / "one.keras"
        assert _cli(["--batch-size", str(GLOBAL_BATCH), "--out", str(one)], tmp).wait(timeout=900) == 0
        socks = [socket.socket() for _ in range(2)]
        for s in socks:
            s.bind(("localhost", 0))
        workers = ",".join(f"localhost:{s.getsockname()[1]}" for s in socks)
        for s in socks:
            s.close()
        two = tmp / "two.keras"
        procs = [_cli(["--batch-size", str(GLOBAL_BATCH // 2), "--out", str(two), "--workers", workers,
                       "--index", str(i)], tmp) for i in (0, 1)]
        assert all(p.wait(timeout=900) == 0 for p in procs)
        single, double = _rate(one), _rate(two)
    note = f"classic CNN, 2,070 sample faces, {EPOCHS} epochs, global batch {GLOBAL_BATCH}"
    res.add("one process, train() (Keras fit)", single, "images/s", note)
    res.add("two local workers, MultiWorkerMirroredStrategy custom step", double, "images/s",
            note + f", {GLOBAL_BATCH // 2} per worker")
    res.add("ratio two local workers / one process", double / single, "×",
            f"{os.cpu_count()} cores shared by both workers: no speed-up expected on one machine; on two machines "
            "each worker computes half the batch on its own cores/GPU, and each step all-reduces ~9 MB of "
            "gradients over the network. No GPU here, so GPU and mixed-precision epoch times are not measured; "
            f"load average {os.getloadavg()[0]:.1f} at the end of the run")
    res.save()
    return res


if __name__ == "__main__":
    main()
