"""Every dotted `emojify_lib` path that the code, the docs, the tests or a lesson's text names exists.

Docstrings and guides point readers at places (``:func:`~emojify_lib.model.files.choose_model```); after code
moves, such a path can name a module that is gone. Each one is imported here: the longest importable module
prefix, then the rest as attributes. Notebook outputs are not read (only cell sources).
"""
import importlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATH = re.compile(r"emojify_lib(?:\.[A-Za-z_]\w*)+")


def texts():
    for pattern in ("emojify_lib/**/*.py", "tests/**/*.py", "benchmarks/*.py", "tools/*.py", "*.md", "data/*.md",
                    "emojis/*.md"):
        for path in ROOT.glob(pattern):
            yield path, path.read_text(encoding="utf-8")
    for path in [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("page/*.ipynb")]:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        yield path, "\n".join("".join(cell["source"]) for cell in cells)


def resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_every_named_emojify_lib_path_imports():
    named: dict[str, set[str]] = {}
    for path, text in texts():
        for dotted in PATH.findall(text):
            named.setdefault(dotted.rstrip("."), set()).add(str(path.relative_to(ROOT)))
    assert len(named) > 50  # the search itself works: the package names many of its places
    broken = {dotted: sorted(where) for dotted, where in named.items() if not resolves(dotted)}
    assert not broken, f"paths that name no module or attribute (path: files): {broken}"
