"""The widgets' emojify switch, Snapshot and model picker drive the shared live session."""
import cv2
import numpy as np
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
    assert [key for _, key in demo.widget.models] == ["", "emotion_cnn.keras", "reference.keras"]  # no server path
    demo.widget.model_path = "reference.keras"  # what the browser's <select> sets
    assert demo.predictor.path == models[1][1] and demo.predictor is not given
    demo.widget.model_path = ""
    assert demo.predictor is given
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


def test_browser_widget_takes_only_the_models_it_offered(classic_model, models, tmp_path, monkeypatch):
    """A page-sent model_path outside the options: one message whether the file exists or not, nothing opened,
    the model in use unchanged, the picker set back."""
    demo = BrowserCameraDemo(EmotionPredictor(classic_model), models=models)
    demo.widget.model_path = "emotion_cnn.keras"
    in_use = demo.predictor

    def never(*args, **kwargs):
        raise AssertionError("a model file was opened for a value the page was not offered")
    monkeypatch.setattr(EmotionPredictor, "from_path", never)
    monkeypatch.setattr("builtins.open", never)
    notes = []
    for value in (str(models[1][1]), str(tmp_path / "missing.keras"), "/etc/passwd", "../models/reference.keras",
                  "reference", "x" * 5000):
        demo.widget.set_state({"model_path": value})  # as the page's message arrives
        notes.append(demo.widget.note)
        assert demo.predictor is in_use and demo.widget.model_path == "emotion_cnn.keras"
    assert notes[0] == "Kept mine: the page asked for a model it was not offered."
    assert set(notes[:-1]) == {notes[0]}  # the 5000-character value never reached the widget at all


def test_browser_widget_takes_only_the_traits_a_page_may_set(classic_model):
    demo = BrowserCameraDemo(EmotionPredictor(classic_model), send_width=320)
    demo.widget.set_state({"send_width": 100000, "models": [["x", "/etc/passwd"]], "note": "<b>hi</b>",
                           "_esm": "alert(1)", "cover": "yes", "model_path": 7})
    assert demo.widget.send_width == 320 and demo.widget.note == demo.predictor.model_note
    assert ["x", "/etc/passwd"] not in demo.widget.models and "alert" not in str(demo.widget._esm)
    assert demo.widget.cover is False and demo.widget.model_path == ""
    demo.widget.set_state({"cover": True})
    assert demo.session.cover is True


def test_browser_widget_refuses_unknown_and_oversized_messages(classic_model, monkeypatch):
    import cv2 as cv

    from emojify_lib.live.session import MAX_FRAME_BYTES

    demo = BrowserCameraDemo(EmotionPredictor(classic_model))
    sent = []
    demo.widget.send = lambda content, buffers=None: sent.append(content)
    monkeypatch.setattr(cv, "imdecode", lambda *a: (_ for _ in ()).throw(AssertionError("decoded")))
    for content, buffers in (({"type": "execute", "code": "1"}, [b"x"]), ("frame", [b"x"]), ({"type": "frame"}, []),
                             ({"type": "frame"}, [b"x", b"y"]), ({}, None)):
        demo._on_msg(demo.widget, content, buffers)
        assert sent[-1] == {"type": "refused", "error": "Refused a message this page does not send."}
    big = memoryview(b"\xff\xd8" + bytes(MAX_FRAME_BYTES))
    demo._on_msg(demo.widget, {"type": "frame"}, [big])
    assert sent[-1]["type"] == "result" and "largest accepted" in sent[-1]["error"] and demo.frames_processed == 0
    demo._on_msg(demo.widget, {"type": "snapshot"}, [big])
    assert "No snapshot" in sent[-1]["error"] and "largest accepted" in sent[-1]["error"]


def test_room_snapshot_is_a_download_and_writes_nothing(classic_model, astronaut_frame, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo = BrowserCameraDemo(EmotionPredictor(classic_model), room=True)
    sent = []
    demo.widget.send = lambda content, buffers=None: sent.append((content, buffers))
    demo._on_msg(demo.widget, {"type": "snapshot"}, [memoryview(cv2.imencode(".jpg", astronaut_frame)[1].tobytes())])
    assert sent[-1][0]["type"] == "snapshot" and "No snapshot" in sent[-1][0]["error"] and sent[-1][1] is None
    demo._on_msg(demo.widget, {"type": "frame"}, [memoryview(cv2.imencode(".jpg", astronaut_frame)[1].tobytes())])
    demo._on_msg(demo.widget, {"type": "snapshot"}, [memoryview(cv2.imencode(".jpg", astronaut_frame)[1].tobytes())])
    reply, buffers = sent[-1]
    assert reply["type"] == "snapshot" and reply["name"].startswith("emojify-") and reply["name"].endswith(".png")
    picture = cv2.imdecode(np.frombuffer(buffers[0], np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape == (480, 640, 3)
    assert list(tmp_path.iterdir()) == []  # nothing written on the server


def test_kernel_widget_controls(classic_model, models, astronaut_frame, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo = KernelCameraDemo(EmotionPredictor(classic_model), source=SyntheticFrames([astronaut_frame]), models=models)
    assert demo.model_picker.layout.display != "none" and len(demo.model_picker.options) == 3
    assert demo.snapshot() is None and "No snapshot" in demo.status.value
    demo.cover_switch.value = True
    demo.process(astronaut_frame)
    path = demo.snapshot()
    assert path.is_file() and str(path) in demo.status.value and demo.session.cover
    demo.model_picker.value = "emotion_cnn.keras"  # options are file names
    assert demo.predictor.path == models[0][1]
    alone = KernelCameraDemo(EmotionPredictor(classic_model), source=SyntheticFrames([astronaut_frame]), models=[])
    assert alone.model_picker.layout.display == "none"  # one model: no picker


def test_room_mode_shows_file_names_not_server_paths(classic_model, tmp_path):
    from emojify_lib.apps.widgets import hide_paths

    assert hide_paths("not set up (no /home/t/emojify/models/reference.keras); run it") == \
        "not set up (no reference.keras); run it"
    assert hide_paths(r"C:\Users\t\models\x.keras is damaged") == "x.keras is damaged"
    for kept in ("12.5 frames/s, 1/2", "see https://example.org/a/b", "your model (emotion_cnn.keras, 61.0% test)"):
        assert hide_paths(kept) == kept
    predictor = EmotionPredictor(classic_model, warning=f"no record beside {tmp_path / 'models' / 'x.keras'}")
    assert str(tmp_path) in BrowserCameraDemo(predictor).widget.note  # the teacher's own page says where
    note = BrowserCameraDemo(predictor, room=True).widget.note
    assert "x.keras" in note and str(tmp_path) not in note


@pytest.mark.parametrize("room", [False, True])
def test_an_offered_model_that_cannot_be_used_keeps_the_current_one(classic_model, tmp_path, room):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a model")
    demo = BrowserCameraDemo(EmotionPredictor(classic_model), models=[("broken", broken)], room=room)
    in_use = demo.predictor
    demo.widget.set_state({"model_path": "broken.keras"})
    note = demo.widget.note
    assert demo.predictor is in_use and demo.widget.model_path == "" and "Kept current: given model: broken" in note
    assert ("the server's terminal says why" in note and str(tmp_path) not in note) if room else str(tmp_path) in note
