"""One run, from its child's start to its results: the monitor is the first process of the run's own namespaces (pid
1 of its PID namespace, isolation.py) and never runs student code.

It starts the child (forked from this interpreter, which has numpy and the preloaded modules imported: a few ms; or,
with `exec`, a new interpreter), waits for it at most the run's time limit in charged time (charged.py: a child that
waits for a core is not charged for it), then kills every process the run left, reads the result files with the care
untrusted.py takes, and reports them to the supervisor on a pipe: a JSON line {"status": WAITSTATUS or null,
"timed_out": BOOL, "broken": WHY or "", "alone": BOOL, "files": [[NAME, BYTES], ...]} followed by the files'
bytes ("alone": the run had a PID namespace of its own, so nothing of it is left).

As pid 1, killing every process the run left is one kill(-1) (and when pid 1 ends, the kernel kills whatever is left
in its namespace). Without a PID namespace of its own (the kernel refused one), the monitor is a child subreaper:
orphans are handed to it, and it kills them generation by generation until it has no child left.
"""
import json
import os
import random
import select
import signal
import sys
import tempfile
import time

import charged
import isolation
import untrusted

_PR_SET_CHILD_SUBREAPER = 36
CHILD = os.path.dirname(os.path.abspath(__file__))
_PID_SECONDS = 60.0  # for a child to say its pid: a new interpreter's start, on a busy machine


def result_names(calls):
    return ["start.json", "at.json", "cells.json", "done.json"] + [f"case-{k}.{kind}" for k in range(calls)
                                                                   for kind in ("json", "npz")]


def _forked_child(run_dir, out_dir, pid_fd, reading, run, isolated):
    """In the forked child: nothing inherited but what it needs, a session of its own, output to /dev/null, fresh
    random state; then the job."""
    isolation.close_descriptors([pid_fd] + ([reading] if reading is not None else []))
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.environ.update(HOME=run_dir, TMPDIR=run_dir, MPLCONFIGDIR=run_dir)
    tempfile.tempdir = None
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    run(run_dir, out_dir, pid_fd, reading, isolated)


def start_child(run_dir, out_dir, pid_fd, reading, run, isolated):
    """Start the child on `run_dir`: forked (when `run` is given) or as a new interpreter. Returns its pid."""
    if run is None:
        null = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
        env = dict(os.environ, HOME=run_dir, TMPDIR=run_dir, MPLCONFIGDIR=run_dir)
        os.set_inheritable(pid_fd, True)
        argv = [sys.executable, "-I", CHILD, run_dir, out_dir, str(pid_fd), json.dumps(isolated)]
        return os.posix_spawn(sys.executable, argv, env, file_actions=null, setsid=True)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            _forked_child(run_dir, out_dir, pid_fd, reading, run, isolated)
        except BaseException:  # noqa: B036  (the grader sees a non-zero exit and reads what was written)
            code = 70
        os._exit(code)
    return pid


def _outer_pid(fd):
    """The child's pid as /proc names it (its first words on the pipe), or None if it said nothing in time."""
    if not select.select([fd], [], [], _PID_SECONDS)[0]:
        return None
    try:
        return int(os.read(fd, 32).decode() or "x")
    except (OSError, ValueError):
        return None


def wait_for(pid, seconds, clock):
    """(wait status, timed out): the child's end, or SIGKILL to it once it has been charged `seconds`."""
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):
        handle = None
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status, False
            left = seconds - clock.elapsed()
            if left <= 0:
                for kill in (os.killpg, os.kill):
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                return os.waitpid(pid, 0)[1], True
            if handle is not None:
                select.select([handle], [], [], left)
            else:
                time.sleep(min(left, 0.01))
    finally:
        if handle is not None:
            os.close(handle)


def children():
    """The pids of this process's children (living or not yet reaped), from /proc."""
    me, found = os.getpid(), []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 1 and int(fields[1]) == me:
            found.append(int(name))
    return found


def end_everything():
    """Kill every process the run left and reap them."""
    if os.getpid() == 1:  # the run's own PID namespace: everything in it but this process
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
    for _ in range(10000):  # orphans come to this subreaper, so each round kills one more generation
        left = children()
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in left:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def collect(out_dir, calls):
    """([(name, bytes)] of the result files in out_dir, each checked and bounded; what broke the protocol, or ""
    when nothing did). A result file that is not a regular file, or too long, breaks it."""
    found, total = [], 0
    try:
        out = untrusted.open_directory(out_dir)
    except OSError:
        return found, "the results folder was replaced or removed"
    try:
        for name in result_names(calls):
            data = untrusted.read_regular(out, name, min(untrusted.FILE_BYTES, untrusted.TOTAL_BYTES - total))
            if data is not None:
                found.append((name, data))
                total += len(data)
    except untrusted.NotAResult as error:
        return [], str(error)
    finally:
        os.close(out)
    return found, ""


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def monitor(run_dir, out_dir, request, report_fd, reading, run, isolated):
    """The run: start the child, wait for it, end everything, report the results on `report_fd`."""
    isolation.prctl(_PR_SET_CHILD_SUBREAPER, 1)
    pid_read, pid_write = os.pipe()
    status, timed_out = None, False
    try:
        pid = start_child(run_dir, out_dir, pid_write, reading, run, isolated)
        os.close(pid_write)
        outer = _outer_pid(pid_read)
        clock = charged.ChargedClock(outer if outer is not None else "self")
        status, timed_out = wait_for(pid, float(request["limit"]), clock)
    except OSError:
        pass  # no process to start: the run gives nothing
    finally:
        end_everything()
    files, broken = collect(out_dir, int(request["calls"]))
    header = {"status": status, "timed_out": timed_out, "broken": broken, "alone": os.getpid() == 1,
              "files": [[name, len(data)] for name, data in files]}
    _write_all(report_fd, json.dumps(header).encode() + b"\n" + b"".join(data for _, data in files))
