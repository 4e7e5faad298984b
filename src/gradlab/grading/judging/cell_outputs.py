"""What a student's code cell shows under it in the autograded notebook (and so in the feedback): what it printed,
and what it raised as a kernel shows an error: its type, its message, and the lines of the student's own cells it
went through.

The child reports the error's type and message (text the student's code chose) and, as numbers only, where its
traceback ran: (cell, line, function). The lines shown are taken here from the sources the grader sent, and only
from the student's own cells: never a test cell (its hidden tests), never the grader's or gradlab's code. Every
piece of text is bounded and cleaned of control characters and terminal escapes, which nbconvert would otherwise
turn into markup. The run they come from holds no hidden data (grader.py runs the student's cells apart for it).
"""
from __future__ import annotations

import re

MESSAGE = 2000  # characters of the message kept (a gradient check's report, as assert_passed raises it, fits)
NAME = 80  # characters of the error's type name
LINE = 160  # characters of a source line
FRAMES = 20  # frames shown, the innermost
# Terminal escapes (CSI and other ESC sequences) and control characters other than tab and newline, C1 included.
_UNSAFE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]?|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TIMEOUT_NAME = "TimeBudgetExceeded"
PRINTED = 4000  # characters of what one cell printed on one stream (the child keeps no more)


def clean(text, limit):
    """`text` as a str without control characters or escapes, at most `limit` characters (marked where cut)."""
    text = _UNSAFE.sub("", text if isinstance(text, str) else "")
    return text if len(text) <= limit else text[:limit] + " [...]"


def error_output(failure, cells):
    """{ename, evalue, traceback} for a failure the child reported, or None when it is not a student's cell's.

    failure: {cell, error, message, frames, more} from the child; cells: the run's cells (notebook.CodeCell) in the
    order the job gave them (its cell numbers count from 1)."""
    cell = _cell(failure.get("cell"), cells)
    if cell is None or cell.test is not None:
        return None  # test cells get the outputs nbgrader scores them by (plain.py), never their hidden lines
    ename = clean(failure.get("error"), NAME) or "Error"
    if ename == TIMEOUT_NAME:
        ename, evalue = "TimeoutError", "this cell ran past its time limit when your notebook was graded"
    else:
        evalue = clean(failure.get("message"), MESSAGE)
    lines = []
    frames = failure.get("frames") if isinstance(failure.get("frames"), list) else []
    more = failure.get("more")
    if isinstance(more, int) and not isinstance(more, bool) and more > 0:
        lines.append(f"[... {more} earlier frames]")
    for frame in frames[-FRAMES:]:
        lines += _frame(frame, cells)
    lines.append(f"{ename}: {evalue}" if evalue else ename)
    return {"ename": ename, "evalue": evalue, "traceback": lines}


def _cell(number, cells):
    if isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= len(cells):
        return cells[number - 1]
    return None


def _frame(frame, cells):
    """Two lines for one frame in a student's cell ("Cell In[5], line 3, in f" and the line itself), or none."""
    if not (isinstance(frame, list) and len(frame) == 3):
        return []
    number, line, function = frame
    cell = _cell(number, cells)
    if cell is None or cell.test is not None or not isinstance(line, int) or isinstance(line, bool):
        return []
    source = cell.written if len(cell.written.splitlines()) == len(cell.source.splitlines()) else cell.source
    text = source.splitlines()
    where = f"Cell In[{cell.count}], line {line}"
    function = clean(function, NAME)
    if function and function != "<module>" and function.isidentifier():
        where += f", in {function}"
    if not 1 <= line <= len(text):
        return [where]
    return [where, f"----> {line} {clean(text[line - 1].rstrip(), LINE)}"]


def errors_by_cell(failures, cells):
    """notebook index -> error output, for the failures of a run of `cells`."""
    found = {}
    for failure in failures:
        output = error_output(failure, cells)
        if output is not None:
            found[cells[failure["cell"] - 1].index] = output
    return found


def printed_by_cell(run, cells):
    """notebook index -> {stdout, stderr, truncated, error} of the student's cells, for a run of `cells`
    (notebook.CodeCell, in the job's order; test cells are left out: nbgrader scores them by their own outputs)."""
    found = {}
    for output in run.cell_outputs:
        number = output.get("cell")
        if isinstance(number, int) and 1 <= number <= len(cells) and cells[number - 1].test is None and (
                output.get("stdout") or output.get("stderr")):
            found[cells[number - 1].index] = {"stdout": _text(output.get("stdout")), "stderr": _text(output.get("stderr")),
                                              "truncated": output.get("truncated") is True}
    for index, error in errors_by_cell(run.cell_failures, cells).items():
        found.setdefault(index, {})["error"] = error
    return found


def _text(value):
    """Printed text as the child reported it: a str within bounds (the file it came from is the submission's to
    overwrite), or nothing."""
    return value[:PRINTED] if isinstance(value, str) else ""


def cell_outputs(printed):
    """The outputs of a student's code cell from what grading found for it ({stdout, stderr, truncated, error}):
    streams, then the error as a kernel shows one (nbconvert renders outputs as escaped text)."""
    from nbformat.v4 import new_output  # here: the grading command keeps nbformat's imports out of its start-up

    if not printed:
        return []
    found = [new_output("stream", name=name, text=printed[name]) for name in ("stdout", "stderr") if printed.get(name)]
    if printed.get("truncated"):
        found.append(new_output("stream", name="stdout", text="\n[... more output was cut here]\n"))
    if printed.get("error"):
        found.append(new_output("error", **printed["error"]))
    return found
