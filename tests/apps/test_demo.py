"""The demo widgets' Python side: thread start/stop, bad frames, lost cameras, and the browser widget's replies."""
import dataclasses
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from emojify_lib.live.sources import SyntheticFrames, sample_frames
from emojify_lib.apps.widgets import BrowserCameraDemo, KernelCameraDemo
from emojify_lib.core.emotions import DISPLAY_NAMES, EMOTIONS
from emojify_lib.live.overlay import face_look
from emojify_lib.live.predictor import EmotionPredictor


@pytest.fixture(scope="module")
def predictor(classic_model):
    return EmotionPredictor(classic_model, smoothing=0.5)


def test_runs_a_file_source_to_max_frames_and_releases(predictor, tmp_path, astronaut_frame):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for _ in range(12):
        writer.write(astronaut_frame)
    writer.release()
    demo = KernelCameraDemo(predictor, source=path, max_frames=6)
    demo.start()
    assert demo.wait(60)
    assert demo.frames_processed == 6 and demo.errors == 0
    assert demo._source.closed and not demo.start_button.disabled and demo.stop_button.disabled
    assert demo.video.value[:2] == b"\xff\xd8"  # a JPEG frame is shown
    assert demo.emoji.value[:4] == b"\x89PNG"
    assert demo.last_predictions and demo.last_predictions[0].emotion in EMOTIONS
    assert abs(sum(b.value for b in demo.bars) - 1) < 1e-3


def test_stop_button_stops_an_endless_source(predictor):
    source = SyntheticFrames(sample_frames(4), loop=True)
    demo = KernelCameraDemo(predictor, source=source)
    demo.start_button.click()
    import time
    deadline = time.time() + 30
    while demo.frames_processed < 3 and time.time() < deadline:
        time.sleep(0.05)
    demo.stop_button.click()
    assert not demo.running and source.closed and demo.frames_processed >= 3
    demo.stop()  # idempotent


def test_kernel_interrupt_while_waiting_stops_the_demo(predictor):
    import _thread
    import threading
    source = SyntheticFrames(sample_frames(4), loop=True)
    demo = KernelCameraDemo(predictor, source=source)
    demo.start()
    threading.Timer(1.0, _thread.interrupt_main).start()  # what Jupyter's "interrupt kernel" does
    with pytest.raises(KeyboardInterrupt):
        demo.wait()
    assert not demo.running and source.closed


def test_bad_frames_are_shown_and_skipped(predictor, astronaut_frame):
    frames = [astronaut_frame, None, np.zeros((5, 5), np.float32) * np.nan, "junk",
              astronaut_frame.astype(np.int64) * 2, astronaut_frame]  # int pixels up to 510 are not an image
    demo = KernelCameraDemo(predictor, source=SyntheticFrames(frames))
    demo.start()
    assert demo.wait(60)
    assert demo.frames_processed == 2 and demo.errors == 4
    assert "Skipped" in demo.last_error and "End of" in demo.status.value


def test_camera_lost_mid_stream_stops_cleanly(predictor, astronaut_frame):
    def unplugged():
        yield astronaut_frame
        yield astronaut_frame
        raise OSError("USB device disconnected")

    source = SyntheticFrames(unplugged())
    demo = KernelCameraDemo(predictor, source=source)
    demo.start()
    assert demo.wait(60)
    assert demo.frames_processed == 2 and source.closed
    assert "Camera stopped" in demo.status.value and "disconnected" in demo.status.value


def test_missing_camera_is_reported_not_raised(predictor):
    from emojify_lib.live.sources import OpenCVCamera
    demo = KernelCameraDemo(predictor, source=lambda: OpenCVCamera(9, capture_factory=lambda i: cv2.VideoCapture()))
    demo.start()
    assert not demo.running and "no camera at index 9" in demo.status.value


def test_browser_widget_answers_a_jpeg_frame(predictor, astronaut_frame):
    demo = BrowserCameraDemo(predictor)
    small = cv2.resize(astronaut_frame, (320, 240))
    reply = demo.process_jpeg(cv2.imencode(".jpg", small)[1].tobytes())
    assert reply["type"] == "result" and len(reply["faces"]) == 1
    face = reply["faces"][0]
    assert face["emotion"] in EMOTIONS and all(0 <= v <= 1 for v in face["box"])
    assert len(reply["probs"]) == 7 and reply["ms"] > 0
    assert "emoji" not in reply and "names" not in reply  # the images and names went to the page once, as traits
    assert demo.widget.emojis[face["emotion"]].startswith("data:image/png;base64,")
    assert demo.widget.names == [DISPLAY_NAMES[e] for e in EMOTIONS]
    # the page draws exactly the kernel's FaceLook: the overlay's look is defined once, in live/overlay.py
    last = demo.session.last
    doubled = dataclasses.replace(last.faces[0], box=tuple(2 * v for v in last.faces[0].box))
    assert face == face_look(doubled, (480, 640), cover=False).to_page(640, 480)  # laid out as on a 640-px frame
    assert last._drawn is None  # and the kernel drew nothing for this frame
    assert demo.process_jpeg(b"not a jpeg")["error"] and demo.errors == 1
    empty = demo.process_jpeg(cv2.imencode(".jpg", np.zeros((240, 320, 3), np.uint8))[1].tobytes())
    assert empty["faces"] == [] and "error" not in empty


def test_browser_widget_message_round_trip(predictor, astronaut_frame):
    demo = BrowserCameraDemo(predictor)
    sent = []
    demo.widget.send = lambda content, buffers=None: sent.append(content)
    jpeg = cv2.imencode(".jpg", cv2.resize(astronaut_frame, (320, 240)))[1].tobytes()
    before = time.time() * 1000
    demo._on_msg(demo.widget, {"type": "frame", "width": 320, "height": 240}, [memoryview(jpeg)])
    after = time.time() * 1000
    demo._on_msg(demo.widget, {"type": "something else"}, [])   # a type the page never sends: refused, not run
    assert len(sent) == 2 and sent[0]["faces"] and demo.frames_processed == 1
    # the kernel's stamps for the page's hop timing, in ms since the epoch (rounded to 0.1 ms)
    assert before - 0.1 <= sent[0]["received"] <= sent[0]["replied"] <= after + 0.1
    assert sent[1] == {"type": "refused", "error": "Refused a message this page does not send."}
    js = demo.widget._esm if isinstance(demo.widget._esm, str) else open(demo.widget._esm).read()
    assert "getUserMedia" in js and "model.send" in js


def test_the_page_holds_no_copy_of_the_overlays_look():
    """Colours and placement numbers live in live/overlay.py only; the page draws what the kernel sends."""
    import re

    from emojify_lib.live.overlay import COLORS, CORNER_SCALE, COVER_SCALE

    js = (Path(__file__).resolve().parents[2] / "emojify_lib" / "apps" / "browser_camera.js").read_text()
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b", js), "a colour in browser_camera.js"
    for number in (COVER_SCALE, CORNER_SCALE):
        assert str(number) not in js
    assert set(COLORS) == set(EMOTIONS)
