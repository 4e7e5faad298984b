"""A submission's calls, planned into sandboxed runs and run: which case's call goes in which run, and what came back.

Every run executes the submission's cells afresh and then calls the student's functions on a share of the cases:

- visible runs first: the cases the student can see, of every exercise, and no hidden input at all. The first of them
  records what the cells print (the autograded notebook shows it) and which cells failed (feedback names them), and
  the words of every visible case are computed from what these runs returned. So nothing a student reads comes from
  a process that held a hidden input, not even a returned number that could spell one out;
- hidden runs after: the hidden cases, which give only scores and fixed words (judge.py); nothing they print is
  kept, and their endings are said in fixed words (sandbox/box.py).

Exercises share runs (a run costs a fork and the cells; an exercise per run would cost that five times), except that
cases kept apart (apart.py) go to different runs. A function whose call runs out of time is not called again (one
endless loop costs one budget); a call that ends the run (a crash, os._exit) costs that call, and the calls after it
run again in a new run, until the same function has ended two runs.
"""
from __future__ import annotations

import random
from collections import Counter, deque
from dataclasses import dataclass, field

from . import apart
from ..sandbox.box import ChildRun
from ..sandbox.job import Call, Job

CRASHES = 2  # runs a function may end (os._exit, a crash) before its remaining calls are no longer tried


@dataclass
class Planned:
    """One call: case `case` of the exercise graded in test cell `grade_id`."""

    grade_id: str
    case: int
    call: Call


@dataclass
class RunPlan:
    calls: list = field(default_factory=list)  # [Planned]
    hidden: bool = False


@dataclass
class Outcome:
    found: dict  # (grade_id, case) -> (record or None, arrays, the ChildRun it came from)
    display: ChildRun  # the first visible run: what the cells printed and which failed


def call_of(exercise, case):
    return Call(exercise.function, case.args, case.kwargs, case.given_sources())


def plan(exercises, rng=None):
    """[RunPlan]: visible runs (at least one: the cells' own run), then hidden runs. exercises: [(grade_id, Exercise,
    [Case])]."""
    rng = rng or random.SystemRandom()
    visible, hidden = [[]], []
    for grade_id, exercise, cases in exercises:
        for shown, runs in ((True, visible), (False, hidden)):
            chosen = [k for k, case in enumerate(cases) if bool(case.visible) == shown]
            if not chosen:
                continue
            groups = apart.groups([cases[k] for k in chosen], rng) if exercise.apart else [list(range(len(chosen)))]
            while len(runs) < len(groups):
                runs.append([])
            for calls, group in zip(runs, groups):
                calls += [Planned(grade_id, chosen[i], call_of(exercise, cases[chosen[i]])) for i in group]
    for calls in visible + hidden:
        rng.shuffle(calls)
    rng.shuffle(hidden)
    return [RunPlan(calls, False) for calls in visible] + [RunPlan(calls, True) for calls in hidden]


def run_plan(box, plans, cells, capture=False):
    """Run every planned call in `box` (a Sandbox), in order; cells: [(source, None)]. capture: the first run
    records what the cells print. Returns the Outcome."""
    found, given_up, crashes = {}, {}, Counter()
    display = None
    queue = deque(plans)
    while queue:
        planned = queue.popleft()
        calls = []
        for item in planned.calls:
            if item.call.function in given_up:
                record, run = given_up[item.call.function]
                found[(item.grade_id, item.case)] = (record, {}, run)
            else:
                calls.append(item)
        if not calls and display is not None:
            continue
        run = box.run(Job(cells, [item.call for item in calls], capture=capture and display is None,
                          hidden=planned.hidden))
        display = display or run
        for position, item in enumerate(calls):
            found[(item.grade_id, item.case)] = (run.records[position], run.arrays[position], run)
            if (run.records[position] or {}).get("status") == "timeout":
                given_up[item.call.function] = ({"status": "skipped"}, run)
        ended = next((position for position, record in enumerate(run.records) if record is None), None)
        if ended is None:
            continue
        if not run.reached_calls:  # the cells ended it: so they would every run; the calls give nothing
            if run is display:
                for rest in queue:
                    found.update({(item.grade_id, item.case): (None, {}, run) for item in rest.calls})
                break
            continue
        function = calls[ended].call.function
        crashes[function] += 1
        if run.timed_out:
            given_up[function] = ({"status": "skipped"}, run)
        elif crashes[function] >= CRASHES:
            given_up[function] = (None, run)
        rest = [item for item in calls[ended + 1:]]
        if rest:
            queue.appendleft(RunPlan(rest, planned.hidden))
    return Outcome(found, display)
