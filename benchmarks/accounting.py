"""Counting the CPU a command costs: every process it causes, however started (Dask's workers, sandboxed children
in namespaces of their own, processes reparented to init), and what the machine's cores did meanwhile.

A control group of the command's own (cgroup v2's cpu.stat, or v1's cpuacct) counts every process in it and in the
groups below it; the sandbox makes a submission's groups beneath its grader's (src/gradlab/grading/sandbox/cgroups.py),
so they are counted too. /proc/stat counts the whole machine: the cores' busy share, and the CPU of everything,
kernel threads included (a quiet machine's figure, where nothing else runs).
"""
from __future__ import annotations

import itertools
import os
import signal
import time

_SERIAL = itertools.count()


def _own(controller):
    """This process's path in the hierarchy of `controller` ("" for cgroup v2), from /proc/self/cgroup."""
    with open("/proc/self/cgroup") as handle:
        for line in handle:
            _, names, path = line.rstrip("\n").split(":", 2)
            if (controller == "" and names == "") or controller in names.split(","):
                return path
    return None


def _mount(kind, option=None):
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            left, _, right = line.partition(" - ")
            fields, extra = left.split(), right.split()
            if extra and extra[0] == kind and (option is None or option in extra[2].split(",")):
                return fields[4]
    return None


class CommandCpu:
    """A control group for one command: `join` (a preexec_fn) puts the command in it; `seconds()` is the CPU of
    every process that has been in it. None of it where the machine offers no cgroup to make."""

    def __init__(self):
        self.folder, self.read = None, None
        for kind, controller, name, reader in (("cgroup2", "", "cpu.stat", _usage_v2),
                                               ("cgroup", "cpuacct", "cpuacct.usage", _usage_v1)):
            mount, own = _mount(kind, controller or None), _own(controller)
            if mount is None or own is None:
                continue
            folder = os.path.join(mount, own.lstrip("/"), f"gradlab-bench-{os.getpid()}-{next(_SERIAL)}")
            try:
                os.mkdir(folder)
            except OSError:
                continue
            if os.path.exists(os.path.join(folder, name)):
                self.folder, self.read = folder, lambda f=os.path.join(folder, name), r=reader: r(f)
                break
            os.rmdir(folder)

    def join(self):
        if self.folder:
            with open(os.path.join(self.folder, "cgroup.procs"), "w") as handle:
                handle.write(str(os.getpid()))

    def seconds(self):
        return self.read() if self.read else None

    def remove(self):
        """Kill whatever the command left in the group, and remove it."""
        if not self.folder:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open(os.path.join(self.folder, "cgroup.procs")) as handle:
                left = [int(line) for line in handle if line.strip()]
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.05)
        try:
            os.rmdir(self.folder)
        except OSError:
            pass


def _usage_v2(path):
    with open(path) as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("usage_usec")) / 1e6


def _usage_v1(path):
    with open(path) as handle:
        return int(handle.read()) / 1e9


def machine():
    """(busy, all) CPU seconds of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    tick = os.sysconf("SC_CLK_TCK")
    busy = user + nice + system + irq + softirq + steal
    return busy / tick, (busy + idle + iowait) / tick
