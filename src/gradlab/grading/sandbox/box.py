"""Running a submission's code in sandboxed child processes (a `Sandbox` per submission, a child per run), and
reading back what each child left.

A Sandbox holds one supervisor (child/supervisor.py) for the submission, forked by this process's zygote (zygote.py:
in bubblewrap where it works, with numpy and what every run imports already imported) and put in a control group
of the submission's own where the machine offers one (cgroups.py: memory and process count for the submission's
whole tree). Each `run` is a fresh child in namespaces and tmpfs folders of the run's own (child/isolation.py), so
nothing one run leaves is there for the next; its monitor kills whatever the child left before the results come
back, and `close` ends everything. The child confines itself further before running student code
(child/confine.py: memory, CPU and file-size limits, no core files, no capabilities, a Landlock view of the Python
installation and its folders only; child/references.py: no imports of gradlab's reference answers). The grader
reads back JSON and float64 arrays (np.load with allow_pickle=False), bounded in size and time: never a pickle,
never an object the student's code made, never a file it could have replaced by a FIFO or a link.

A job with hidden inputs (job.Job.hidden) is told apart: its ending is said in fixed words, and a job without hidden
inputs is never sent after it to the same supervisor (a new one is forked), since a child forked from a supervisor
that held hidden inputs could find them in its memory.

Without bubblewrap (not installed, or no user namespaces), the zygote runs as the grader's user with the inner
protections only, and the grader says so once in its log (see autograder/README.md, "Security").
"""
from __future__ import annotations

import io
import json
import logging
import math
import os
import signal
import sys
import time
import zipfile
from dataclasses import dataclass, field

import numpy as np

from . import bubblewrap, launch, zygote

_MAX_RESULT_BYTES = 16 * 2 ** 20  # a result file bigger than this is not read
_LOG = logging.getLogger(__name__)
_WARNED = []


@dataclass(frozen=True)
class Limits:
    """Time limits are charged time (child/charged.py): wall-clock time minus the time spent waiting for a core,
    so they mean the same on a quiet machine and on a busy one; the CPU-time limit per process (RLIMIT_CPU) is the
    run's limit."""

    wall_seconds: float = 20.0  # a run, per function it calls: start-up, cells and every call
    cell_seconds: float = 5.0  # one code cell
    call_seconds: float = 5.0  # one call of the student's function
    memory_mb: int = 1024  # address space of a process, and memory of the submission's processes together
    file_mb: int = 64  # largest file the child may write
    scratch_mb: int = 128  # all the files of one run together (a tmpfs of its own)
    processes: int = 64  # processes and threads of the submission at once (where a cgroup is available)

    def run_seconds(self, job):
        """The limit of a run of `job`: wall_seconds for each function it calls (a run that holds several exercises'
        calls has the time those exercises would have had apart)."""
        return float(self.wall_seconds) * max(1, len({call.function for call in job.calls}))

    def for_child(self, run_seconds):
        return {"memory_bytes": int(self.memory_mb) * 2 ** 20, "cpu_seconds": int(math.ceil(run_seconds)),
                "file_bytes": int(self.file_mb) * 2 ** 20, "cell_seconds": float(self.cell_seconds),
                "call_seconds": float(self.call_seconds)}


@dataclass
class ChildRun:
    """What a child left behind. Everything in it came from the child, so it is data to check, not to trust."""

    finished: bool  # reached the end of every call
    ending: str  # how the process ended, in words ("" when it finished)
    protections: list = field(default_factory=list)
    cell_failures: list = field(default_factory=list)  # [{cell, error, message, frames, more}] as the child said
    cell_outputs: list = field(default_factory=list)  # [{cell, stdout, stderr, truncated}] when the job captured them
    tests: list = field(default_factory=list)  # [{test, status, error, message, stdout, stderr, value}] of test cells
    at_cell: int = 0  # the last cell the child started (counting from 1): where a run that ended early was
    records: list = field(default_factory=list)  # one per call: the child's JSON record, or None if none came
    arrays: list = field(default_factory=list)  # one per call: name -> ndarray
    seconds: float = 0.0
    hidden: bool = False  # the run held hidden inputs: nothing of it but scores and fixed words may reach a student
    reached_calls: bool = False  # the cells were all run (whatever they did) and the calls began
    timed_out: bool = False  # ended by the run's time limit


class Sandbox:
    """Where one submission's children run. Each `run` is a fresh child; `close` ends whatever they left.

    fork_server: fork each child from the zygote's interpreter, its imports done (fast), instead of starting a new
    interpreter per run. contained: use bubblewrap (None: where it works here). scratch_root: where the scratch
    folder goes when bubblewrap is not used. log: where the one warning goes when bubblewrap is missing (default:
    this module's logger)."""

    def __init__(self, limits=Limits(), python=None, fork_server=True, scratch_root=None, contained=None, log=None):
        # Normalised: a path through ".." (python started as ../.venv/bin/python) names no file in bubblewrap,
        # which binds the installation alone, so the sandbox would not start. Not resolved: a venv's python is a link.
        self.limits, self.python = limits, os.path.normpath(os.path.abspath(python or sys.executable))
        self.fork_server, self.scratch_root, self.log = fork_server, scratch_root, log or _LOG
        if contained is None:
            contained, reason = bubblewrap.works(self.python, launch.CHILD, launch.PACKAGE)
            if not contained:
                warn_once(self.log, reason)
        self.contained = contained
        self.supervisor = None
        self.held_hidden = False  # the supervisor has held a job with hidden inputs

    def run(self, job):
        """Run a job.Job in a new child; return the ChildRun."""
        document, arrays = job.to_data()
        limit = self.limits.run_seconds(job)
        document["limits"] = self.limits.for_child(limit)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        started = time.perf_counter()
        if self.supervisor is not None and self.held_hidden and not job.hidden:
            self.close()  # a fresh supervisor, which never held hidden inputs
        try:
            if self.supervisor is None:
                self.supervisor = launch.Supervisor(zygote.shared(self.python, self.contained, self.scratch_root),
                                                    self.fork_server, self.limits.memory_mb * 2 ** 20,
                                                    self.limits.processes)
                self.held_hidden = False
            self.held_hidden = self.held_hidden or job.hidden
            reply = self.supervisor.run(json.dumps(document).encode(), buffer.getvalue(), len(job.calls), limit,
                                        self.limits.scratch_mb * 2 ** 20)
        except (launch.SupervisorGone, zygote.ZygoteGone) as error:
            self.supervisor = None  # closed already; the next run starts a new one
            run = read_results({}, len(job.calls))
            run.ending, run.seconds, run.hidden = f"was stopped: {error}", time.perf_counter() - started, job.hidden
            return run
        run = read_results(reply.files, len(job.calls))
        run.protections = self.protections() + run.protections
        run.seconds, run.hidden, run.timed_out = time.perf_counter() - started, job.hidden, reply.timed_out
        if reply.broken:
            run.finished = False
            run.ending = ("broke the grader's protocol" + ("" if job.hidden else f" ({reply.broken})")
                          + ": every result of this run is discarded, so it scores 0")
        elif not run.finished:
            returncode = None if reply.status is None else _exit_code(reply.status)
            run.ending = describe_ending(returncode, reply.timed_out, limit, self.limits, job.hidden)
        return run

    def protections(self):
        """What holds the whole submission (the child reports its own layers)."""
        found = (["bubblewrap: own PID, IPC, network, UTS, mount and user namespaces, uid 65534"] if self.contained
                 else [])
        return found + (self.supervisor.protections if self.supervisor else [])

    def close(self):
        if self.supervisor is not None:
            self.supervisor.close()
            self.supervisor = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def warn_once(log, reason):
    """Say once per process, loudly, that submissions run without bubblewrap."""
    if not _WARNED:
        _WARNED.append(reason)
        log.warning("%s: student code runs WITHOUT bubblewrap's namespaces (it can reach the network over UDP, "
                    "leave SysV objects and keys behind, and see other processes); only rlimits, Landlock and "
                    "a cgroup where available hold it. Install bubblewrap (Debian: apt-get install bubblewrap).",
                    reason)


def _exit_code(status):
    try:
        return os.waitstatus_to_exitcode(status)
    except ValueError:
        return None


def describe_ending(returncode, timed_out, seconds, limits, hidden=False):
    """How a child that did not finish ended, in words for the student. A run that held hidden inputs gets fixed
    words: its exit code or signal was the student's code's choice, and could spell out what it held."""
    if timed_out:
        return "did not finish in time" if hidden else f"did not finish within {seconds:g} s (an endless loop?)"
    if hidden:
        return "ended before it finished (a crash, os._exit, or a limit)"
    if returncode is not None and returncode < 0:
        number = -returncode
        known = {signal.SIGSEGV: "crashed (a segmentation fault)", signal.SIGABRT: "aborted",
                 signal.SIGXCPU: f"used more than {math.ceil(seconds):g} s of CPU time",
                 signal.SIGXFSZ: f"wrote a file larger than {limits.file_mb} MB",
                 signal.SIGKILL: "was killed (out of CPU time or memory)",
                 signal.SIGBUS: "crashed (a bus error)", signal.SIGFPE: "crashed (a floating-point trap)"}
        return known.get(number, f"was stopped by signal {number}")
    return f"ended before it finished (os._exit or a crash; exit code {returncode})"


def _read_json(data):
    if data is None or len(data) > _MAX_RESULT_BYTES:
        return None
    try:
        value = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _read_arrays(data):
    """name -> float64 array from an .npz's bytes, or {} for anything else (pickles, zip bombs, garbage)."""
    if data is None or len(data) > _MAX_RESULT_BYTES:
        return {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:  # what it unpacks to, before unpacking it: no zip bombs
            if sum(member.file_size for member in archive.infolist()) > 4 * _MAX_RESULT_BYTES:
                return {}
        with np.load(io.BytesIO(data), allow_pickle=False) as loaded:
            return {name: loaded[name] for name in loaded.files}
    except Exception:  # a malformed archive raises whatever zipfile or numpy raises; it is just not a result
        return {}


def read_results(files, count):
    """A ChildRun from the result files' bytes (name -> bytes, as the supervisor sent them)."""
    start = _read_json(files.get("start.json")) or {}
    cells = _read_json(files.get("cells.json")) or {}
    run = ChildRun(finished="done.json" in files, ending="", reached_calls="cells.json" in files,
                   protections=[str(p)[:200] for p in start.get("protections", []) if isinstance(p, str)][:20]
                   if isinstance(start.get("protections"), list) else [],
                   cell_failures=_dicts(cells.get("failures"), 200), cell_outputs=_dicts(cells.get("outputs"), 200),
                   tests=_dicts(cells.get("tests"), 200))
    at = (_read_json(files.get("at.json")) or {}).get("cell")
    run.at_cell = at if isinstance(at, int) and not isinstance(at, bool) else 0
    for k in range(count):
        record = _read_json(files.get(f"case-{k}.json"))
        run.records.append(record)
        run.arrays.append(_read_arrays(files.get(f"case-{k}.npz")) if record is not None else {})
    return run


def _dicts(value, limit):
    return [item for item in value if isinstance(item, dict)][:limit] if isinstance(value, list) else []
