"""The shipped course with two more assignments (tests/courses/layers: a conv layer's backward and an RNN step's), and
the class of tests/differences_class.py submitted to it: graded as an instructor grades, by `nbgrader autograde`
(then `generate_feedback`) or by the grading command."""
import importlib.util
import shutil
import sys
from pathlib import Path

import nbformat

from differences_class import plans
from gradlab.grading.course.files import copy_course
from nbgrader_course import COURSE, nbgrader

LAYERS = Path(__file__).resolve().parent / "courses" / "layers"
ASSIGNMENTS = ("batch_normalization", "conv_layer", "gradient_checking", "planar_classifier", "rnn_step",
               "softmax_regression")
# Differences through a forward pass in Python loops take seconds on a loaded machine: limits that leave them room.
LIMITS = "grade_with_gradlab(c, wall_seconds=600, cell_seconds=30, call_seconds=60)"


def _builder():
    spec = importlib.util.spec_from_file_location("make_sample_class", COURSE / "sample_class" / "make_sample_class.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    return builder


def new_layers_course(course, env):
    """The shipped course and the two layer assignments at `course`, every assignment generated."""
    copy_course(COURSE, course)
    for part in ("exercises", "source"):
        shutil.copytree(LAYERS / part, course / part, dirs_exist_ok=True)
    with open(course / "nbgrader_config.py", "a") as handle:
        handle.write("\n" + LIMITS + "\n")
    for assignment in ASSIGNMENTS:
        nbgrader(course, env, "generate_assignment", assignment)
    return course


def full_scores(course, assignment):
    """test cell -> points, for the reference answers."""
    source = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    return {cell.metadata.nbgrader["grade_id"]: float(cell.metadata.nbgrader["points"]) for cell in source.cells
            if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"}


def class_of(course, assignment):
    """student -> (notebook, expected scores) for `assignment` in `course` (generated)."""
    builder = _builder()
    release = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = _answers(course, assignment)
    return {student: (builder.submission(release, answers, plan), expected)
            for student, (plan, expected) in plans(assignment, full_scores(course, assignment)).items()}


def _answers(course, assignment):
    """grade_id -> the source notebook's answer, without its solution markers (as make_sample_class.py reads it)."""
    source = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = "\n".join(line for line in cell.source.splitlines()
                                                  if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
    return answers


def submit(course, assignment, students, folder=None):
    """Write each student's notebook: into the course's submitted/ (folder None), or as FOLDER/STUDENT.ipynb."""
    for student, (nb, _) in students.items():
        if folder is None:
            place = course / "submitted" / student / assignment
            place.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, place / f"{assignment}.ipynb")
        else:
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / f"{student}.ipynb")


def autograde(course, env, assignment):
    """The assignment's class submitted, then `nbgrader autograde` and `generate_feedback`; student -> expected."""
    students = class_of(course, assignment)
    submit(course, assignment, students)
    nbgrader(course, env, "autograde", assignment)
    nbgrader(course, env, "generate_feedback", assignment)
    return {student: expected for student, (_, expected) in students.items()}


def grade_command(course, env, assignment, folder):
    """The same class graded by `python -m gradlab.grading grade` from a folder of notebooks; its output."""
    import subprocess

    students = class_of(course, assignment)
    submit(course, assignment, students, folder)
    done = subprocess.run([sys.executable, "-m", "gradlab.grading", "grade", str(course), assignment, str(folder),
                           "--workers", "2"], cwd=course, env=env, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, f"grading failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return {student: expected for student, (_, expected) in students.items()}
