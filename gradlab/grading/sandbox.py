"""Running a submission's code in sandboxed child processes (a `Sandbox` per submission, a child per job), and
reading back what each child left.

The child is a fresh interpreter (`python -I`, no site or user paths, a minimal environment; see launch.py)
working in a scratch directory, in a session of its own so that everything it starts can be killed together. It confines
itself before running student code (child/confine.py: memory, CPU and file-size limits, no core files, no
capabilities, and a Landlock view of the Python installation and the scratch directory only). The grader
waits at most `wall_seconds`, kills the whole process group either way, and reads back JSON and float64
arrays (np.load with allow_pickle=False): never a pickle, never an object the student's code made.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import signal
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field

import numpy as np

from . import launch

_MAX_RESULT_BYTES = 16 * 2 ** 20  # a result file bigger than this is not read


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 20.0  # the whole child: start-up, cells and every call
    cell_seconds: float = 5.0  # one code cell
    call_seconds: float = 5.0  # one call of the student's function
    memory_mb: int = 1024  # address space
    file_mb: int = 64  # largest file the child may write

    def for_child(self):
        return {"memory_bytes": int(self.memory_mb) * 2 ** 20, "cpu_seconds": int(math.ceil(self.wall_seconds)),
                "file_bytes": int(self.file_mb) * 2 ** 20, "cell_seconds": float(self.cell_seconds),
                "call_seconds": float(self.call_seconds)}


@dataclass
class ChildRun:
    """What a child left behind. Everything in it came from the child, so it is data to check, not to trust."""

    finished: bool  # reached the end of every call
    ending: str  # how the process ended, in words ("" when it finished)
    protections: list = field(default_factory=list)
    cell_failures: list = field(default_factory=list)  # [{cell, error, message}] as the child reported them
    cell_outputs: list = field(default_factory=list)  # [{cell, stdout, stderr, truncated}] when the job captured them
    tests: list = field(default_factory=list)  # [{test, status, error, message, stdout, stderr, value}] of test cells
    at_cell: int = 0  # the last cell the child started (counting from 1): where a run that ended early was
    records: list = field(default_factory=list)  # one per call: the child's JSON record, or None if none came
    arrays: list = field(default_factory=list)  # one per call: name -> ndarray
    seconds: float = 0.0


class Sandbox:
    """Where one submission's children run. Each `run` is a fresh child; `close` ends whatever they left."""

    def __init__(self, limits=Limits(), python=None, fork_server=True, scratch_root=None):
        self.limits, self.python = limits, python or sys.executable
        self.fork_server, self.scratch_root = fork_server, scratch_root

    def run(self, job):
        """Run a job.Job in a new child; return the ChildRun."""
        scratch = tempfile.mkdtemp(prefix="gradlab-sandbox-", dir=self.scratch_root)
        try:
            os.mkdir(os.path.join(scratch, "out"))
            document, arrays = job.to_data()
            document["limits"] = self.limits.for_child()
            with open(os.path.join(scratch, "job.json"), "w") as handle:
                json.dump(document, handle)
            with open(os.path.join(scratch, "inputs.npz"), "wb") as handle:
                np.savez(handle, **arrays)
            started = time.perf_counter()
            returncode, timed_out = launch.run_child(scratch, self.limits.wall_seconds, self.python, self.fork_server)
            run = _read_results(os.path.join(scratch, "out"), len(job.calls))
            run.seconds = time.perf_counter() - started
            if not run.finished:
                run.ending = describe_ending(returncode, timed_out, self.limits)
            return run
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def describe_ending(returncode, timed_out, limits):
    """How a child that did not finish ended, in words for the student."""
    if timed_out:
        return f"did not finish within {limits.wall_seconds:g} s (an endless loop?)"
    if returncode is not None and returncode < 0:
        number = -returncode
        known = {signal.SIGSEGV: "crashed (a segmentation fault)", signal.SIGABRT: "aborted",
                 signal.SIGXCPU: f"used more than {limits.wall_seconds:g} s of CPU time",
                 signal.SIGXFSZ: f"wrote a file larger than {limits.file_mb} MB",
                 signal.SIGKILL: "was killed (out of CPU time or memory)",
                 signal.SIGBUS: "crashed (a bus error)", signal.SIGFPE: "crashed (a floating-point trap)"}
        return known.get(number, f"was stopped by signal {number}")
    return f"ended before it finished (os._exit or a crash; exit code {returncode})"


def _read_json(path):
    try:
        if os.path.getsize(path) > _MAX_RESULT_BYTES:
            return None
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except (OSError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _read_arrays(path):
    try:
        if os.path.getsize(path) > _MAX_RESULT_BYTES:
            return {}
        with zipfile.ZipFile(path) as archive:  # what it unpacks to, before unpacking it: no zip bombs
            if sum(member.file_size for member in archive.infolist()) > 4 * _MAX_RESULT_BYTES:
                return {}
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError, KeyError, EOFError):
        return {}
    except Exception:  # a malformed archive raises whatever zipfile raises; it is just not a result
        return {}


def _read_results(out, count):
    start = _read_json(os.path.join(out, "start.json")) or {}
    cells = _read_json(os.path.join(out, "cells.json")) or {}
    run = ChildRun(finished=os.path.exists(os.path.join(out, "done.json")), ending="",
                   protections=[str(p) for p in start.get("protections", []) if isinstance(p, str)][:10],
                   cell_failures=_dicts(cells.get("failures"), 200), cell_outputs=_dicts(cells.get("outputs"), 200),
                   tests=_dicts(cells.get("tests"), 200))
    at = (_read_json(os.path.join(out, "at.json")) or {}).get("cell")
    run.at_cell = at if isinstance(at, int) and not isinstance(at, bool) else 0
    for k in range(count):
        record = _read_json(os.path.join(out, f"case-{k}.json"))
        run.records.append(record)
        run.arrays.append(_read_arrays(os.path.join(out, f"case-{k}.npz")) if record is not None else {})
    return run


def _dicts(value, limit):
    return [item for item in value if isinstance(item, dict)][:limit] if isinstance(value, list) else []
