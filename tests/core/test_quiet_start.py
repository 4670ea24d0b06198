"""No TensorFlow start-up lines (absl, oneDNN, CUDA) reach the learner: not in the CLI's output, not in a lesson's
first cells. TensorFlow 2.21 writes them from C++ while it loads, even with TF_CPP_MIN_LOG_LEVEL=3, so these runs
leave that variable unset, as a learner's shell does."""
import os
import re
import subprocess
import sys
from pathlib import Path

import cv2
import nbformat
import pytest
from nbclient import NotebookClient
from skimage import data

ROOT = Path(__file__).resolve().parents[2]
NOISE = re.compile(r"oneDNN|cuda|absl|InitializeLog|cpu_feature_guard|^[IWE]\d{4} ", re.IGNORECASE | re.MULTILINE)


def learner_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return {**env, "EMOJIFY_QUICK": "1", "PYTHONPATH": str(ROOT)}


def test_cli_prints_no_tensorflow_start_up_lines(tmp_path):
    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    r = subprocess.run([sys.executable, "-m", "emojify_lib", "predict", str(photo)], capture_output=True, text=True,
                       env=learner_env(tmp_path), timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "astronaut.png:" in r.stdout
    assert not NOISE.search(r.stdout + r.stderr), r.stdout + r.stderr


@pytest.mark.parametrize("lesson, cells", [("02_convolution", 1), ("06_evaluating", 1)])
def test_a_lessons_first_cells_show_no_tensorflow_start_up_lines(lesson, cells, tmp_path, monkeypatch):
    """Lesson 02 imports Keras itself; lesson 06 gets it through the library (``emojify_lib.model``)."""
    for key, value in learner_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    # ipykernel forwards what C++ writes to fd 2 into the notebook (as Jupyter shows it to a learner) only when it
    # is not run under pytest; so does nbval's run of the lessons, which is why CI never saw these lines
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    nb = nbformat.read(ROOT / "notebooks" / f"{lesson}.ipynb", as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type == "code"][:cells]
    nb.cells.append(nbformat.v4.new_code_cell("import keras, tensorflow as tf\nprint(float(tf.constant(1.0) + 1))"))
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    shown = "".join(o.get("text", "") for c in nb.cells for o in c.outputs if o.output_type == "stream")
    print("SHOWN", repr(shown), os.environ.get("TF_CPP_MIN_LOG_LEVEL"))
    assert "2.0" in shown
    assert not NOISE.search(shown), shown
