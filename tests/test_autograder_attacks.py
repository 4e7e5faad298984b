"""Attacks graded as an instructor grades them (`nbgrader autograde`, `generate_feedback`): each submission is the
reference answers plus one attack; each gets the score a sound grader gives, and the host is left as it was."""
import html
import platform
import re
import secrets

import pytest

from attack_course import graded_attack_course, plans
from gradlab.grading.gradebook.scores import read_scores
from gradlab.grading.course.nbgrader_calls import isolated_environment
from host_state import keys_named, processes_named, shared_memory_with_key
from nbgrader_course import ASSIGNMENT, COURSE_ID
from protections import assert_protected

MARKER = "glatk-" + secrets.token_hex(4)
KEY = 0x67100000 + secrets.randbelow(2 ** 20) * 4
PLANS = plans(MARKER, KEY)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    env = isolated_environment(str(tmp_path_factory.mktemp("jupyter")))
    return graded_attack_course(tmp_path_factory.mktemp("attacks"), env, {s: p for s, (p, _) in PLANS.items()})


@pytest.fixture(scope="module")
def graded_by_the_command(tmp_path_factory):
    env = isolated_environment(str(tmp_path_factory.mktemp("jupyter")))
    return graded_attack_course(tmp_path_factory.mktemp("attacks-command"), env,
                                {s: p for s, (p, _) in PLANS.items()}, command=True)


def feedback(course, student):
    return (course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def test_every_attack_gets_the_score_a_sound_grader_gives(graded):
    scores = read_scores(f"sqlite:///{graded}/gradebook.db", ASSIGNMENT, COURSE_ID)[0]
    assert scores == {student: expected for student, (_, expected) in PLANS.items()}
    # In nbgrader autograde, every layer this machine offers; sam's FIFO breaks every run's result protocol.
    assert_protected(graded, ASSIGNMENT, PLANS, discarded=["sam_fifo"])


def test_the_grading_command_gives_every_attack_the_same_score(graded_by_the_command):
    scores = read_scores(f"sqlite:///{graded_by_the_command}/gradebook.db", ASSIGNMENT, COURSE_ID)[0]
    assert scores == {student: expected for student, (_, expected) in PLANS.items()}


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
