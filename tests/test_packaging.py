"""pyproject.toml and environment.yml must install the same thing; the README's commands must exist."""
import os
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env_yml():
    text = (ROOT / "environment.yml").read_text()
    pip = re.findall(r"^\s+- (\S.*)$", text.split("- pip:")[1], re.M)
    conda = re.findall(r"^  - (\S+)$", text.split("- pip:")[0], re.M)
    return conda, pip


def test_environment_installs_what_a_student_needs_pinned_and_no_test_tools():
    from packaging.requirements import Requirement

    conda, pip = _env_yml()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    own = next(p for p in pip if p.startswith("-e ."))
    wanted = set(re.search(r"\[(.*)\]", own).group(1).split(","))
    assert wanted == {"course"}, "students get the course extra, not the test tools of dev"
    declared = {Requirement(r).name: Requirement(r) for r in project["dependencies"] + extras["course"]}
    pins = [Requirement(p) for p in pip if p != own]
    assert pins, "environment.yml pins the versions the course was measured with"
    for pin in pins:
        assert pin.name in declared, f"environment.yml pins {pin.name}, which pyproject.toml does not declare"
        version = str(pin.specifier).removeprefix("==")
        assert str(pin.specifier).startswith("==") and declared[pin.name].specifier.contains(version), \
            f"{pin} is not within pyproject.toml's {declared[pin.name]}"
    assert {p.name for p in pins} == set(declared), "every dependency is pinned"
    for tool in ("pytest", "nbval", "selenium", "hypothesis", "import-linter"):
        assert tool not in {p.name for p in pins} and not any(tool in r for r in extras["course"])
    assert "pip" in conda
    py = next(c for c in conda if c.startswith("python="))
    minimum = re.search(r">=(\d+\.\d+)", project["requires-python"]).group(1)
    assert tuple(map(int, py.split("=")[1].split("."))) >= tuple(map(int, minimum.split(".")))


def test_binder_sets_up_the_reference_model():
    post = ROOT / "postBuild"
    assert post.is_file() and os.access(post, os.X_OK)
    assert "python -m emojify_lib reference" in post.read_text()


def test_required_dependencies_are_declared():
    deps = " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    for name in ("tensorflow", "opencv-python-headless", "numpy", "matplotlib", "jupyterlab", "ipywidgets",
                 "scikit-image", "anywidget"):
        assert name in deps
    assert "<5" in deps  # OpenCV 5 wheels lack CascadeClassifier
    dev = " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"])
    assert "pytest" in dev and "nbval" in dev


def test_readme_commands_are_make_targets_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("course", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
