"""Starting one submission's supervisor (child/supervisor.py), talking to it, and making sure it ends.

The supervisor runs in bubblewrap where bubblewrap works (bubblewrap.py), else directly as the grader's user
(today's protections: rlimits, Landlock, a session of its own); either way in a control group of its own where
the machine offers one (cgroups.py). The grader never opens a file a child wrote: the supervisor reads them (the
children dead by then) and sends them down a pipe, which the grader reads with a deadline and a bound.
"""
from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import tempfile
import time
import weakref
from dataclasses import dataclass, field

from . import bubblewrap
from .cgroups import Cgroup
from .child import untrusted

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child")
PACKAGE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # gradlab/
START_SECONDS = 60.0  # for the supervisor to start (an interpreter, numpy) on a busy machine
GRACE_SECONDS = 15.0  # past a run's wall time, for the supervisor to kill what is left and send the results
_HEADER_BYTES = 1 << 16


class SupervisorGone(RuntimeError):
    """The supervisor did not start, stopped, or broke the protocol: the sandbox is ended."""


@dataclass
class Reply:
    status: int | None  # os.waitpid's status of the child, None if it never ran
    timed_out: bool
    broken: str = ""  # how the run broke the result protocol ("" if it did not)
    files: dict = field(default_factory=dict)  # name -> bytes


def child_environment(home):
    """A minimal environment: no PYTHONPATH or the grader's variables; one thread per numerical library, so
    that a child uses one core and the memory limit is not spent on thread buffers."""
    single = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                     "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}
    return dict(single, PATH="/usr/bin:/bin", HOME=home, TMPDIR=home, MPLCONFIGDIR=home,
                MPLBACKEND="Agg", LANG="C.UTF-8", PYTHONHASHSEED="0")


class Supervisor:
    """One submission's supervisor process and everything around it (sandbox, cgroup, scratch folder)."""

    def __init__(self, python, fork, memory_bytes, processes, scratch_bytes, contained, scratch_root=None):
        self.owner = os.getpid()
        self.cgroup = Cgroup.create(memory_bytes + 2 ** 26, processes)  # the supervisor's own 64 MiB on top
        self.scratch = None
        if contained:
            root, results = bubblewrap.SCRATCH, bubblewrap.RESULTS
            argv = bubblewrap.command(python, CHILD, PACKAGE, scratch_bytes)
        else:
            self.scratch = tempfile.mkdtemp(prefix="gradlab-sandbox-", dir=scratch_root)
            root, results = os.path.join(self.scratch, "runs"), os.path.join(self.scratch, "results")
            os.mkdir(root)
            os.mkdir(results)
            argv = []
        argv += [python, "-I", CHILD, "--supervise", root, results, "fork" if fork else "exec"]
        try:
            self.process = subprocess.Popen(argv, cwd=self.scratch or "/", env=child_environment(root),
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
                                            preexec_fn=self.cgroup.join if self.cgroup else None)
        except (OSError, subprocess.SubprocessError) as error:
            self._release()
            raise SupervisorGone(f"the sandbox did not start: {error}") from None
        self.buffer = b""
        _LIVE.add(self)
        if self._line(START_SECONDS) != b'{"ready": true}':
            self.close()
            raise SupervisorGone("the sandbox did not start")

    @property
    def protections(self):
        return [self.cgroup.description] if self.cgroup else []

    def run(self, job, inputs, calls, wall_seconds):
        """Send one job; return the Reply. Raises SupervisorGone (after closing) when no valid reply came."""
        header = {"wall": wall_seconds, "calls": calls, "job": len(job), "inputs": len(inputs)}
        try:
            self.process.stdin.write(json.dumps(header).encode() + b"\n" + job + inputs)
            self.process.stdin.flush()
        except OSError:
            self.close()
            raise SupervisorGone("the sandbox stopped") from None
        deadline = time.monotonic() + wall_seconds + GRACE_SECONDS
        try:
            reply = json.loads(self._line(deadline - time.monotonic()))
            names = [(str(name), int(size)) for name, size in reply["files"]]
            status = reply["status"]
            if sum(size for _, size in names) > untrusted.TOTAL_BYTES or any(size < 0 for _, size in names) or not (
                    status is None or isinstance(status, int)):
                raise ValueError("results out of bounds")
            files = {name: self._exactly(size, deadline) for name, size in names}
            return Reply(status, bool(reply["timed_out"]), str(reply.get("broken") or "")[:300], files)
        except (ValueError, KeyError, TypeError) as error:
            self.close()
            raise SupervisorGone(f"the sandbox broke the protocol ({error})") from None

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self.process.stdout], [], [], left)[0]:
            self.close()
            raise SupervisorGone("the sandbox did not answer in time")
        chunk = os.read(self.process.stdout.fileno(), 1 << 20)
        if not chunk:
            self.close()
            raise SupervisorGone("the sandbox stopped")
        self.buffer += chunk

    def _line(self, seconds):
        deadline = time.monotonic() + seconds
        while b"\n" not in self.buffer:
            if len(self.buffer) > _HEADER_BYTES:
                self.close()
                raise SupervisorGone("the sandbox broke the protocol (a header too long)")
            self._fill(deadline)
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def _exactly(self, size, deadline):
        while len(self.buffer) < size:
            self._fill(deadline)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def close(self):
        """End the supervisor and every process of the submission; remove its scratch folder and cgroup."""
        if self.owner != os.getpid():
            return  # a copy inherited through fork: the sandbox is its parent's to end
        _LIVE.discard(self)
        process = getattr(self, "process", None)
        if process is not None:
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            try:
                os.killpg(process.pid, signal.SIGKILL)  # bwrap, or the supervisor: its children die with it
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
        self._release()

    def _release(self):
        if self.cgroup is not None:
            self.cgroup.remove()  # whatever escaped the process group (a double fork, setsid)
            self.cgroup = None
        if self.scratch is not None:
            untrusted.remove_tree(self.scratch)
            self.scratch = None


_LIVE = weakref.WeakSet()


@atexit.register
def close_servers():
    """End this process's sandboxes (a forked process leaves its parent's alone)."""
    for supervisor in list(_LIVE):
        supervisor.close()
