"""Two visitors at once: one Voilà server started with `make app`'s settings (`emojify_lib.apps.serving`), two
headless Chromium processes opening the page at the same time, each with its own fake camera (the astronaut alone;
three LFW faces). Voilà gives each page its own kernel; both pages get answers, and each shows only its own faces.
A page that closes gives its kernel back at once, and the other page keeps answering (`benchmarks/bench_pages.py`
measures the memory that returns). The two pages side by side: test-artifacts/two_pages.png.
"""
import contextlib
import threading
import time

import cv2
import numpy as np
import pytest

from browser_harness import (PAGE_STATE, ROOT, headless_chromium, kernel_processes, open_camera_page, poll,
                             voila_server, write_y4m)
from emojify_lib.testing import copy_reference

ARTIFACTS = ROOT / "test-artifacts"
REFERENCE = ROOT / "models" / "reference.keras"


def test_two_pages_at_once_each_get_answers_for_their_own_faces(tmp_path, astronaut_frame):
    from emojify_lib.testing import lfw_faces_frame

    if not REFERENCE.is_file():
        pytest.fail(f"the reference model is not at {REFERENCE}: run `python -m emojify_lib reference` first")
    models, work = tmp_path / "models", tmp_path / "work"
    copy_reference(REFERENCE, models)
    work.mkdir()
    cameras = [write_y4m(tmp_path / "astronaut.y4m", astronaut_frame),
               write_y4m(tmp_path / "lfw.y4m", lfw_faces_frame(3))]
    with voila_server(work, models) as (url, server), contextlib.ExitStack() as browsers:  # as `make app` serves it
        pages = [browsers.enter_context(headless_chromium(y4m, tmp_path / f"profile{i}", size="900,820"))
                 for i, y4m in enumerate(cameras)]
        errors = []

        def open_page(driver):
            try:
                open_camera_page(driver, url)
            except Exception as exc:  # noqa: BLE001 - reported below, with the server's log
                errors.append(exc)

        openers = [threading.Thread(target=open_page, args=(page,)) for page in pages]  # both at the same time
        for t in openers:
            t.start()
        for t in openers:
            t.join()
        try:
            assert not errors, errors
            assert len(kernel_processes(server)) == 2  # one kernel per page
            astronaut = poll(pages[0], "const s = (() => {" + PAGE_STATE + "})();"
                             "return s && s.answers >= 5 && s.faces === 1 && s.name.startsWith('Happy') && s", 90,
                             "answers for the astronaut (one happy face) on the first page")
            lfw = poll(pages[1], "const s = (() => {" + PAGE_STATE + "})();"
                       "return s && s.answers >= 5 && s.faces === 3 && s", 90,
                       "answers for three faces on the second page")
            # both keep answering (read after both have answered: the two kernels work at the same time)
            again = [poll(page, "const s = (() => {" + PAGE_STATE + f"}})(); return s && s.answers >= {n + 5} && s", 30,
                          "more answers") for page, n in zip(pages, (astronaut["answers"], lfw["answers"]))]
        except (AssertionError, TimeoutError) as exc:
            _side_by_side(pages, "two_pages_failure.png")
            pytest.fail(f"{exc}; voila.log: {(work / 'voila.log').read_text()[-2000:]}")
        _side_by_side(pages, "two_pages.png")
        # each with its own faces still: neither page shows the other camera's faces
        assert again[0]["faces"] == 1 and again[0]["name"].startswith("Happy"), again[0]
        assert again[1]["faces"] == 3, again[1]
        # a page that closes gives its kernel back at once (the page asks for its shutdown as it unloads), and
        # the other page keeps its own
        closing = kernel_processes(server)
        pages[0].get("about:blank")
        deadline = time.time() + 20
        while len(kernel_processes(server)) > 1 and time.time() < deadline:
            time.sleep(0.2)
        assert len(kernel_processes(server)) == 1, (work / "voila.log").read_text()[-2000:]
        assert "403 POST /voila/api/shutdown" not in (work / "voila.log").read_text()
        left = poll(pages[1], "const s = (() => {" + PAGE_STATE + f"}})(); return s && s.answers >= "
                    f"{again[1]['answers'] + 5} && s", 30, "answers on the page still open")
        assert left["faces"] == 3 and kernel_processes(server)[0].pid in {k.pid for k in closing}


def _side_by_side(drivers, name):
    """The pages' screenshots next to each other in one PNG (test-artifacts/NAME)."""
    shots = [cv2.imdecode(np.frombuffer(d.get_screenshot_as_png(), np.uint8), cv2.IMREAD_COLOR) for d in drivers]
    height = max(s.shape[0] for s in shots)
    shots = [cv2.copyMakeBorder(s, 0, height - s.shape[0], 0, 8, cv2.BORDER_CONSTANT, value=(60, 60, 60))
             for s in shots]
    ARTIFACTS.mkdir(exist_ok=True)
    cv2.imwrite(str(ARTIFACTS / name), np.hstack(shots))
