"""``make course``, the README's first command, serves the lessons and says where: a real JupyterLab, started by the
Makefile's own recipe (as root where the tests run as root, as in most containers), asked for the lesson list over
HTTP with the token it printed, then stopped."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_course_serves_the_lessons_and_prints_the_address(tmp_path):
    venv = Path(sys.prefix)  # the environment running the tests: `make test`'s .venv in CI
    env = {**os.environ, "PORT": str(free_port()), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "DISPLAY": "", "WAYLAND_DISPLAY": "",
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    # -o: take the environment as set up (the recipe's own steps run as written)
    proc = subprocess.Popen(["make", "--no-print-directory", "course", f"VENV={venv}", "-o", f"{venv}/.installed"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    seen = []
    try:
        url = None
        deadline = time.monotonic() + 120
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            seen.append(line)
            found = re.search(r"The course: (http://127\.0\.0\.1:(\d+)/lab\?token=(\w+))", line)
            if found:
                url, port, token = found.groups()
        assert url, "make course printed no address:\n" + "".join(seen)
        if os.geteuid() == 0:
            assert any("--allow-root" in line for line in seen), "".join(seen)
        listing = None
        while time.monotonic() < deadline and listing is None:
            assert proc.poll() is None, "JupyterLab stopped:\n" + "".join(seen) + proc.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/?token={token}", timeout=5) as r:
                    listing = json.load(r)
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer within 120 s"
        names = {item["name"] for item in listing["content"]}
        lessons = {p.name for p in (ROOT / "notebooks").glob("0*.ipynb")}
        assert lessons and lessons <= names, names
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/", timeout=5)
            raise AssertionError("the lesson list was served without the token")
        except urllib.error.HTTPError as exc:
            assert exc.code == 403
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the process group this test started: make, JupyterLab
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
