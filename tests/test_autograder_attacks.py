"""Attacks graded as an instructor grades them, with gradlab installed the regular way: by `nbgrader autograde` and
`generate_feedback`, and by the grading command. Each submission is the reference answers plus one attack; each gets
the score a sound grader gives, nothing a student reads holds a hidden input, and the host is left as it was."""
import html
import json
import platform
import re
import secrets

import nbformat
import numpy as np
import pytest

from attack_course import graded_attack_course, plans
from gradlab.grading.declare import declarations
from gradlab.grading.judging.grader import cases_of
from gradlab.grading.judging.notebook import autograder_tests, hidden_cases
from gradlab.grading.gradebook.scores import read_scores
from gradlab.grading.course.nbgrader_calls import isolated_environment
from host_state import keys_named, processes_named, shared_memory_with_key
from nbgrader_course import ASSIGNMENT, COURSE, COURSE_ID, feedback_text
from regular_install import regular_python
from protections import assert_protected

MARKER = "glatk-" + secrets.token_hex(4)
KEY = 0x67100000 + secrets.randbelow(2 ** 20) * 4
PLANS = plans(MARKER, KEY)


@pytest.fixture(scope="module", params=["nbgrader", "grade"], ids=["nbgrader-autograde", "grading-command"])
def graded(request, tmp_path_factory):
    env = isolated_environment(str(tmp_path_factory.mktemp("jupyter")))
    python = regular_python(tmp_path_factory.mktemp("regular"))
    return graded_attack_course(tmp_path_factory.mktemp("attacks"), env, {s: p for s, (p, _) in PLANS.items()},
                                python, request.param)


def feedback(course, student):
    return (course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def test_every_attack_gets_the_score_a_sound_grader_gives(graded):
    scores = read_scores(f"sqlite:///{graded}/gradebook.db", ASSIGNMENT, COURSE_ID)[0]
    assert scores == {student: expected for student, (_, expected) in PLANS.items()}
    # Through nbgrader autograde and the grading command, every layer this machine offers; sam's FIFO breaks every
    # run's result protocol.
    assert_protected(graded, ASSIGNMENT, PLANS, discarded=["sam_fifo"])


def test_differences_labelled_float32_are_told_they_look_like_differences(graded):
    text = " ".join(html.unescape(feedback(graded, "xan_differences_saying_float32")).split())
    assert "dW1, db1, dW2, db2, dW3, db3: each agrees with the exact gradient only as closely as finite differences " \
           "do" in text and "rounded to float32" not in text
    text = " ".join(html.unescape(feedback(graded, "wes_differences_as_float32")).split())
    assert "each is float32: rounded to float32, a gradient is as far from the exact one as finite differences are" \
           in text


def test_a_broken_result_channel_is_explained_in_the_feedback(graded):
    text = " ".join(html.unescape(feedback(graded, "sam_fifo")).split())  # feedback lines are wrapped
    assert "broke the grader's protocol (start.json is a FIFO)" in text


def test_a_cell_of_50000_blank_lines_is_shown_without_highlighting(graded):
    assert "Shown without highlighting" in feedback(graded, "rosa_blank_lines")


def test_markup_reaches_the_feedback_only_as_text(graded):
    page = feedback(graded, "quinn_markup")
    assert "window.gradlabPwned = 1" in html.unescape(page)  # it is there, to be read
    tags = re.findall(r"<[a-zA-Z][^>]*>", page)
    assert not [t for t in tags if "gradlabPwned" in t or re.search(r"\son\w+\s*=", t)]
    assert "<script>window.gradlabPwned" not in page


def test_the_reference_answers_are_refused_with_a_reason(graded):
    assert "may not import gradlab." in html.unescape(feedback(graded, "uma_imports_reference"))


def test_no_process_is_left_behind(graded):
    assert processes_named(MARKER) == []


@pytest.mark.requires("bubblewrap")  # without bubblewrap they outlive the submission
@pytest.mark.skipif(platform.machine() != "x86_64", reason="the attack calls add_key by its x86-64 number")
def test_no_shared_memory_or_key_is_left_behind(graded):
    assert shared_memory_with_key(KEY) == [] and shared_memory_with_key(KEY + 1) == []
    assert keys_named(MARKER + "k") == []


def _values(tree):
    """The numbers of a case's arguments, as the attacks write them: numbers, and arrays by their first three entries."""
    if isinstance(tree, np.ndarray):
        return [[round(float(v), 6) for v in np.ravel(tree)[:3]]]
    if isinstance(tree, dict):
        return [value for item in tree.values() for value in _values(item)]
    if isinstance(tree, (tuple, list)):
        return [value for item in tree for value in _values(item)]
    return [float(tree)] if isinstance(tree, (int, float)) and not isinstance(tree, bool) else []


def hidden_tokens():
    """LEAK<value> for every input of a hidden case that no visible case shares."""
    declared = declarations.load(COURSE, ASSIGNMENT)
    source = nbformat.read(COURSE / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    shown, hidden = [], []
    for cell, grade_id, _ in autograder_tests(source):
        for case in cases_of(declared[grade_id], hidden_cases(cell.source)):
            (shown if case.visible else hidden).extend(_values(case.args))
    tokens = {f"LEAK{value!r}" for value in hidden if value not in shown}
    assert len(tokens) > 20
    return tokens


def readable(course, student):
    """What the student reads: the feedback page's text, and the autograded notebook's outputs."""
    _, text = feedback_text(course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html")
    notebook = nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    outputs = json.dumps([cell.get("outputs", []) for cell in notebook.cells])
    return " ".join(text.split()) + " " + outputs


@pytest.mark.parametrize("student, words", [
    ("yan_prints_hidden_inputs", []), ("zed_raises_hidden_inputs", []),
    ("abe_returns_hidden_inputs", ["expected 8"]),  # the visible case's words, had it returned a hidden x
    ("bea_exits_with_hidden_inputs", ["exit code"]),  # the hidden case's words, had its exit code been told
])
def test_no_hidden_input_reaches_what_a_student_reads(graded, student, words):
    text = readable(graded, student)
    assert not [token for token in hidden_tokens() if token in text]
    assert not [word for word in words if word in text]


def test_the_leaks_were_tried_where_what_a_student_reads_comes_from(graded):
    # The attacks ran where the cells' printed output and errors are taken from, found the job on the stack and
    # carried out what it held: nothing, since that run calls no exercise (judging/grader.py).
    assert "LEAKS[]" in readable(graded, "yan_prints_hidden_inputs")
    assert "raised ValueError: LEAKS[]" in readable(graded, "zed_raises_hidden_inputs")
    assert "ended before it finished (a crash, os._exit, or a limit)" in readable(graded, "bea_exits_with_hidden_inputs")


@pytest.mark.requires("bubblewrap")  # without it, the memory outlives the submission
def test_a_checkers_memory_is_not_left_behind(graded):
    assert shared_memory_with_key(KEY + 2) == []
