"""Run every benchmark (``make bench``) and write ``benchmarks/results.md``.

Groups: 1 frame pipeline, 2 classifier latency, 3 training throughput, 4 data loading, 5 memory soak,
7 multi-worker training (group 6, real FER2013, is run by hand).
Each group runs in its own process, so one group's memory and threads do not disturb the next.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from common import HERE, machine

GROUPS = ["bench_frame_pipeline", "bench_classifier", "bench_training", "bench_data", "bench_soak",
          "bench_distributed"]


def main(selected: list[str]) -> int:
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


def write_markdown() -> Path:
    rows = []
    for path in sorted((HERE / ".results").glob("*.json")):
        rows.extend(json.loads(path.read_text()))
    info = machine()
    lines = ["# Benchmark results", "",
             "Written by `make bench` (`benchmarks/run_all.py`). Speed comparisons are ratios of runs made side by side "
             "in the same process; absolute figures depend on the machine and its load.", "",
             "| machine | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines += ["", "| group | measurement | value | unit | note |", "|---|---|---:|---|---|"]
    for r in rows:
        value = r["value"]
        shown = f"{value:,.3g}" if isinstance(value, float) else str(value)
        lines.append(f"| {r['group']} | {r['name'].strip()} | {shown} | {r['unit']} | {r['note']} |")
    out = HERE / "results.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
