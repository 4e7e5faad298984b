"""Credit by output: each declared output earns its share of the test cell's points from its marks over the cases,
and the feedback says which outputs were right and, for the others, why.

A Gradient earns its points when it is right in every case (per_case: a share per case); a Value earns a share per
case (or all-or-nothing); a Verdict earns points x the weaker of (share of bug-free cases it passes, share of buggy
cases it flags). The test cell's points (nbgrader's) are split over the outputs in proportion to their points.
"""
from __future__ import annotations

import re
from collections import Counter

from ..declare import Gradient, Verdict
from .result import ExerciseResult


def score_exercise(exercise, grade_id, points, cases, marks):
    """marks: one {output: Mark} per case, in the order of `cases`."""
    earned, lines, labels, remarks, states = 0.0, [], set(), set(), {}
    for name, output in exercise.outputs.items():
        column = [(case, per_case[name]) for case, per_case in zip(cases, marks)]
        share = _share(output, column)
        earned += float(output.points) * share
        states[name] = _state(output, column, share)
        remarks.update(mark.remark for _, mark in column if mark.remark)
        labels.update(mark.label for _, mark in column if not mark.right and mark.label)
        if share < 1:
            lines += _why(exercise, name, output, [(case, mark) for case, mark in column if not mark.whole])
    total = exercise.points
    score = points * earned / total if total > 0 else 0.0
    whole = [(_where(case), mark.reason) for case, per_case in zip(cases, marks)
             for mark in list(per_case.values())[:1] if mark.whole]  # the call failed: said once, not per output
    details = _summarise(whole, len(cases)) + _merge(lines, list(exercise.outputs))
    return ExerciseResult(exercise.function, grade_id, points, score, _summary(exercise, states, cases, marks),
                          details + sorted(remarks), sorted(labels))


def _share(output, column):
    if isinstance(output, Verdict):
        clean = [(case.weight, mark.right) for case, mark in column if not case.bug]
        buggy = [(case.weight, mark.right) for case, mark in column if case.bug]
        return min(_fraction(clean), _fraction(buggy))
    if not output.per_case:
        return 1.0 if all(mark.right for _, mark in column) else 0.0
    return _fraction([(case.weight, mark.right) for case, mark in column])


def _fraction(pairs):
    total = sum(weight for weight, _ in pairs)
    return sum(weight for weight, right in pairs if right) / total if total > 0 else 1.0


def _state(output, column, share):
    if share >= 1:
        return "ok"
    right = sum(mark.right for _, mark in column)
    if isinstance(output, Verdict) or not output.per_case or right == 0:
        return "WRONG"
    return f"right in {right} of {len(column)} cases"


def _summary(exercise, states, cases, marks):
    if len(states) > 1:
        right = sum(state == "ok" for state in states.values())
        return (f"{right} of {len(states)} outputs are right: "
                + ", ".join(f"{name} {state}" for name, state in states.items()) + ".")
    (name, output), = exercise.outputs.items()
    column = [(case, per_case[name]) for case, per_case in zip(cases, marks)]
    if isinstance(output, Verdict):
        clean = [mark.right for case, mark in column if not case.bug]
        buggy = [mark.right for case, mark in column if case.bug]
        return (f"It passed {sum(clean)} of {len(clean)} cases without a bug and flagged {sum(buggy)} of "
                f"{len(buggy)} cases with one (the score follows the weaker of the two).")
    right = sum(mark.right for _, mark in column)
    return (f"Right in all {len(column)} cases checked." if right == len(column)
            else f"Right in {right} of {len(column)} cases checked.")


def _why(exercise, name, output, column):
    """(output, sentence) pairs that say why an output lost points in `column` (its cases whose call returned); the
    sentence may name the output."""
    failures = [(case, mark) for case, mark in column if not mark.right]
    if not failures:
        return []
    if isinstance(output, Gradient) and not output.per_case:
        if len(failures) == len(column) > 1 and len({mark.reason for _, mark in failures}) == 1:
            return [(name, f"every case: {failures[0][1].reason}")]  # as _summarise says it for the other outputs
        visible = [(case, mark) for case, mark in failures if case.visible]
        case, mark = (visible or failures)[0]
        where = "" if visible else f"right in the case you can run, but not in one you have not seen{_hints(failures)}: "
        return [(name, where + mark.reason)]
    lines = [(_where(case), mark.reason) for case, mark in failures]
    return [(name, line) for line in _summarise(lines, len(column))]


def _where(case):
    if case.visible:
        return case.label or "in the case you can run"
    if case.bug is None:
        return "in a hidden case" + _hints([(case, None)])
    return f"in a hidden case {'with' if case.bug else 'without'} a bug" + _hints([(case, None)])


def _hints(failures):
    """' (hint; another hint)': what the instructor says the failed hidden cases exercise ('' when nothing)."""
    hints = list(dict.fromkeys(case.hint for case, _ in failures if not case.visible and case.hint))
    return f" ({'; '.join(hints)})" if hints else ""


def _summarise(problems, total):
    """[(where, what)] -> lines: one per distinct sentence, or one line when every case failed alike."""
    if len(problems) == total > 1 and len({what for _, what in problems}) == 1:
        return [f"every case: {problems[0][1]}"]
    counts = Counter(f"{where}: {what}" for where, what in problems)
    return [f"{text} ({n} cases)" if n > 1 else text for text, n in counts.items()]


def _merge(lines, names):
    """[(output, sentence)] -> lines. Outputs that failed for the same reason are said once: "dW2, db2: each has the
    wrong sign ..." (the output's own name in the sentence becomes "each" or "it"), and a reason every output shares
    (a wrong return type, a crash) is said without names at all."""
    groups = {}
    for name, text in lines:
        groups.setdefault(_without(text, name), []).append((name, text))
    merged = []
    for generic, members in groups.items():
        if len(members) == 1:
            name, text = members[0]
            merged.append(text if name in text else f"{name}: {text}")
        elif len(members) == len(names) and _TOKEN not in generic:
            merged.append(generic)
        else:
            # the first mention, where a sentence starts, reads "each"; any later one "it"
            first = re.sub(rf"(^|: ){re.escape(_TOKEN)}", r"\1each", generic, count=1)
            merged.append(f"{', '.join(name for name, _ in members)}: {first.replace(_TOKEN, 'it')}")
    return merged


_TOKEN = "\0output\0"


def _without(text, name):
    """The sentence with the output's own name taken out (a placeholder where it was)."""
    return re.sub(rf"(?<![\w.]){re.escape(name)}(?![\w(])", _TOKEN, text)
