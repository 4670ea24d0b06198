"""Run every benchmark (``make bench``) and write ``benchmarks/results.md``.

Groups: 1 frame pipeline, 6 browser demo, 2 classifier latency, 3 training throughput, 4 data loading, 5 memory soak.
Each group runs in its own process, so one group's memory and threads do not disturb the next.
``python benchmarks/run_all.py bench_frame_pipeline bench_browser`` re-runs only those groups: the rows of the
other groups are kept from the results.md already there.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from common import HERE, machine

GROUPS = ["bench_frame_pipeline", "bench_browser", "bench_classifier", "bench_training", "bench_data", "bench_soak"]


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


def _kept_rows(out: Path, fresh_groups: set[str]) -> list[str]:
    """The table rows of results.md whose group was not measured again in .results/."""
    if not out.exists():
        return []
    rows = [line for line in out.read_text().splitlines() if line.startswith("| ") and line.count(" | ") >= 4]
    return [r for r in rows if not r.startswith(("| group ", "| machine ")) and
            r.split(" | ")[0][2:] not in fresh_groups]


def write_markdown() -> Path:
    out = HERE / "results.md"
    rows = []
    for path in sorted((HERE / ".results").glob("*.json")):
        rows.extend(json.loads(path.read_text()))
    kept = _kept_rows(out, {r["group"] for r in rows})
    info = machine()
    lines = ["# Benchmark results", "",
             "Written by `make bench` (`benchmarks/run_all.py`). Speed comparisons are ratios of runs made side by side "
             "in the same process; absolute figures depend on the machine and its load.", "",
             "| machine | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines += ["", "| group | measurement | value | unit | note |", "|---|---|---:|---|---|"]
    table = kept
    for r in rows:
        value = r["value"]
        shown = f"{value:,.3g}" if isinstance(value, float) else str(value)
        table.append(f"| {r['group']} | {r['name'].strip()} | {shown} | {r['unit']} | {r['note']} |")
    order = {g: i for i, g in enumerate(["1 ", "6 ", "2 ", "3 ", "4 ", "5 "])}
    lines += sorted(table, key=lambda r: order.get(r[2:4], 99))  # stable: rows keep their order within a group
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
