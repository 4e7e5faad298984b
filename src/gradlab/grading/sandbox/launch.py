"""One submission's supervisor (child/supervisor.py): forked by the zygote (zygote.py), put in a control group of its
own where the machine offers one (cgroups.py), talked to over its socket, and ended with everything it started.

The supervisor's first message carries its pid (the socket passes credentials, translated by the kernel into this
process's PID namespace), so the grader moves it into the submission's control group before it starts anything:
memory and process count then hold for every process of the submission. The grader never opens a file a child
wrote: the run's monitor reads them (the run's processes dead by then) and the supervisor relays them down the
socket, which the grader reads with a deadline and a bound.
"""
from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import struct
import time
import weakref
from dataclasses import dataclass, field

from . import bubblewrap, zygote as zygotes
from .cgroups import Cgroup
from .child import untrusted

CHILD, PACKAGE = zygotes.CHILD, zygotes.PACKAGE
START_SECONDS = 30.0  # for a forked supervisor to say it is ready, on a busy machine
GRACE_SECONDS = 15.0  # past a run's deadline, for the supervisor to kill what is left and send the results
# A run's time limit is charged time (child/charged.py): on a machine whose cores are shared it can take several
# times as long in wall-clock time. The grader's deadline guards only against a supervisor that stopped working.
DEADLINE_FACTOR = 10.0
_HEADER_BYTES = 1 << 16


class SupervisorGone(RuntimeError):
    """The supervisor did not start, stopped, or broke the protocol: it is ended."""


@dataclass
class Reply:
    status: int | None  # os.waitpid's status of the child, None if it never ran
    timed_out: bool
    broken: str = ""  # how the run broke the result protocol ("" if it did not)
    files: dict = field(default_factory=dict)  # name -> bytes


def deadline_seconds(limit):
    """How long the supervisor may take to answer a run whose limit is `limit` seconds of charged time."""
    return limit * DEADLINE_FACTOR + GRACE_SECONDS


def _credentials_pid(ancillary):
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(data) >= 12:
            return struct.unpack("iii", data[:12])[0]
    return None


class Supervisor:
    """One submission's supervisor, its socket and its control group."""

    def __init__(self, zygote, fork, memory_bytes, processes):
        self.owner, self.buffer, self.pidfd, self.socket = os.getpid(), b"", None, None
        self.cgroup = Cgroup.create(memory_bytes + 2 ** 26, processes)  # the supervisor's own 64 MiB on top
        _LIVE.add(self)
        try:
            self.socket = zygote.spawn({"mode": "fork" if fork else "exec"})
        except zygotes.ZygoteGone as error:
            self.close()
            raise SupervisorGone(str(error)) from None
        pid = self._ready()
        try:
            self.pidfd = os.pidfd_open(pid)
            if self.cgroup is not None:
                self.cgroup.add(pid)
        except OSError as error:
            self.close()
            raise SupervisorGone(f"the sandbox did not start: {error}") from None

    def _ready(self):
        """The supervisor's pid, from its first message."""
        if not select.select([self.socket], [], [], START_SECONDS)[0]:
            self.close()
            raise SupervisorGone("the sandbox did not start")
        data, ancillary, _, _ = self.socket.recvmsg(_HEADER_BYTES, socket.CMSG_SPACE(12))
        self.buffer = data
        pid = _credentials_pid(ancillary)
        if pid is None or self._line(START_SECONDS) != b'{"ready": true}':
            self.close()
            raise SupervisorGone("the sandbox did not start")
        return pid

    @property
    def protections(self):
        return [self.cgroup.description] if self.cgroup else []

    def run(self, job, inputs, calls, limit, scratch_bytes):
        """Send one job; return the Reply. Raises SupervisorGone (after closing) when no valid reply came."""
        deadline = deadline_seconds(limit)
        header = {"limit": limit, "deadline": deadline, "calls": calls, "scratch": scratch_bytes,
                  "results": bubblewrap.RESULTS_BYTES, "job": len(job), "inputs": len(inputs)}
        try:
            self.socket.sendall(json.dumps(header).encode() + b"\n" + job + inputs)
        except OSError:
            self.close()
            raise SupervisorGone("the sandbox stopped") from None
        deadline = time.monotonic() + deadline + GRACE_SECONDS
        try:
            reply = json.loads(self._line(deadline - time.monotonic()))
            if "unstarted" in reply:
                self.close()
                raise SupervisorGone(f"the sandbox could not start the run ({str(reply['unstarted'])[:300]})")
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
        if left <= 0 or not select.select([self.socket], [], [], left)[0]:
            self.close()
            raise SupervisorGone("the sandbox did not answer in time")
        try:
            chunk = self.socket.recv(1 << 20)
        except OSError:
            chunk = b""
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
        """End the supervisor and every process of the submission; remove its control group."""
        if self.owner != os.getpid():
            return  # a copy inherited through fork: the sandbox is its parent's to end
        _LIVE.discard(self)
        if self.socket is not None:
            self.socket.close()  # the supervisor ends at the end of its input
            self.socket = None
        if self.pidfd is not None:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)  # and its runs with it (death signals)
            except OSError:
                pass
            os.close(self.pidfd)
            self.pidfd = None
        if self.cgroup is not None:
            self.cgroup.remove()  # whatever is left of the submission, however it was started
            self.cgroup = None


_LIVE = weakref.WeakSet()


@atexit.register  # after the zygotes' handler, so it runs before it
def close_all():
    """End this process's supervisors (a forked process leaves its parent's alone)."""
    for supervisor in list(_LIVE):
        supervisor.close()
