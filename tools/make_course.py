"""Write an nbgrader course directory for the lessons (``make course-folder``).

Usage: ``python tools/make_course.py [DIR] [--course-id emojify] [--exchange /srv/nbgrader/exchange]``.

``DIR`` (default ``course/``) gets

* ``nbgrader_config.py``: the course id, the exchange folder, a cell timeout sized from the measured lesson times,
  and the autograder's environment (quick mode; each student's models in their own folder);
* ``source/<lesson>/<lesson>.ipynb``: one assignment per lesson (``01_perceptron`` … ``07_live_emoji_demo``), so
  each lesson has its own deadline and a resubmission re-runs one notebook.

A lesson that is already in ``source/`` is overwritten with the instructor edition from ``notebooks/``; the
gradebook and everything else in ``DIR`` is left alone. TEACHING.md ("JupyterHub with nbgrader") lists the
nbgrader commands to run in ``DIR`` next; ``tests/test_course_folder.py`` runs exactly those.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The longest single cell measured in quick mode (lesson 05's training cell, 30-42 s on a 2-core AMD EPYC /
#: Intel Xeon; lesson 06 trains the same network when no model is there yet). The project's machines differ by up
#: to 3x in speed, and an autograder often runs beside other work: 42 s x 3 x ~2.4 margin = 300 s.
CELL_TIMEOUT_S = 300

CONFIG = '''\
"""nbgrader's configuration for the emojify course (written by `make course-folder`, tools/make_course.py).

Run every nbgrader command from this folder. Edit freely; `make course-folder` does not overwrite this file
unless you delete it first.
"""
import os

c = get_config()  # noqa: F821 - nbgrader provides it

c.CourseDirectory.course_id = {course_id!r}
# Where released assignments and submissions travel. On a hub every user's nbgrader must agree on it: put the same
# line in /etc/jupyter/nbgrader_config.py for the students.
c.Exchange.root = {exchange!r}

# A cell may take this long before nbgrader stops it (default 30 s). The longest cell in quick mode is lesson 05's
# training run, 30-42 s on a 2-core AMD EPYC; machines differ up to 3x in speed, and we keep a margin on top.
c.Execute.timeout = {timeout}

# The autograder runs the lessons in quick mode (the bundled sample faces, two epochs): a lesson takes under a minute
# per student instead of half an hour of training on FER2013.
os.environ["EMOJIFY_QUICK"] = "1"
# Each student's models apart: a relative EMOJIFY_MODELS counts from the notebook being graded,
# autograded/<student>/<lesson>/, so lesson 05 of a submission saves into autograded/<student>/models and lesson 06
# of the same student reads that model, never another student's. (The reference model is read from the project's
# models/ folder.) Autograde a student's lessons in order: 05 before 06.
os.environ["EMOJIFY_MODELS"] = "../models"
# No TensorFlow start-up lines in the feedback.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
'''


def lessons(folder: Path = ROOT / "notebooks") -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]*_*.ipynb"))


def make_course(out: Path, course_id: str = "emojify", exchange: str = "/srv/nbgrader/exchange",
                only: list[str] | None = None) -> list[Path]:
    """Write the course folder ``out`` (see the module's docstring); ``only`` keeps the lessons whose name starts
    with one of the given prefixes (``["01", "04"]``). Returns the assignment notebooks written."""
    out.mkdir(parents=True, exist_ok=True)
    config = out / "nbgrader_config.py"
    if not config.exists():
        config.write_text(CONFIG.format(course_id=course_id, exchange=str(exchange), timeout=CELL_TIMEOUT_S))
    written = []
    for path in lessons():
        if only and not any(path.stem.startswith(prefix) for prefix in only):
            continue
        folder = out / "source" / path.stem
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.name)
        written.append(folder / path.name)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=ROOT / "course", help="the course folder (course/)")
    parser.add_argument("--course-id", default="emojify", help="nbgrader's course id (emojify)")
    parser.add_argument("--exchange", default="/srv/nbgrader/exchange",
                        help="nbgrader's exchange folder (/srv/nbgrader/exchange, nbgrader's default)")
    parser.add_argument("--lessons", nargs="*", help="only these lessons, by number (e.g. 01 04)")
    args = parser.parse_args()
    for path in make_course(args.dir, args.course_id, args.exchange, args.lessons):
        print(f"wrote {path}")
    print(f"nbgrader configuration: {args.dir / 'nbgrader_config.py'}\n"
          f"next: cd {args.dir} && nbgrader generate_assignment 01_perceptron   (see TEACHING.md)")
