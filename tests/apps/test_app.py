"""The emoji camera app (`make app`): page/emoji_camera.ipynb served by Voilà, opened in Debian's headless Chromium
with a fake camera playing the astronaut photo. The page loads without code, Start works, the astronaut gets the
happy emoji with the reference model, the rate and round trip are shown, the emojify switch and Snapshot work,
and the snapshot is the only file written. Screenshots go to test-artifacts/app_page*.png.
"""
import time

import cv2
import pytest

from browser_harness import ROOT, app_page_with, headless_chromium, poll, serve_app, write_y4m
from emojify_lib.testing import copy_reference

ARTIFACTS = ROOT / "test-artifacts"
REFERENCE = ROOT / "models" / "reference.keras"


@pytest.fixture(scope="module")
def app_page(tmp_path_factory, astronaut_frame):
    if not REFERENCE.is_file():
        pytest.fail(f"the reference model is not at {REFERENCE}: run `python -m emojify_lib reference` first")
    tmp = tmp_path_factory.mktemp("app")
    models, work = tmp / "models", tmp / "work"
    copy_reference(REFERENCE, models)
    work.mkdir()
    y4m = write_y4m(tmp / "face.y4m", astronaut_frame)
    with serve_app(work, models) as url, headless_chromium(y4m, tmp / "profile") as driver:
        yield driver, url, work


def _shot(driver, name):
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / name))


def test_app_page_shows_happy_emoji_for_the_astronaut(app_page):
    driver, url, work = app_page
    driver.get(url)
    try:
        poll(driver, "return document.querySelector('.emojify-start')", 180, "the app page's camera widget")
        page = driver.execute_script("return document.body.innerText")
        assert "emoji camera" in page and "emoji_camera_app" not in page  # the markdown shows, the code does not
        driver.execute_script("document.querySelector('.emojify-start').click()")
        name = poll(driver, "const n = document.querySelector('.emojify-name').textContent;"
                            "return n.startsWith('Happy') ? n : null", 90, "the happy emoji for the astronaut")
        poll(driver, "return Number(document.querySelector('.emojify-root').dataset.answers) >= 5", 60,
             "a few answers from the kernel")
        stats = driver.execute_script("return document.querySelector('.emojify-fps').textContent")
        emoji = driver.execute_script("const i = document.querySelector('.emojify-emoji');"
                                      "return [i.src.slice(0, 22), i.naturalWidth]")
        _shot(driver, "app_page.png")

        driver.execute_script("document.querySelector('.emojify-cover').click()")
        time.sleep(1)
        driver.execute_script("document.querySelector('.emojify-snapshot').click()")
        saved = poll(driver, "return document.querySelector('.emojify-saved').textContent", 30, "the snapshot")
        _shot(driver, "app_page_emojified.png")
    except TimeoutError as exc:
        _shot(driver, "app_page_failure.png")
        pytest.fail(f"{exc}; voila.log: {(work / 'voila.log').read_text()[-1500:]}")
    assert name.startswith("Happy")
    assert "frames/s" in stats and "round trip" in stats and "median" in stats, stats
    assert emoji[0] == "data:image/png;base64," and emoji[1] > 0
    files = sorted((work / "snapshots").iterdir())
    assert len(files) == 1 and files[0].suffix == ".png" and str(files[0]) in saved, (files, saved)
    picture = cv2.imread(str(files[0]))
    assert picture is not None and picture.shape == (480, 640, 3)
    assert sorted(p.name for p in work.iterdir() if p.name not in ("jupyter-config", "voila.log")) == \
        ["emoji_camera.ipynb", "snapshots"]  # nothing else was written next to the page
    driver.execute_script("document.querySelector('.emojify-stop').click()")
    poll(driver, "return document.querySelector('.emojify-status').textContent.includes('Stopped')", 10, "Stop")


SLOW_STEP_S = 0.3
SLOW_PAGE = f"""import time
from emojify_lib.apps.widgets import BrowserCameraDemo

demo = BrowserCameraDemo()
quick_step = demo.session.step


def slow_step(frame, draw=True):  # a kernel far slower than the camera: {SLOW_STEP_S} s a frame
    time.sleep({SLOW_STEP_S})
    return quick_step(frame, draw)


demo.session.step = slow_step
demo
"""


def test_a_slow_kernel_gives_fewer_frames_never_a_growing_delay(tmp_path, astronaut_frame):
    """The page never has more than two frames out, so with a kernel taking 0.3 s a frame (the camera makes one
    every 33 ms) the round trip stays near two kernel steps instead of growing with a queue of unanswered frames."""
    models, work, pages = tmp_path / "models", tmp_path / "work", tmp_path / "page"
    copy_reference(REFERENCE, models)
    work.mkdir()
    pages.mkdir()
    y4m = write_y4m(tmp_path / "face.y4m", astronaut_frame)
    rtt = "return Number(document.querySelector('.emojify-root').dataset.rttMs)"
    answers = "return Number(document.querySelector('.emojify-root').dataset.answers)"
    with serve_app(work, models, notebook=app_page_with(pages, SLOW_PAGE)) as url, \
            headless_chromium(y4m, tmp_path / "profile") as driver:
        driver.get(url)
        poll(driver, "return document.querySelector('.emojify-start')", 180, "the app page's camera widget")
        driver.execute_script("document.querySelector('.emojify-start').click()")
        poll(driver, f"{answers} >= 8", 90, "eight answers from the slow kernel")
        early, n0, t0 = driver.execute_script(rtt), driver.execute_script(answers), time.perf_counter()
        time.sleep(6)
        late, n1 = driver.execute_script(rtt), driver.execute_script(answers)
        rate = (n1 - n0) / (time.perf_counter() - t0)
        most_out = int(driver.execute_script("return document.querySelector('.emojify-root').dataset.mostOut"))
    bound = 2 * SLOW_STEP_S * 1000 + 250  # waiting behind one frame, plus the trip
    assert most_out == 2, f"the page should send a second frame to a far-away kernel, at most {most_out} were out"
    assert early < bound and late < bound, f"median round trips {early:.0f} then {late:.0f} ms (bound {bound:.0f})"
    assert 1.5 < rate <= 1 / SLOW_STEP_S + 0.4, f"{rate:.2f} answers/s from a kernel taking {SLOW_STEP_S} s a frame"
