"""Ordinary test cells (asserts, or a last value that is a partial score) in a gradlab course: run in a sandboxed
child, in notebook order after the cells before them, and given the outputs a kernel would have given them, so that
nbgrader's own SaveAutoGrades scores them as it scores any test cell (an error or anything on stderr: 0; a number as
the last value: that partial score; otherwise full marks).

They run in the student's process, as in nbgrader, so student code can still interfere with them (declared
exercises are judged in the grader instead); what the child protects against is a hang, a crash or a warning
costing more than the one cell. A run that ends inside a cell (os._exit, a crash, a loop that ignores the time
limit) is run again without that cell, at most MAX_RUNS times.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..sandbox.job import Job
from .cell_outputs import printed_by_cell

MAX_RUNS = 3
DEAD, ENDED = "DeadKernelError", "when your notebook was graded, this cell "  # a run that ended inside a cell


@dataclass
class PlainTest:
    grade_id: str
    status: str  # "ok", "raised", "timeout", "ended" (the run ended in this cell), "not run"
    error: str = ""
    message: str = ""
    stdout: str = ""
    stderr: str = ""
    value: dict | None = None  # {"text", "number"} of the cell's last expression
    note: str = ""  # the grader's words, when the cell did not run to its end


def run_plain_tests(box, cells, plain_ids, log=None):
    """({grade_id: PlainTest}, {notebook index: printed}) for the ordinary test cells among `cells` (none: a run of
    the student's cells alone); printed: what each student's cell printed and raised (cell_outputs.printed_by_cell),
    and for a cell the run ended in, how it ended."""
    included = [cell for cell in cells if cell.test is None or cell.test in plain_ids]
    skipped, endings = set(), {}
    for _ in range(MAX_RUNS):
        order = [cell for cell in included if cell.index not in skipped]
        run = box.run(Job([(cell.source, cell.test) for cell in order], [], capture=True))
        if run.finished or not 1 <= run.at_cell <= len(order):
            break
        blamed = order[run.at_cell - 1]
        skipped.add(blamed.index)
        endings[blamed.index] = run.ending
        if log:
            log.info("the run ended in cell %s (%s); running the notebook again without it", blamed.label, run.ending)
    records = {str(t.get("test")): t for t in run.tests}
    tests = {}
    for cell in included:
        if cell.test is None:
            continue
        if cell.index in endings:
            tests[cell.test] = PlainTest(cell.test, "ended", note=f"this cell {endings[cell.index]}")
        elif cell.test in records:
            tests[cell.test] = _from_record(cell.test, records[cell.test])
        else:
            tests[cell.test] = PlainTest(cell.test, "not run", note="the notebook's code ended the run before "
                                                                      "this cell" + (f" ({run.ending})" if run.ending else ""))
    printed = printed_by_cell(run, order)
    for cell in included:
        if cell.test is None and cell.index in endings:  # as a kernel that died in it would show
            evalue = ENDED + endings[cell.index]
            printed.setdefault(cell.index, {})["error"] = {"ename": DEAD, "evalue": evalue,
                                                           "traceback": [f"{DEAD}: {evalue}"]}
    return tests, printed


def _from_record(grade_id, record):
    value = record.get("value")
    return PlainTest(grade_id, str(record.get("status", "ok"))[:20], _text(record.get("error"), 80),
                     _text(record.get("message"), 300), _text(record.get("stdout"), 4000),
                     _text(record.get("stderr"), 4000), value if isinstance(value, dict) else None)


def outputs(test, points, execution_count):
    """The outputs a kernel would have given the cell, for nbgrader's determine_grade."""
    from nbformat.v4 import new_output  # here: the grading command keeps nbformat's imports out of its start-up

    found = []
    if test.stdout:
        found.append(new_output("stream", name="stdout", text=test.stdout))
    if test.stderr:
        found.append(new_output("stream", name="stderr", text=test.stderr))
    if test.status in ("raised", "timeout"):
        error = test.error or "Error"
        text = "it ran past its time limit" if test.status == "timeout" else test.message
        found.append(new_output("error", ename=error, evalue=text, traceback=[f"{error}: {text}"]))
    elif test.status in ("ended", "not run"):
        found.append(new_output("error", ename="NotRun", evalue=test.note, traceback=[test.note]))
    elif test.value and test.value.get("number") is not None:
        found.append(new_output("execute_result", data={"text/plain": repr(partial_score(test.value["number"], points))},
                                execution_count=execution_count))
    return found


def partial_score(number, points):
    """A last value read as a partial score, within [0, points]: nbgrader fails the whole submission for a value above
    the points and reads NaN or -1 as full marks, so those never reach it."""
    number = float(number)
    return 0.0 if math.isnan(number) else min(max(number, 0.0), float(points))


def _text(value, limit):
    return value[:limit] if isinstance(value, str) else ""
