"""What a student types to install gradlab gets this project: its distribution name is gradlab-course (the name
gradlab on the package index belongs to another project), installed into a clean virtual environment from a built
wheel, with its dependencies from the index; and the assignment's first code cell tells a student who has the other
gradlab what to do."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "autograder" / "source" / "gradient_checking" / "gradient_checking.ipynb"


def install_check():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    cell = next(c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == "install_check")
    return "".join(cell["source"])


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("install")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(root / "dist"), str(REPO)],
                   check=True, capture_output=True, timeout=900)
    subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(root / "venv")], check=True,
                   timeout=300)
    python = root / "venv" / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "--find-links", str(root / "dist"), "gradlab-course"],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return root, python


def test_the_install_command_gets_this_project(clean_venv):
    root, python = clean_venv
    done = subprocess.run([str(python), "-c", install_check()], capture_output=True, text=True, cwd=root, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("gradlab ") and done.stdout.strip().endswith("is ready.")
    assert done.stderr == ""
    shown = subprocess.run([str(python), "-m", "pip", "show", "gradlab-course"], capture_output=True, text=True)
    assert "Name: gradlab-course" in shown.stdout


def test_the_other_gradlab_is_told_apart(clean_venv, tmp_path):
    root, python = clean_venv
    other = tmp_path / "other" / "gradlab"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text('"""A reinforcement-learning lab that happens to share the name."""\n')
    done = subprocess.run([str(python), "-c", install_check()], capture_output=True, text=True, cwd=root,
                          env={"PYTHONPATH": str(other.parent), "PATH": "/usr/bin:/bin"}, timeout=300)
    assert done.returncode != 0
    assert "another project with the same name" in done.stderr and "pip install gradlab-course" in done.stderr
