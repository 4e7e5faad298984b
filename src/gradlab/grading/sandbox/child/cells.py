"""Running a submission's cells in the child, one after another, in one namespace, as a kernel would.

A cell that raises, or runs past its time budget, is recorded and skipped; the next cell still runs, as nbgrader does
with allow_errors. Budgets are charged time (charged.py): computing and sleeping count, waiting for a core does
not. The record holds the error's type and message and, as numbers only, where in the job's cells its traceback ran
(cell, line, function): the grader shows those lines from the sources it sent, never text the child made up. Magics
arrive already rewritten to get_ipython() calls (by the grader, with IPython's own transformer); here they do
nothing, since no kernel exists to act on them. What a cell prints is kept, within bounds, when the job asks for it;
a test cell's output, error and last value are always kept, since nbgrader scores a test cell by them.
"""
import ast
import contextlib
import re
import signal
import sys

CELL_TEXT = 4000  # characters of one cell's stdout or stderr that are kept
TOTAL_TEXT = 64000  # and of all cells together
VALUE_TEXT = 200  # characters of a test cell's last value
CELL_MESSAGE = 2000  # characters of a failing cell's message (a gradient check's report is about 1,500)
FRAMES = 20  # innermost frames of a failing cell's traceback that are kept
_CELL_FILE = re.compile(r"<cell (\d+)>")


class TimeBudgetExceeded(BaseException):
    """Raised in the main thread when a cell or a call runs past its budget (a BaseException, so that a
    student's `except Exception:` does not swallow it)."""


CLOCK = None  # this process's ChargedClock, set before any student code runs (None: wall-clock time)


@contextlib.contextmanager
def time_budget(seconds):
    """Interrupt pure-Python code that runs longer than `seconds` of charged time (wall-clock time where CLOCK is
    None). The alarm is wall-clock; when it rings early because the process waited for a core, it is set again
    for what is left."""
    clock = CLOCK
    started = clock.now() if clock is not None else None

    def expire(signum, frame):
        left = seconds - (clock.now() - started) if clock is not None else 0.0
        if left > 0.001:
            signal.setitimer(signal.ITIMER_REAL, left)
            return
        raise TimeBudgetExceeded()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class KernelStandIn:
    """What get_ipython() returns: magics and shell escapes do nothing."""

    def run_line_magic(self, *args, **kwargs):
        return None

    def run_cell_magic(self, *args, **kwargs):
        return None

    def system(self, *args, **kwargs):
        return None

    def getoutput(self, *args, **kwargs):
        return []


def new_namespace():
    """The globals a notebook's cells share."""
    stand_in = KernelStandIn()
    return {"__name__": "__main__", "__builtins__": __builtins__, "get_ipython": lambda: stand_in,
            "display": lambda *args, **kwargs: None}


def describe_error(error, limit=300):
    """Exception type and the first `limit` characters of its message."""
    try:
        text = "" if isinstance(error, TimeBudgetExceeded) else str(error)  # str() may run student code
    except BaseException:  # noqa: B036
        text = ""
    return type(error).__name__[:80], str(text)[:limit]


def cell_frames(error):
    """[[cell, line, function]] for the frames of the error's traceback that ran in the job's cells (compiled as
    "<cell N>"), outermost first, the innermost FRAMES of them; and how many more there were. A SyntaxError in a
    cell has no such frame: its own line is taken instead."""
    frames = []
    trace = error.__traceback__
    while trace is not None:
        code = trace.tb_frame.f_code
        found = _CELL_FILE.fullmatch(code.co_filename) if isinstance(code.co_filename, str) else None
        if found:
            frames.append([int(found.group(1)), int(trace.tb_lineno or 0), str(code.co_name)[:80]])
        trace = trace.tb_next
    if type(error) in (SyntaxError, IndentationError, TabError):  # built-in ones only: no student property runs
        found = _CELL_FILE.fullmatch(error.filename) if isinstance(error.filename, str) else None
        if found and isinstance(error.lineno, int):
            frames.append([int(found.group(1)), error.lineno, "<module>"])
    return frames[-FRAMES:], max(0, len(frames) - FRAMES)


class BoundedText:
    """A stand-in for sys.stdout / sys.stderr that keeps the first `limit` characters written to it."""

    def __init__(self, limit):
        self.limit, self.parts, self.kept, self.truncated = limit, [], 0, False

    def write(self, text):
        text = str(text)
        room = self.limit - self.kept
        if len(text) > room:
            self.truncated = True
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(len(text), room)
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    def getvalue(self):
        return "".join(self.parts)


def _compiled(source, number):
    """(the cell's body, its last expression or None), compiled as a kernel splits them."""
    tree = ast.parse(source, f"<cell {number}>")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = compile(ast.Expression(tree.body.pop().value), f"<cell {number}>", "eval")
    return compile(tree, f"<cell {number}>", "exec"), last


def _value(value):
    """A test cell's last value: its text, and the number it is when it is one (nbgrader's partial credit)."""
    if value is None:
        return None
    number = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif type(value).__module__ == "numpy" and getattr(value, "shape", None) == () and value.dtype.kind in "iuf":
        number = float(value)
    try:
        text = repr(value)[:VALUE_TEXT]
    except BaseException:  # noqa: B036  (a __repr__ that raises or loops)
        text = "<unprintable>"
    return {"text": str(text), "number": number}


def run_cells(cells, namespace, seconds, capture=False, progress=None):
    """Execute every cell; return {"failures", "outputs", "tests"} (cells count from 1). progress(number) is called
    before each cell, so that a run that ends inside a cell says which one."""
    failures, outputs, tests = [], [], []
    left = TOTAL_TEXT
    for number, cell in enumerate(cells, start=1):
        if progress is not None:
            progress(number)
        test = cell.get("test")
        keep = capture or test is not None
        out, err = BoundedText(min(CELL_TEXT, left)), BoundedText(min(CELL_TEXT, left))
        saved = sys.stdout, sys.stderr
        record = {"cell": number, "status": "ok"}
        value = None
        try:
            body, last = _compiled(cell["source"], number)
            with time_budget(seconds):
                if keep:
                    sys.stdout, sys.stderr = out, err
                exec(body, namespace)
                if last is not None:
                    value = eval(last, namespace)
                    if test is not None:
                        record["value"] = _value(value)
        except BaseException as error:  # noqa: B036  (SystemExit and time-outs included: the next cell still runs)
            name, message = describe_error(error, CELL_MESSAGE)
            if type(error) in (SyntaxError, IndentationError, TabError) and isinstance(error.msg, str):
                message = error.msg[:CELL_MESSAGE]  # as a kernel says it: the place is in the traceback
            record.update(status="timeout" if name == "TimeBudgetExceeded" else "raised", error=name,
                          message=message[:300])
            frames, more = cell_frames(error)
            failures.append({"cell": number, "error": name, "message": message, "frames": frames, "more": more})
        finally:
            sys.stdout, sys.stderr = saved
        if keep:
            text = {"stdout": out.getvalue(), "stderr": err.getvalue(),
                    "truncated": out.truncated or err.truncated}
            left -= len(text["stdout"]) + len(text["stderr"])
            if capture:
                outputs.append(dict(text, cell=number))
            if test is not None:
                tests.append(dict(record, test=str(test)[:200], **text))
    return {"failures": failures, "outputs": outputs, "tests": tests}
