"""The live demo as JupyterLab widgets.

* :class:`KernelCameraDemo` — the camera (or a video file, or sample frames) is read by the Python kernel, in
  a background thread; ipywidgets show the annotated video, the emoji of the main face, its name, the class
  probabilities and the frame rate. Works when JupyterLab runs on your own machine.
* :class:`BrowserCameraDemo` — the camera is opened by your browser (``getUserMedia``), which sends small JPEG
  frames to the kernel over the notebook's own connection and shows the answers. Works when the kernel runs on
  a server (JupyterHub, Colab, Binder) that cannot see your camera.

Both draw every face's emoji and label on the video, and offer the session's "emojify" switch (each face hidden
by its emoji), a Snapshot button (the one thing ever written: the annotated frame as a PNG, when pressed) and a
model picker when ``models/`` holds more than one model. Each demo object owns its camera, thread and widgets;
``stop()`` releases them.
"""
from __future__ import annotations

import atexit
import base64
import re
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..core.emotions import DISPLAY_NAMES, EMOTIONS
from ..core.errors import EmojifyError
from ..live.overlay import face_look, load_emoji
from ..live.session import MAX_FRAME_BYTES, LiveSession, SessionView, Shown, model_choices
from ..live.sources import SAMPLE_VIDEO, FrameSource, list_cameras, open_source


@lru_cache(maxsize=16)
def emoji_png(emotion: str, size: int = 128) -> bytes:
    """The emoji of a class encoded as PNG bytes (cached)."""
    import cv2

    return cv2.imencode(".png", np.ascontiguousarray(load_emoji(emotion, size)))[1].tobytes()


def _jpeg(frame: np.ndarray, quality: int = 80) -> bytes:
    import cv2

    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


class ModelPicker:
    """The model picker of both widget demos, in one place, and the one check of what a page may choose.

    ``options``: ``(label, key)`` pairs: ``models`` (default :func:`~emojify_lib.live.session.model_choices`, the
    ``.keras`` files in ``models/``) with the model in use first when it is not among them. A key is the model
    file's name (``""`` for the model the demo was given), never a server path: the browser widget sends the
    options to the page. ``value``: the key in use. ``shown``: a picker is worth showing (more than one option).
    :meth:`pick` is the one switch, and takes only a key it offered. ``details``: say why a model could not be
    used (``False`` in room mode: the reason goes to the server's terminal).
    """

    def __init__(self, session: LiveSession, models=None):
        self.session = session
        self.given = session.predictor  # what the "" option (the model the demo was given) goes back to
        self.details = True
        choices = [(label, str(path)) for label, path in (model_choices() if models is None else models)]
        current = str(getattr(session.predictor, "path", None) or "")
        if not current or current not in {p for _, p in choices}:
            choices.insert(0, (f"current: {Path(current).stem if current else 'given model'}", current))
        self.offered: dict[str, tuple[str, str]] = {}  # key -> (label, path)
        for label, path in choices:
            key = Path(path).name if path else ""
            while key in self.offered:  # two files of one name in different folders
                key = "_" + key
            self.offered[key] = (label, path)
        self.options = [(label, key) for key, (label, _) in self.offered.items()]
        self.value = next(key for key, (_, path) in self.offered.items() if path == current)

    @property
    def shown(self) -> bool:
        return len(self.options) > 1

    def pick(self, key: str) -> str | None:
        """Use the option ``key``. Returns ``None`` when switched (or already in use), else why the current model
        was kept: a key it did not offer is refused with one message whatever it names, and nothing is opened."""
        if key == self.value:
            return None
        label = self.offered[self.value][0]
        if key not in self.offered:
            return f"Kept {label}: the page asked for a model it was not offered."
        path = self.offered[key][1]
        try:
            if path:
                self.session.use_model(path)
            else:
                self.given.reset()
                self.session.predictor = self.given
        except EmojifyError as exc:
            if not self.details:
                print(f"Could not use {path}: {exc}", file=sys.__stderr__, flush=True)
            why = str(exc) if self.details else "the server's terminal says why"
            return f"Kept {label}: {self.offered[key][0]} could not be used ({why})."
        self.value = key
        return None


def _model_html(predictor) -> str:
    """Which model is in use (and any warning about it), as one line of HTML for a status area."""
    color = "#a60" if predictor.warning else "#555"
    return f"<span style='color:{color}'>{predictor.model_note}</span>"


# ---------------------------------------------------------------------------------------- kernel camera
class KernelCameraDemo(SessionView):
    """Live demo reading frames in the kernel: a camera on the kernel's machine, a video file, or a source.

    ``source``: anything :func:`~emojify_lib.live.sources.open_source` opens (a
    :class:`~emojify_lib.live.sources.FrameSource`, a callable returning one, a video path, a camera index), or
    ``None`` to pick with the camera menu (cameras found on this machine, plus sample frames). ``max_frames`` stops after
    that many frames (for tests and notebooks run in CI). ``display(demo)`` or ``demo.widget`` shows it.
    """

    def __init__(self, predictor=None, source=None, camera_index: int | None = None, max_frames: int | None = None,
                 width: int = 480, models=None):
        import ipywidgets as w

        self.session = LiveSession(predictor)
        self.picker = ModelPicker(self.session, models)
        self._source_arg = source
        self.max_frames = max_frames
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
        self.status.value = _model_html(self.predictor)
        self.start_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        self.cover_switch = w.ToggleButton(description="emojify", icon="smile-o",
                                           tooltip="cover each face with its emoji")
        self.cover_switch.observe(lambda change: setattr(self.session, "cover", change["new"]), "value")
        self.snapshot_button = w.Button(description="Snapshot", icon="camera",
                                        tooltip="save the annotated picture as a PNG")
        self.snapshot_button.on_click(lambda _: self.snapshot())
        self.model_picker = w.Dropdown(options=self.picker.options, value=self.picker.value, description="Model:",
                                       layout=w.Layout(width="420px", display="" if self.picker.shown else "none"))
        self.model_picker.observe(self._pick_model, "value")
        side = w.VBox([self.emoji, self.label, *self.bars, self.fps_label])
        self.widget = w.VBox([w.HBox([self.camera, self.start_button, self.stop_button, self.cover_switch,
                                      self.snapshot_button]), self.model_picker,
                              w.HBox([self.video, side]), self.status])

    def snapshot(self):
        """Save the last annotated frame as a PNG (see :meth:`LiveSession.save_snapshot`); the status says where."""
        path, line = self.session.save_snapshot()
        if path is None:
            self._show_error(line)
        else:
            self.status.value = line
        return path

    def _pick_model(self, change) -> None:
        problem = self.picker.pick(change["new"])
        if problem:
            self._show_error(problem)
        else:
            self.status.value = _model_html(self.predictor)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _open_source(self) -> FrameSource:
        if self._source_arg is None:  # the menu's choice: a camera index, or the sample video (played in a loop)
            return open_source(self.camera.value, loop=True)
        return open_source(self._source_arg)

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
        self.session.reset(self._source)
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
                shown = self.session.next()
                if shown.stop:
                    if shown.error:
                        self._show_error(shown.error)
                    else:
                        self.status.value = f"End of {self._source.name} after {self.frames_processed} frames."
                    break
                self.show(shown)
                if shown.error:
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
        """Run one frame through the live step and show it; returns the faces found."""
        shown = self.session.step(frame)
        self.show(shown)
        return shown.faces

    def show(self, shown: Shown) -> None:
        """Put one step's result on the widgets: the video, and the main face's emoji, name and probabilities."""
        if shown.error:
            self._show_error(shown.error)
            return
        self.last_frame = shown.frame
        self.video.value = _jpeg(shown.frame)
        self.last_predictions = shown.faces
        main = shown.main
        if main is not None:
            self.emoji.value = emoji_png(main.emotion)
            self.label.value = f"<h3 style='margin:4px 0'>{main.display_name} ({main.score:.0%})</h3>"
            for bar, p in zip(self.bars, main.probs):
                bar.value = float(p)
        else:
            self.label.value = "<h3 style='margin:4px 0'>no face</h3>"


# --------------------------------------------------------------------------------------- browser camera
def _browser_widget_class():
    import anywidget
    import traitlets

    class BrowserCameraWidget(anywidget.AnyWidget):
        _esm = Path(__file__).with_name("browser_camera.js")
        _css = Path(__file__).with_name("browser_camera.css")
        max_fps = traitlets.Int(0).tag(sync=True)  # 0: as fast as answers come, up to the camera's rate
        send_width = traitlets.Int(320).tag(sync=True)
        note = traitlets.Unicode("").tag(sync=True)
        in_flight = traitlets.Int(2).tag(sync=True)  # at most this many frames on their way: 1 or 2 (a second
        # only when the round trip is longer than the camera's gap between pictures)
        emojis = traitlets.Dict({}).tag(sync=True)  # emotion -> PNG data URL, sent once
        names = traitlets.List([]).tag(sync=True)  # the classes' display names, for the probability bars, sent once
        cover = traitlets.Bool(False).tag(sync=True)
        models = traitlets.List([]).tag(sync=True)  # [[label, key], ...]: ModelPicker.options; a picker if 2+
        model_path = traitlets.Unicode("").tag(sync=True)

        def set_state(self, sync_data):
            """What the page sets: only :data:`PAGE_SETTABLE` traits, of their type, reach the widget; every other
            value the page sends (another trait, another type, a huge string) is dropped here."""
            accepted = {name: value for name, value in (sync_data.items() if isinstance(sync_data, dict) else ())
                        if type(value) is PAGE_SETTABLE.get(name) and len(str(value)) <= 1000}
            if accepted:
                super().set_state(accepted)

        def _handle_msg(self, msg):
            data = msg.get("content", {}).get("data") if isinstance(msg.get("content"), dict) else None
            if isinstance(data, dict) and data.get("method") in ("update", "request_state", "custom"):
                super()._handle_msg(msg)  # anything else from the page is not a widget message: dropped

    return BrowserCameraWidget


_ABSOLUTE_PATH = re.compile(r"(?<![\w./:])(?:[A-Za-z]:[\\/]|/)[^\s'\"():;,]+")


def hide_paths(text: str) -> str:
    """``text`` with every absolute path cut to its last part (``/home/t/emojify/models/x.keras`` -> ``x.keras``):
    what room mode shows visitors, who need the file's name, not where it lives on the server."""
    return _ABSOLUTE_PATH.sub(lambda m: Path(m.group().replace("\\", "/")).name or "…", text)


#: The browser widget's traits a page may set, and their types (the emojify switch and the model picker).
PAGE_SETTABLE = {"cover": bool, "model_path": str}
#: What the page hears back when it sends a message the widget's own page never sends.
REFUSED = {"type": "refused", "error": "Refused a message this page does not send."}


#: The page's overlay is laid out as on a frame this wide (a webcam's usual 640 × 480, the size Snapshot draws on),
#: whatever the width of the small frames sent: labels and emojis then look the same on the page and in a snapshot.
PAGE_LOOK_WIDTH = 640


def page_looks(faces, frame_size: tuple[int, int], cover: bool) -> list[dict]:
    """Each face's :class:`~emojify_lib.live.overlay.FaceLook` for the page, laid out on the frame scaled to
    :data:`PAGE_LOOK_WIDTH` and sent as fractions of it (:meth:`FaceLook.to_page`). ``frame_size``: ``(height,
    width)`` of the frame the boxes belong to."""
    scale = PAGE_LOOK_WIDTH / frame_size[1]
    height = round(frame_size[0] * scale)
    return [face_look(p.scaled(scale, scale), (height, PAGE_LOOK_WIDTH), cover).to_page(PAGE_LOOK_WIDTH, height)
            for p in faces]


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


class BrowserCameraDemo(SessionView):
    """Live demo with the camera opened by the browser; the kernel only classifies.

    The browser asks for camera permission when Start is pressed, then sends a downscaled JPEG frame
    (``send_width`` px wide) and sends the next one as soon as the answer is back, at most at the camera's frame
    rate (or ``max_fps`` when above 0). ``in_flight=2`` (the default) lets a second frame leave before the first is
    answered when the round trip is longer than the camera's gap between pictures (a far-away kernel), never more:
    a slow kernel gives fewer frames, never a queue. The widget shows the answers per second, the median round trip
    and (on hover) where a frame's time goes. The kernel draws nothing: it replies with every face's look (box,
    colour, emoji square, label: :func:`~emojify_lib.live.overlay.face_look`) and the main face's probabilities,
    and the page draws them. Frames are decoded in memory and dropped; only the Snapshot button writes a file (a
    PNG, when pressed).
    ``models``: the picker's ``(label, path)`` options (default: the ``.keras`` files in ``models/``).

    The page is untrusted: it may set only the emojify switch and the picker's choice, and the kernel takes a
    choice only when it is one of the options it sent (by file name, never a server path; :class:`ModelPicker`);
    any other value is refused with one message and no file is opened. Frames and snapshots over
    :data:`~emojify_lib.live.session.MAX_FRAME_BYTES` are refused unread. ``room`` (``make app-room``): the
    Snapshot's PNG goes back to the visitor's browser as a download instead of onto the server's disk, and errors
    name no server path.
    """

    def __init__(self, predictor=None, max_fps: int = 0, send_width: int = 320, models=None, room: bool = False,
                 in_flight: int = 2):
        if in_flight not in (1, 2):
            raise ValueError(f"in_flight must be 1 or 2 (frames on their way at once), got {in_flight!r}")
        self.session = LiveSession(predictor)
        self.room = room
        self.session.details = not room
        self.picker = ModelPicker(self.session, models)
        self.picker.details = not room
        self.widget = _browser_widget_class()(
            max_fps=max_fps, send_width=send_width, note=self._note(), in_flight=in_flight,
            emojis={e: _data_url(emoji_png(e)) for e in EMOTIONS}, names=[DISPLAY_NAMES[e] for e in EMOTIONS],
            models=[list(o) for o in self.picker.options], model_path=self.picker.value)
        self.widget.on_msg(self._on_msg)
        self.widget.observe(lambda change: setattr(self.session, "cover", change["new"]), "cover")
        self.widget.observe(self._pick_model, "model_path")

    def _note(self) -> str:
        return hide_paths(self.predictor.model_note) if self.room else self.predictor.model_note

    def _pick_model(self, change) -> None:
        if change["new"] == self.picker.value:  # the kernel setting the picker back, or no change
            return
        problem = self.picker.pick(change["new"])
        if problem:
            self.widget.note = problem
            self.widget.model_path = self.picker.value  # the page's picker shows the model in use again
        else:
            self.widget.note = self._note()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def _on_msg(self, widget, content, buffers) -> None:
        """A message from the page: a ``frame`` or a ``snapshot``, each with exactly one buffer (a JPEG) of at most
        :data:`~emojify_lib.live.session.MAX_FRAME_BYTES`; anything else is answered :data:`REFUSED`. An oversized
        buffer is refused before it is copied or decoded."""
        received = time.time() * 1000  # the page compares it with its own clock: the hop from the page to here
        kind = content.get("type") if isinstance(content, dict) else None
        if kind not in ("frame", "snapshot") or not isinstance(buffers, (list, tuple)) or len(buffers) != 1:
            self.widget.send(REFUSED)
            return
        size = memoryview(buffers[0]).nbytes
        if size > MAX_FRAME_BYTES:
            error = f"Refused a frame of {size:,} bytes: the largest accepted is {MAX_FRAME_BYTES:,}."
            self.widget.send({"type": "result", "error": error, "faces": []} if kind == "frame"
                             else {"type": "saved", "error": f"No snapshot: {error}"})
            return
        if kind == "frame":
            reply, png = self.process_jpeg(bytes(buffers[0])), None
            reply.update(received=round(received, 1), replied=round(time.time() * 1000, 1))
        elif self.room:
            reply, png = self.snapshot_download(bytes(buffers[0]))
        else:
            reply, png = self.snapshot(bytes(buffers[0])), None
        self.widget.send(reply, [png] if png else None)

    def snapshot_download(self, jpeg: bytes | None = None) -> tuple[dict, bytes | None]:
        """Room mode's snapshot: ``({"type": "snapshot", "name"}, PNG bytes)`` for the page to download (the
        browser's full-size picture ``jpeg`` with the last faces drawn on it); nothing is written on the server.
        ``({..., "error"}, None)`` when there is nothing to save yet."""
        try:
            name, png = self.session.snapshot_png(frame=jpeg)
        except EmojifyError as exc:
            return {"type": "snapshot", "error": f"No snapshot: {exc}"}, None
        return {"type": "snapshot", "name": name}, png

    def snapshot(self, jpeg: bytes | None = None) -> dict:
        """Save the annotated frame as a PNG: the browser's full-size picture ``jpeg`` with the last faces drawn
        on it (or the last frame the kernel saw). Returns ``{"type": "saved", "path"}`` or ``{..., "error"}``."""
        path, line = self.session.save_snapshot(frame=jpeg)
        return {"type": "saved", "path": str(path)} if path is not None else {"type": "saved", "error": line}

    def process_jpeg(self, jpeg: bytes) -> dict:
        """Classify the faces of one JPEG frame. Returns a JSON-able dict: ``faces``, each face's
        :class:`~emojify_lib.live.overlay.FaceLook` as fractions of the frame (box, colour, emoji square, label and
        its place: the page draws exactly that, so the overlay's look is defined once, in ``live/overlay.py``),
        ``probs`` of the main face, ``ms`` (the kernel's time for the frame), or ``error`` when the frame could not
        be used. Nothing is drawn here: the page draws, and the emoji images went to it once (``emojis``)."""
        started = time.perf_counter()
        shown = self.session.step(jpeg, draw=False)
        if shown.error:
            return {"type": "result", "error": hide_paths(shown.error) if self.room else shown.error, "faces": []}
        faces = page_looks(shown.faces, shown.picture.shape[:2], shown.cover)
        reply = {"type": "result", "faces": faces}
        if shown.main is not None:
            reply["probs"] = [round(float(v), 4) for v in shown.probs]
        reply["ms"] = round((time.perf_counter() - started) * 1000, 1)
        return reply


def keep_output_on_server() -> None:
    """Room mode: from now on this kernel's tracebacks, prints and warnings go to the server's terminal (the
    kernel process's own stderr/stdout), never over the page's websocket, where a visitor could read server paths."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        def to_terminal(etype, evalue, stb):
            print("\n".join(stb), file=sys.__stderr__, flush=True)
        shell._showtraceback = to_terminal
    for name in ("stdout", "stderr"):
        real = getattr(sys, f"__{name}__")
        if real is not None:
            setattr(sys, name, real)


def refuse_page_made_widgets() -> None:
    """Room mode: the page may not create widgets in this kernel (``comm_open`` to ``jupyter.widget``, which a
    crafted page could send for any widget class); the page's own widgets are made here and only shown there."""
    from comm import get_comm_manager

    get_comm_manager().targets.pop("jupyter.widget", None)


def emoji_camera_app(models=None, room: bool | None = None):
    """The emoji camera as a page (``page/emoji_camera.ipynb``, served by ``make app`` with Voilà): the browser-camera
    demo with the default model (see :meth:`EmotionPredictor.from_path`), or a clear message when there is no
    model yet. ``models``: the picker's ``(label, path)`` options (default: the ``.keras`` files in ``models/``).
    ``room`` (default :func:`~emojify_lib.core.config.room_mode`, set by ``make app-room``): the page serves
    visitors, so snapshots download to their browser, and errors, prints and tracebacks stay in the server's
    terminal (:func:`keep_output_on_server`), and the page cannot create widgets (:func:`refuse_page_made_widgets`)."""
    import ipywidgets as w

    from ..core import config

    room = config.room_mode() if room is None else room
    if room:
        keep_output_on_server()
        refuse_page_made_widgets()
    try:
        return BrowserCameraDemo(models=models, room=room)
    except EmojifyError as exc:
        if room:
            print(f"The emoji camera cannot start: {exc}", file=sys.__stderr__, flush=True)
            return w.HTML("<p style='color:#c00'>The emoji camera cannot start on this server; the terminal "
                          "that runs it says why.</p>")
        return w.HTML(f"<p style='color:#c00'>The emoji camera cannot start: {exc}</p>")
