"""Group 6 — the browser demo end to end, in real headless Chromium: the app page (``page/emoji_camera.ipynb``
served by Voilà, as ``make app`` does) with Chromium's fake camera playing the astronaut photo at 30 frames/s, and
the reference model. After a warm-up it counts the kernel's answers the widget received over ``SECONDS`` and reads
the median round trip the widget itself shows (frame sent → answer back, last 50 frames). One frame is in flight
at a time, so answers/s ≈ min(camera rate, 1000 / round trip).

Run it in the same run as group 1 (``python benchmarks/run_all.py bench_frame_pipeline bench_browser``).
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import Results, loadavg

from emojify_lib.core import config  # noqa: E402
from emojify_lib.testing import astronaut_640x480  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the browser harness lives with the tests
from browser_harness import headless_chromium, poll, serve_app, write_y4m  # noqa: E402

SECONDS = 20
ROOT_JS = "return document.querySelector('.emojify-root')"


def main() -> Results:
    res = Results("8 browser demo")
    reference = config.models_dir() / "reference.keras"
    if not reference.is_file():
        raise SystemExit(f"no reference model at {reference}: run `python -m emojify_lib reference` first")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        models, work = tmp / "models", tmp / "work"
        models.mkdir()
        work.mkdir()
        for suffix in (".keras", ".json"):
            shutil.copy(reference.with_suffix(suffix), models)
        y4m = write_y4m(tmp / "face.y4m", astronaut_640x480())
        with serve_app(work, models) as url, headless_chromium(y4m, tmp / "profile") as driver:
            driver.get(url)
            poll(driver, "return document.querySelector('.emojify-start')", 180, "the app page")
            driver.execute_script("document.querySelector('.emojify-start').click()")
            name = poll(driver, "return document.querySelector('.emojify-name').textContent.startsWith('Happy') && "
                                "document.querySelector('.emojify-name').textContent", 90, "the happy emoji")
            time.sleep(5)  # warm-up: TFLite planned, caches filled
            count = f"{ROOT_JS}.dataset.answers"
            start, n0 = time.perf_counter(), int(driver.execute_script(count))
            time.sleep(SECONDS)
            n1, seconds = int(driver.execute_script(count)), time.perf_counter() - start
            rtt = float(driver.execute_script(f"{ROOT_JS}.dataset.rttMs"))
            shown = driver.execute_script("return document.querySelector('.emojify-fps').textContent")
    rate = (n1 - n0) / seconds
    line = f"browser demo: {rate:.1f} answers/s, median round trip {rtt:.0f} ms"
    print(line, flush=True)
    note = (f"{line}; headless Chromium, fake camera 640×480 at 30 frames/s, app page (Voilà), reference model, "
            f"{n1 - n0} answers in {seconds:.0f} s, widget showed '{shown}', main face '{name}'; loadavg {loadavg()}")
    res.add("browser demo: answers per second", rate, "answers/s", note + "; target ≥ 20")
    res.add("browser demo: median round trip", rtt, "ms", "frame sent → answer back, last 50 frames; target < 50 ms")
    res.save()
    return res


if __name__ == "__main__":
    main()
