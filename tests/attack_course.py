"""A course whose class is made of attacks (tests/attacks.py): each submission is the reference answers plus
one attack, graded by `nbgrader autograde` as an instructor runs it, with feedback generated."""
import importlib.util
import shutil
import subprocess
import sys

import nbformat

from attacks import MARKUP_MARKDOWN, attack
from nbgrader_course import ASSIGNMENT, COURSE, nbgrader, new_course

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


def graded_attack_course(folder, env, students, command=False):
    """`folder`/course with `students` (student -> plan) submitted, autograded and given feedback: by `nbgrader
    autograde` and `generate_feedback`, or with `command` by the grading command."""
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
    if command:
        done = subprocess.run([sys.executable, "-m", "gradlab.grading", "grade", str(course), ASSIGNMENT, "--workers",
                               "2"], cwd=course, env=env, capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, f"grading failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return course
    nbgrader(course, env, "autograde", ASSIGNMENT)
    nbgrader(course, env, "generate_feedback", ASSIGNMENT)
    return course


def remove(course):
    shutil.rmtree(course, ignore_errors=True)
