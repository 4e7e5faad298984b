"""verify's finite-difference part, for an exercise that refuses finite differences: which cases tell each gradient
output made by backpropagation from one made of finite differences, and finite-difference mutants of the solution
(one output replaced by differences of the declared cost, centred and one-sided, at every step of MUTANT_STEPS),
each of which must earn less, with the output named.

The mutants are made in the grader, from the declaration (a student's differences need the forward pass, which
only the declared cost knows here), and judged as a child's answer would be, without running them in a child: the
other outputs are the reference's.
"""
from __future__ import annotations

from ..declare import Gradient, Value, Verdict
from ..judging import differences
from ..judging.credit import score_exercise
from ..judging.judge import judge_case
from ..judging.returned import record_of
from ..sandbox.box import ChildRun

MUTANT_STEPS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7)


def check_differences(report, notebook, exercise, grade_id, points, cases):
    """Add verify's findings on finite differences for `exercise` (scored by `grade_id`) to `report`."""
    if exercise.difference_rule is None:
        if any(isinstance(output, Gradient) for output in exercise.outputs.values()):
            report.add(True, f"{notebook}: {exercise.function} lets finite differences earn its gradients' points "
                             "(finite_differences=True)")
        return
    for name, output in exercise.outputs.items():
        if isinstance(output, Gradient):
            _separation(report, notebook, exercise, name, cases)
            _mutants(report, notebook, exercise, grade_id, points, cases, name)


def _separation(report, notebook, exercise, name, cases):
    reaches = [differences.reach(exercise, case, name) for case in cases]
    telling = [reach for reach in reaches if reach.separates]
    if telling:
        report.add(True, f"{notebook}: {exercise.function}: {len(telling)} of {len(cases)} cases tell {name} by "
                         f"backpropagation from finite differences (these come no nearer than "
                         f"{min(r.closest for r in telling):.1g} of the exact gradient; honest backpropagation within "
                         f"{max(r.honest for r in telling):.1g})")
        return
    nearest = min(reaches, key=lambda reach: reach.closest / reach.honest)
    report.add(False, f"{notebook}: no case of {exercise.function} tells {name} by backpropagation from finite "
                      f"differences: they come within {nearest.closest:.1g} of the exact gradient ({nearest.scheme}, "
                      f"step {nearest.step:g}) where honest backpropagation may be {nearest.honest:.1g} off; add a case "
                      "that keeps differences off at every step (a large offset that no gradient depends on, such as a "
                      "bias of 1e5 that shifts every output)")


def _mutants(report, notebook, exercise, grade_id, points, cases, name):
    """Every finite-difference mutant of output `name`; one finding for all of them."""
    earned = []
    for step in MUTANT_STEPS:
        for scheme in differences.SCHEMES:
            marks = []
            for case in cases:
                values = _reference_values(exercise, case)
                values[name] = differences.differences(lambda at, case=case: exercise.cost(at, case), case.at,
                                                       exercise.outputs[name].of, step)[scheme]
                record, arrays = record_of(exercise.returns, values)
                marks.append(judge_case(exercise, case, record, arrays, ChildRun(True, "")))
            result = score_exercise(exercise, grade_id, points, cases, marks)
            named = len(exercise.outputs) == 1 or f"{name} WRONG" in result.summary or f"{name} right in" in result.summary
            if not (result.score < points and named):
                earned.append(f"{scheme} at {step:g} ({result.score:g} of {points:g})")
    what = (f"{notebook}: {exercise.function}: {name} made of finite differences of the cost (centred, forward and "
            f"backward, steps {MUTANT_STEPS[0]:g} to {MUTANT_STEPS[-1]:g}: {len(MUTANT_STEPS) * 3} mutants)")
    if earned:
        report.add(False, f"{what}: {len(earned)} earn full marks for {name}: {', '.join(earned[:4])}"
                          + (" ..." if len(earned) > 4 else ""))
    else:
        report.add(True, f"{what} each earn less, with {name} named")


def _reference_values(exercise, case):
    """output -> the right answer in `case`, in the order of the outputs."""
    reference = exercise.reference(case) if exercise.reference is not None else {}
    values = {}
    for name, output in exercise.outputs.items():
        if isinstance(output, Value) and output.reference is not None:
            values[name] = output.reference(case)
        elif isinstance(output, Verdict):
            values[name] = 1.0 if case.bug else 0.0
        else:
            values[name] = reference[name]
    return values
