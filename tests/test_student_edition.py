"""Both editions of the lessons: the instructor notebooks carry nbgrader's solution markers and every grader
passes (nbval checks each lesson's stored score line); ``make student`` (nbgrader) writes a student edition that
holds no solution, runs top to bottom, and reports its exercises as open instead of crashing."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from make_student import lessons, make_student  # noqa: E402

LESSONS = [p.name for p in lessons(ROOT / "notebooks")]
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def solution_lines(nb) -> set[str]:
    """Lines inside the solution markers that appear nowhere else in the instructor notebook."""
    inside, outside = set(), set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        in_solution = False
        for line in cell.source.splitlines():
            text = line.strip()
            if text in (BEGIN, END):
                in_solution = text == BEGIN
            elif text and not text.startswith("#"):
                (inside if in_solution else outside).add(text)
    return inside - outside


def graded_pairs(nb):
    """(solution cell, the grading cell after it) for every exercise."""
    cells = [c for c in nb.cells if c.cell_type == "code"]
    return [(c, nxt) for c, nxt in zip(cells, cells[1:]) if c.metadata.get("nbgrader", {}).get("solution")]


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    make_student(out)
    return out


def instructor(name):
    return nbformat.read(ROOT / "notebooks" / name, as_version=4)


@pytest.mark.parametrize("name", LESSONS)
def test_instructor_edition_marks_every_exercise_for_nbgrader(name):
    nb = instructor(name)
    pairs = graded_pairs(nb)
    assert len(pairs) >= 2, f"{name}: a lesson has at least two exercises for the learner to write"
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), f"{name}: nbgrader grade_ids must be unique"
    for answer, check in pairs:
        assert BEGIN in answer.source and END in answer.source, f"{name}: {answer.metadata['nbgrader']['grade_id']}"
        meta = check.metadata.get("nbgrader", {})
        assert meta.get("grade") and meta.get("locked") and meta.get("points", 0) > 0, \
            f"{name}: the cell after {answer.metadata['nbgrader']['grade_id']} must be its locked, graded check"
    assert not any("inspect.getsource" in c.source for c in nb.cells), f"{name} prints library source"
    last_code = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert ".score()" in last_code.source and "NBVAL_CHECK_OUTPUT" in last_code.source, \
        f"{name}: the last code cell prints the score line, checked by nbval"
    stored = "".join(o.get("text", "") for o in last_code.outputs)
    n = len(pairs)
    assert re.search(rf"{n} of {n} exercises passed", stored), f"{name}: the stored score line is {stored!r}"


@pytest.mark.parametrize("name", LESSONS)
def test_student_edition_holds_no_solution(student, name):
    nb = nbformat.read(student / name, as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert BEGIN not in text and END not in text
    leaked = sorted(line for line in solution_lines(instructor(name)) if line in text)
    assert not leaked, f"student/{name} still holds solution lines: {leaked[:5]}"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert code.count("raise NotImplementedError()") == len(graded_pairs(instructor(name)))
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "outputs are cleared"
    assert "HIDDEN TESTS" not in text and ".hidden(" not in text, "nbgrader's hidden test cases stay hidden"


#: Exercises whose check cell has no hidden cases: the answer takes no inputs, or its inputs are files, models or
#: camera frames that the visible check already varies (TEACHING.md, "How a grade is made").
NO_HIDDEN_CASES = {"and_gate_weights", "build_classic_cnn", "read_folder_image", "compile_model", "make_callbacks",
                   "maps_and_gradients", "crop_face", "live_step", "fit_model",
                   # lesson 08: Keras layers applied to a tensor, a random augmentation, a training step on a model
                   "conv_bn_relu", "residual_block", "augment_face", "train_step"}


@pytest.mark.parametrize("name", LESSONS)
def test_check_cells_hold_hidden_test_cases(name):
    for answer, check in graded_pairs(instructor(name)):
        title = answer.metadata["nbgrader"]["grade_id"].split("_", 1)[1]
        hidden = "### BEGIN HIDDEN TESTS" in check.source and f"ex.check_{title}.hidden(" in check.source
        assert hidden != (title in NO_HIDDEN_CASES), f"{name}: {title}'s check cell and its hidden cases"


@pytest.fixture(scope="module")
def learner_project(tmp_path_factory):
    """A copy of the project as a learner has it when no reference model was set up (no registry at set-up, which
    the README says is fine): the library, the emojis and an empty models/ folder that fills as the student edition
    runs (lesson 04's architecture, lesson 05's model). The instructor edition runs under nbval with the reference
    model present; the cells that read it are the same in both editions, so the two runs cover both states."""
    import shutil

    project = tmp_path_factory.mktemp("learner-project")
    for name in ("emojify_lib", "emojis"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    (project / "data").mkdir()                      # no FER2013: quick mode reads the bundled sample
    shutil.copy2(ROOT / "pyproject.toml", project / "pyproject.toml")
    (project / "models").mkdir()
    return project


@pytest.mark.parametrize("name", LESSONS)
def test_student_edition_runs_top_to_bottom_and_reports_open_exercises(student, learner_project, name, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(learner_project))      # the kernel imports the copy: its models/ is empty
    monkeypatch.delenv("EMOJIFY_MODELS", raising=False)
    assert not list((learner_project / "models").glob("reference*"))
    monkeypatch.setenv("EMOJIFY_QUICK", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.delenv("EMOJIFY_STRICT_EXERCISES", raising=False)
    nb = nbformat.read(student / name, as_version=4)
    # run from notebooks/ (student/ sits at the same depth, so the lessons' relative paths hold)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    out = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "stream")
    n = len(graded_pairs(instructor(name)))
    assert f"0 of {n} exercises passed" in out and "Still open:" in out
    assert out.count("⬜ Not answered yet") >= n
    if name.startswith(("06", "07")):  # they say what is missing, and go on with the learner's own model
        assert "the reference model is not set up" in out


@pytest.mark.parametrize("name", LESSONS)
def test_student_edition_shows_no_figure_from_outside_the_notebook(student, name):
    """The student edition is released elsewhere (nbgrader's release/, make_student.py --out DIR): a figure must be
    in the notebook itself (a cell attachment or a stored output), never a path such as ../benchmarks/x.png."""
    nb = nbformat.read(student / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", cell.source) + re.findall(r"<img[^>]+src=\"([^\"]+)", cell.source):
            assert target.startswith(("attachment:", "data:", "https:")), f"{name}: a figure from {target}"
            if target.startswith("attachment:"):
                assert target.split(":", 1)[1] in cell.get("attachments", {}), f"{name}: {target} is not attached"
