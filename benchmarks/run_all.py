"""Run every benchmark (``make bench``) and write ``benchmarks/results.md``.

Groups: 1 frame pipeline, 2 classifier latency, 3 training throughput, 4 data loading, 5 memory soak,
7 multi-worker training, 8 browser demo, 9 the learning rate of lesson 05's quick run, 11 several app pages
at once.
Each group runs in its own process, so one group's memory and threads do not disturb the next.
``python benchmarks/run_all.py bench_frame_pipeline bench_browser`` re-runs only those groups: the rows of the
other groups are kept from the results.md already there.
Group 6 (real FER2013) needs the data set and is run by hand: see bench_real_data.py; ``run_all.py --markdown``
rebuilds results.md from every group's saved rows without measuring anything.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from common import HERE, machine

GROUPS = ["bench_frame_pipeline", "bench_browser", "bench_classifier", "bench_training", "bench_data", "bench_soak",
          "bench_distributed", "bench_quick_recipe", "bench_pages"]


def main(selected: list[str]) -> int:
    if selected == ["--markdown"]:  # only rebuild results.md from the saved rows (e.g. after bench_real_data.py)
        write_markdown()
        return 0
    failed = []
    for name in selected or GROUPS:
        print(f"\n== {name} ==", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / f"{name}.py")], cwd=HERE)
        print(f"   ({time.perf_counter() - start:.0f} s)")
        if code:
            failed.append(name)
    write_markdown()
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


def _kept_rows(fresh_groups: set[str]) -> list[str]:
    """Table lines of results.md for groups with no saved rows here (measured earlier or on another machine)."""
    out = HERE / "results.md"
    if not out.is_file():
        return []
    kept = []
    for line in out.read_text().splitlines():
        cells = line.split("|")
        if len(cells) == 7 and cells[1].strip()[:1].isdigit() and cells[1].strip().split()[0] not in fresh_groups:
            kept.append(line)
    return kept


def write_markdown() -> Path:
    out = HERE / "results.md"
    rows = []
    for path in sorted((HERE / ".results").glob("*.json")):
        rows.extend(json.loads(path.read_text()))
    fresh = {r["group"].split()[0] for r in rows}
    lines_by_group: dict[str, list[str]] = {}
    for line in _kept_rows(fresh):
        lines_by_group.setdefault(line.split("|")[1].strip().split()[0], []).append(line)
    for r in rows:
        value = r["value"]
        shown = f"{value:,.3g}" if isinstance(value, float) else str(value)
        lines_by_group.setdefault(r["group"].split()[0], []).append(
            f"| {r['group']} | {r['name'].strip()} | {shown} | {r['unit']} | {r['note']} |")
    info = machine()
    lines = ["# Benchmark results", "",
             "Written by `make bench` (`benchmarks/run_all.py`). Speed comparisons are ratios of runs made side by side "
             "in the same process; absolute figures depend on the machine and its load. Group 6 is measured on real "
             "FER2013 by `python benchmarks/bench_real_data.py DIR` (the data set is never committed); "
             "groups not re-measured in a run keep their earlier rows.", "",
             "| machine | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines += ["", "| group | measurement | value | unit | note |", "|---|---|---:|---|---|"]
    for group in sorted(lines_by_group, key=int):
        lines += lines_by_group[group]
    out = HERE / "results.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
