"""Every real-data figure the course states is the one measured in benchmarks/results.md (group 6)."""
import json
from pathlib import Path

import pytest

from emojify_lib.model import reference

ROOT = Path(__file__).resolve().parents[1]


def measured() -> dict:
    rows = {}
    for line in (ROOT / "benchmarks" / "results.md").read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) == 7 and cells[1] == "6 real data":
            rows[cells[2]] = float(cells[3].replace(",", ""))
    return rows


def value(prefix: str, contains: str = "") -> float:
    found = [v for k, v in measured().items() if k.startswith(prefix) and contains in k]
    assert len(found) == 1, f"benchmarks/results.md has {len(found)} group-6 rows for {prefix!r} {contains!r}"
    return found[0]


def lesson_text(number: str) -> str:
    book = json.loads(next((ROOT / "notebooks").glob(f"{number}_*.ipynb")).read_text())
    return "\n".join("".join(c["source"]) for c in book["cells"])


def test_reference_accuracy_in_the_code_is_the_measured_one():
    assert round(reference.TEST_ACCURACY * 100, 1) == value("reference mini-Xception")
    assert f"{reference.TEST_ACCURACY:.1%}" in reference.DESCRIPTION
    assert f"{value('reference mini-Xception'):.1f} %" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("lesson, figures", [
    ("04", ["classic", "reference"]), ("05", ["classic", "minutes"]), ("06", ["classic", "reference"]),
    ("07", ["reference"])])
def test_lessons_state_the_measured_figures(lesson, figures):
    text = lesson_text(lesson)
    expected = {"classic": f"{value('classic CNN, full recipe', 'test accuracy of the saved model'):.1f} %",
                "reference": f"{value('reference mini-Xception'):.1f} %",
                "minutes": f"{value('time to a useful model'):.1f} min"}
    for figure in figures:
        assert expected[figure] in text, f"lesson {lesson} should state the measured {figure} figure {expected[figure]}"
    assert "63 %" not in text and "70–73 %" not in text  # the old quoted, never-measured figures


def test_lesson05_states_the_measured_quick_recipes():
    """Lesson 05's reason for its quick learning rate quotes benchmarks/results.md group 9, seed by seed."""
    text = " ".join(lesson_text("05").split())
    rows = [[c.strip() for c in line.split("|")] for line in (ROOT / "benchmarks" / "results.md").read_text().splitlines()]
    rows = [r for r in rows if len(r) == 7 and r[1] == "9 quick recipe"]
    assert len(rows) == 2, "benchmarks/results.md should hold the two group-9 rows (bench_quick_recipe.py)"
    for row in rows:
        per_seed = row[5].split("validation accuracy per seed ")[1].split(";")[0].replace("%", " %")
        assert per_seed in text, f"lesson 05 should quote the measured {row[2].split(':')[0]} runs: {per_seed}"


def test_lesson06_quotes_the_reference_recalls_measured_on_fer2013():
    """Lesson 06's sentence about real FER2013 quotes the reference model's per-class recall from group 6."""
    row = next(line for line in (ROOT / "benchmarks" / "results.md").read_text().splitlines()
               if line.startswith("| 6 real data | reference mini-Xception"))
    recalls = dict(zip(*[iter(row.split("recall:")[1].split("|")[0].split())] * 2))
    text = " ".join(lesson_text("06").split())
    for name, value in recalls.items():
        assert f"{name} {value}" in text, f"lesson 06 should quote the measured recall {name} {value}"


def group10() -> dict:
    rows = {}
    for line in (ROOT / "benchmarks" / "results.md").read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) == 7 and cells[1] == "10 lesson 08 recipe":
            rows[cells[2]] = (float(cells[3].replace(",", "")), cells[5])
    return rows


def test_lesson08_states_the_measured_run():
    """Lesson 08's table quotes group 10's run: the flip-averaged and plain test accuracy, the minutes, the epochs."""
    rows = group10()
    text = lesson_text("08")
    flip, note = rows["the recipe: test accuracy with flip averaging"]
    plain, _ = rows["the recipe: test accuracy, plain"]
    minutes, _ = rows["the recipe: minutes of training"]
    epochs = note.split(" epochs")[0]
    assert f"| {epochs} | {minutes:.1f} | {plain:.1f} % | **{flip:.1f} %** |" in text
    assert f"{value('reference mini-Xception'):.1f} %" in text and f"{value('classic CNN, full recipe', 'test accuracy of the saved model'):.1f} %" in text
