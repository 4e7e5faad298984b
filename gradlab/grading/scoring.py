"""Scores for the exercises that return one number: a value (forward_propagation, backward_propagation) or a
gradient check's difference (gradient_check, gradient_check_n); and the words for calls that went wrong.

A check is scored on telling right backward passes from wrong ones, by the course's threshold: the score is
points x the weaker of (share of right ones it passes, share of wrong ones it flags), so a function that
returns a constant scores 0 whichever constant it is.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from .cases import THRESHOLD
from .result import ExerciseResult
from .returned import outcome, read

_WHAT_FAILED = {"timeout": "timed out", "skipped": "timed out", "missing": "not defined", "lost": "no result",
                "raised": "raised an error"}


def failure_words(out, run, exercise, visible):
    """Why a call gave nothing to score. Hidden cases get the kind of failure only, never a message."""
    if out.status == "raised":
        return f"raised {out.error}: {out.message}" if visible and out.message else f"raised {out.error}"
    if out.status == "timeout":
        return "did not return in time (an endless loop?)"
    if out.status == "skipped":
        return "not tried, after an earlier call did not return in time"
    if out.status == "missing":
        return f"{exercise} is not defined (or is not a function) after your cells ran"
    return f"gave no result: the run {run.ending}" if run.ending else "gave no result"


def failure_label(out, run):
    if out.status == "lost" and run.ending:
        return "timed out" if "did not finish" in run.ending else "crashed"
    return _WHAT_FAILED.get(out.status, "no result")


def summarise(problems, total):
    """[(where, what)] -> lines: one per distinct sentence, or one line when every case failed alike."""
    if len(problems) == total > 1 and len({what for _, what in problems}) == 1:
        return [f"every case: {problems[0][1]}"]
    counts = Counter(f"{where}: {what}" for where, what in problems)
    return [f"{text} ({n} cases)" if n > 1 else text for text, n in counts.items()]


def _returned_number(record, arrays, run, exercise, visible):
    """(value or None, sentence when None, label when None, remark)."""
    out = outcome(record)
    if out.status != "returned":
        return None, failure_words(out, run, exercise, visible), failure_label(out, run), ""
    value = read(out.returned.get("value"), arrays, "the returned value", shape=())
    if not value.usable:
        return None, value.problem, "unusable value", ""
    return float(value.array), "", "", value.remark


def score_values(exercise, grade_id, points, cases, run):
    """Points x the share of cases where the function returned the expected value."""
    right, problems, labels, remarks = 0, [], [], []
    for case, record, arrays in zip(cases, run.records, run.arrays):
        value, problem, label, remark = _returned_number(record, arrays, run, exercise, case.visible)
        where = f"at x = {case.call['x']:g}, theta = {case.call['theta']:g}" if case.visible else "in a hidden case"
        remarks += [remark] if remark else []
        if value is not None and np.isclose(value, case.expected, rtol=1e-9, atol=1e-12):
            right += 1
            continue
        if value is not None:
            problem = f"returned {value:g}, expected {case.expected:g}" if case.visible else "returned a wrong value"
            label = "wrong value"
        problems.append((where, problem))
        labels.append(f"{exercise}: {label}")
    n = len(cases)
    summary = f"Right in all {n} cases checked." if right == n else f"Right in {right} of {n} cases checked."
    return ExerciseResult(exercise, grade_id, points, points * right / n, summary,
                          summarise(problems, n) + sorted(set(remarks)), sorted(set(labels)))


def score_check(exercise, grade_id, points, cases, run):
    """Points x min(share of right backprops it passes, share of wrong ones it flags)."""
    passed = flagged = 0
    problems, labels, remarks = [], [], []
    for case, record, arrays in zip(cases, run.records, run.arrays):
        value, problem, label, remark = _returned_number(record, arrays, run, exercise, case.visible)
        remarks += [remark] if remark else []
        if value is not None and value < 0:
            value, problem, label = None, "returned a negative difference", "unusable value"
        if value is not None:
            says_bug = value > THRESHOLD
            if says_bug == case.expected:
                passed += not case.expected
                flagged += case.expected
                continue
            problem = _wrong_verdict(case, value)
            label = "misses bugs" if case.expected else "flags right backprops"
        problems.append((_check_case_words(exercise, case), problem))
        labels.append(f"{exercise}: {label}")
    right_total = sum(1 for case in cases if not case.expected)
    wrong_total = len(cases) - right_total
    share = min(passed / right_total, flagged / wrong_total)
    summary = (f"It passed {passed} of {right_total} right backward passes and flagged {flagged} of {wrong_total} "
               "wrong ones (the score follows the weaker of the two).")
    return ExerciseResult(exercise, grade_id, points, points * share, summary,
                          summarise(problems, len(cases)) + sorted(set(remarks)), sorted(set(labels)))


def _wrong_verdict(case, value):
    if not case.visible:
        return "it said there is no mistake" if case.expected else "it said there is a mistake"
    verdict = "no mistake" if value <= THRESHOLD else "a mistake"
    return f"returned {value:.3g}, which says {verdict} (threshold {THRESHOLD:g})"


def _check_case_words(exercise, case):
    if not case.visible:
        return f"a hidden {'wrong' if case.expected else 'right'} backward pass"
    if exercise == "gradient_check":
        right = "the right backward pass" if not case.expected else "a backward pass that returns 2 * x"
        return f"{right} at x = {case.call['x']:g}, theta = {case.call['theta']:g}"
    return ("the course's test case with the course's two bugs (dW2 x 2, db1 with 4./m)" if case.expected
            else "the course's test case with the right gradients")
