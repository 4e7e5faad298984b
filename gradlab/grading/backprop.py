"""backward_propagation_n, scored per parameter with gradlab against the grader's own cost.

The student's backward pass gets the grader's cache (from gradlab.course.forward_propagation_n) and its
gradients are checked against centred differences of the grader's cost, so editing the forward pass changes
nothing. A parameter earns its share of the points when its gradient is usable and passes on the course's test
case and on every hidden network; the reason it failed comes from gradlab's diagnoses.
"""
from __future__ import annotations

from .. import course
from ..check import gradient_check
from .cases import PARAMETERS
from .result import ExerciseResult
from .returned import outcome, read
from .scoring import failure_label, failure_words

_SILENT_KINDS = ("kink", "precision")  # facts about the check, not reasons a gradient is wrong


def check_case(returned, arrays, X, Y, parameters):
    """name -> (passed, reason, label, remark) for one network, from the child's returned dict."""
    if "value" in returned:  # the child found no dict to look into
        kind = returned["value"].get("type", "something else") if isinstance(returned["value"], dict) else "?"
        reason = f"backward_propagation_n returned {kind!s:.80}, not a dictionary of gradients"
        return {name: (False, reason, "backward_propagation_n: not a dict", "") for name in PARAMETERS}
    found, usable = {}, {}
    for name in PARAMETERS:
        key = "d" + name
        value = read(returned.get(key), arrays, key, shape=parameters[name].shape)
        if value.usable:
            usable[name] = value
        else:
            found[name] = (False, value.problem, f"{key} {_problem_label(value.problem)}", "")
    if usable:
        fixed = {name: parameters[name] for name in PARAMETERS if name not in usable}
        report = gradient_check(lambda p: course.forward_propagation_n(X, Y, {**fixed, **p})[0],
                                {name: parameters[name] for name in usable},
                                {"d" + name: value.array for name, value in usable.items()},
                                examples=X.shape[1])
        for name, value in usable.items():
            if name in report.failing:
                reason, label = _diagnosis(report, name, X.shape[1])
                found[name] = (False, reason, label, value.remark)
            else:
                found[name] = (True, "", "", value.remark)
    return found


def _diagnosis(report, name, examples):
    for diagnosis in report.diagnoses:
        if diagnosis.kind not in _SILENT_KINDS and name in diagnosis.parameters:
            return diagnosis.message, _label(diagnosis, name, examples)
    return (f"d{name} disagrees with the numerical gradient (difference {report.per_parameter[name]:.2g})",
            f"d{name} wrong")


def _label(diagnosis, name, examples):
    """A short name for the class report, the same for every student with the same bug."""
    if diagnosis.kind == "scale":
        if examples > 1 and abs(diagnosis.factor - examples) < 1e-2 * examples:
            return f"d{name} without 1/m"
        return f"d{name} scaled x{diagnosis.factor:.3g}"
    if diagnosis.kind == "sign":
        return "gradients with the wrong sign"
    if diagnosis.kind == "layer":
        return f"layer {diagnosis.layer} backward step"
    if diagnosis.kind == "regularization":
        return "L2 term"
    return f"d{name} wrong"


def _problem_label(problem):
    for words, label in (("missing", "missing"), ("shape", "wrong shape"), ("NaN", "NaN or inf")):
        if words in problem:
            return label
    return "not an array"


def score_backprop(exercise, grade_id, points, cases, run):
    per_parameter = {name: [] for name in PARAMETERS}  # one (visible, passed, reason, label, remark) per case
    for case, record, arrays in zip(cases, run.records, run.arrays):
        out = outcome(record)
        if out.status == "returned":
            X, Y, parameters = case.expected
            for name, (passed, reason, label, remark) in check_case(out.returned, arrays, X, Y, parameters).items():
                per_parameter[name].append((case.visible, passed, reason, label, remark))
        else:
            words, label = failure_words(out, run, exercise, case.visible), f"{exercise}: {failure_label(out, run)}"
            for name in PARAMETERS:
                per_parameter[name].append((case.visible, False, words, label, ""))
    right = [name for name in PARAMETERS if all(entry[1] for entry in per_parameter[name])]
    marks = ", ".join(f"{name} {'ok' if name in right else 'WRONG'}" for name in PARAMETERS)
    summary = f"{len(right)} of {len(PARAMETERS)} gradients are right: {marks}."
    details, labels, remarks = [], set(), set()
    for name in PARAMETERS:
        remarks.update(entry[4] for entry in per_parameter[name] if entry[4])
        if name in right:
            continue
        visible_failures = [entry for entry in per_parameter[name] if entry[0] and not entry[1]]
        first = (visible_failures or [entry for entry in per_parameter[name] if not entry[1]])[0]
        where = "" if visible_failures else "right on the course's test case, but on a network you have not seen: "
        details.append((f"d{name}", f"{where}{first[2]}"))
        labels.add(first[3])
    return ExerciseResult(exercise, grade_id, points, points * len(right) / len(PARAMETERS), summary,
                          _merge_repeats(details) + sorted(remarks), sorted(labels))


def _merge_repeats(details):
    """[(gradient, reason)] -> lines; several gradients failing for one reason (a crash, one diagnosis for a
    layer) are said once, and a reason that already names its gradient is not prefixed with it."""
    by_reason = {}
    for name, reason in details:
        by_reason.setdefault(reason, []).append(name)
    return [reason if names == [reason.split(" ", 1)[0]] else f"{', '.join(names)}: {reason}"
            for reason, names in by_reason.items()]
