"""Which calls run in which sandboxed run (judging/runs.py): visible cases first and apart from every hidden input,
cases that share an input in different runs, checker batches mixing right and buggy cases in no fixed order; and a
call that ends its run costing that call only."""
import random
from pathlib import Path

import pytest

from gradlab.grading.declare import Case, Exercise, Value, declarations
from gradlab.grading.judging import apart, runs
from gradlab.grading.judging.grader import cases_of
from gradlab.grading.sandbox.box import Limits, Sandbox

COURSE = Path(__file__).resolve().parents[1] / "autograder"
DECLARED = declarations.load(COURSE, "gradient_checking")
HIDDEN = {"test_gradient_check": {"points": [[-1.5, 0.7], [3.0, -2.0], [3000.0, 0.5]]},
          "test_gradient_check_n": {"seeds": [41, 43], "examples": 6, "bugs": [
              "flipped_sign", "missing_1_over_m", "bias_summed_over_all_axes", "activation_derivative_dropped"]}}


def exercises():
    return [(grade_id, exercise, cases_of(exercise, HIDDEN.get(grade_id, {}))) for grade_id, exercise in DECLARED.items()]


def test_every_call_is_planned_once_visible_cases_first_and_apart_from_hidden_ones():
    planned = runs.plan(exercises(), random.Random(1))
    cases = {grade_id: found for grade_id, _, found in exercises()}
    keys = [(item.grade_id, item.case) for run in planned for item in run.calls]
    assert sorted(keys) == sorted((g, k) for g, found in cases.items() for k in range(len(found)))
    kinds = [run.hidden for run in planned]
    assert kinds == sorted(kinds) and kinds[0] is False  # every visible run before the first hidden one
    for run in planned:
        assert {cases[item.grade_id][item.case].visible for item in run.calls} <= {not run.hidden}
    assert len(planned) == 5  # the checkers' visible pairs in two runs, their hidden batches in three


def test_cases_that_share_an_input_never_share_a_run():
    cases = {grade_id: found for grade_id, _, found in exercises()}
    for seed in range(20):
        for run in runs.plan(exercises(), random.Random(seed)):
            for grade_id in ("test_gradient_check", "test_gradient_check_n"):
                prints = [apart.fingerprints(cases[grade_id][item.case]) for item in run.calls
                          if item.grade_id == grade_id]
                assert all(not (a & b) for i, a in enumerate(prints) for b in prints[i + 1:])


@pytest.mark.parametrize("grade_id", ["test_gradient_check", "test_gradient_check_n"])
def test_checker_batches_mix_right_and_buggy_cases_in_no_fixed_order(grade_id):
    hidden = [case for case in cases_of(DECLARED[grade_id], HIDDEN[grade_id]) if not case.visible]
    firsts = set()
    for seed in range(30):
        groups = apart.groups(hidden, random.Random(seed))
        kinds = [{hidden[k].bug for k in group} for group in groups]
        right, buggy = sum(not case.bug for case in hidden), sum(bool(case.bug) for case in hidden)
        assert sum(kind == {True, False} for kind in kinds) == min(len(groups), right, buggy)
        firsts.add(tuple(sorted(groups[0])))
    assert len(firsts) > 3  # which cases come first is not fixed


def _exercise(body):
    source = f"def f(x):\n{body}\n"
    cases = lambda hidden: [Case(args=(float(x),), visible=x == 1) for x in range(1, 5)]  # noqa: E731
    return Exercise("f", "(x)", cases, outputs={"y": Value(reference=lambda case: case.args[0])}), source


def _run(body):
    exercise, source = _exercise(body)
    cases = exercise.cases({})
    planned = [runs.Planned("test_f", k, runs.call_of(exercise, cases[k])) for k in range(len(cases))]
    ran = []
    with Sandbox(Limits(wall_seconds=20, cell_seconds=5, call_seconds=5)) as box:
        run = box.run
        box.run = lambda job: ran.append(job) or run(job)
        # x = 3 first among the hidden calls, so that the calls after it are lost with its run
        plans = [runs.RunPlan(planned[:1]), runs.RunPlan([planned[2], planned[1], planned[3]], hidden=True)]
        outcome = runs.run_plan(box, plans, [(source, None)])
    return [outcome.found[("test_f", k)][0] for k in range(len(cases))], ran


def test_a_call_that_ends_its_run_costs_that_call_only():
    found, ran = _run("    if x == 3:\n        import os\n        os._exit(1)\n    return x")
    assert [(record or {}).get("status") for record in found] == ["returned", "returned", None, "returned"]
    assert len(ran) == 3  # the visible run, the hidden run, and the hidden calls after the crash again


def test_a_function_that_ends_every_run_is_given_up_after_two():
    found, ran = _run("    import os\n    os._exit(1)")
    assert found == [None] * 4
    assert len(ran) == 2  # the visible run, then one hidden run: the hidden calls after that are not tried
