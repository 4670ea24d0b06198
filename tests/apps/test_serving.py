"""The page servers' shared settings (emojify_lib/apps/serving.py): Nagle's algorithm off on the kernel websocket,
and every server of the page (make app, the room, make course, the browser harness) using it."""
from types import SimpleNamespace

from emojify_lib.apps import room, serving


def test_the_kernel_websocket_turns_nagle_off_before_connecting(monkeypatch):
    calls = []
    monkeypatch.setattr(serving._connection_base(), "connect", lambda self: calls.append("connect") or "nudged")
    connection = serving.PromptWebsocketConnection.__new__(serving.PromptWebsocketConnection)
    handler = SimpleNamespace(set_nodelay=lambda value: calls.append(("nodelay", value)))
    monkeypatch.setattr(serving.PromptWebsocketConnection, "websocket_handler", handler, raising=False)
    assert connection.connect() == "nudged"
    assert calls == [("nodelay", True), "connect"]


def test_every_page_server_uses_it():
    setting = f"kernel_websocket_connection_class={serving.CONNECTION}"
    app = serving.app_arguments("page/emoji_camera.ipynb", 8866)
    assert f"--Voila.{setting}" in app and "--no-browser" in app and "--Voila.ip=127.0.0.1" in app
    assert "--no-browser" not in serving.app_arguments("page/emoji_camera.ipynb", browser=True)
    room_args = room.voila_arguments("p.ipynb", ip="0.0.0.0", port=1, token="t", certfile="c", keyfile="k")
    assert f"--Voila.{setting}" in room_args
    assert f"--ServerApp.{setting}" in serving.LAB_SETTINGS
    from importlib import import_module

    assert import_module(serving.CONNECTION.rsplit(".", 1)[0]).PromptWebsocketConnection is \
        serving.PromptWebsocketConnection  # the dotted name Voilà and Jupyter server load


def test_make_app_and_make_course_run_it():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    makefile = (root / "Makefile").read_text()
    app_recipe = makefile.split("\napp:")[1].split("\n\n")[0]
    assert "-m emojify_lib.apps.serving page/emoji_camera.ipynb" in app_recipe
    import importlib.util

    spec = importlib.util.spec_from_file_location("open_course", root / "tools" / "open_course.py")
    open_course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(open_course)
    lab = open_course.command(root / "notebooks", 8888, "token", as_root=False, browser=False)
    assert all(setting in lab for setting in serving.LAB_SETTINGS)
