"""Run-time settings read from the environment, in one place.

``EMOJIFY_QUICK=1``  quick mode: the bundled sample data, a few epochs, small shapes (CI sets it).
``EMOJIFY_DATA=DIR`` where FER2013 lives (default: ``data/`` in the project).
``EMOJIFY_MODELS=DIR`` where trained models are written and read (default: ``models/`` in the project). A relative
                   DIR counts from the working directory, i.e. the folder of the notebook being run: the course
                   folder's ``nbgrader_config.py`` sets ``../models``, so under the autograder each student's
                   lessons share ``autograded/<student>/models`` and no one else's. On a hub set it per user
                   (``~/emojify-models``); the reference model is then still read from the project's ``models/``.
``EMOJIFY_CACHE=DIR`` where drawn sample faces are kept between runs (default: ``~/.cache/emojify``, or
``$XDG_CACHE_HOME/emojify``); ``EMOJIFY_CACHE=off`` keeps nothing on disk.
``EMOJIFY_ROOM=1``   room mode (set by ``make app-room`` for the page's kernels): visitors' snapshots download to their
own browser, nothing is written on the server, and the page shows no server paths or tracebacks.
``XDG_CONFIG_HOME``  where the room's certificate is kept (default ``~/.config``; see :func:`config_dir`).
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}


def quick_mode() -> bool:
    """True when ``EMOJIFY_QUICK`` is set to 1/true/yes/on (the one switch for fast lessons and CI)."""
    return os.environ.get("EMOJIFY_QUICK", "").strip().lower() in _TRUE


def project_root() -> Path:
    """The folder holding ``emojify_lib/``, ``data/`` and ``models/`` (falls back to the working directory
    when the package was installed somewhere without the project around it)."""
    here = Path(__file__).resolve().parents[2]
    if (here / "pyproject.toml").exists() or (here / "notebooks").is_dir():
        return here
    return Path.cwd()


def data_dir() -> Path:
    """``$EMOJIFY_DATA`` if set, else ``<project>/data``."""
    env = os.environ.get("EMOJIFY_DATA")
    return Path(env).expanduser() if env else project_root() / "data"


def project_models_dir() -> Path:
    """``<project>/models``: where ``make course`` sets up the reference model (not created here)."""
    return project_root() / "models"


def models_dir() -> Path:
    """``$EMOJIFY_MODELS`` if set (relative to the working directory), else ``<project>/models`` (created on
    demand)."""
    env = os.environ.get("EMOJIFY_MODELS")
    path = Path(os.path.abspath(Path(env).expanduser())) if env else project_models_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path | None:
    """``$EMOJIFY_CACHE`` if set, else ``$XDG_CACHE_HOME/emojify`` or ``~/.cache/emojify``; ``None`` when
    ``EMOJIFY_CACHE`` is ``off`` (or 0/false/no/none). Not created here: writers create it on demand."""
    env = os.environ.get("EMOJIFY_CACHE", "").strip()
    if env.lower() in {"off", "0", "false", "no", "none"}:
        return None
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base).expanduser() if base else Path.home() / ".cache") / "emojify"


def room_mode() -> bool:
    """True when ``EMOJIFY_ROOM`` is set to 1/true/yes/on: the page serves visitors on other devices
    (``make app-room``), so what they send is kept off the server's disk and errors show no server details."""
    return os.environ.get("EMOJIFY_ROOM", "").strip().lower() in _TRUE


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/emojify``, else ``~/.config/emojify``: settings kept outside the project (the room's
    certificate). Not created here."""
    base = os.environ.get("XDG_CONFIG_HOME", "").strip()
    return (Path(base).expanduser() if base else Path.home() / ".config") / "emojify"


def emojis_dir() -> Path:
    """The folder of the seven emoji PNGs (``<project>/emojis``, or the copy installed inside the package)."""
    for candidate in (project_root() / "emojis", Path(__file__).resolve().parents[1] / "emojis"):
        if candidate.is_dir():
            return candidate
    return project_root() / "emojis"


@contextlib.contextmanager
def silenced_stderr():
    """Point the process's file descriptor 2 at /dev/null for the ``with`` block: hides what C++ libraries
    (TensorFlow, TensorFlow Lite) write straight to stderr, where notebooks show it as red output. Python-level
    errors still raise normally. Does nothing where there is no real stderr (some embedded interpreters)."""
    import sys

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _QuietTensorFlowImport:
    """A ``sys.meta_path`` finder that runs the first ``import tensorflow`` (also the one inside ``import keras``)
    inside :func:`silenced_stderr`, wherever in the program it happens. TensorFlow 2.21 writes its start-up lines
    ("oneDNN custom operations are on", "Could not find cuda drivers", absl's "All log messages before
    absl::InitializeLog()") from C++ while its shared libraries load, before ``TF_CPP_MIN_LOG_LEVEL`` or any
    Python logging setting can reach them; only the file descriptor can. It removes itself after that import."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        import importlib.machinery

        _remove_quiet_import_hook()
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader

        class _SilencedLoader:
            def create_module(self, spec):
                return loader.create_module(spec)

            def exec_module(self, module):
                with silenced_stderr():
                    loader.exec_module(module)

            def __getattr__(self, attr):  # get_resource_reader, is_package, ... as the real loader has them
                return getattr(loader, attr)

        spec.loader = _SilencedLoader()
        return spec


def _remove_quiet_import_hook() -> None:
    import sys

    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _QuietTensorFlowImport)]


def install_quiet_tensorflow_import() -> None:
    """Make the process's first ``import tensorflow`` quiet (see :class:`_QuietTensorFlowImport`); sets
    ``TF_CPP_MIN_LOG_LEVEL=3`` unless the user chose a level. Called once by ``import emojify_lib``, so every
    lesson, the CLI and the app are quiet whichever module imports Keras first. Does nothing once TensorFlow
    is imported (then it is too late: import ``emojify_lib`` first)."""
    import sys

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules or any(isinstance(f, _QuietTensorFlowImport) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _QuietTensorFlowImport())


def quiet_tensorflow(first_op: bool = True) -> None:
    """Import TensorFlow without its start-up log lines (absl, oneDNN, CUDA-stub notices).

    ``TF_CPP_MIN_LOG_LEVEL=3`` hides most C++ logging, but TensorFlow 2.21 still writes a few lines straight to
    the process's stderr while it loads, where notebooks show them as red output. So the first import happens
    inside :func:`silenced_stderr`. ``first_op=False`` leaves TensorFlow's runtime unstarted (multi-worker
    training must configure it first: ``distributed.py``).
    """
    import sys

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    with silenced_stderr():
        import tensorflow as tf

        if first_op:
            tf.constant(0.0) + 1.0  # first op: oneDNN announces itself here
