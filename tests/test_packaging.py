"""pyproject.toml and environment.yml must install the same thing; the README's commands must exist."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env_yml():
    text = (ROOT / "environment.yml").read_text()
    pip = re.findall(r"^\s+- (\S.*)$", text.split("- pip:")[1], re.M)
    conda = re.findall(r"^  - (\S+)$", text.split("- pip:")[0], re.M)
    return conda, pip


def test_environment_installs_the_project_with_dev_extra():
    conda, pip = _env_yml()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = set(project["optional-dependencies"])
    assert any(p.startswith("-e .[") for p in pip), "environment.yml must pip-install the project itself"
    wanted = set(re.search(r"\[(.*)\]", next(p for p in pip if p.startswith("-e ."))).group(1).split(","))
    assert wanted <= extras and "dev" in wanted
    # anything else listed in environment.yml would drift from pyproject.toml
    assert [p for p in pip if not p.startswith("-e .")] == []
    assert "pip" in conda
    py = next(c for c in conda if c.startswith("python="))
    minimum = re.search(r">=(\d+\.\d+)", project["requires-python"]).group(1)
    assert tuple(map(int, py.split("=")[1].split("."))) >= tuple(map(int, minimum.split(".")))


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
