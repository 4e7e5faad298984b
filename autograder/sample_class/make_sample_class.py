"""Rebuild a sample class: one submission per student, each the released notebook with the answers filled in.

    .venv/bin/python autograder/sample_class/make_sample_class.py ASSIGNMENT

Every submission starts from the reference answers in source/ASSIGNMENT/ and changes them the way a real student
would get them wrong (or cheat): sample_class/ASSIGNMENT/students.py says how, and expected_scores.csv beside it
says what each deserves. The released notebook comes from a real `nbgrader generate_assignment`, so metadata and
checksums are nbgrader's.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from gradlab.grading.course.files import copy_course
from gradlab.grading.course.nbgrader_calls import isolated_environment

HERE = Path(__file__).resolve().parent
COURSE = HERE.parent


def students(assignment):
    """The assignment's plans: student -> how their submission differs from the reference answers."""
    path = HERE / assignment / "students.py"
    spec = importlib.util.spec_from_file_location(f"students_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STUDENTS


def released_notebook(assignment):
    """The student version, from nbgrader generate_assignment run on a copy of the course."""
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        copy_course(COURSE, course)
        env = isolated_environment(tmp)
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"],
                       cwd=course, env=env, check=True, capture_output=True)
        return nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)


def reference_answers(assignment):
    """grade_id -> the source notebook's answer, with the solution markers taken out."""
    source = nbformat.read(COURSE / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [line for line in cell.source.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def submission(release, answers, plan):
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if grade_id in answers:
            source = plan.get("replace_answer", {}).get(grade_id, answers[grade_id])
            for old, new in plan.get("edits", {}).get(grade_id, []):
                if old not in source:
                    raise ValueError(f"{old!r} is not in the answer {grade_id!r}")
                source = source.replace(old, new, 1)
            cell.source = source
        if grade_id in plan.get("replace", {}):
            cell.source = plan["replace"][grade_id]
    nb.cells = [cell for cell in nb.cells if _grade_id(cell) not in plan.get("delete", [])]
    for after, source in plan.get("extra", []):
        position = next(k for k, cell in enumerate(nb.cells) if _grade_id(cell) == after)
        nb.cells.insert(position + 1, nbformat.v4.new_code_cell(source, id=f"extra-{position}"))
    for after, source, claim in plan.get("forged", []):
        # A cell with nbgrader metadata the student wrote: a pasted copy of a test cell, or a made-up one.
        position = next(k for k, cell in enumerate(nb.cells) if _grade_id(cell) == after)
        metadata = {"nbgrader": dict(claim, schema_version=3, solution=False, task=False)}
        nb.cells.insert(position + 1, nbformat.v4.new_code_cell(source, id=f"forged-{position}", metadata=metadata))
    return nb


def main(assignment):
    release, answers = released_notebook(assignment), reference_answers(assignment)
    plans = students(assignment)
    for student, plan in plans.items():
        nbformat.write(submission(release, answers, plan), HERE / assignment / f"{student}.ipynb")
    print(f"wrote {len(plans)} submissions to {HERE / assignment}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_sample_class.py ASSIGNMENT")
    main(sys.argv[1])
