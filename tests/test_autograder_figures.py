"""The assignments' figures: every figure a notebook shows is a file beside it (so generate_assignment releases it),
and the scripts in autograder/figures/ still draw each of them from the notebook's own code."""
import importlib.util
import re

import matplotlib
import nbformat
import pytest

from nbgrader_course import ASSIGNMENTS, COURSE

FIGURES = COURSE / "figures"
DRAWN_FROM_THE_NOTEBOOK = sorted(path.stem for path in FIGURES.glob("*.py")
                                 if path.stem in ASSIGNMENTS and "def draw(" in path.read_text())


def shown(assignment):
    """The image files the notebook's markdown shows."""
    nb = nbformat.read(COURSE / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    return {name for cell in nb.cells if cell.cell_type == "markdown"
            for name in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", cell.source)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_figure_a_notebook_shows_is_beside_it(assignment):
    figures = shown(assignment)
    assert figures, f"{assignment} shows no figure"
    for name in figures:
        assert (COURSE / "source" / assignment / name).is_file(), name


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("assignment", DRAWN_FROM_THE_NOTEBOOK)
def test_the_figure_script_draws_every_figure_from_the_notebooks_code(assignment, tmp_path, capsys):
    assert len(DRAWN_FROM_THE_NOTEBOOK) >= 3
    matplotlib.use("Agg")
    draw = load(FIGURES / "draw.py", "draw_figures")
    written = load(FIGURES / f"{assignment}.py", f"figures_{assignment}").draw(draw.notebook_code(assignment), tmp_path)
    assert set(written) == shown(assignment)
    for name in written:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
