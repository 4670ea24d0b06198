"""Group 11 — several visitors at once: 1, then 2, then 4 app pages open at the same time against one Voilà server
started as `make app` starts it (``emojify_lib.apps.serving.app_arguments``, culling included). Each page is its
own headless Chromium process with its own fake camera (the astronaut alone, or three LFW faces, in turn), and
Voilà gives each page its own kernel. Per page: answers/s over ``SECONDS`` after a warm-up, the median round trip
the widget shows, whether it showed only its own faces (sampled every second: the astronaut page one happy face,
the LFW page three faces), and its kernel's RSS. Then the pages are closed (each navigates away, as a closed tab
does; the page asks for its kernel's shutdown) and the benchmark times how long until their kernels are gone; with
4 pages, two of them vanish instead (their browser is killed, as when a laptop crashes or sleeps), and their kernels
go only when `make app`'s culling finds them (a minute without a page connected). The server's and kernels' total
RSS is noted before the pages opened, while open and after closing.

One command prints the rows: ``python benchmarks/run_all.py bench_pages`` (about 4 minutes, 1-1.5 of them waiting for
the vanished pages' kernels to be culled); ``python benchmarks/bench_pages.py 4`` measures only 4 pages (no results.md).
"""
from __future__ import annotations

import contextlib
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from common import Results, _cpu_name, loadavg

from emojify_lib.apps.serving import APP_CULLING  # noqa: E402
from emojify_lib.core import config  # noqa: E402
from emojify_lib.testing import astronaut_640x480, copy_reference, lfw_faces_frame  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the browser harness lives with the tests
from browser_harness import (PAGE_STATE, headless_chromium, kernel_processes, open_camera_page, poll,  # noqa: E402
                             voila_server, write_y4m)

LEVELS = (1, 2, 4)
WARMUP = 5     # seconds after every page answers, before counting
SECONDS = 15   # counting
CULL_WAIT = 240  # seconds to wait at most for closed pages' kernels to go
VANISH = {4: 2}  # with 4 pages, 2 close and 2 vanish (their browser killed): culled, not shut down on request
CAMERAS = {"astronaut": lambda s: s["faces"] == 1 and s["name"].startswith("Happy"),  # what a page must show
           "3 LFW faces": lambda s: s["faces"] == 3}


def rss_mb(processes) -> float:
    total = 0
    for p in processes:
        with contextlib.suppress(Exception):
            total += p.memory_info().rss
    return total / 2**20


def alive(process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def cpu_seconds(processes) -> float:
    total = 0.0
    for p in processes:
        with contextlib.suppress(Exception):
            t = p.cpu_times()
            total += t.user + t.system
    return total


def busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (every process, everyone's), from /proc/stat."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def server_and_kernels(server) -> list:
    return [psutil.Process(server.pid), *kernel_processes(server)]


def level(res: Results, n: int, url: str, server, tmp: Path, y4ms: dict, log: Path) -> None:
    before_pids = {k.pid for k in kernel_processes(server)}
    before_mb = rss_mb(server_and_kernels(server))
    names = [list(y4ms)[i % len(y4ms)] for i in range(n)]
    refused_before = log.read_text().count("403 POST /voila/api/shutdown")
    culled_before = len(re.findall(r"Culling '\w+' kernel", log.read_text()))
    with contextlib.ExitStack() as stack:
        drivers = [stack.enter_context(headless_chromium(y4ms[name], tmp / f"profile-{n}-{i}", size="900,820"))
                   for i, name in enumerate(names)]
        errors: list[Exception] = []

        def open_page(driver):
            try:
                open_camera_page(driver, url, timeout=300)
                poll(driver, "const s = (() => {" + PAGE_STATE + "})(); return s && s.answers >= 5", 180,
                     "the first answers")
            except Exception as exc:  # noqa: BLE001 - raised below with the server's log
                errors.append(exc)

        threads = [threading.Thread(target=open_page, args=(d,)) for d in drivers]  # all pages at the same time
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise SystemExit(f"{n} pages: {errors}; voila.log: {log.read_text()[-2000:]}")
        kernels = [k for k in kernel_processes(server) if k.pid not in before_pids]
        browsers = [c for d in drivers for c in psutil.Process(d.service.process.pid).children(recursive=True)]
        groups = {"kernels": kernels, "Voilà server": [psutil.Process(server.pid)], "Chromium": browsers}
        time.sleep(WARMUP)
        cpu0, busy0, t0 = {g: cpu_seconds(ps) for g, ps in groups.items()}, busy_seconds(), time.perf_counter()
        start = [(time.perf_counter(), d.execute_script(PAGE_STATE)["answers"]) for d in drivers]
        own = [0] * n
        samples = 0
        deadline = time.perf_counter() + SECONDS
        while time.perf_counter() < deadline:
            samples += 1
            for i, (d, name) in enumerate(zip(drivers, names)):
                own[i] += bool(CAMERAS[name](d.execute_script(PAGE_STATE)))
            time.sleep(max(0.0, min(1.0, deadline - time.perf_counter())))
        end = [(time.perf_counter(), d.execute_script(PAGE_STATE)) for d in drivers]
        wall = time.perf_counter() - t0
        cores = {g: (cpu_seconds(ps) - cpu0[g]) / wall for g, ps in groups.items()}  # CPU cores each group kept busy
        cores["everything else on the machine"] = (busy_seconds() - busy0) / wall - sum(cores.values())
        rates = [(e[1]["answers"] - s[1]) / (e[0] - s[0]) for s, e in zip(start, end)]
        rtts = [e[1]["rttMs"] for e in end]
        kernel_mb = [rss_mb([k]) for k in kernels]
        open_mb = rss_mb(server_and_kernels(server))
        load = loadavg()
        vanish = VANISH.get(n, 0)  # the last pages' browsers are killed: pages gone without closing
        for d in drivers[:n - vanish]:  # the others close as a visitor closes the tab: the page unloads
            d.get("about:blank")
        for d in drivers[n - vanish:]:
            for process in psutil.Process(d.service.process.pid).children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()
        closed = time.perf_counter()
        while sum(map(alive, kernels)) > vanish and time.perf_counter() - closed < CULL_WAIT:
            time.sleep(0.1)
        gone_closed = time.perf_counter() - closed
        closed_mb = rss_mb(server_and_kernels(server))
        while any(map(alive, kernels)) and time.perf_counter() - closed < CULL_WAIT:
            time.sleep(0.5)
        gone = time.perf_counter() - closed
    left = sum(map(alive, kernels))
    after_mb = rss_mb(server_and_kernels(server))
    text = log.read_text()
    refused = text.count("403 POST /voila/api/shutdown") - refused_before
    culled = len(re.findall(r"Culling '\w+' kernel", text)) - culled_before

    label = f"{n} page{'s' if n > 1 else ''} at once"
    pages = "; ".join(f"{name}: {r:.1f} answers/s, {rtt:.0f} ms, own faces in {o}/{samples} samples"
                      for name, r, rtt, o in zip(names, rates, rtts, own))
    res.add(f"{label}: answers/s, slowest page", min(rates), "answers/s",
            f"{len(kernels)} kernel{'s' if len(kernels) != 1 else ''}; per page: {pages}; {SECONDS} s after a "
            f"{WARMUP} s warm-up, headless Chromium with the fake camera at 30 frames/s each, reference model; "
            f"loadavg {load}")
    res.add(f"{label}: median round trip, slowest page", max(rtts), "ms", "the widget's median of its last 50 frames")
    answers = sum(rates)
    server_ms = 1000 * (cores["kernels"] + cores["Voilà server"]) / answers if answers else float("nan")
    res.add(f"{label}: server CPU per answer (Voilà + kernels)", server_ms, "ms",
            "CPU cores kept busy while counting: " + ", ".join(f"{g} {c:.2f}" for g, c in cores.items())
            + f" (of {os.cpu_count()}); on an open day the browsers run on the visitors' own laptops, so this "
            f"server's {os.cpu_count()} cores would answer about {os.cpu_count() * 1000 / server_ms:.0f} frames/s "
            "in all"
            if answers else "no answers")
    res.add(f"{label}: RSS per kernel", statistics.mean(kernel_mb) if kernel_mb else 0.0, "MB",
            "kernels: " + ", ".join(f"{m:.0f}" for m in kernel_mb) + " MB; Voilà server + kernels: "
            f"{before_mb:.0f} MB before the pages opened, {open_mb:.0f} MB open, {after_mb:.0f} MB after closing")
    culling = " ".join(a.split(".", 1)[1] for a in APP_CULLING)
    res.add(f"{label}: closed pages' kernels gone after", gone_closed, "s",
            f"{n - vanish} page(s) navigated away (a closed tab): their kernels shut down on the page's own request; "
            f"{refused} such requests refused; Voilà server + kernels {closed_mb:.0f} MB then, vs {before_mb:.0f} MB "
            "before the pages opened")
    if vanish:
        res.add(f"{label}: kernels of pages gone without closing, gone after", gone, "s",
                f"{vanish} page(s) whose browser was killed (a crash, a laptop asleep): {culled} kernel(s) culled "
                f"by `make app`'s {culling}; {n - left} of {n} kernels ended in all; Voilà server + kernels "
                f"{after_mb:.0f} MB after, vs {before_mb:.0f} MB before the pages opened")


def main(levels=LEVELS) -> Results:
    res = Results("11 pages at once")
    reference = config.models_dir() / "reference.keras"
    if not reference.is_file():
        raise SystemExit(f"no reference model at {reference}: run `python -m emojify_lib reference` first")
    print(f"CPU {_cpu_name()}, {os.cpu_count()} cores; loadavg {loadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        models, work = tmp / "models", tmp / "work"
        copy_reference(reference, models)
        work.mkdir()
        y4ms = {"astronaut": write_y4m(tmp / "astronaut.y4m", astronaut_640x480()),
                "3 LFW faces": write_y4m(tmp / "lfw.y4m", lfw_faces_frame(3))}
        with voila_server(work, models) as (url, server):  # as `make app` serves it
            for n in levels:
                level(res, n, url, server, tmp, y4ms, work / "voila.log")
    res.save()
    return res


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or LEVELS)  # e.g. `python benchmarks/bench_pages.py 4`: one level
