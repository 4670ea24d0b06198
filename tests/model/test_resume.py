"""A training run killed with SIGKILL mid-epoch (a real subprocess) resumes from its backup and finishes with the
same number of epochs."""
import json
import os
import signal
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import os, sys, json
    import keras
    from emojify_lib.data import fer2013
    from emojify_lib.data import sample
    from emojify_lib.model import training

    out, kill_epoch = sys.argv[1], int(sys.argv[2])
    x, y = sample.make_sample(n_per_class=24, seed=1)
    ds = fer2013.Dataset((x, y), (x[:64], y[:64]), (x[:64], y[:64]), "sample", "tiny sample")

    class KillMidEpoch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == kill_epoch and batch == 1:
                os.kill(os.getpid(), 9)   # no clean-up, no finally: like a power cut or the OOM killer

    history = training.train("classic", ds, epochs=4, batch_size=32, out=out, callbacks=[KillMidEpoch()],
                             recipe=training.Recipe.quick(), verbose=0)
    print(json.dumps({"epochs": history.epoch}))
""")


def _run(tmp_path, out, kill_epoch):
    script = tmp_path / "train_script.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, str(script), str(out), str(kill_epoch)], capture_output=True,
                          text=True, env=env, timeout=600)


def test_sigkill_mid_epoch_then_resume(tmp_path):
    out = tmp_path / "resume.keras"
    killed = _run(tmp_path, out, kill_epoch=2)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    backup = tmp_path / "backup" / "resume"
    assert backup.is_dir() and any(backup.rglob("*")), "no backup was left behind"

    resumed = _run(tmp_path, out, kill_epoch=-1)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    epochs = json.loads(resumed.stdout.strip().splitlines()[-1])["epochs"]
    assert epochs == [2, 3]  # epochs 0 and 1 were finished before the kill; epoch 2 restarts
    info = json.loads((tmp_path / "resume.json").read_text())
    assert info["epochs_run"] == 4 and info["resumed_at_epoch"] == 2
    assert not backup.exists()  # a finished run removes its backup
