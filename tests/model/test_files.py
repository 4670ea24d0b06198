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


def test_the_more_accurate_fer2013_model_is_chosen_and_both_figures_shown(tmp_path, monkeypatch, no_project_reference):
    monkeypatch.setenv("EMOJIFY_MODELS", str(tmp_path))
    ref = files.reference_path()
    ref.write_bytes(b"the reference")
    files.write_model_info(ref, name="reference", description="reference model, 65.5% on FER2013 test",
                           keras_sha256=files.sha256(ref), data_source="fer2013", test_accuracy=0.655)
    classic = files.default_model_path()
    classic.write_bytes(b"lesson 05's model")
    files.write_model_info(classic, data_source="fer2013", best_val_accuracy=0.604)  # no test figure: validation
    chosen = files.choose_model()
    assert chosen.path == ref
    assert "60.4% validation" in chosen.description and "65.5%" in chosen.description
    modern = tmp_path / "modern_cnn.keras"
    modern.write_bytes(b"lesson 08's model")
    files.write_model_info(modern, data_source="sample", test_accuracy=0.9)  # the sample never counts
    assert files.choose_model().path == ref
    files.write_model_info(modern, data_source="fer2013", test_accuracy=0.672)
    chosen = files.choose_model()
    assert chosen.path == modern and "67.2% test" in chosen.description and "65.5%" in chosen.description
    files.write_model_info(modern, data_source="fer2013", test_accuracy="67 %")  # junk in a record: no accuracy
    assert files.choose_model().path == ref and "no recorded accuracy" not in files.choose_model().description
    assert files.choose_model(modern).path == modern
