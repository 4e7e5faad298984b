"""Starting a sandboxed child and making sure it ends: directly (`python -I child/ SCRATCH`) or forked from a
fork server (child/forkserver.py) that this process keeps. Either way the child runs in a session of its own,
with a minimal environment, and its whole process group is killed when it finishes or runs out of time.
"""
from __future__ import annotations

import atexit
import os
import select
import signal
import subprocess
import tempfile
import time

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child")
_REPLY_SECONDS = 30.0  # how long the fork server may take to answer anything but the end of a child


class ForkServerGone(RuntimeError):
    """The fork server stopped answering; the child is started directly instead."""


def child_environment(scratch):
    """A minimal environment: no PYTHONPATH or the grader's variables; one thread per numerical library, so
    that a child uses one core and the memory limit is not spent on thread buffers."""
    single = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                     "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}
    return dict(single, PATH="/usr/bin:/bin", HOME=scratch, TMPDIR=scratch, MPLCONFIGDIR=scratch,
                MPLBACKEND="Agg", LANG="C.UTF-8", PYTHONHASHSEED="0")


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_child(scratch, wall_seconds, python, fork_server=True):
    """Run the child on `scratch`; return (returncode, timed_out). returncode < 0: killed by that signal."""
    if fork_server:
        try:
            return server_for(python).run(scratch, wall_seconds)
        except ForkServerGone:
            _SERVERS.pop(python).close()
    return _run_directly(scratch, wall_seconds, python)


def _run_directly(scratch, wall_seconds, python):
    process = subprocess.Popen([python, "-I", CHILD, scratch], cwd=scratch, env=child_environment(scratch),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, close_fds=True)
    timed_out = False
    try:
        process.wait(timeout=wall_seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        kill_group(process.pid)  # finished or not, nothing the child started outlives the grading
        process.wait()
    return process.returncode, timed_out


class ForkServer:
    """One fork server process, used by one grading process for one exercise at a time."""

    def __init__(self, python):
        home = tempfile.gettempdir()
        self.owner = os.getpid()
        self.process = subprocess.Popen([python, "-I", CHILD, "--serve"], cwd=home, env=child_environment(home),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        start_new_session=True, close_fds=True)
        self.buffer = b""

    def alive(self):
        return self.owner == os.getpid() and self.process.poll() is None

    def run(self, scratch, wall_seconds):
        try:
            self.process.stdin.write(scratch.encode() + b"\n")
            self.process.stdin.flush()
        except OSError as error:
            raise ForkServerGone(str(error)) from None
        pid = int(self._line(_REPLY_SECONDS))
        ended = self._line(wall_seconds, required=False)
        timed_out = ended is None
        if timed_out:
            kill_group(pid)
            ended = self._line(_REPLY_SECONDS)
        kill_group(pid)
        _, status = ended.split()
        return os.waitstatus_to_exitcode(int(status)), timed_out

    def _line(self, seconds, required=True):
        deadline = time.monotonic() + seconds
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            ready = select.select([self.process.stdout], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                if required:
                    self.close()
                    raise ForkServerGone("the fork server did not answer")
                return None
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                self.close()
                raise ForkServerGone("the fork server ended")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def close(self):
        if self.owner != os.getpid():
            return  # a copy inherited through fork: the server is its parent's to stop
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        kill_group(self.process.pid)
        self.process.wait()


_SERVERS = {}


@atexit.register
def close_servers():
    """Stop this process's fork servers (a forked process leaves its parent's alone)."""
    for python, server in list(_SERVERS.items()):
        server.close()
        _SERVERS.pop(python, None)


def server_for(python):
    """This process's fork server for `python` (a new one after a fork: a server belongs to one process)."""
    server = _SERVERS.get(python)
    if server is not None and not server.alive():
        server.close()
        server = None
    if server is None:
        server = _SERVERS[python] = ForkServer(python)
    return server
