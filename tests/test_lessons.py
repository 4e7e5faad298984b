"""The lessons: stored without outputs, and each runs top to bottom in a fresh kernel, clean and quick."""
import ast
import os
import re
from pathlib import Path

import pytest

# Jupyter warns that its paths move to platformdirs unless this is set; with warnings as errors that would
# fail the tests. The kernels inherit it from here.
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

import matplotlib.font_manager  # noqa: E402,F401  (builds matplotlib's font cache here, not in a kernel's stderr)
import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

LESSONS = Path(__file__).resolve().parents[1] / "lessons"
NOTEBOOKS = sorted(LESSONS.glob("*.ipynb"))
SECONDS = 60
# functions a lesson may define: the example function of lesson 1; anything else belongs in gradlab
ALLOWED_DEFINITIONS = {"f"}
BROWSER_WIDGETS = {"01_numerical_approximation.ipynb": [("FloatLogSliderModel", "epsilon")],
                   "03_gradient_checking.ipynb": [("ButtonModel", "Run check")]}


def read(path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_five_numbered_lessons():
    assert [p.name for p in NOTEBOOKS] == [
        "01_numerical_approximation.ipynb", "02_parameters_as_one_vector.ipynb", "03_gradient_checking.ipynb",
        "04_practical_tips.ipynb", "05_find_the_bug.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lesson_is_stored_without_outputs(path):
    nb = read(path)
    nbformat.validate(nb)
    for cell in code_cells(nb):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert "widgets" not in nb.metadata  # no stored widget state either
    assert nb.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lesson_teaches_and_ends_with_a_self_check(path):
    nb = read(path)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# Lesson")
    assert "lesson_quiz(" in nb.cells[-1].source and nb.cells[-1].cell_type == "code"
    for cell in code_cells(nb):
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert node.name in ALLOWED_DEFINITIONS, f"{path.name} defines {node.name}: put it in gradlab"


def test_the_browser_tests_find_their_widgets():
    def source(name):
        return "".join(cell.source for cell in code_cells(read(LESSONS / name)))

    assert "EpsilonExplorer(" in source("01_numerical_approximation.ipynb")
    # the browser tests compare lesson 3's panel with this very check (tests/browser/test_browser_lessons.py)
    panel = re.search(r"CheckPanel\((.*?)\)\n", source("03_gradient_checking.ipynb"), re.S).group(1)
    assert re.sub(r"\s+", "", panel).startswith(
        "forward=course.forward_propagation_n,backward=course.buggy_backward_propagation_n,X=X,Y=Y,"
        "parameters=parameters,"), panel


@pytest.fixture(scope="module")
def jupyter_dirs(tmp_path_factory):
    """Private IPython and Jupyter directories, so that no kernel reads or writes the user's."""
    root = tmp_path_factory.mktemp("jupyter")
    names = {"IPYTHONDIR": "ipython", "JUPYTER_RUNTIME_DIR": "runtime", "JUPYTER_DATA_DIR": "data",
             "JUPYTER_CONFIG_DIR": "config"}
    saved = {name: os.environ.get(name) for name in names}
    for name, folder in names.items():
        os.environ[name] = str(root / folder)
    yield root
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lesson_runs_clean_in_a_fresh_kernel(path, jupyter_dirs):
    nb = read(path)
    # the timeout only stops a hung cell; how long each lesson takes is measured in benchmarks/lessons.py
    NotebookClient(nb, timeout=SECONDS, kernel_name="python3",
                   resources={"metadata": {"path": str(LESSONS)}}).execute()
    problems = []
    for cell in code_cells(nb):
        for output in cell.outputs:
            if output.output_type == "error":
                problems.append(f"{output.ename}: {output.evalue} in\n{cell.source[:200]}")
            elif output.output_type == "stream" and output.name == "stderr":
                problems.append(f"stderr: {output.text[:500]} in\n{cell.source[:200]}")
    assert not problems, "\n\n".join(problems)
    # every widget rendered its own content in the kernel: no gradlab widget reports an error
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    errors = [model["state"].get("value") for model in state.values()
              if "gradlab-error" in model["state"].get("_dom_classes", ()) and model["state"].get("value")]
    assert not errors, errors
    # what the browser tests rely on: lesson 1 has a FloatLogSlider "epsilon", lesson 3 a button "Run check"
    for model_name, description in BROWSER_WIDGETS.get(path.name, ()):
        assert description in [m["state"].get("description") for m in state.values()
                               if m["model_name"] == model_name], (model_name, description)


def test_no_quiz_answer_or_explanation_is_in_a_lessons_source():
    """A cell shows its source in JupyterLab and Notebook 7: questions live in gradlab.widgets.quiz_bank."""
    from gradlab.widgets.quiz_bank import QUESTIONS

    for path in NOTEBOOKS:
        text = "".join(cell.source for cell in read(path).cells)
        assert "answer=" not in text and "explanation=" not in text, path.name
        for question in QUESTIONS[int(path.name[:2])]:
            assert question.explanation not in text and question.prompt not in text, path.name
