"""A real browser test of the browser-camera demo.

JupyterLab is started on a free localhost port; Debian's headless Chromium (driven by Selenium) opens lesson 07,
runs its browser-camera cell and presses Start. Chromium's fake camera plays a .y4m video made from a real face
photo, so getUserMedia, the JPEG frames, the kernel's answers and the widget's drawing all run for real.
The screenshot is saved to test-artifacts/browser_demo.png.
"""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from emojify_lib.apps.serving import LAB_SETTINGS
from emojify_lib.testing import copy_reference
from browser_harness import free_port, headless_chromium, stop, write_y4m

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "notebooks" / "07_live_emoji_demo.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
TOKEN = "emojify-test-token"


@pytest.fixture(scope="module")
def lab(tmp_path_factory, reference_model_path):
    for tool in ("chromium", "chromedriver"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: run `make system-deps` (apt-get install chromium chromium-driver)")
    work = tmp_path_factory.mktemp("lab")
    models = work / "models"
    copy_reference(reference_model_path, models)  # as `make course` leaves it; the lesson trains its own too
    shutil.copy(LESSON, work / LESSON.name)
    news = work / "lab-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')  # no "get Jupyter news?" toast over the screenshot
    # render every cell: with JupyterLab's default windowing, cells far below the view are not in the page yet,
    # so whether the demo cell could be found depended on how fast the notebook had rendered
    tracker = work / "lab-settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    port = free_port()
    env = {**os.environ, "EMOJIFY_MODELS": str(models), "EMOJIFY_QUICK": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
           "JUPYTER_CONFIG_DIR": str(work / "jupyter-config"), "JUPYTERLAB_SETTINGS_DIR": str(work / "lab-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces")}
    log = open(work / "lab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
                             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
                             f"--ServerApp.root_dir={work}", "--allow-root",
                             "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                             *LAB_SETTINGS],  # as `make course` serves the lessons
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    import urllib.request
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("JupyterLab did not start: " + (work / "lab.log").read_text()[-2000:])
    yield url, work
    stop(proc)
    log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory, astronaut_frame):
    folder = tmp_path_factory.mktemp("chromium")
    with headless_chromium(write_y4m(folder / "face.y4m", astronaut_frame), folder / "profile") as driver:
        yield driver


def _wait(driver, script, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.5)
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "browser_demo_failure.png"))
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


RUN_BROWSER_CELL = """
const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
const cell = cells.find(c => (c.querySelector('.cm-content')?.textContent || '').includes('BrowserCameraDemo('));
if (!cell) return 'no-cell';
cell.scrollIntoView();
cell.querySelector('.jp-InputArea-editor').dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));
return 'found';
"""


def test_browser_camera_cell_shows_emotion_and_emoji(lab, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, work = lab
    browser.get(f"{url}/lab/tree/{LESSON.name}?token={TOKEN}")
    _wait(browser, "return document.querySelectorAll('.jp-Notebook .jp-CodeCell .cm-content').length > 3", 90,
          "the lesson to open in JupyterLab")
    _wait(browser, "return document.querySelector('.jp-Notebook-ExecutionIndicator[data-status=\"idle\"]') "
                   "|| document.querySelector('.jp-KernelStatus')?.textContent.includes('Idle')", 90, "the kernel")
    assert browser.execute_script(RUN_BROWSER_CELL) == "found", "lesson 07 has no cell creating BrowserCameraDemo"
    cells = browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
    target = next(c for c in cells if "BrowserCameraDemo(" in c.find_element(By.CSS_SELECTOR, ".cm-content").text)
    target.find_element(By.CSS_SELECTOR, ".cm-content").click()
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    _wait(browser, "return document.querySelector('.emojify-start')", 120, "the browser-camera widget to render")
    browser.execute_script("document.querySelector('.emojify-start').scrollIntoView({block: 'center'});"
                           "document.querySelector('.emojify-start').click()")
    names = json.dumps(["Angry", "Disgusted", "Fearful", "Happy", "Sad", "Surprised", "Neutral"])
    shown = _wait(browser, f"""
        const name = document.querySelector('.emojify-name')?.textContent || '';
        const img = document.querySelector('.emojify-emoji');
        const ok = {names}.some(n => name.startsWith(n)) && img && img.src.startsWith('data:image/png')
                   && img.naturalWidth > 0;
        return ok ? name : null;""", 90, "an emotion and an emoji from the kernel")
    status = browser.execute_script("return document.querySelector('.emojify-status').textContent")
    time.sleep(2)  # let a few more frames through, then keep the picture
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "browser_demo.png"))
    frames = browser.execute_script("return document.querySelector('.emojify-fps').textContent")
    assert "frames/s" in frames, frames
    assert "Running" in status or "Camera on" in status, status
    # the lesson's own model was trained on the synthetic sample, so the demo uses the reference model, says
    # so, and reads the smiling astronaut as happy: a wrong crop, scaling or class order would not
    assert shown.startswith("Happy"), shown
    note = browser.execute_script("return document.querySelector('.emojify-note').textContent")
    assert "reference model" in note, note
    browser.execute_script("document.querySelector('.emojify-stop').click()")
    _wait(browser, "return document.querySelector('.emojify-status').textContent.includes('Stopped')", 10,
          "the camera to stop")
