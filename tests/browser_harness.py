"""Real-browser harness shared by ``tests/`` and ``benchmarks/``: a fake camera file, the Voilà page
(``page/emoji_camera.ipynb``) served, Debian's headless Chromium driven by Selenium, and polling the page.

Chromium's fake camera plays a ``.y4m`` file to ``getUserMedia``, so the widget's JavaScript, the JPEG frames, the
kernel's answers and the drawing all run for real. It needs a checkout (it serves ``page/`` from beside
``tests/``), so it is not part of the installed package: tests import it as ``browser_harness`` (``tests/`` is on
pytest's path), benchmarks put ``tests/`` on ``sys.path`` first.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
APP_NOTEBOOK = ROOT / "page" / "emoji_camera.ipynb"


class BrowserHarnessError(RuntimeError):
    """Chromium, ChromeDriver or the page server is missing or did not start (the message says what to do)."""


def write_y4m(path: Path, frame_bgr: np.ndarray, frames: int = 30) -> Path:
    """A YUV4MPEG2 file (what Chromium's fake camera reads): header, then 'FRAME' + I420 planes per frame."""
    import cv2

    h, w = frame_bgr.shape[:2]
    i420 = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2YUV_I420).tobytes()
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + i420)
    return Path(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_app(work: Path, models: Path, notebook: Path = APP_NOTEBOOK, timeout: float = 90, extra: tuple = ()):
    """Serve ``notebook`` (copied into ``work``, which becomes the kernel's folder) with Voilà on a free localhost
    port as ``make app`` does (:func:`emojify_lib.apps.serving.app_arguments`; ``extra``: Voilà settings that replace
    make app's of the same name, or add to them), models read from ``models``; yields the page's URL. The server's
    log is ``work/voila.log``."""
    with voila_server(work, models, notebook, timeout, extra) as (url, _):
        yield url


@contextlib.contextmanager
def voila_server(work: Path, models: Path, notebook: Path = APP_NOTEBOOK, timeout: float = 90, extra: tuple = ()):
    """:func:`serve_app`, yielding ``(url, process)``: the server's process too, whose children are the pages'
    kernels (:func:`kernel_processes`)."""
    from emojify_lib.apps.serving import app_arguments

    work = Path(work)
    shutil.copy(notebook, work / notebook.name)
    port = free_port()
    env = {**os.environ, "EMOJIFY_MODELS": str(models), "TF_CPP_MIN_LOG_LEVEL": "3",
           "JUPYTER_CONFIG_DIR": str(work / "jupyter-config"), "PYTHONPATH": str(ROOT)}
    log_path = work / "voila.log"
    with open(log_path, "w") as log:
        replaced = {arg.split("=")[0] for arg in extra}
        args = [arg for arg in app_arguments(notebook.name, port) if arg.split("=")[0] not in replaced] + list(extra)
        proc = subprocess.Popen([sys.executable, "-m", "voila", *args],
                                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + timeout
            while True:
                try:
                    urllib.request.urlopen(f"{url}/static/", timeout=2)
                    break
                except urllib.error.HTTPError:  # the server answers (even "not found"): it is up
                    break
                except OSError:
                    if proc.poll() is not None or time.time() > deadline:
                        raise BrowserHarnessError("Voilà did not start: " + log_path.read_text()[-2000:]) from None
                    time.sleep(0.5)
            yield url, proc
        finally:
            stop(proc)


def app_page_with(folder: Path, source: str) -> Path:
    """A copy of the app page (:data:`APP_NOTEBOOK`) in ``folder`` whose code cell runs ``source`` instead: a test's
    or benchmark's variant of the page (a slowed kernel, a setting the page itself may not change). Returns its path,
    for :func:`serve_app`'s ``notebook``."""
    import json

    nb = json.loads(APP_NOTEBOOK.read_text())
    next(c for c in nb["cells"] if c["cell_type"] == "code")["source"] = source
    path = Path(folder) / APP_NOTEBOOK.name
    path.write_text(json.dumps(nb))
    return path


def kernel_processes(server: subprocess.Popen) -> list:
    """The kernels (one per open page) the Voilà ``server`` runs, as ``psutil.Process`` objects."""
    import psutil

    try:
        children = psutil.Process(server.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    kernels = []
    for child in children:
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                kernels.append(child)
        except psutil.NoSuchProcess:
            pass
    return kernels


def open_camera_page(driver, url: str, timeout: float = 180) -> None:
    """Open the app page at ``url`` in ``driver`` and press Start (the widget asks the fake camera)."""
    driver.get(url)
    poll(driver, "return document.querySelector('.emojify-start')", timeout, "the app page's camera widget")
    driver.execute_script("document.querySelector('.emojify-start').click()")


#: What a page shows (read in the page): answers received, the median round trip, the main face's name, how many
#: faces the last answer had, the status line.
PAGE_STATE = """
const root = document.querySelector('.emojify-root');
if (!root) return null;
return {answers: Number(root.dataset.answers || 0), rttMs: Number(root.dataset.rttMs),
        name: document.querySelector('.emojify-name').textContent, faces: Number(root.dataset.faces || 0),
        status: document.querySelector('.emojify-status').textContent};
"""


def stop(proc: subprocess.Popen, seconds: float = 15) -> None:
    """Ask a server process to end (SIGTERM); kill it when it has not ended after ``seconds``."""
    proc.terminate()
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextlib.contextmanager
def headless_chromium(y4m: Path, profile: Path, size: str = "1400,1000"):
    """Debian's Chromium, headless, with the fake camera playing ``y4m``; yields a Selenium driver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for tool in ("chromium", "chromedriver"):
        if shutil.which(tool) is None:
            raise BrowserHarnessError(f"{tool} is not installed: run `make system-deps` "
                                      "(apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-video-capture={y4m}", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", f"--window-size={size}",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def poll(driver, script: str, timeout: float, what: str, every: float = 0.25):
    """Run ``script`` in the page until it returns something truthy; that value. :class:`TimeoutError` saying
    ``what`` was awaited otherwise."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
