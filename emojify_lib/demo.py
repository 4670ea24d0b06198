"""The live demo as JupyterLab widgets.

* :class:`KernelCameraDemo` — the camera (or a video file, or sample frames) is read by the Python kernel, in
  a background thread; ipywidgets show the annotated video, the emoji of the main face, its name, the class
  probabilities and the frame rate. Works when JupyterLab runs on your own machine.
* :class:`BrowserCameraDemo` — the camera is opened by your browser (``getUserMedia``), which sends small JPEG
  frames to the kernel over the notebook's own connection and shows the answers. Works when the kernel runs on
  a server (JupyterHub, Colab, Binder) that cannot see your camera.

Neither writes frames to disk. Each demo object owns its camera, thread and widgets; ``stop()`` releases them.
"""
from __future__ import annotations

import atexit
import base64
import threading
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from .camera import FrameSource, OpenCVCamera, SyntheticFrames, VideoFile, list_cameras, sample_frames
from .emoji import annotate, load_emoji
from .emotions import DISPLAY_NAMES, EMOTIONS
from .errors import CameraError, EmojifyError

SAMPLE_VIDEO = "sample video (no camera)"
#: Predictor settings for live video: steady emojis, the fastest classifier, detection on every 2nd frame.
LIVE_SETTINGS = {"smoothing": 0.6, "backend": "tflite", "detect_every": 2}


@lru_cache(maxsize=16)
def emoji_png(emotion: str, size: int = 128) -> bytes:
    """The emoji of a class encoded as PNG bytes (cached)."""
    import cv2

    return cv2.imencode(".png", np.ascontiguousarray(load_emoji(emotion, size)))[1].tobytes()


def _jpeg(frame: np.ndarray, quality: int = 80) -> bytes:
    import cv2

    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def _default_predictor(predictor):
    if predictor is not None:
        return predictor
    from .predictor import EmotionPredictor

    return EmotionPredictor.from_path(**LIVE_SETTINGS)


# ---------------------------------------------------------------------------------------- kernel camera
class KernelCameraDemo:
    """Live demo reading frames in the kernel: a camera on the kernel's machine, a video file, or a source.

    ``source``: a :class:`~emojify_lib.camera.FrameSource`, a callable returning one, a video path, or ``None``
    to pick with the camera menu (cameras found on this machine, plus sample frames). ``max_frames`` stops after
    that many frames (for tests and notebooks run in CI). ``display(demo)`` or ``demo.widget`` shows it.
    """

    def __init__(self, predictor=None, source=None, camera_index: int | None = None, max_frames: int | None = None,
                 width: int = 480):
        import ipywidgets as w

        self.predictor = _default_predictor(predictor)
        self._source_arg = source
        self.max_frames = max_frames
        self.frames_processed = 0
        self.errors = 0
        self.last_error: str | None = None
        self.last_predictions: list = []
        self.last_frame: np.ndarray | None = None  # the last annotated frame shown
        self.fps = 0.0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._source: FrameSource | None = None
        self._lock = threading.Lock()

        cameras = [] if source is not None else list_cameras(3)
        options = [(f"camera {i}", i) for i in cameras] + [(SAMPLE_VIDEO, SAMPLE_VIDEO)]
        if source is not None:
            options = [("given source", "given")]
        self.camera = w.Dropdown(options=options, value=options[0][1] if camera_index is None else camera_index,
                                 description="Source:", layout=w.Layout(width="260px"))
        self.start_button = w.Button(description="Start", icon="play", button_style="success")
        self.stop_button = w.Button(description="Stop", icon="stop", button_style="danger", disabled=True)
        self.video = w.Image(format="jpeg", layout=w.Layout(width=f"{width}px"))
        self.emoji = w.Image(format="png", layout=w.Layout(width="128px", height="128px"))
        self.label = w.HTML("<h3 style='margin:4px 0'>—</h3>")
        self.bars = [w.FloatProgress(min=0, max=1, description=DISPLAY_NAMES[e], style={"description_width": "80px"},
                                     layout=w.Layout(width="260px")) for e in EMOTIONS]
        self.fps_label = w.Label("")
        self.status = w.HTML("")
        color = "#a60" if self.predictor.warning else "#555"
        self.status.value = f"<span style='color:{color}'>{self.predictor.model_note}</span>"
        self.start_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        side = w.VBox([self.emoji, self.label, *self.bars, self.fps_label])
        self.widget = w.VBox([w.HBox([self.camera, self.start_button, self.stop_button]),
                              w.HBox([self.video, side]), self.status])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _open_source(self) -> FrameSource:
        arg = self._source_arg
        if arg is None:
            choice = self.camera.value
            return SyntheticFrames(sample_frames(90), loop=True, name=SAMPLE_VIDEO) if choice == SAMPLE_VIDEO \
                else OpenCVCamera(int(choice))
        if isinstance(arg, FrameSource):
            return arg
        if isinstance(arg, (str, Path)):
            return VideoFile(arg)
        return arg()

    def start(self) -> None:
        """Open the source and start the capture thread (does nothing if already running)."""
        if self.running:
            return
        try:
            self._source = self._open_source()
        except EmojifyError as exc:
            self._show_error(f"Could not start: {exc}")
            return
        self._stop.clear()
        self.frames_processed = 0
        self.predictor.reset()
        self.start_button.disabled, self.stop_button.disabled = True, False
        self.status.value = f"Running on {self._source.name}…"
        self._thread = threading.Thread(target=self._loop, name="emojify-kernel-camera", daemon=True)
        self._thread.start()
        atexit.register(self.stop, 1.0)  # kernel shutdown or restart: release the camera too

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread, release the camera, re-enable Start. Safe to call more than once."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._release()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the capture thread ends (e.g. after ``max_frames``); True if it has ended.
        Interrupting the kernel while waiting stops the demo and releases the camera."""
        # Join in short slices: a kernel interrupt only sets a flag that the main thread checks
        # between bytecodes, and a single long join() would never look at it.
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while self._thread is not None and self._thread.is_alive():
                left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if left <= 0:
                    break
                self._thread.join(left)
        except KeyboardInterrupt:
            self.stop()
            raise
        return not self.running

    def _release(self) -> None:
        with self._lock:
            if self._source is not None:
                self._source.release()
        self.start_button.disabled, self.stop_button.disabled = False, True

    def _show_error(self, message: str) -> None:
        self.last_error = message
        self.status.value = f"<span style='color:#c00'>{message}</span>"

    def _loop(self) -> None:
        started, frames_in_window = time.perf_counter(), 0
        try:
            while not self._stop.is_set():
                if self.max_frames is not None and self.frames_processed >= self.max_frames:
                    break
                try:
                    frame = self._source.read()
                except CameraError as exc:  # the device is gone: report, release, stop
                    self._show_error(f"Camera stopped: {exc}")
                    break
                except EmojifyError as exc:  # one bad frame: report and go on
                    self.errors += 1
                    self._show_error(f"Skipped a bad frame ({self.errors} so far): {exc}")
                    continue
                if frame is None:
                    self.status.value = f"End of {self._source.name} after {self.frames_processed} frames."
                    break
                try:
                    self.process(frame)
                except Exception as exc:  # never let one frame end the demo
                    self.errors += 1
                    self._show_error(f"Skipped a frame ({self.errors} so far): {type(exc).__name__}: {exc}")
                    continue
                frames_in_window += 1
                now = time.perf_counter()
                if now - started >= 1.0:
                    self.fps = frames_in_window / (now - started)
                    self.fps_label.value = f"{self.fps:.1f} frames/s"
                    started, frames_in_window = now, 0
        finally:
            self._release()

    def process(self, frame: np.ndarray) -> list:
        """Run one frame through the pipeline and update the widgets; returns the predictions."""
        predictions = self.predictor.predict(frame)
        self.last_frame = annotate(frame, predictions)
        self.video.value = _jpeg(self.last_frame)
        self.last_predictions = predictions
        self.frames_processed += 1
        if predictions:
            main = predictions[0]
            self.emoji.value = emoji_png(main.emotion)
            self.label.value = f"<h3 style='margin:4px 0'>{main.display_name} ({main.score:.0%})</h3>"
            for bar, p in zip(self.bars, main.probs):
                bar.value = float(p)
        else:
            self.label.value = "<h3 style='margin:4px 0'>no face</h3>"
        return predictions


# --------------------------------------------------------------------------------------- browser camera
def _browser_widget_class():
    import anywidget
    import traitlets

    class BrowserCameraWidget(anywidget.AnyWidget):
        _esm = Path(__file__).with_name("browser_camera.js")
        _css = Path(__file__).with_name("browser_camera.css")
        interval_ms = traitlets.Int(150).tag(sync=True)
        send_width = traitlets.Int(320).tag(sync=True)
        note = traitlets.Unicode("").tag(sync=True)
        frames = traitlets.Int(0).tag(sync=True)

    return BrowserCameraWidget


class BrowserCameraDemo:
    """Live demo with the camera opened by the browser; the kernel only classifies.

    The browser asks for camera permission when Start is pressed, then sends a downscaled JPEG frame
    (``send_width`` px wide) and waits for the answer before sending the next, at most one every
    ``interval_ms``. The kernel replies with the face boxes, emotions, probabilities and the emoji.
    Frames are decoded in memory and dropped; nothing is stored.
    """

    def __init__(self, predictor=None, interval_ms: int = 150, send_width: int = 320):
        self.predictor = _default_predictor(predictor)
        self.frames_processed = 0
        self.errors = 0
        self.widget = _browser_widget_class()(interval_ms=interval_ms, send_width=send_width,
                                              note=self.predictor.model_note)
        self.widget.on_msg(self._on_msg)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _on_msg(self, widget, content, buffers) -> None:
        if not isinstance(content, dict) or content.get("type") != "frame" or not buffers:
            return
        reply = self.process_jpeg(bytes(buffers[0]))
        self.widget.frames = self.frames_processed
        self.widget.send(reply)

    def process_jpeg(self, jpeg: bytes) -> dict:
        """Classify the faces of one JPEG frame. Returns a JSON-able dict: ``faces`` (each with ``box`` as
        fractions of the frame, ``emotion``, ``name``, ``score``), ``probs`` and ``emoji`` (a PNG data URL) of
        the main face, or ``error`` when the frame could not be used."""
        import cv2

        frame = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR) if jpeg else None
        if frame is None:
            self.errors += 1
            return {"type": "result", "error": "the browser sent a frame that is not a readable JPEG", "faces": []}
        try:
            predictions = self.predictor.predict(frame)
        except Exception as exc:  # one bad frame must not end the demo
            self.errors += 1
            return {"type": "result", "error": f"{type(exc).__name__}: {exc}", "faces": []}
        self.frames_processed += 1
        h, w = frame.shape[:2]
        faces = [{"box": [p.box[0] / w, p.box[1] / h, p.box[2] / w, p.box[3] / h], "emotion": p.emotion,
                  "name": p.display_name, "score": round(p.score, 4)} for p in predictions]
        reply = {"type": "result", "faces": faces, "names": [DISPLAY_NAMES[e] for e in EMOTIONS]}
        if predictions:
            reply["probs"] = [round(float(v), 4) for v in predictions[0].probs]
            reply["emoji"] = "data:image/png;base64," + base64.b64encode(emoji_png(predictions[0].emotion)).decode()
        return reply
