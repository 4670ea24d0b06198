"""Shared bits of the benchmarks: timing, a results table, and the machine description.

Every speed figure is a ratio of two things measured side by side in the same run (these machines are shared
and noisy); absolute numbers are printed too. Nothing here is a pass/fail test.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing


def best_of(fn, repeat: int = 5, number: int = 1) -> float:
    """Best (least disturbed) wall time of ``number`` calls of ``fn``, in seconds per call."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def median_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Results:
    """Rows of (group, measurement, value, unit, note) that ``run_all.py`` turns into results.md."""

    def __init__(self, group: str):
        self.group = group
        self.rows: list[dict] = []

    def add(self, name: str, value: float, unit: str, note: str = "") -> None:
        self.rows.append({"group": self.group, "name": name, "value": value, "unit": unit, "note": note})
        shown = f"{value:,.3g}" if isinstance(value, float) else str(value)
        print(f"  {name:<58} {shown:>12} {unit:<10} {note}", flush=True)

    def save(self, part: str = "") -> Path:
        """Write the rows to ``.results/<group number>[-part].json`` (a group measured in parts keeps each)."""
        path = HERE / ".results" / f"{self.group.split()[0]}{'-' + part if part else ''}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(self.rows, indent=1))
        return path


def loadavg() -> str:
    """The machine's load averages over 1, 5 and 15 minutes (``/proc/loadavg``), for the notes of timing rows."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def machine() -> dict:
    import cv2
    import numpy as np

    info = {"date": date.today().isoformat(), "python": platform.python_version(),
            "cpu": _cpu_name(), "cores": os.cpu_count(), "numpy": np.__version__, "opencv": cv2.__version__}
    try:
        import keras
        import tensorflow as tf
        info.update(tensorflow=tf.__version__, keras=keras.__version__)
    except ImportError:
        pass
    return info


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
