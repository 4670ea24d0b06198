"""Group 8 — the browser demo end to end, in real headless Chromium: the app page (``page/emoji_camera.ipynb``
served by Voilà as ``make app`` does, :mod:`emojify_lib.apps.serving`) with Chromium's fake camera playing the
astronaut photo at 30 frames/s, and the reference model. After a warm-up it counts the kernel's answers the widget
received over ``SECONDS`` and reads the medians the widget itself keeps over its last 50 answers: the round trip
(frame sent → answer back) and where a frame's time goes — the browser's JPEG encode, the trip to the kernel
(browser → Jupyter server → ZMQ → the widget's handler), the kernel's step, the trip back, the drawing. The kernel
stamps when it received the frame and when it replied; page and kernel share this machine's clock.

Four settings side by side in one run, so the gains are measured, not assumed:

* Jupyter server's stock kernel websocket (Nagle's algorithm on, as on a JupyterHub or Colab we do not configure),
  one frame in flight: the demo as it was;
* stock websocket, up to two frames in flight (the page sends a second frame while the first is being answered,
  when its round trip is longer than the camera's gap between pictures): what the page alone gains where the
  server is not ours;
* our page server's websocket (TCP_NODELAY, :class:`~emojify_lib.apps.serving.PromptWebsocketConnection`), one
  frame in flight;
* ours, up to two frames in flight: the shipped setting, the ``browser demo:`` line;

and, for a kernel far away (a hub, Colab), the page reaching the same server through a local relay that holds
every packet ``REMOTE_MS`` in each direction, with one and with up to two frames in flight.

Run it in the same run as group 1 (``python benchmarks/run_all.py bench_frame_pipeline bench_browser``).
"""
from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import Results, loadavg

from emojify_lib.core import config  # noqa: E402
from emojify_lib.testing import astronaut_640x480, copy_reference  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the browser harness lives with the tests
from browser_harness import app_page_with, headless_chromium, poll, serve_app, write_y4m  # noqa: E402

SECONDS = 20
REMOTE_MS = 30  # each way: a 60 ms network round trip, as to a hub in another city
ROOT_JS = "return document.querySelector('.emojify-root')"
STOCK = "--Voila.kernel_websocket_connection_class=" \
        "jupyter_server.services.kernels.connection.channels.ZMQChannelsWebsocketConnection"
#: (label, Voilà settings added to make app's, frames in flight, network delay each way in ms)
SETTINGS = [("stock websocket, 1 frame in flight (before)", (STOCK,), 1, 0),
            ("stock websocket, up to 2 frames in flight", (STOCK,), 2, 0),
            ("our page server, 1 frame in flight", (), 1, 0),
            (f"remote kernel ({2 * REMOTE_MS} ms network round trip), 1 frame in flight", (), 1, REMOTE_MS),
            (f"remote kernel ({2 * REMOTE_MS} ms network round trip), up to 2 frames in flight", (), 2, REMOTE_MS),
            ("our page server, up to 2 frames in flight (make app now)", (), 2, 0)]
HOPS = [("encodeMs", "browser JPEG encode"), ("upMs", "browser → kernel"), ("kernelMs", "kernel step"),
        ("downMs", "kernel → browser"), ("drawMs", "browser drawing"), ("jpegKb", "JPEG size (kB)")]


@contextlib.contextmanager
def slow_network(url: str, delay_ms: float):
    """A TCP relay on a free localhost port to ``url``'s server that holds every chunk ``delay_ms`` in each
    direction (order kept, bandwidth unlimited); yields the relay's URL. ``delay_ms`` 0: ``url`` itself."""
    if not delay_ms:
        yield url
        return
    host, port = url.split("//")[1].split(":")
    loop = asyncio.new_event_loop()

    async def pipe(reader, writer):
        held: asyncio.Queue = asyncio.Queue()

        async def send_when_due():
            while (item := await held.get()) is not None:
                due, data = item
                await asyncio.sleep(max(0.0, due - loop.time()))
                writer.write(data)
                await writer.drain()
            writer.close()

        sender = asyncio.ensure_future(send_when_due())
        while data := await reader.read(65536):
            held.put_nowait((loop.time() + delay_ms / 1000, data))
        held.put_nowait(None)
        await sender

    async def relay(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection(host, int(port))
        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer),
                             return_exceptions=True)

    server = loop.run_until_complete(asyncio.start_server(relay, "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def measure(tmp: Path, models: Path, y4m: Path, extra: tuple, in_flight: int, delay_ms: float, n: int) -> dict:
    work, pages = tmp / f"work{n}", tmp / f"page{n}"
    work.mkdir()
    pages.mkdir()
    # the page itself cannot set in_flight (it is not one of the values a page may set)
    notebook = app_page_with(pages, f"from emojify_lib.apps.widgets import BrowserCameraDemo\n"
                                    f"BrowserCameraDemo(in_flight={in_flight})\n")
    with serve_app(work, models, notebook=notebook, extra=extra) as server, slow_network(server, delay_ms) as url, \
            headless_chromium(y4m, tmp / f"profile{n}") as driver:
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
        stats = {k: float(v) for k, v in driver.execute_script(f"{ROOT_JS}.dataset").items()}
        stats.update(rate=(n1 - n0) / seconds, answers=n1 - n0, seconds=seconds, name=name,
                     shown=driver.execute_script("return document.querySelector('.emojify-fps').textContent"))
    return stats


def main() -> Results:
    res = Results("8 browser demo")
    reference = config.models_dir() / "reference.keras"
    if not reference.is_file():
        raise SystemExit(f"no reference model at {reference}: run `python -m emojify_lib reference` first")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        models = tmp / "models"
        copy_reference(reference, models)
        y4m = write_y4m(tmp / "face.y4m", astronaut_640x480())
        for n, (label, extra, in_flight, delay_ms) in enumerate(SETTINGS):
            s = measure(tmp, models, y4m, extra, in_flight, delay_ms, n)
            line = f"{s['rate']:.1f} answers/s, median round trip {s['rttMs']:.0f} ms"
            hops = "; ".join(f"{what} {s[key]:.1f}" for key, what in HOPS)
            print(f"{label}: {line} ({hops})", flush=True)
            note = (f"{s['answers']:.0f} answers in {s['seconds']:.0f} s; medians (ms) {hops}; at most "
                    f"{s['mostOut']:.0f} frame(s) out at once; widget showed "
                    f"'{s['shown']}', main face '{s['name']}'; loadavg {loadavg()}")
            res.add(f"{label}: answers per second", s["rate"], "answers/s", note)
            res.add(f"{label}: median round trip", s["rttMs"], "ms", "frame sent → answer back, last 50 frames")
            for key, what in HOPS[:-1]:
                res.add(f"{label}: {what}", s[key], "ms", "median of the last 50 frames")
    line = f"browser demo: {s['rate']:.1f} answers/s, median round trip {s['rttMs']:.0f} ms"
    print(line, flush=True)
    res.add("browser demo: answers per second", s["rate"], "answers/s",
            f"{line}; headless Chromium, fake camera 640×480 at 30 frames/s, app page (Voilà) as make app serves it, "
            f"up to 2 frames in flight, reference model, JPEG {s['jpegKb']:.1f} kB; target ≥ 25")
    res.add("browser demo: median round trip", s["rttMs"], "ms", "frame sent → answer back; target ≤ 25 ms")
    res.save()
    return res


if __name__ == "__main__":
    main()
