"""The widgets' emojify switch, Snapshot and model picker drive the shared live session."""
import cv2
import pytest

from emojify_lib.apps.widgets import BrowserCameraDemo, KernelCameraDemo
from emojify_lib.live.predictor import EmotionPredictor
from emojify_lib.live.sources import SyntheticFrames


@pytest.fixture(scope="module")
def models(classic_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    for name in ("emotion_cnn", "reference"):
        classic_model.save(folder / f"{name}.keras")
    return [("mine", folder / "emotion_cnn.keras"), ("reference", folder / "reference.keras")]


def test_browser_widget_picker_switch_and_snapshot(classic_model, models, astronaut_frame, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    given = EmotionPredictor(classic_model)
    demo = BrowserCameraDemo(given, models=models)
    assert [label for label, _ in demo.widget.models] == ["current: given model", "mine", "reference"]
    demo.widget.model_path = str(models[1][1])  # what the browser's <select> sets
    assert demo.predictor.path == models[1][1] and demo.predictor is not given
    demo.widget.model_path = ""
    assert demo.predictor is given
    demo.widget.model_path = str(tmp_path / "missing.keras")
    assert demo.predictor is given and "Kept the current model" in demo.widget.note
    demo.widget.cover = True
    assert demo.session.cover
    jpeg = cv2.imencode(".jpg", cv2.resize(astronaut_frame, (320, 240)))[1].tobytes()
    sent = []
    demo.widget.send = lambda content, buffers=None: sent.append(content)
    demo._on_msg(demo.widget, {"type": "snapshot"}, [memoryview(jpeg)])
    assert "No snapshot" in sent[-1]["error"] and not (tmp_path / "snapshots").exists()
    demo._on_msg(demo.widget, {"type": "frame"}, [memoryview(jpeg)])
    demo._on_msg(demo.widget, {"type": "snapshot"}, [memoryview(cv2.imencode(".jpg", astronaut_frame)[1].tobytes())])
    saved = [p for p in (tmp_path / "snapshots").iterdir()]
    assert len(saved) == 1 and sent[-1]["path"] == str(saved[0]) and cv2.imread(str(saved[0])).shape == (480, 640, 3)


def test_kernel_widget_controls(classic_model, models, astronaut_frame, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo = KernelCameraDemo(EmotionPredictor(classic_model), source=SyntheticFrames([astronaut_frame]), models=models)
    assert demo.model_picker.layout.display != "none" and len(demo.model_picker.options) == 3
    assert demo.snapshot() is None and "No snapshot" in demo.status.value
    demo.cover_switch.value = True
    demo.process(astronaut_frame)
    path = demo.snapshot()
    assert path.is_file() and str(path) in demo.status.value and demo.session.cover
    demo.model_picker.value = str(models[0][1])
    assert demo.predictor.path == models[0][1]
    alone = KernelCameraDemo(EmotionPredictor(classic_model), source=SyntheticFrames([astronaut_frame]), models=[])
    assert alone.model_picker.layout.display == "none"  # one model: no picker
