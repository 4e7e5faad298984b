"""Judging one call: each declared output of one case, right or wrong, and why, in words a student can act on.

Gradient outputs are checked together with gradlab.gradient_check against centred differences of the exercise's
cost (the grader's own code, at the case's parameters), so the student's forward pass plays no part and the
reason a gradient is wrong comes from gradlab's diagnoses; where the exercise refuses finite differences, a gradient
the check calls right must also be nearer the exact gradient than differences come in that case (differences.py).
Values are compared with the grader's reference; Verdict outputs (a checker's difference) with whether the case
holds a bug.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...check import gradient_check
from ..declare import Gradient, Value
from .differences import looks_like_differences, within_reach_of_differences
from .returned import CONTAINERS, hidden_problem, outcome, read, unpack

_SILENT_KINDS = ("kink", "precision", "unresolved", "training-loop")  # facts about the check, not about a gradient
HIDDEN_DIAGNOSES = {"scale": "is off by a constant factor", "sign": "has the wrong sign",
                    "layer": "is wrong, like the gradients of the layers below it",
                    "regularization": "leaves out (or doubles) the L2 term", "isolated": "is wrong"}


@dataclass
class Mark:
    """One output in one case."""

    right: bool
    visible: bool
    reason: str = ""  # for the student; fixed words in a hidden case
    label: str = ""  # for the class report: the same for every student with the same problem
    remark: str = ""
    bug: bool | None = None  # Verdict outputs: whether the case held a bug
    whole: bool = False  # the call as a whole failed (it raised, hung, returned the wrong container): not the output


def judge_case(exercise, case, record, arrays, run):
    """name -> Mark for every output of `exercise` in one case."""
    names = list(exercise.outputs)
    out = outcome(record)
    if out.status != "returned":
        words, label = failure_words(out, run, exercise.function, case.visible), failure_label(out, run)
        return {name: Mark(False, case.visible, words, f"{exercise.function}: {label}", bug=case.bug, whole=True)
                for name in names}
    trees, problem = unpack(out.returned, exercise.returns, names)
    if problem and not case.visible:  # what came back in a hidden case is the student's choice: fixed words
        problem = f"did not return {CONTAINERS[exercise.returns]} of {', '.join(names)}"
    if problem:
        return {name: Mark(False, case.visible, problem, f"{exercise.function}: wrong return type", bug=case.bug,
                           whole=True) for name in names}
    marks = {}
    gradients = {}
    for name, output in exercise.outputs.items():
        if isinstance(output, Gradient):
            value = read(trees[name], arrays, name, shape=np.shape(case.at[output.of]))
            if value.usable:
                gradients[name] = value
            else:
                marks[name] = _unusable(exercise, name, value, case)
        elif isinstance(output, Value):
            marks[name] = _value(exercise, name, output, trees[name], arrays, case)
        else:
            marks[name] = _verdict(exercise, name, output, read(trees[name], arrays, name, shape=()), case)
    if gradients:
        marks.update(_gradients(exercise, gradients, case))
    return marks


def _unusable(exercise, name, value, case):
    reason = value.problem if case.visible else hidden_problem(name, value)
    return Mark(False, case.visible, reason, f"{name} {value.kind}", bug=case.bug)


def _expected(exercise, name, output, case):
    return output.reference(case) if output.reference is not None else exercise.reference(case)[name]


def _value(exercise, name, output, tree, arrays, case):
    expected = np.asarray(_expected(exercise, name, output, case), dtype=np.float64)
    value = read(tree, arrays, name, shape=expected.shape)
    if not value.usable:
        return _unusable(exercise, name, value, case)
    if np.allclose(value.array, expected, rtol=output.rtol, atol=output.atol):
        return Mark(True, case.visible, remark=value.remark)
    reason = (f"{name} = {_short(value.array)}, expected {_short(expected)}" if case.visible
              else f"{name} is wrong")
    return Mark(False, case.visible, reason, f"{name} wrong value", value.remark)


def _verdict(exercise, name, output, value, case):
    if value.usable and value.array < 0:
        value.problem, value.kind = f"{name} is negative, and a relative difference never is", "negative"
    if not value.usable:
        return _unusable(exercise, name, value, case)
    says_bug = bool(value.array > output.threshold)
    if says_bug == bool(case.bug):
        return Mark(True, case.visible, remark=value.remark, bug=case.bug)
    if case.visible:
        reason = (f"returned {float(value.array):.3g}, which says {'a mistake' if says_bug else 'no mistake'} "
                  f"(threshold {output.threshold:g})")
    else:
        reason = "it said there is no mistake" if case.bug else "it said there is a mistake"
    label = "misses bugs" if case.bug else "flags right gradients"
    return Mark(False, case.visible, reason, f"{exercise.function}: {label}", value.remark, bug=case.bug)


def _gradients(exercise, usable, case):
    """Check every usable gradient output of one case in one gradient check; name -> Mark."""
    of = {name: exercise.outputs[name].of for name in usable}
    fixed = {p: v for p, v in case.at.items() if p not in of.values()}
    # One process (workers=1): the grader's own workers are the parallelism; the feedback names each gradient as
    # the exercise does (gradient_names).
    report = gradient_check(lambda at: exercise.cost({**fixed, **at}, case), {of[n]: case.at[of[n]] for n in usable},
                            {n: value.array for n, value in usable.items()}, examples=_examples(case), workers=1,
                            gradient_names={of[n]: n for n in usable})
    marks = {}
    refused = exercise.difference_rule is not None
    for name, value in usable.items():
        status = report.status(of[name])
        if status == "FAIL" and refused and within_reach_of_differences(exercise, case, name, value.array):
            marks[name] = _differences(name, value, case)
        elif status == "FAIL":
            marks[name] = _failed_gradient(report, name, of[name], case, value)
        elif refused and looks_like_differences(exercise, case, name, value.array):
            marks[name] = _differences(name, value, case)
        elif status != "ok":
            marks[name] = _unjudged(exercise, name, value, case)
        else:
            marks[name] = Mark(True, case.visible, remark=value.remark)
    return marks


def _unjudged(exercise, name, value, case):
    """The check could not judge the output here (its error bar is too wide, or only kinks were measured): it is
    compared with the reference when the exercise has one, and otherwise given the benefit of the doubt, said."""
    if exercise.reference is not None:
        reference = np.asarray(exercise.reference(case)[name], dtype=np.float64)
        if np.allclose(value.array, reference, rtol=1e-6, atol=1e-9):
            return Mark(True, case.visible, remark=value.remark)
        return Mark(False, case.visible, f"{name} is wrong" + (" (compared with the exact gradient, since the "
                                                               "check could not judge it here)" if case.visible else ""),
                    f"{name} wrong", value.remark)
    return Mark(True, case.visible, remark=f"{UNJUDGED} {name} in one case: it was not counted against you")


UNJUDGED = "the gradient check could not judge"


def _failed_gradient(report, name, parameter, case, value):
    for diagnosis in report.diagnoses:
        if diagnosis.kind not in _SILENT_KINDS and parameter in diagnosis.parameters:
            reason = diagnosis.message if case.visible else f"{name} {HIDDEN_DIAGNOSES.get(diagnosis.kind, 'is wrong')}"
            return Mark(False, case.visible, reason, _label(diagnosis, name, report.examples), value.remark)
    reason = (f"{name} disagrees with the numerical gradient (difference {report.per_parameter[parameter]:.2g})"
              if case.visible else f"{name} is wrong")
    return Mark(False, case.visible, reason, f"{name} wrong", value.remark)


def _differences(name, value, case):
    """An output as far from the exact gradient as finite differences are, in a case that tells them apart."""
    if value.dtype in ("float32", "float16") and _rounded_to(value.array, value.dtype):  # fixed words: two names
        reason = (f"{name} is {value.dtype}: rounded to {value.dtype}, a gradient is as far from the exact one as "
                  "finite differences are, so it cannot be told from them: compute it in float64, by "
                  "backpropagation")
        return Mark(False, case.visible, reason, f"{name} {value.dtype}, as far off as finite differences")
    # The distances are left out of the words, so that outputs failing alike are said once.
    reason = (f"{name} agrees with the exact gradient only as closely as finite differences do, where "
              "backpropagation agrees to round-off: this exercise asks for backpropagation" if case.visible
              else f"{name} looks like finite differences, not backpropagation")
    return Mark(False, case.visible, reason, f"{name} finite differences", value.remark)


def _rounded_to(array, dtype):
    """Whether every number of `array` is one of `dtype`: what the child said of its dtype is only believed then."""
    return bool(np.array_equal(array, array.astype(dtype).astype(np.float64)))


def _examples(case):
    """m, when the case says it: a gradient off by a factor of m then reads as a missing 1/m."""
    return int(case.examples) if isinstance(case.examples, (int, np.integer)) and case.examples > 0 else None


def _label(diagnosis, name, examples):
    if diagnosis.kind == "scale":
        if examples and examples > 1 and abs(diagnosis.factor - examples) < 1e-2 * examples:
            return f"{name} without 1/m"
        return f"{name} scaled x{diagnosis.factor:.3g}"
    if diagnosis.kind == "sign":
        return "gradients with the wrong sign"
    if diagnosis.kind == "layer":
        return f"layer {diagnosis.layer} backward step"
    if diagnosis.kind == "regularization":
        return "L2 term"
    return f"{name} wrong"


def failure_words(out, run, function, visible):
    """Why a call gave nothing to judge. Hidden cases get the kind of failure only, never the error's name or
    message, which the student's code chose."""
    if out.status == "raised":
        if not visible:
            return "raised an error"
        return f"raised {out.error}: {out.message}" if out.message else f"raised {out.error}"
    if out.status == "timeout":
        return "did not return in time (an endless loop?)"
    if out.status == "skipped":
        return "not tried, after an earlier call did not return in time"
    if out.status == "missing":
        return f"{function} is not defined (or is not a function) after your cells ran"
    return f"gave no result: the run {run.ending}" if run.ending else "gave no result"


def failure_label(out, run):
    if out.status == "lost" and run.ending:
        return "timed out" if "did not finish" in run.ending else "crashed"
    return {"timeout": "timed out", "skipped": "timed out", "missing": "not defined", "lost": "no result",
            "raised": "raised an error"}.get(out.status, "no result")


def _short(array):
    array = np.asarray(array)
    return f"{float(array):.6g}" if array.size == 1 else f"an array of shape {array.shape}"
