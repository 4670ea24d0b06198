"""The room mode (`make app-room`), served for real over HTTPS on 127.0.0.1 and opened in Debian's headless Chromium
with the fake camera playing the astronaut photo (the certificate is self-signed, so the browser is told to accept
it). One visitor at most, so the second gets "The room is full".

What a visitor can do is checked from the visitor's side: the page answers; Snapshot downloads a PNG into the
browser's download folder and writes nothing on the server; a `model_path` the page did not offer is refused with
one message whether such a file exists or not, and the model stays; the kernel's websocket refuses an
`execute_request`, refuses to make a widget the page asks for, and answers page messages it does not expect
without tracebacks or server paths; the page asks for the token; the page's folder serves no files. The test
binds and talks to 127.0.0.1 only.
"""
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import cv2
import pytest

from browser_harness import APP_NOTEBOOK, ROOT, free_port, headless_chromium, poll, stop, write_y4m
from emojify_lib.testing import copy_reference

ARTIFACTS = ROOT / "test-artifacts"
REFERENCE = ROOT / "models" / "reference.keras"
TOKEN = "roomtesttoken"
UNVERIFIED = ssl._create_unverified_context()  # the room's certificate is self-signed, made for this test


def _get(url, timeout=5):
    """(status, final URL, body) of an HTTPS GET that follows redirects."""
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=UNVERIFIED) as reply:
            return reply.status, reply.url, reply.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, url, exc.read().decode(errors="replace")


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def room(tmp_path_factory, astronaut_frame):
    if not REFERENCE.is_file():
        pytest.fail(f"the reference model is not at {REFERENCE}: run `python -m emojify_lib reference` first")
    tmp = tmp_path_factory.mktemp("room")
    models, work, downloads = tmp / "models", tmp / "work", tmp / "downloads"
    for folder in (models, work, downloads):
        folder.mkdir()
    copy_reference(REFERENCE, models)
    shutil.copy(REFERENCE, models / "second.keras")  # a second option for the picker
    shutil.copy(APP_NOTEBOOK, work / APP_NOTEBOOK.name)
    port = free_port()
    env = {**os.environ, "EMOJIFY_MODELS": str(models), "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT),
           "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"), "XDG_CONFIG_HOME": str(tmp / "xdg")}
    log_path = tmp / "room.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "emojify_lib.apps.room", APP_NOTEBOOK.name, "--ip", "127.0.0.1",
                             "--port", str(port), "--token", TOKEN, "--max-visitors", "1", "--idle-minutes", "5"],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
    url = f"https://127.0.0.1:{port}"
    deadline = time.time() + 90
    while _get_or_none(f"{url}/login") is None:
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail("the room did not start: " + log_path.read_text()[-2000:])
        time.sleep(0.5)
    y4m = write_y4m(tmp / "face.y4m", astronaut_frame)
    try:
        with headless_chromium(y4m, tmp / "profile") as driver:
            driver.execute_cdp_cmd("Security.setIgnoreCertificateErrors", {"ignore": True})
            driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow",
                                                                   "downloadPath": str(downloads)})
            yield {"driver": driver, "url": url, "tmp": tmp, "work": work, "models": models,
                   "downloads": downloads, "log": log_path}
    finally:
        stop(proc)
        log.close()


def _get_or_none(url):
    try:
        return _get(url, timeout=2)
    except OSError:
        return None


def _shot(driver, name):
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / name))


def _fail(room, exc, shot):
    _shot(room["driver"], shot)
    pytest.fail(f"{exc}; room.log: {room['log'].read_text()[-2000:]}")


def _server_paths(room):
    return [str(ROOT), str(room["tmp"]), "site-packages", "Traceback"]


def test_the_room_page_answers_and_snapshot_downloads(room):
    """Runs first: the one visitor's page; the tests below reuse it."""
    driver = room["driver"]
    assert "/login" in _get(f"{room['url']}/")[1]  # no token: Voilà's login page, no kernel
    before = {"work": _files(room["work"]), "models": _files(room["models"])}
    driver.get(f"{room['url']}/?token={TOKEN}")
    try:
        poll(driver, "return document.querySelector('.emojify-start')", 180, "the room page's camera widget")
        assert driver.execute_script("return window.isSecureContext") is True  # HTTPS: the camera may be shared
        driver.execute_script("document.querySelector('.emojify-start').click()")
        poll(driver, "return document.querySelector('.emojify-name').textContent.startsWith('Happy')", 90,
             "the happy emoji for the astronaut")
        poll(driver, "return Number(document.querySelector('.emojify-root').dataset.answers) >= 3", 60,
             "a few answers from the kernel")
        driver.execute_script("document.querySelector('.emojify-snapshot').click()")
        saved = poll(driver, "return document.querySelector('.emojify-saved').textContent", 30, "the snapshot")
        deadline = time.time() + 20
        while not [p for p in room["downloads"].iterdir() if p.suffix == ".png"] and time.time() < deadline:
            time.sleep(0.25)
        _shot(driver, "room_page.png")
    except TimeoutError as exc:
        _fail(room, exc, "room_page_failure.png")
    pngs = [p for p in room["downloads"].iterdir() if p.suffix == ".png"]
    assert "downloaded to this device" in saved and len(pngs) == 1 and pngs[0].name in saved, (saved, pngs)
    picture = cv2.imread(str(pngs[0]))
    assert picture is not None and picture.shape == (480, 640, 3)
    after = {"work": _files(room["work"]), "models": _files(room["models"])}
    assert after == before, "the server's folders changed"  # nothing written on the server
    assert not [p for p in room["tmp"].rglob("emojify-*.png") if room["downloads"] not in p.parents]
    text = driver.execute_script("return document.body.innerText")
    assert not [s for s in _server_paths(room) if s in text], text


def test_a_model_the_page_did_not_offer_is_refused_alike(room):
    driver = room["driver"]
    options = driver.execute_script("return [...document.querySelectorAll('.emojify-model option')]"
                                    ".map(o => o.value)")
    assert "second.keras" in options and not [o for o in options if "/" in o], options  # names, not server paths
    choose = ("const s = document.querySelector('.emojify-model'); const v = arguments[0];"
              "if (![...s.options].some(o => o.value === v)) s.append(new Option(v, v));"  # as a crafted page would
              "s.value = v; s.dispatchEvent(new Event('change'));")
    note = "return document.querySelector('.emojify-note').textContent"
    try:
        driver.execute_script(choose, "second.keras")  # an offered option: used
        poll(driver, note + ".includes('second')", 60, "the second model in use")
        notes = []
        for value in (str(room["models"] / "reference.keras"), "/etc/passwd", str(room["tmp"] / "missing.keras"),
                      "../models/reference.keras"):
            driver.execute_script(choose, value)
            # answered when the kernel has set the picker back to the model in use
            poll(driver, "return document.querySelector('.emojify-model').value === 'second.keras'", 30,
                 f"the picker set back after {value}")
            notes.append(driver.execute_script(note))
        before = int(driver.execute_script("return document.querySelector('.emojify-root').dataset.answers"))
        poll(driver, f"return Number(document.querySelector('.emojify-root').dataset.answers) > {before + 2}", 30,
             "answers after the refusals")
    except TimeoutError as exc:
        _fail(room, exc, "room_model_failure.png")
    assert len(set(notes)) == 1 and "not offered" in notes[0] and "second" in notes[0], notes
    assert not [s for s in _server_paths(room) + ["passwd", "missing"] if s in notes[0]], notes
    assert driver.execute_script("return document.querySelector('.emojify-name').textContent").startswith("Happy")


def _kernel_socket(room):
    import websocket

    config = json.loads(room["driver"].execute_script(
        "return document.getElementById('jupyter-config-data').textContent"))
    url = f"wss://127.0.0.1:{room['url'].rsplit(':', 1)[1]}/api/kernels/{config['kernelId']}/channels?token={TOKEN}"
    return websocket.create_connection(url, sslopt={"cert_reqs": ssl.CERT_NONE}, timeout=1)


VISITOR = uuid.uuid4().hex  # the crafted messages' session: the page's own answers come on the same socket


def _message(msg_type, content):
    return json.dumps({"header": {"msg_id": uuid.uuid4().hex, "username": "visitor", "session": VISITOR,
                                  "msg_type": msg_type, "version": "5.3", "date": ""},
                       "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []})


def _drain(ws, seconds, until=None):
    import websocket

    got, deadline = [], time.time() + seconds
    while time.time() < deadline:
        try:
            got.append(json.loads(ws.recv()))
        except websocket.WebSocketTimeoutException:
            continue
        if until and until(got[-1]):
            break
    return got


def test_the_kernel_runs_no_code_and_shows_no_traceback(room):
    marker = room["tmp"] / "code-ran"
    ws = _kernel_socket(room)
    try:
        ws.send(_message("execute_request", {"code": f"open({str(marker)!r}, 'w').write('x')", "silent": False,
                                             "store_history": False, "user_expressions": {}, "allow_stdin": False,
                                             "stop_on_error": True}))
        ws.send(_message("kernel_info_request", {}))  # answered: the connection works, and comes after the first
        ws.send(_message("comm_info_request", {"target_name": "jupyter.widget"}))
        got = _drain(ws, 30, until=lambda m: m["header"]["msg_type"] == "comm_info_reply")
        comms = [m for m in got if m["header"]["msg_type"] == "comm_info_reply"][0]["content"]["comms"]
        for comm_id in comms:  # what a crafted page could send to each widget of the page
            for data in ({"method": "update", "state": {"model_path": 7, "send_width": "wide", "cover": "yes",
                                                        "_esm": "alert(1)", "models": [["x", "/etc/passwd"]]}},
                         {"method": "custom", "content": {"type": "shell", "cmd": "ls"}},
                         {"method": "custom", "content": {"type": "frame"}},
                         {"method": "custom", "content": "not a dict"},
                         {"nomethod": True}):
                ws.send(_message("comm_msg", {"comm_id": comm_id, "data": data}))
        made = uuid.uuid4().hex  # a widget made by the page: refused (the kernel closes the comm)
        ws.send(_message("comm_open", {"comm_id": made, "target_name": "jupyter.widget", "data": {
            "state": {"_model_module": "@jupyter-widgets/controls", "_model_module_version": "2.0.0",
                      "_model_name": "TextModel", "_view_module": "@jupyter-widgets/controls",
                      "_view_module_version": "2.0.0", "_view_name": "TextView", "value": "hi"},
            "buffer_paths": []}}))
        got += _drain(ws, 6)
    finally:
        ws.close()
    types = [m["header"]["msg_type"] for m in got]
    assert "kernel_info_reply" in types
    assert "execute_reply" not in types and "execute_input" not in types and not marker.exists()
    assert "error" not in types and "stream" not in types, [m for m in got if m["header"]["msg_type"] in
                                                            ("error", "stream")][:2]
    refused = [m["content"]["data"]["content"] for m in got if m["header"]["msg_type"] == "comm_msg"
               and m["content"]["data"].get("method") == "custom" and m["parent_header"].get("session") == VISITOR]
    assert refused and all(r["type"] == "refused" for r in refused), refused
    closed = [m for m in got if m["header"]["msg_type"] == "comm_close" and m["content"].get("comm_id") == made]
    assert closed, "the page made a widget in the kernel"
    text = json.dumps(got)
    assert not [s for s in _server_paths(room) if s in text]
    assert 'Received message of type "execute_request", which is not allowed' in room["log"].read_text()
    # the page is still the same page: the model and the answers go on
    driver = room["driver"]
    before = int(driver.execute_script("return document.querySelector('.emojify-root').dataset.answers"))
    poll(driver, f"return Number(document.querySelector('.emojify-root').dataset.answers) > {before + 2}", 30,
         "answers after the crafted messages")
    assert driver.execute_script("return document.querySelector('.emojify-model').value") == "second.keras"


def test_the_next_visitor_reads_the_room_is_full(room):
    driver = room["driver"]
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    try:
        driver.get(f"{room['url']}/?token={TOKEN}")
        text = poll(driver, "return document.body && document.body.innerText", 30, "the second visitor's page")
        _shot(driver, "room_full.png")
    finally:
        driver.close()
        driver.switch_to.window(first)
    assert "The room is full" in text and "1 visitor" in text, text
    assert not [s for s in _server_paths(room) if s in text]
    status, _, _ = _get(f"{room['url']}/voila/files/{APP_NOTEBOOK.name}?token={TOKEN}")
    assert status == 403  # the page's folder serves no files
