"""The grader's zygote (child/zygote.py): one sandboxed process per grader process and interpreter, started on first
use and kept, that has imported what every run needs and forks a supervisor for each submission.

A submission then costs a fork, not a sandbox's and an interpreter's start and numpy's import (about a quarter of a
second of CPU), and each run costs a fork of a process that has everything imported. The zygote runs in bubblewrap
where bubblewrap works (bubblewrap.py), else directly as the grader's user; it never runs student code, and never
holds a submission's data: what it forks is as pristine as it is.
"""
from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import subprocess
import tempfile
import threading

from . import bubblewrap
from .child import untrusted

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child")
PACKAGE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # gradlab/
START_SECONDS = 60.0  # for the zygote to start (an interpreter, numpy, the preloaded modules) on a busy machine
# What every run of a gradlab course imports: imported once in the zygote rather than in every run (gradlab alone
# is about 60 ms of CPU). Only the library: its reference modules are refused in the child (child/references.py).
PRELOAD = ("numpy", "gradlab")


class ZygoteGone(RuntimeError):
    """The zygote did not start, or stopped."""


def child_environment(home):
    """A minimal environment: no PYTHONPATH or the grader's variables; one thread per numerical library, so
    that a child uses one core and the memory limit is not spent on thread buffers."""
    single = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                     "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}
    return dict(single, PATH="/usr/bin:/bin", HOME=home, TMPDIR=home, MPLCONFIGDIR=home,
                MPLBACKEND="Agg", LANG="C.UTF-8", PYTHONHASHSEED="0")


class Zygote:
    """The zygote process and its socket. `spawn` gives a new supervisor's socket."""

    def __init__(self, python, contained, scratch_root=None, preload=PRELOAD):
        self.owner, self.lock, self.scratch = os.getpid(), threading.Lock(), None
        if contained:
            roots = (bubblewrap.SCRATCH, bubblewrap.RESULTS)
            argv = bubblewrap.command(python, CHILD, PACKAGE)
        else:
            self.scratch = tempfile.mkdtemp(prefix="gradlab-sandbox-", dir=scratch_root)
            roots = (os.path.join(self.scratch, "runs"), os.path.join(self.scratch, "results"))
            for root in roots:
                os.mkdir(root)
            argv = []
        self.socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv += [python, "-I", CHILD, "--zygote", str(theirs.fileno()), *roots, ",".join(preload)]
        try:
            self.process = subprocess.Popen(argv, cwd=self.scratch or "/", env=child_environment(roots[0]),
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True,
                                            pass_fds=[theirs.fileno()])
        except (OSError, subprocess.SubprocessError) as error:
            self.process = None
            self.close()
            raise ZygoteGone(f"the sandbox did not start: {error}") from None
        finally:
            theirs.close()
        if not select.select([self.socket], [], [], START_SECONDS)[0] or self.socket.recv(64) != b'{"ready": true}':
            self.close()
            raise ZygoteGone("the sandbox did not start")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def spawn(self, request):
        """A new supervisor, forked by the zygote: the grader's end of its socket (credentials passed, so that
        its first message says its pid)."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        mine.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        try:
            with self.lock:
                socket.send_fds(self.socket, [json.dumps(request).encode()], [theirs.fileno()])
        except OSError as error:
            mine.close()
            raise ZygoteGone(f"the sandbox stopped: {error}") from None
        finally:
            theirs.close()
        return mine

    def close(self):
        """End the zygote (the supervisors it forked end with it, or with their sockets)."""
        if self.owner != os.getpid():
            return  # a copy inherited through fork: the zygote is its parent's to end
        self.socket.close()
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # bwrap, or the zygote: its children die with it
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
            self.process = None
        if self.scratch is not None:
            untrusted.remove_tree(self.scratch)
            self.scratch = None


_ZYGOTES = {}  # (pid, python, contained, scratch root) -> Zygote
_LOCK = threading.Lock()


def shared(python, contained, scratch_root=None):
    """This process's zygote for `python` (started, or started again if it stopped)."""
    key = (os.getpid(), python, bool(contained), scratch_root)
    with _LOCK:
        zygote = _ZYGOTES.get(key)
        if zygote is None or not zygote.alive():
            if zygote is not None:
                zygote.close()
            zygote = _ZYGOTES[key] = Zygote(python, contained, scratch_root)
        return zygote


@atexit.register
def close_all():
    """End this process's zygotes (a forked process leaves its parent's alone)."""
    for key, zygote in list(_ZYGOTES.items()):
        if key[0] == os.getpid():
            zygote.close()
            _ZYGOTES.pop(key, None)
