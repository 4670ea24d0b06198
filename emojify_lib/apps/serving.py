"""How the emoji camera page is served: the settings ``make app``, ``make app-room``, ``make course`` and the browser
tests share, so the page a test measures is the page a visitor gets.

The one setting of our own is :class:`PromptWebsocketConnection`. Jupyter server writes each kernel message to the
page's websocket as it comes, and tornado leaves Nagle's algorithm on for websockets: a small write waits until the
browser acknowledges the previous one, and browsers delay that acknowledgement (~40 ms on Linux). Every answer of
the kernel is several small messages (``busy``, the answer, ``idle``), so every answer after the first waited those
~40 ms: measured on this project's page, 46-48 ms round trips of which the kernel's own step was 2-4 ms
(``benchmarks/bench_browser.py``, group 8). With TCP_NODELAY the same page answers in ~6 ms, at the camera's 30
frames/s.

``python -m emojify_lib.apps.serving page/emoji_camera.ipynb`` is ``make app``: Voilà on
``http://127.0.0.1:8866`` with these settings.
"""
from __future__ import annotations

import argparse
from pathlib import Path


def _connection_base():
    from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

    return ZMQChannelsWebsocketConnection


class PromptWebsocketConnection(_connection_base()):
    """Jupyter server's kernel websocket connection with Nagle's algorithm off (TCP_NODELAY): each kernel message
    leaves as soon as it is written instead of waiting for the browser to acknowledge the last one. It also gives
    the page the ``_xsrf`` cookie, so that a page that closes gets its kernel shut down (:meth:`prepare`)."""

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()

    async def prepare(self):
        """Before the websocket handshake: read the handler's ``xsrf_token``, which makes tornado set the ``_xsrf``
        cookie in the handshake's answer when the browser has none. Voilà's page sends that cookie's value with the
        kernel shutdown it asks for as it closes (or reloads); Voilà 0.5.13's page never gets the cookie, so every
        such shutdown was refused ("403 '_xsrf' argument missing", voila-dashboards/voila#1458) and the kernel,
        about 0.8 GB, stayed. The check itself stays: the cookie only lets this page's own request pass."""
        self.websocket_handler.xsrf_token  # noqa: B018 - reading it is what sets the cookie
        return await super().prepare()


CONNECTION = f"{__name__}.PromptWebsocketConnection"

#: Voilà's settings for every page server of the emoji camera (``make app`` and the room).
PAGE_SETTINGS = [f"--Voila.kernel_websocket_connection_class={CONNECTION}"]
#: Jupyter server's same setting, for JupyterLab (``make course``: lesson 07's browser demo).
LAB_SETTINGS = [f"--ServerApp.kernel_websocket_connection_class={CONNECTION}"]


#: How ``make app`` gives back the kernel of a page that went away without closing (a browser that crashed, a
#: laptop put to sleep, a network gone): a page that closes asks for its kernel's shutdown and gets it at once
#: (:meth:`PromptWebsocketConnection.prepare`); a kernel that has had no page connected and no message for a minute
#: is shut down too, checked every 30 s. A page left open is never shut down, however long it idles (the room,
#: :mod:`emojify_lib.apps.room`, also ends idle open pages, to free places). Measured in
#: ``benchmarks/bench_pages.py`` (group 11): kernels of closed pages gone about 1 s later, the memory back.
APP_CULLING = ["--MappingKernelManager.cull_idle_timeout=60", "--MappingKernelManager.cull_interval=30",
               "--MappingKernelManager.cull_connected=False"]


def app_arguments(notebook: str | Path, port: int = 8866, ip: str = "127.0.0.1", browser: bool = False) -> list[str]:
    """Voilà's command line for ``make app``: ``notebook`` on ``http://ip:port``; ``browser``: open it in this
    computer's web browser. Kernels of pages gone without closing are shut down (:data:`APP_CULLING`)."""
    return [str(notebook), *([] if browser else ["--no-browser"]), f"--port={port}", f"--Voila.ip={ip}",
            *PAGE_SETTINGS, *APP_CULLING]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emojify_lib.apps.serving",
                                     description="Serve the emoji camera page on this computer (make app).")
    parser.add_argument("notebook", help="the page, e.g. page/emoji_camera.ipynb")
    parser.add_argument("--port", type=int, default=8866)
    parser.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    args = parser.parse_args(argv)
    from voila.app import Voila

    Voila.launch_instance(app_arguments(args.notebook, args.port, browser=not args.no_browser))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
