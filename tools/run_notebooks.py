"""Execute lessons in quick mode and store them with deterministic outputs (``make notebooks``).

Usage: ``python tools/run_notebooks.py [notebooks/0X_name.ipynb ...]`` (default: every lesson).
After running, per-cell execution timestamps are removed so that re-running changes only what really changed.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    os.environ["EMOJIFY_QUICK"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":  # TF start-up noise that escaped config.quiet_tensorflow()
            cell.outputs = [o for o in cell.outputs
                            if not (o.output_type == "stream" and "absl::InitializeLog" in o.get("text", ""))]
    nbformat.write(nb, path)
    return seconds


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for p in paths:
        print(f"{p.name}: {run(p):.1f} s", flush=True)
