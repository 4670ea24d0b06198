"""The teacher's nbgrader workflow, end to end, as TEACHING.md ("JupyterHub with nbgrader") writes it.

``make course-folder`` (tools/make_course.py) writes a course folder with lessons 01, 04 and 06; two students,
alice and bob, fetch, answer and submit through a local exchange folder; the teacher collects, autogrades,
generates feedback and exports. Checked:

* a wrong exercise followed by a right one that calls it scores the right one (lesson 01: alice's
  ``perceptron_update`` and ``two_layer_forward`` are wrong, her ``perceptron_train`` and ``two_layer_gradients``
  call them and are right): the gradebook equals the student's own score line, and no ungraded cell fails;
* an answer that calls the library's version scores 0 (lesson 04: ``anatomy.conv_params``,
  ``networks.classic_cnn()``), and an answer tuned to the visible cases fails nbgrader's hidden tests;
* each student's models stay apart (lesson 06): under the autograder a lesson's models folder is
  ``autograded/<student>/models`` (the course's nbgrader_config.py), where that student's lesson 05 saves its model.
  Instead of running lesson 05 twice (a minute each on 2 cores), the test puts a quick-trained model into each
  student's folder with a record that marks whose it is (alice: 97 epochs, bob: 53). Bob's lesson 06 quotes his
  model and never alice's; alice's folder is left as it was;
* the feedback HTML shows the grader's message for a wrong answer in the first lines of that cell's output.

The points table and each autograde's seconds are printed (``pytest -s``) for TEACHING.md.
"""
from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

LESSONS = ["01_perceptron", "04_building_the_cnn", "06_evaluating"]
COURSE_ID = "emojify"

#: What the students type into the stubs (grade_id → source); an exercise not named gets the instructor's answer
#: ("right"), or stays a stub where the value is None ("open").
ANSWERS = {
    "alice": {
        "l01_perceptron_update": (  # wrong: the bias is not updated
            "def perceptron_update(w, b, x, y, lr):\n"
            "    error = y - step(np.dot(w, x) + b)\n"
            "    return w + lr * error * x, b\n"),
        "l01_two_layer_forward": (  # wrong: no sigmoid on the output
            "def two_layer_forward(X, params):\n"
            "    H = sigmoid(X @ params['W1'] + params['b1'])\n"
            "    p = (H @ params['W2'] + params['b2'])[:, 0]\n"
            "    return H, p\n"),
        "l04_build_classic_cnn": (  # calls the library
            "def build_classic_cnn():\n"
            "    from emojify_lib.model import networks\n"
            "    return networks.classic_cnn()\n"),
        "l04_conv_params": (  # calls the library
            "from emojify_lib.lessons import anatomy\n\n\n"
            "def conv_params(k, c_in, c_out):\n"
            "    return anatomy.conv_params(k, c_in, c_out)\n"),
    },
    "bob": {
        "l01_weighted_sum": None,   # left open
        "l04_conv_output_size": (   # tuned to the visible cases: a table, no formula
            "VISIBLE = {(48, 3, 1, 'valid'): 46, (46, 3, 1, 'valid'): 44, (44, 2, 2, 'valid'): 22,\n"
            "           (21, 2, 2, 'valid'): 10, (7, 3, 2, 'valid'): 3, (48, 3, 1, 'same'): 48, (48, 2, 2, 'same'): 24,\n"
            "           (5, 3, 2, 'same'): 3, (25, 2, 2, 'same'): 13, (10, 5, 3, 'valid'): 2, (48, 2, 2, 'valid'): 24,\n"
            "           (46, 2, 2, 'valid'): 23, (20, 3, 1, 'valid'): 18, (22, 3, 1, 'valid'): 20,\n"
            "           (10, 2, 2, 'valid'): 5, (8, 2, 2, 'valid'): 4, (10, 3, 1, 'valid'): 8}\n\n\n"
            "def conv_output_size(n, k, stride, padding):\n"
            "    return VISIBLE[(n, k, stride, padding)]\n"),
        **{f"l06_{name}": None for name in ("confusion_matrix", "recall", "precision", "gradcam_heatmap",
                                            "maps_and_gradients")},   # all open: the lesson still runs through
    },
}
#: The points each submission should get, per lesson (student, lesson) → (points, out of).
EXPECTED = {("alice", "01_perceptron"): (5, 7), ("bob", "01_perceptron"): (6, 7),
            ("alice", "04_building_the_cnn"): (2, 4), ("bob", "04_building_the_cnn"): (3, 4),
            ("bob", "06_evaluating"): (0, 5)}
EPOCHS = {"alice": 97, "bob": 53}  # what marks each student's model in its record
SUBMITS = {"alice": ["01_perceptron", "04_building_the_cnn"], "bob": LESSONS}


def teacher_commands(lesson: str) -> list[str]:
    """The teacher's commands for one lesson, word for word as TEACHING.md gives them (checked below)."""
    return [f"nbgrader generate_assignment {lesson}", f"nbgrader release_assignment {lesson}",
            f"nbgrader collect {lesson}", f"nbgrader autograde {lesson}", f"nbgrader generate_feedback {lesson}"]


def student_answer(instructor_source: str, answer) -> str:
    """The instructor's solution cell with the markers removed (a right answer), or the student's own."""
    if answer is not None:
        return answer
    return "\n".join(line for line in instructor_source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


@pytest.fixture(scope="module")
def flow(tmp_path_factory, quick_trained):
    """Run the whole workflow once; returns what the checks need."""
    base = tmp_path_factory.mktemp("nbgrader")
    course, exchange = base / "course", base / "exchange"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}

    def run(command: str, cwd: Path, *extra: str) -> float:
        started = time.perf_counter()
        done = subprocess.run([*command.split(), *extra], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        took.append((command.split()[1], time.perf_counter() - started))
        return took[-1][1]

    took: list[tuple[str, float]] = []
    flow_started = time.perf_counter()
    # `make course-folder COURSE=... EXCHANGE=...` runs this
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_course.py"), str(course), "--exchange", str(exchange),
                    "--lessons", "01", "04", "06"], check=True, capture_output=True, env=env)
    assert sorted(p.name for p in (course / "source").iterdir()) == LESSONS
    seconds: dict[tuple[str, str], float] = {}
    homes = {student: base / student for student in ANSWERS}
    student_flags = ["--course", COURSE_ID, f"--Exchange.root={exchange}"]
    for lesson in LESSONS:
        generate, release = teacher_commands(lesson)[:2]
        run(generate, course)
        run(release, course)
    for student, home in homes.items():
        home.mkdir()
        run(f"nbgrader fetch_assignment {' '.join(LESSONS)}", home, *student_flags)  # the Assignments tab does this
        for lesson in SUBMITS[student]:
            instructor = nbformat.read(course / "source" / lesson / f"{lesson}.ipynb", as_version=4)
            solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in instructor.cells
                         if c.metadata.get("nbgrader", {}).get("solution")}
            path = home / lesson / f"{lesson}.ipynb"
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if grade_id in solutions:
                    answers = ANSWERS[student]
                    if grade_id in answers and answers[grade_id] is None:
                        continue  # the stub stays
                    cell.source = student_answer(solutions[grade_id], answers.get(grade_id))
            nbformat.write(nb, path)
            run(f"nbgrader submit {lesson}", home, *student_flags, f"--student={student}")
    from emojify_lib.model import files

    for student, epochs in EPOCHS.items():  # what each student's lesson 05 saved under the autograder
        mine = course / "autograded" / student / "models" / "emotion_cnn.keras"
        mine.parent.mkdir(parents=True)
        shutil.copy(quick_trained[2], mine)
        files.write_model_info(mine, data_source="sample", epochs_run=epochs)
    alices = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
              for p in (course / "autograded" / "alice" / "models").iterdir()}
    for lesson in LESSONS:
        collect, autograde, feedback = teacher_commands(lesson)[2:]
        run(collect, course)
        started = time.time()
        run(autograde, course)
        # one autograde command grades the students in turn: each one's time ends when its notebook is written
        graded = [s for s in homes if lesson in SUBMITS[s]]
        ends = sorted((os.stat(course / "autograded" / s / lesson / f"{lesson}.ipynb").st_mtime, s) for s in graded)
        for (end, student), start in zip(ends, [started] + [end for end, _ in ends]):
            seconds[student, lesson] = end - start
        run(feedback, course)
    run("nbgrader export", course)
    steps = {}
    for name, sec in took:
        steps[name] = steps.get(name, 0.0) + sec
    return {"course": course, "seconds": seconds, "alices_models": alices, "csv": (course / "grades.csv").read_text(),
            "steps": steps, "total": time.perf_counter() - flow_started}


def points(course: Path, student: str, lesson: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        submission = gb.find_submission(lesson, student)
        return submission.score, submission.max_score


def autograded(course: Path, student: str, lesson: str):
    return nbformat.read(course / "autograded" / student / lesson / f"{lesson}.ipynb", as_version=4)


def outputs_text(cell) -> str:
    return "".join(o.get("text", "") + "\n".join(o.get("traceback", [])) for o in cell.get("outputs", []))


def test_points_equal_each_students_own_score_line(flow):
    course = flow["course"]
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?") if Path("/proc/cpuinfo").exists() else "?"
    print(f"\nautograde on {cpu}, {os.cpu_count()} cores (EMOJIFY_QUICK=1):")
    print("| student | lesson | expected | got | autograde s |\n|---|---|---|---|---|")
    table = {}
    for (student, lesson), want in EXPECTED.items():
        got = points(course, student, lesson)
        table[student, lesson] = got
        print(f"| {student} | {lesson} | {want[0]}/{want[1]} | {got[0]:g}/{got[1]:g} | "
              f"{flow['seconds'][student, lesson]:.0f} |")
    for (student, lesson), want in EXPECTED.items():
        assert table[student, lesson] == want, (student, lesson, table[student, lesson])
        last = [c for c in autograded(course, student, lesson).cells if c.cell_type == "code"][-1]
        assert f"{want[0]} of {want[1]} exercises passed" in outputs_text(last), outputs_text(last)
    print(f"the whole flow: {flow['total']:.0f} s; per nbgrader command: "
          + ", ".join(f"{name} {sec:.0f} s" for name, sec in flow["steps"].items()))
    assert "alice" in flow["csv"] and "bob" in flow["csv"]  # nbgrader export wrote the grades


def test_a_failed_exercise_never_breaks_an_ungraded_cell(flow):
    for (student, lesson) in EXPECTED:
        for cell in autograded(flow["course"], student, lesson).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and not meta.get("grade"):
                errors = [o for o in cell.outputs if o.output_type == "error"]
                assert not errors, f"{student} {lesson}: {cell.source[:80]!r} failed: {errors[0].get('evalue')}"


def test_a_wrong_answer_followed_by_a_right_one_that_calls_it(flow):
    nb = autograded(flow["course"], "alice", "01_perceptron")
    checks = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert any(o.output_type == "error" for o in checks["l01_perceptron_update_check"].outputs)
    assert "✅ Correct" in outputs_text(checks["l01_perceptron_train_check"])
    assert "✅ Correct" in outputs_text(checks["l01_two_layer_gradients_check"])


def test_calling_the_librarys_version_scores_zero(flow):
    nb = autograded(flow["course"], "alice", "04_building_the_cnn")
    text = {c.metadata["nbgrader"]["grade_id"]: outputs_text(c) for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")}
    assert "this calls `anatomy.conv_params`; write it yourself" in text["l04_conv_params_check"]
    assert "this calls `networks.classic_cnn`; write it yourself" in text["l04_build_classic_cnn_check"]
    bob = autograded(flow["course"], "bob", "04_building_the_cnn")
    hidden = next(c for c in bob.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "l04_conv_output_size_check")
    assert "### BEGIN HIDDEN TESTS" in hidden.source
    assert "hidden while you worked" in " ".join(outputs_text(hidden).split())


def test_each_students_models_stay_apart(flow):
    course = flow["course"]
    bob = " ".join("".join(outputs_text(c) for c in autograded(course, "bob", "06_evaluating").cells).split())
    assert f"for {EPOCHS['bob']} epochs" in bob, bob[:2000]
    assert f"{EPOCHS['alice']} epochs" not in bob
    alices = course / "autograded" / "alice" / "models"
    now = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in alices.iterdir()}
    assert {name: now.get(name) for name in flow["alices_models"]} == flow["alices_models"]  # her models untouched
    assert set(now) - set(flow["alices_models"]) <= {"lesson04_classic_cnn.json"}  # only what her lesson 04 writes


def test_feedback_shows_the_graders_message_first(flow):
    page = (flow["course"] / "feedback" / "alice" / "01_perceptron" / "01_perceptron.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    at = text.index("perceptron_update = ex.check_perceptron_update(perceptron_update)")
    at = text.index("### END HIDDEN TESTS", at)  # the check cell's last line: its output follows
    after = [line.strip() for line in text[at:].splitlines() if line.strip()][1:6]
    assert after[0].startswith("❌ the new b of perceptron_update"), after
    assert any(line.startswith("💡 Hint:") for line in after[:4]), after
    assert "Traceback" not in text[at:at + 2000] and "_grading.py" not in text
    assert "oneDNN" not in text and "absl" not in text


def test_teaching_gives_exactly_these_commands():
    teaching = (ROOT / "TEACHING.md").read_text()
    for command in teacher_commands("01_perceptron") + ["nbgrader export", "make course-folder",
                                                       "nbgrader fetch_assignment 01_perceptron",
                                                       "nbgrader submit 01_perceptron"]:
        assert command in teaching, command
