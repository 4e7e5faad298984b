"""Running one exercise of one submission in a sandboxed child process, and reading back what it left.

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

    finished: bool  # reached the end of every case
    ending: str  # how the process ended, in words ("" when it finished)
    protections: list = field(default_factory=list)
    cell_failures: list = field(default_factory=list)  # [{cell, error, message}] as the child reported them
    records: list = field(default_factory=list)  # one per case: the child's JSON record, or None if none came
    arrays: list = field(default_factory=list)  # one per case: name -> ndarray
    seconds: float = 0.0


def run_exercise(exercise, cells, cases, references, limits=Limits(), python=None, scratch_root=None,
                 fork_server=True):
    """Run `cells` (source strings) then call `exercise` on each case in a sandboxed child.

    cases: [(call, arrays)], call a JSON-able dict, arrays a dict of ndarrays.
    references: name -> source of the grader's functions the child may put in place of the student's.
    fork_server: fork the child from a pristine interpreter kept for the purpose (forkserver.py) rather than
    start a new one: the same child, without 0.2 s of start-up.
    """
    python = python or sys.executable
    scratch = tempfile.mkdtemp(prefix="gradlab-sandbox-", dir=scratch_root)
    try:
        os.mkdir(os.path.join(scratch, "out"))
        _write_job(scratch, exercise, cells, cases, references, limits)
        started = time.perf_counter()
        returncode, timed_out = launch.run_child(scratch, limits.wall_seconds, python, fork_server)
        run = _read_results(os.path.join(scratch, "out"), len(cases))
        run.seconds = time.perf_counter() - started
        if not run.finished:
            run.ending = describe_ending(returncode, timed_out, limits)
        return run
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _write_job(scratch, exercise, cells, cases, references, limits):
    calls, arrays = [], {}
    for k, (call, case_arrays) in enumerate(cases):
        names = {}
        for name, value in case_arrays.items():
            names[name] = f"c{k}_{name}"
            arrays[names[name]] = np.asarray(value)
        calls.append(dict(call, arrays=names))
    job = {"exercise": exercise, "cells": list(cells), "cases": calls, "references": dict(references),
           "limits": limits.for_child()}
    with open(os.path.join(scratch, "job.json"), "w") as handle:
        json.dump(job, handle)
    with open(os.path.join(scratch, "inputs.npz"), "wb") as handle:
        np.savez(handle, **arrays)


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
                   cell_failures=[f for f in cells.get("failures", []) if isinstance(f, dict)][:200])
    for k in range(count):
        record = _read_json(os.path.join(out, f"case-{k}.json"))
        run.records.append(record)
        run.arrays.append(_read_arrays(os.path.join(out, f"case-{k}.npz")) if record is not None else {})
    return run
