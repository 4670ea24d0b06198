"""Make the student edition of the lessons with nbgrader (``make student``).

Usage: ``python tools/make_student.py [--out student]``.

The instructor notebooks in ``notebooks/`` mark each exercise's answer with ``### BEGIN SOLUTION`` /
``### END SOLUTION`` and carry nbgrader's cell metadata. This copies them into a throw-away nbgrader course
directory as one assignment, ``lessons``, runs ``nbgrader generate_assignment`` (which swaps every answer for a
``# YOUR CODE HERE`` stub, clears the outputs and locks the grading cells) and writes the result to ``--out``.
A teacher on JupyterHub can instead point nbgrader's own course directory at ``notebooks/`` (see TEACHING.md).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "lessons"
BANNER = ("**Student edition** — made by `make student` from `notebooks/{name}`. Cells that say `# YOUR CODE HERE` "
          "are yours: replace `raise NotImplementedError()` with your code, run the cell, then run the check below "
          "it. An exercise you skip does not stop the lesson: it goes on with a reference version and the last "
          "cell counts what is still open.")


def lessons(folder: Path) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]*_*.ipynb"))


def make_student(out: Path, source: Path = ROOT / "notebooks") -> list[Path]:
    """Write the student edition of every lesson in ``source`` to ``out``; return the written paths."""
    found = lessons(source)
    if not found:
        raise SystemExit(f"no lessons (NN_name.ipynb) in {source}")
    with tempfile.TemporaryDirectory(prefix="emojify-nbgrader-") as tmp:
        course = Path(tmp)
        (course / "source" / ASSIGNMENT).mkdir(parents=True)
        for path in found:
            shutil.copy(path, course / "source" / ASSIGNMENT / path.name)
        env = dict(os.environ)  # nbgrader shells out to `alembic`, which lives beside this Python
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force",
               f"--CourseDirectory.root={course}", f"--CourseDirectory.db_url=sqlite:///{course / 'gradebook.db'}"]
        done = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"nbgrader generate_assignment failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
        out.mkdir(parents=True, exist_ok=True)
        for old in lessons(out):
            old.unlink()
        written = []
        for path in found:
            nb = nbformat.read(course / "release" / ASSIGNMENT / path.name, as_version=4)
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(BANNER.format(name=path.name)))
            nbformat.write(nb, out / path.name)
            written.append(out / path.name)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "student", help="where to write (default: student/)")
    args = parser.parse_args()
    for path in make_student(args.out):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
