"""``make test``: every test, in two pytest processes that run side by side.

* **lessons**: the lesson notebooks under nbval (the instructor edition), then the student edition
  (``tests/test_student_edition.py``). One process, in that order, because lesson 06 reads the model that lesson
  05 saves in ``models/``, as it does on a learner's machine.
* **library**: everything else under ``tests/``. It gets a models folder of its own (``EMOJIFY_MODELS``, holding
  a copy of the reference model), so it never reads a model file that a lesson is still writing.

Much of each run waits on subprocesses, kernels and a browser, so the two share a 2-core machine well. The
library's report streams to the terminal as it runs; the lessons' report follows when both are done. The exit
code is 0 only when both pass. Extra arguments go to both pytest commands, e.g. ``-x`` or ``-k camera``.

One process instead: ``python -m pytest tests notebooks`` (what this runs, in series).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDENT_TESTS = "tests/test_student_edition.py"


def private_models_folder() -> Path:
    """A temporary models folder for the library tests, with the reference model when ``make reference`` has
    set it up (otherwise the tests set it up there themselves)."""
    folder = Path(tempfile.mkdtemp(prefix="emojify-test-models-"))
    for path in (ROOT / "models").glob("reference*"):
        if path.is_file():
            shutil.copy2(path, folder / path.name)
    return folder


def main(extra: list[str]) -> int:
    pytest = [sys.executable, "-m", "pytest", *extra]
    models = private_models_folder()
    log = tempfile.NamedTemporaryFile("w+", prefix="emojify-lessons-", suffix=".log", delete=False)
    started = time.perf_counter()
    print(f"running the lessons in the background (report below when done; log: {log.name})", flush=True)
    lessons = subprocess.Popen([*pytest, "notebooks", STUDENT_TESTS], cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT)
    done = {}
    waiter = threading.Thread(target=lambda: done.update(rc=lessons.wait(), s=time.perf_counter() - started))
    waiter.start()
    try:
        library_rc = subprocess.call([*pytest, "tests", f"--ignore={STUDENT_TESTS}"], cwd=ROOT,
                                     env={**os.environ, "EMOJIFY_MODELS": str(models)})
        library_s = time.perf_counter() - started
        waiter.join()
    except KeyboardInterrupt:
        lessons.kill()
        raise
    finally:
        shutil.rmtree(models, ignore_errors=True)
    lessons_rc, lessons_s = done["rc"], done["s"]
    log.seek(0)
    print(f"\n{'=' * 30} lessons: notebooks (nbval) and the student edition {'=' * 30}", flush=True)
    sys.stdout.write(log.read())
    log.close()
    os.unlink(log.name)
    verdict = {0: "passed", 5: "no tests"}
    print(f"\nlibrary tests: {verdict.get(library_rc, 'FAILED')} after {library_s:.0f} s; "
          f"lessons: {verdict.get(lessons_rc, 'FAILED')} after {lessons_s:.0f} s (both started together)")
    return 0 if library_rc == lessons_rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
