"""The supervisor of one submission's children: `python -I <child directory> --supervise ROOT RESULTS fork|exec`.

One per submission, started by the grader (launch.py), inside bubblewrap where it works. No student code ever
runs in it. For each job the grader sends, it makes a fresh run folder under ROOT, starts a child there (forked
from this interpreter, which has numpy imported: a few ms instead of 0.2 s; or, with `exec`, a new interpreter)
with a results folder under RESULTS (another file system in bubblewrap, so that files a submission writes in
its run folder cannot take the room its results need), waits for it at most the job's wall time, then kills
every process the child left, reads the result files with the care untrusted.py takes, sends them back and
removes both folders.

Every process a child starts stays a descendant of the supervisor, even after a double fork and setsid: the
supervisor is a child subreaper, so orphans are handed to it, and it kills them generation by generation until
it has no child left. So nothing a run started survives it, and the next run starts from a clean slate.

Protocol on stdin/stdout. The supervisor first writes one JSON line {"ready": true}. Then, per job, the grader
writes a JSON line {"wall": SECONDS, "calls": N, "job": BYTES, "inputs": BYTES} followed by job.json and
inputs.npz; the supervisor answers with a JSON line {"status": WAITSTATUS or null, "timed_out": BOOL,
"broken": WHY or "", "files": [[NAME, BYTES], ...]} followed by the files' bytes ("broken": a result
file was not a regular file or was too long, and no file is sent). It stops at the end of its input.
"""
import ctypes
import json
import os
import random
import select
import signal
import sys
import tempfile
import time

import untrusted

_PR_SET_DUMPABLE, _PR_SET_CHILD_SUBREAPER = 4, 36
CHILD = os.path.dirname(os.path.abspath(__file__))


def result_names(calls):
    return ["start.json", "at.json", "cells.json", "done.json"] + [f"case-{k}.{kind}" for k in range(calls)
                                                        for kind in ("json", "npz")]


def _prctl(option, value):
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _forked_child(run_dir, out_dir, run):
    """In the forked child: a session of its own, output to /dev/null, fresh random state; then the job."""
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
    run(run_dir, out_dir)


def start_child(run_dir, out_dir, run):
    """Start the child on `run_dir`: forked (when `run` is given) or as a new interpreter. Returns its pid."""
    if run is None:
        null = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
        env = dict(os.environ, HOME=run_dir, TMPDIR=run_dir, MPLCONFIGDIR=run_dir)
        return os.posix_spawn(sys.executable, [sys.executable, "-I", CHILD, run_dir, out_dir], env,
                              file_actions=null, setsid=True)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            _forked_child(run_dir, out_dir, run)
        except BaseException:  # noqa: B036  (the grader sees a non-zero exit and reads what was written)
            code = 70
        os._exit(code)
    return pid


def wait_for(pid, seconds):
    """(wait status, timed out): the child's end, or SIGKILL to its process group after `seconds`."""
    deadline = time.monotonic() + seconds
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):
        handle = None
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status, False
            left = deadline - time.monotonic()
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


def sweep():
    """Kill every descendant: orphans come to this subreaper, so each round kills one more generation."""
    for _ in range(10000):
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


def collect(results_dir, calls):
    """([(name, bytes)] of the result files in results_dir/out, each checked and bounded; what broke the
    protocol, or "" when nothing did). A result file that is not a regular file, or too long, breaks it."""
    found, total = [], 0
    try:
        top = untrusted.open_directory(results_dir)
    except OSError:
        return found, "the results folder was replaced"
    try:
        out = untrusted.open_directory("out", dir_fd=top)
    except OSError:
        os.close(top)
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
        os.close(top)
    return found, ""


def _exactly(stream, count):
    data = stream.read(count)
    if len(data) != count:
        raise EOFError("the grader stopped sending")
    return data


def serve(root, results_root, run):
    """Answer jobs until the grader closes stdin. `run(run_dir, out_dir)`: the job in a forked child; None:
    a new interpreter each time."""
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    _prctl(_PR_SET_DUMPABLE, 0)  # no child may ptrace this process or read its memory through /proc
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    replies.write(b'{"ready": true}\n')
    replies.flush()
    while True:
        line = requests.readline(1 << 16)
        if not line:
            return
        request = json.loads(line)
        job, inputs = _exactly(requests, request["job"]), _exactly(requests, request["inputs"])
        run_dir = tempfile.mkdtemp(prefix="run-", dir=root)
        results_dir = tempfile.mkdtemp(prefix="run-", dir=results_root)
        status, timed_out = None, False
        try:
            for name, data in (("job.json", job), ("inputs.npz", inputs)):
                with open(os.path.join(run_dir, name), "wb") as handle:
                    handle.write(data)
            os.mkdir(os.path.join(results_dir, "out"))
            pid = start_child(run_dir, os.path.join(results_dir, "out"), run)
            status, timed_out = wait_for(pid, float(request["wall"]))
        except OSError:
            pass  # no room left to write the job, or no process to start: the run gives nothing
        finally:
            sweep()
        files, broken = collect(results_dir, int(request["calls"]))
        untrusted.remove_tree(run_dir)
        untrusted.remove_tree(results_dir)
        header = {"status": status, "timed_out": timed_out, "broken": broken,
                  "files": [[name, len(data)] for name, data in files]}
        replies.write(json.dumps(header).encode() + b"\n")
        for _, data in files:
            replies.write(data)
        replies.flush()
