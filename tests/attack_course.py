"""A course whose class is made of attacks (tests/attacks.py): each submission is the reference answers plus
one attack, graded by `nbgrader autograde` as an instructor runs it, with feedback generated."""
import importlib.util
import shutil

import nbformat

from attacks import MARKUP_MARKDOWN, attack
from nbgrader_course import ASSIGNMENT, COURSE, nbgrader, new_course

_FAILING_FORWARD = ("def forward_propagation(x, theta):\n    raise ValueError('<img src=x onerror=\"window.gradlabPwned = 3\">"
                    "<script>window.gradlabPwned = 4</script>')\n")


def plans(marker, key):
    """student -> (what the builder changes, {exercise: score}) for a sound grader."""
    full = {"test_forward_propagation": 1.0, "test_backward_propagation": 1.0, "test_gradient_check": 2.0,
            "test_backward_propagation_n": 6.0, "test_gradient_check_n": 4.0}
    return {
        "quinn_markup": ({"replace": {"forward_propagation": _FAILING_FORWARD}, "markdown": MARKUP_MARKDOWN},
                         dict(full, test_forward_propagation=0.0)),
        "rosa_blank_lines": ({"extra": [("setup", attack("blank_lines"))]}, full),
        "sam_fifo": ({"extra": [("setup", attack("fifo_result"))]}, {name: 0.0 for name in full}),
        "tia_double_fork": ({"extra": [("setup", attack("double_fork", marker))]}, full),
        "uma_imports_reference": ({"replace": {"backward_propagation_n": attack("import_reference")}},
                                  dict(full, test_backward_propagation_n=0.0)),
        "vic_leaves_ipc_and_keys": ({"extra": [("setup", attack("shared_memory", key=key) + "\n"
                                                + attack("keyring", marker + "k"))]}, full),
    }


def _builder():
    spec = importlib.util.spec_from_file_location("make_sample_class", COURSE / "sample_class" / "make_sample_class.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    return builder


def graded_attack_course(folder, env, students):
    """`folder`/course with `students` (student -> plan) submitted, autograded and given feedback."""
    course = new_course(folder / "course", env)
    builder = _builder()
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    answers = builder.reference_answers(ASSIGNMENT)
    for student, plan in students.items():
        nb = builder.submission(release, answers, plan)
        if "markdown" in plan:
            nb.cells.insert(1, nbformat.v4.new_markdown_cell(plan["markdown"], id="student-notes"))
        place = course / "submitted" / student / ASSIGNMENT
        place.mkdir(parents=True)
        nbformat.write(nb, place / f"{ASSIGNMENT}.ipynb")
    nbgrader(course, env, "autograde", ASSIGNMENT)
    nbgrader(course, env, "generate_feedback", ASSIGNMENT)
    return course


def remove(course):
    shutil.rmtree(course, ignore_errors=True)
