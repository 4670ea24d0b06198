"""A desktop window like the classic Emojify ``gui.py``: video on the left, the emoji and the emotion's name on
the right, a Quit button. Same predictor as the notebooks.

``python -m emojify_lib webcam [--camera N | --video FILE] [--model FILE]``
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from ..core.errors import EmojifyError
from ..live.session import LiveSession, SessionView


def add_webcam_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--camera", type=int, default=0, metavar="N", help="camera index on this machine (default 0)")
    source.add_argument("--video", metavar="FILE", help="read a video file instead of a camera")
    source.add_argument("--sample", action="store_true", help="play built-in sample frames (no camera needed)")
    parser.add_argument("--model", metavar="FILE|reference",
                        help="a .keras model or `reference` (default: your FER2013 model, else the reference model)")
    parser.add_argument("--max-frames", type=int, default=None, metavar="N", help="close after N frames")
    parser.add_argument("--screenshot", metavar="PNG", help="save the window's last picture here on exit")


class EmojifyWindow(SessionView):
    """The Tk window. ``source`` is a :class:`~emojify_lib.live.sources.FrameSource`; one frame is processed per
    Tk timer tick, so the window stays responsive without threads."""

    VIDEO_WIDTH = 640

    def __init__(self, root, predictor, source, max_frames: int | None = None, screenshot: str | None = None):
        import tkinter as tk

        self.session = LiveSession(predictor, source)
        self.root, self.source, self.max_frames = root, source, max_frames
        self.screenshot = screenshot
        self.last_picture = None
        root.title("emojify")
        root.configure(bg="black")
        self.video = tk.Label(root, bg="black")
        self.video.grid(row=0, column=0, rowspan=3, padx=10, pady=10)
        self.emoji = tk.Label(root, bg="black")
        self.emoji.grid(row=0, column=1, padx=20, pady=10)
        self.name = tk.Label(root, text="—", font=("DejaVu Sans", 28, "bold"), fg="#ffd23f", bg="black")
        self.name.grid(row=1, column=1)
        self.status = tk.Label(root, text="", fg="#bbbbbb", bg="black", wraplength=300, justify="left")
        self.status.grid(row=2, column=1, sticky="s")
        buttons = tk.Frame(root, bg="black")
        buttons.grid(row=3, column=0, columnspan=2, pady=8)
        self.cover = tk.BooleanVar(value=False)  # the session's "emojify" switch: each face hidden by its emoji
        tk.Checkbutton(buttons, text="emojify", variable=self.cover, font=("DejaVu Sans", 14),
                       command=lambda: setattr(self.session, "cover", self.cover.get())).pack(side="left", padx=6)
        tk.Button(buttons, text="Snapshot", command=self.snapshot, font=("DejaVu Sans", 14)).pack(side="left", padx=6)
        tk.Button(buttons, text="Quit", command=self.close, font=("DejaVu Sans", 14)).pack(side="left", padx=6)
        root.protocol("WM_DELETE_WINDOW", self.close)
        self.status.configure(text=self.predictor.model_note)
        self._photos = {}
        root.after(1, self.tick)

    def _photo(self, rgb):
        from PIL import Image, ImageTk

        return ImageTk.PhotoImage(Image.fromarray(rgb))

    def tick(self) -> None:
        import cv2

        from ..live.overlay import load_emoji

        if self.max_frames is not None and self.frames_processed >= self.max_frames:
            return self.close()
        shown = self.session.next()
        if shown.stop:
            if shown.error:
                self.status.configure(text=shown.error)
                self.root.after(2000, self.close)
                return
            return self.close()
        if shown.error:  # one bad frame never closes the window
            self.status.configure(text=shown.error)
            self.root.after(10, self.tick)
            return
        scale = self.VIDEO_WIDTH / shown.frame.shape[1]
        picture = cv2.resize(shown.frame, (self.VIDEO_WIDTH, int(shown.frame.shape[0] * scale)))
        self.last_picture = picture
        self._photos["video"] = self._photo(cv2.cvtColor(picture, cv2.COLOR_BGR2RGB))
        self.video.configure(image=self._photos["video"])
        if shown.main is not None:
            rgba = load_emoji(shown.main.emotion, 200)
            bg = (rgba[..., :3] * (rgba[..., 3:] / 255.0)).astype("uint8")  # on black
            self._photos["emoji"] = self._photo(cv2.cvtColor(bg, cv2.COLOR_BGR2RGB))
            self.emoji.configure(image=self._photos["emoji"])
            self.name.configure(text=shown.main.display_name)
        else:
            self.name.configure(text="no face")
        self.root.after(5, self.tick)

    def snapshot(self):
        """Save the last annotated frame as a PNG (:meth:`LiveSession.save_snapshot`); the status line says where."""
        path, line = self.session.save_snapshot()
        self.status.configure(text=line)
        return path

    def save_screenshot(self, path: str) -> None:
        """Save the window as it looks on screen (X11 grab), or the last video picture if grabbing fails."""
        import cv2

        try:
            from PIL import ImageGrab

            self.root.update()
            x, y = self.root.winfo_rootx(), self.root.winfo_rooty()
            box = (x, y, x + self.root.winfo_width(), y + self.root.winfo_height())
            ImageGrab.grab(bbox=box, xdisplay=os.environ.get("DISPLAY")).save(path)
        except Exception:
            if self.last_picture is not None:
                cv2.imwrite(path, self.last_picture)

    def close(self) -> None:
        if self.screenshot:
            self.save_screenshot(self.screenshot)
            self.screenshot = None
        self.source.release()
        try:
            self.root.quit()
        except Exception:
            pass


def run_webcam(args) -> int:
    from ..live.sources import SAMPLE_VIDEO, open_source
    from ..live.predictor import EmotionPredictor
    from ..live.session import LIVE_SETTINGS

    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        print("emojify: error: no display: the webcam window needs a desktop (DISPLAY is not set). In JupyterLab "
              "use lesson 07's widgets instead; on a server run it under Xvfb.", file=sys.stderr)
        return 3
    try:
        import tkinter as tk

        root = tk.Tk()
    except Exception as exc:  # TclError: no display, or Tk not installed
        print(f"emojify: error: cannot open a window ({exc}); use lesson 07's widgets in JupyterLab instead",
              file=sys.stderr)
        return 3
    try:
        predictor = EmotionPredictor.from_path(args.model, **LIVE_SETTINGS)
        # the sample video loops only when --max-frames says when to stop
        source = open_source(args.video or (SAMPLE_VIDEO if args.sample else args.camera),
                             loop=args.sample and args.max_frames is not None)
    except EmojifyError:
        root.destroy()
        raise
    window = EmojifyWindow(root, predictor, source, args.max_frames, args.screenshot)
    started = time.perf_counter()
    root.mainloop()
    seconds = time.perf_counter() - started
    last = window.name.cget("text")
    root.destroy()
    print(f"showed {window.frames_processed} frame(s) in {seconds:.1f} s "
          f"({window.frames_processed / max(seconds, 1e-9):.1f} frames/s), "
          f"{window.errors} skipped; last shown: {last}")
    return 0
