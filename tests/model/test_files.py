"""The Keras-free model-files module: paths, records and the model choice answer without loading TensorFlow."""
import json
import subprocess
import sys

from emojify_lib.model import files

HEAVY = ("tensorflow", "keras", "h5py")


def test_files_reference_and_the_live_session_import_no_tensorflow():
    """``lint-imports`` sees only the files module's own import lines; this checks what importing really loads."""
    code = ("import sys; import emojify_lib.model.files, emojify_lib.model.reference, emojify_lib.live.session; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout


def test_records_and_the_choice_need_only_files(tmp_path, monkeypatch, no_project_reference):
    monkeypatch.setenv("EMOJIFY_MODELS", str(tmp_path))
    assert files.find_trained_model() is None
    assert "not set up" in files.reference_status()
    learner = files.default_model_path()
    learner.write_bytes(b"a model")  # the choice reads names and records, never the model itself
    files.write_model_info(learner, data_source="sample")
    chosen = files.choose_model()
    assert chosen.path == learner and "synthetic sample" in chosen.warning and "not set up" in chosen.warning
    assert files.read_model_info(learner)["classes"][0] == "angry"
    files.info_path(learner).write_text("[1, 2]")  # a record that is not a JSON object counts as none
    assert files.read_model_info(learner) == {}

    ref = files.reference_path()
    ref.write_bytes(b"the reference")
    files.write_model_info(ref, name="reference", description="the reference, as recorded",
                           keras_sha256=files.sha256(ref))
    assert files.reference_status() is None
    assert files.choose_model().description == "the reference, as recorded"
    files.write_model_info(learner, data_source="fer2013", test_accuracy=0.61)
    assert files.choose_model().path == learner
    assert json.loads(files.info_path(ref).read_text())["name"] == "reference"
    ref.write_bytes(b"changed")
    assert "damaged" in files.reference_status()
