"""Group 4 — data loading: a 35,887-row FER2013-format csv and a folder tree of 35,887 PNGs (generated); drawing
the bundled sample faces, and loading the quick-mode sample drawn afresh against read back from the disk cache."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
from common import Results

from emojify_lib.data import fer2013
from emojify_lib.data import sample

ROWS = {"train": 28_709, "val": 3_589, "test": 3_589}  # FER2013's split sizes


def fake_fer(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {s: (rng.integers(0, 256, (n, 48, 48), dtype=np.uint8), rng.integers(0, 7, n)) for s, n in ROWS.items()}


def main() -> Results:
    res = Results("4 data loading")
    splits = fake_fer()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = fer2013.write_fer2013_csv(Path(tmp) / "fer2013.csv", splits)
        start = time.perf_counter()
        loaded = fer2013.load_fer2013_csv(csv_path)
        seconds = time.perf_counter() - start
        assert sum(len(v[1]) for v in loaded.values()) == 35_887
        res.add("load fer2013.csv, 35,887 rows", seconds, "s",
                f"{csv_path.stat().st_size / 2**20:.0f} MiB, {35_887 / seconds:,.0f} rows/s")
        root = fer2013.write_image_folders(Path(tmp) / "fer", splits)  # train/ val/ test/
        start = time.perf_counter()
        loaded = fer2013.load_fer2013_folders(root)
        seconds = time.perf_counter() - start
        assert sum(len(v[1]) for v in loaded.values()) == 35_887
        res.add("load folders train/ val/ test/, 35,887 PNGs", seconds, "s", f"{35_887 / seconds:,.0f} images/s")
    start = time.perf_counter()
    sample.make_sample(n_per_class=50, seed=7)  # 350 drawn faces
    res.add("draw the bundled sample faces", (time.perf_counter() - start) / 350 * 1000, "ms/face", "350 faces")
    with tempfile.TemporaryDirectory() as tmp:          # a private, empty cache: the first load draws, the second reads
        os.environ["EMOJIFY_CACHE"] = tmp
        timings = []
        for _ in range(2):
            sample._cached_split.cache_clear()          # as in a new process
            start = time.perf_counter()
            sample.load_sample(quick=True)
            timings.append(time.perf_counter() - start)
        del os.environ["EMOJIFY_CACHE"]
        sample._cached_split.cache_clear()
    res.add("load the quick sample (2,760 faces), drawn", timings[0], "s", "empty cache: draws and saves")
    res.add("load the quick sample (2,760 faces), from the disk cache", timings[1], "s",
            f"{timings[0] / timings[1]:.0f}× faster than drawing (same run)")
    res.save()
    return res


if __name__ == "__main__":
    main()
