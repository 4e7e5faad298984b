"""Running a submission's code cells in the child, one after another, in one namespace, as a kernel would.

A cell that raises, or runs past its time budget, is recorded and skipped; the next cell still runs, as
nbgrader does with allow_errors. Magics arrive already rewritten to get_ipython() calls (by the grader, with
IPython's own transformer); here they do nothing, since no kernel exists to act on them.
"""
import contextlib
import signal


class TimeBudgetExceeded(BaseException):
    """Raised in the main thread when a cell or a call runs past its budget (a BaseException, so that a
    student's `except Exception:` does not swallow it)."""


@contextlib.contextmanager
def time_budget(seconds):
    """Interrupt pure-Python code that runs longer than `seconds` of wall-clock time."""
    def expire(signum, frame):
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


def run_cells(sources, namespace, seconds):
    """Execute every cell; return [{cell, error, message}] for the cells that failed (cell counts from 1)."""
    failures = []
    for number, source in enumerate(sources, start=1):
        try:
            code = compile(source, f"<cell {number}>", "exec")
            with time_budget(seconds):
                exec(code, namespace)
        except BaseException as error:  # noqa: B036  (SystemExit and time-outs included: the next cell still runs)
            name, message = describe_error(error)
            failures.append({"cell": number, "error": name, "message": message})
    return failures
