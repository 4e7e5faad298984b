"""Draw an assignment's figures into source/ASSIGNMENT/, where generate_assignment releases them with the notebook.

    .venv/bin/python autograder/figures/draw.py ASSIGNMENT

The source notebook's own code (the given cells and the reference answers, not the test cells) runs first, so that
every figure shows what the notebook computes; then figures/ASSIGNMENT.py's draw(code, folder) saves its PNGs.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import matplotlib
import nbformat

HERE = Path(__file__).resolve().parent
COURSE = HERE.parent


def notebook_code(assignment):
    """The namespace the source notebook's code cells leave behind (test cells left out)."""
    nb = nbformat.read(COURSE / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    namespace = {"__name__": "__main__"}
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("grade"):
            exec(compile(cell.source, cell.metadata.get("nbgrader", {}).get("grade_id", "cell"), "exec"), namespace)
    return namespace


def main(assignment):
    matplotlib.use("Agg")  # files only, whatever the machine's display
    spec = importlib.util.spec_from_file_location(f"figures_{assignment}", HERE / f"{assignment}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = COURSE / "source" / assignment
    for name in module.draw(notebook_code(assignment), folder):
        print(f"wrote {folder / name}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: draw.py ASSIGNMENT")
    main(sys.argv[1])
