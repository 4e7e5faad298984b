"""The floor of grading a class: the CPU of the student's functions and of the checks on the same cases, run in one
process per submission without any grading machinery (no sandbox, no nbgrader, no notebook written, no gradebook).

    .venv/bin/python benchmarks/floor.py [--copies 1]

For each submission, a process forked from this one (which has numpy and gradlab imported, as the grader's zygote
has) runs the submission's code cells, calls each declared function on every case, visible and hidden, and checks
what came back as the grader checks it (judging/judge.py: gradlab's gradient check, values, verdicts). The course's
limits hold, as they hold when it is graded: the memory limit per process, the call's and cell's budgets (CPU time
here), and one endless loop costs one budget (a function's calls after one that ran out of time are not made).
The floor is the CPU of those processes, read from wait4; run it with the zygote's environment (one thread per
numerical library), as benchmarks/autograde.py does. Not a timed test: it prints a figure.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHILD = REPO / "src" / "gradlab" / "grading" / "sandbox" / "child"


class OutOfTime(BaseException):
    pass


def _budget(seconds):
    def expire(signum, frame):
        raise OutOfTime()

    signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)


def _stop():
    signal.setitimer(signal.ITIMER_PROF, 0)


def _one_submission(cells, exercises, limits, memory_bytes):
    """In the forked process: the cells, the calls, the checks."""
    import copy

    import calls as packing  # the child's own module: how a returned value becomes the data the checks read
    from gradlab.grading.judging.judge import judge_case
    from gradlab.grading.sandbox.box import ChildRun

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    namespace = {"__name__": "__main__", "get_ipython": lambda: None, "display": lambda *a, **k: None}
    for source in cells:
        try:
            _budget(limits.cell_seconds)
            exec(compile(source, "<cell>", "exec"), namespace)
        except BaseException:  # noqa: B036  (a cell that fails or runs out of time: the next one still runs)
            pass
        finally:
            _stop()
    timed_out, ran = set(), ChildRun(finished=True, ending="")
    for exercise, cases in exercises:
        for case in cases:
            function, record, packer = namespace.get(exercise.function), {"status": "missing"}, packing.Packer()
            if callable(function) and exercise.function not in timed_out:
                undo = None
                try:
                    _budget(limits.call_seconds)
                    undo = packing.inject(function, packing.given_functions(case.given_sources()))
                    returned = function(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
                    record = {"status": "returned", "returned": packer.pack(returned)}
                except OutOfTime:
                    record = {"status": "timeout"}
                    timed_out.add(exercise.function)
                except BaseException as error:  # noqa: B036
                    record = {"status": "raised", "error": type(error).__name__, "message": ""}
                finally:
                    _stop()
                    packing.uninject(undo)
            judge_case(exercise, case, record, packer.saved, ran)


def _address_space():
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) * 1024 for line in handle if line.startswith("VmSize:"))


def floor_seconds(course, assignment, notebooks, limits, zygote_bytes):
    """CPU seconds of the floor for `notebooks` (paths of submitted notebooks) of `assignment` in `course`.
    zygote_bytes: the address space of the grader's zygote, so that each process here has the room above what it has
    mapped that the grader's children have under the course's memory limit."""
    sys.path.insert(0, str(CHILD))
    import nbformat
    import numpy  # noqa: F401  (imported here, before the forks, as the zygote has it)

    import gradlab  # noqa: F401
    from gradlab.grading.declare import declarations
    from gradlab.grading.judging.grader import cases_of
    from gradlab.grading.judging.notebook import autograder_tests, code_cells, hidden_cases

    declared = declarations.load(course, assignment)
    source = nbformat.read(Path(course) / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    exercises = [(declared[grade_id], cases_of(declared[grade_id], hidden_cases(cell.source)))
                 for cell, grade_id, _ in autograder_tests(source) if grade_id in declared]
    memory = _address_space() + limits.memory_mb * 2 ** 20 - zygote_bytes
    total = 0.0
    for path in notebooks:
        cells = [cell.source for cell in code_cells(nbformat.read(path, as_version=4)) if cell.test is None]
        pid = os.fork()
        if pid == 0:
            try:
                _one_submission(cells, exercises, limits, memory)
            finally:
                os._exit(0)
        _, _, usage = os.wait4(pid, 0)
        total += usage.ru_utime + usage.ru_stime
    return total


def zygote_address_space():
    """The address space of a process that has imported what the grader's zygote imports, as the zygote does."""
    from gradlab.grading.sandbox import zygote

    code = ("import importlib, io\nfor name in ['numpy', 'numpy.random', *%r]:\n    importlib.import_module(name)\n"
            "print(next(int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith('VmSize:')))\n"
            % (list(zygote.PRELOAD),))
    done = subprocess.run([sys.executable, "-I", "-c", code], env=zygote.child_environment("/tmp"), check=True,
                          capture_output=True, text=True)
    return int(done.stdout)


def course_limits(course):
    """The limits the course's nbgrader_config.py gives the grading preprocessor."""
    from gradlab.grading.course.nbgrader_calls import course_config
    from gradlab.grading.sandbox.box import Limits

    settings = course_config(str(course)).GradeOutsideKernel
    defaults = Limits()
    return Limits(settings.get("wall_seconds", defaults.wall_seconds), settings.get("cell_seconds", defaults.cell_seconds),
                  settings.get("call_seconds", defaults.call_seconds), settings.get("memory_mb", defaults.memory_mb))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="gradient_checking")
    parser.add_argument("--copies", type=int, default=1, help="how many times the sample class is counted")
    parser.add_argument("--json", action="store_true", help="print {seconds, submissions} only")
    args = parser.parse_args(argv)
    course = REPO / "autograder"
    notebooks = sorted((course / "sample_class" / args.assignment).glob("*.ipynb")) * args.copies
    seconds = floor_seconds(course, args.assignment, notebooks, course_limits(course), zygote_address_space())
    if args.json:
        print(json.dumps({"seconds": seconds, "submissions": len(notebooks)}))
    else:
        print(f"floor: {seconds:.2f} s of CPU for {len(notebooks)} submissions, {seconds / len(notebooks):.3f} s each")


if __name__ == "__main__":
    main()
