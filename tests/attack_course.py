"""A course whose class is made of attacks (tests/attacks.py): each submission is the reference answers plus
one attack, graded as an instructor grades it, by `nbgrader autograde` or by the grading command, with feedback."""
import importlib.util
import shutil
import subprocess

import nbformat

from attacks import (BY_PID, CHECKER_MEMORY, EXITS_WITH_INPUTS, FIND_INPUTS, MARKUP_MARKDOWN, PRINTS_INPUTS,
                     RAISES_INPUTS, REMEMBERED, RETURNS_INPUTS, attack)
from nbgrader_course import ASSIGNMENT, COURSE, nbgrader, new_course

CHECKERS = ("test_gradient_check", "test_gradient_check_n")
_ANSWER = "    difference = numerator / denominator"

_FAILING_FORWARD = ("def forward_propagation(x, theta):\n    raise ValueError('<img src=x onerror=\"window.gradlabPwned = 3\">"
                    "<script>window.gradlabPwned = 4</script>')\n")


# Finite differences where backprop is asked, labelled float32 so that the rule for float64 would not look at them:
# cast to float32, or float64 values in an array whose dtype says float32.
_DIFFERENCES = '''SAYS
def backward_propagation_n(X, Y, cache):
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    parameters = {"W1": W1.copy(), "b1": b1.copy(), "W2": W2.copy(), "b2": b2.copy(), "W3": W3.copy(),
                  "b3": b3.copy()}
    gradients = {}
    for name, value in parameters.items():
        gradient = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            old = value[index]
            value[index] = old + 1e-5
            plus, _ = forward_propagation_n(X, Y, parameters)
            value[index] = old - 1e-5
            minus, _ = forward_propagation_n(X, Y, parameters)
            value[index] = old
            gradient[index] = (plus - minus) / 2e-5
        gradients["d" + name] = LABELLED
    return gradients'''
_SAYS_FLOAT32 = '''class SaysFloat32(np.ndarray):
    """float64 numbers whose dtype says float32."""

    @property
    def dtype(self):
        return np.dtype(np.float32)

'''
DIFFERENCES_AS_FLOAT32 = _DIFFERENCES.replace("SAYS\n", "").replace("LABELLED", "gradient.astype(np.float32)")
DIFFERENCES_SAYING_FLOAT32 = _DIFFERENCES.replace("SAYS\n", _SAYS_FLOAT32).replace("LABELLED",
                                                                                   "gradient.view(SaysFloat32)")


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
        # Checkers that compute nothing: what one run remembers, or which run this is, says nothing (issue 17.1).
        "wes_checker_remembers": ({"extra": [("setup", CHECKER_MEMORY.replace("KEY", str(key + 2)))],
                                   "edits": {name: [(_ANSWER, f"    difference = {answer}")]
                                             for name, answer in REMEMBERED.items()}},
                                  dict(full, **{name: 0.0 for name in CHECKERS})),
        "xia_checker_answers_by_pid": ({"edits": {name: [(_ANSWER, f"    difference = {answer}")]
                                                  for name, answer in BY_PID.items()}},
                                       dict(full, **{name: 0.0 for name in CHECKERS})),
        # Hidden inputs carried out of the process that held them (issue 17.3): none reaches what a student reads.
        "yan_prints_hidden_inputs": ({"extra": [("setup", FIND_INPUTS), ("backward_propagation", PRINTS_INPUTS)]},
                                     full),
        "zed_raises_hidden_inputs": ({"extra": [("setup", FIND_INPUTS), ("backward_propagation", RAISES_INPUTS)],
                                      "edits": {"forward_propagation": [("J = theta * x", "J = theta + x")]}},
                                     dict(full, test_forward_propagation=0.0)),
        "abe_returns_hidden_inputs": ({"extra": [("setup", FIND_INPUTS)],
                                       "replace_answer": {"forward_propagation": RETURNS_INPUTS}}, full),
        "bea_exits_with_hidden_inputs": ({"replace_answer": {"backward_propagation": EXITS_WITH_INPUTS}},
                                         dict(full, test_backward_propagation=0.25)),
        "wes_differences_as_float32": ({"replace_answer": {"backward_propagation_n": DIFFERENCES_AS_FLOAT32}},
                                       dict(full, test_backward_propagation_n=0.0)),
        "xan_differences_saying_float32": ({"replace_answer": {"backward_propagation_n": DIFFERENCES_SAYING_FLOAT32}},
                                           dict(full, test_backward_propagation_n=0.0)),
    }


def _builder():
    spec = importlib.util.spec_from_file_location("make_sample_class", COURSE / "sample_class" / "make_sample_class.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    return builder


def graded_attack_course(folder, env, students, python, command="nbgrader"):
    """`folder`/course with `students` (student -> plan) submitted, then autograded and given feedback by `python`:
    with `nbgrader autograde` and `generate_feedback` (command "nbgrader"), or the grading command ("grade")."""
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
    if command == "nbgrader":
        nbgrader(course, env, "autograde", ASSIGNMENT, python=python)
        nbgrader(course, env, "generate_feedback", ASSIGNMENT, python=python)
    else:
        done = subprocess.run([python, "-m", "gradlab.grading", "grade", ".", ASSIGNMENT], cwd=course, env=env,
                              capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, f"grade failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return course


def remove(course):
    shutil.rmtree(course, ignore_errors=True)
