"""Group 4 — data loading: a 35,887-row FER2013-format csv and a folder tree of 35,887 PNGs (generated); drawing
the bundled sample faces."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from common import Results

from emojify_lib.data import fer2013 as data
from emojify_lib.data import sample

ROWS = {"train": 28_709, "val": 3_589, "test": 3_589}  # FER2013's split sizes


def fake_fer(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {s: (rng.integers(0, 256, (n, 48, 48), dtype=np.uint8), rng.integers(0, 7, n)) for s, n in ROWS.items()}


def main() -> Results:
    res = Results("4 data loading")
    splits = fake_fer()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = data.write_fer2013_csv(Path(tmp) / "fer2013.csv", splits)
        start = time.perf_counter()
        loaded = data.load_fer2013_csv(csv_path)
        seconds = time.perf_counter() - start
        assert sum(len(v[1]) for v in loaded.values()) == 35_887
        res.add("load fer2013.csv, 35,887 rows", seconds, "s",
                f"{csv_path.stat().st_size / 2**20:.0f} MiB, {35_887 / seconds:,.0f} rows/s")
        root = data.write_image_folders(Path(tmp) / "fer", splits)  # train/ val/ test/
        start = time.perf_counter()
        loaded = data.load_fer2013_folders(root)
        seconds = time.perf_counter() - start
        assert sum(len(v[1]) for v in loaded.values()) == 35_887
        res.add("load folders train/ val/ test/, 35,887 PNGs", seconds, "s", f"{35_887 / seconds:,.0f} images/s")
    start = time.perf_counter()
    sample.make_sample(n_per_class=50, seed=7)  # 350 drawn faces
    res.add("draw the bundled sample faces", (time.perf_counter() - start) / 350 * 1000, "ms/face", "350 faces")
    res.save()
    return res


if __name__ == "__main__":
    main()
