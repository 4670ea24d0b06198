"""Open the lessons in JupyterLab and say where (``make course``'s last step).

Usage: ``python tools/open_course.py [--port 8888] [--folder notebooks]``.

Starts ``jupyter lab`` on the lessons folder with a fresh token, prints the address to open (the URL with its
token) on one line of its own, and adds ``--allow-root`` when it runs as root: containers and classroom images
(Docker, JupyterHub's) often do, and JupyterLab refuses root without it ("Running as root is not recommended").
On a desktop it opens the browser as usual; with no display it does not try. Ctrl-C stops it.
"""
from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
from pathlib import Path

from emojify_lib.apps.serving import LAB_SETTINGS

ROOT = Path(__file__).resolve().parents[1]


def free_port(start: int) -> int:
    """``start`` if nothing listens there, else the next free port above it."""
    for port in range(start, start + 50):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {start}-{start + 49}; pass --port")


def command(folder: Path, port: int, token: str, as_root: bool, browser: bool) -> list[str]:
    jupyter = Path(sys.executable).with_name("jupyter")
    cmd = [str(jupyter) if jupyter.exists() else "jupyter", "lab", str(folder), f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", *LAB_SETTINGS]
    if as_root:
        cmd.append("--allow-root")
    if not browser:
        cmd.append("--no-browser")
    return cmd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8888)))
    parser.add_argument("--folder", type=Path, default=ROOT / "notebooks")
    args = parser.parse_args(argv)
    port = free_port(args.port)
    token = secrets.token_hex(24)
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    browser = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or sys.platform in ("darwin", "win32"))
    cmd = command(args.folder, port, token, as_root, browser)
    if as_root:
        print("Running as root (a container?), so JupyterLab gets --allow-root.", flush=True)
    print(f"The course: http://127.0.0.1:{port}/lab?token={token}", flush=True)
    print("(open that address in a browser on this machine; Ctrl-C here stops the server)", flush=True)
    os.execv(cmd[0], cmd) if os.path.isabs(cmd[0]) else os.execvp(cmd[0], cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
