"""A control group per submission: one memory limit and one process count for the submission's whole process
tree (rlimits are per process: three processes under a 1 GB address-space limit each hold 3 GB together), and a
way to kill every process in it, however it was started.

cgroup v2 where the grader's own cgroup can have children with the memory and pids controllers, else the v1
memory and pids hierarchies (each where it is mounted and writable); none where the machine offers neither (a
laptop without delegation, a container without a writable /sys/fs/cgroup). The groups are made beneath the
grader's own, so whatever limits the grader runs under still hold.
"""
from __future__ import annotations

import itertools
import os
import signal
import time

_SERIAL = itertools.count()


def mounts():
    """{controller or "v2": mount point} from /proc/self/mountinfo."""
    found = {}
    try:
        with open("/proc/self/mountinfo") as handle:
            for line in handle:
                left, _, right = line.partition(" - ")
                fields, extra = left.split(), right.split()
                if len(extra) < 3:
                    continue
                if extra[0] == "cgroup2":
                    found.setdefault("v2", fields[4])
                elif extra[0] == "cgroup":
                    for option in extra[2].split(","):
                        found.setdefault(option, fields[4])
    except OSError:
        pass
    return found


def own_paths():
    """{controller or "v2": this process's cgroup path} from /proc/self/cgroup."""
    found = {}
    try:
        with open("/proc/self/cgroup") as handle:
            for line in handle:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                for controller in (controllers.split(",") if controllers else ["v2"]):
                    found[controller] = path
    except (OSError, ValueError):
        pass
    return found


def _write(folder, name, value):
    with open(os.path.join(folder, name), "w") as handle:
        handle.write(str(value))


def _remove_stale(parent):
    """Groups left by a grader that was killed: removed (rmdir only takes empty ones) when their owner is gone."""
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == "gradlab" and parts[1].isdigit() and not os.path.exists(f"/proc/{parts[1]}"):
            try:
                os.rmdir(os.path.join(parent, name))
            except OSError:
                pass


def _new_group(mount, own):
    parent = os.path.join(mount, own.lstrip("/"))
    _remove_stale(parent)
    folder = os.path.join(parent, f"gradlab-{os.getpid()}-{next(_SERIAL)}")
    os.mkdir(folder)
    return folder


class Cgroup:
    """The groups of one submission. `add` puts a process in them (before it starts anything), and every process it
    starts stays there."""

    def __init__(self, folders, description):
        self.folders, self.description = folders, description

    @classmethod
    def create(cls, memory_bytes, processes):
        """The groups with these limits, or None where the machine offers no usable cgroup."""
        places, own = mounts(), own_paths()
        group = cls._v2(places, own, memory_bytes, processes)
        return group if group is not None else cls._v1(places, own, memory_bytes, processes)

    @classmethod
    def _v2(cls, mounts, own, memory_bytes, processes):
        if "v2" not in mounts or "v2" not in own:
            return None
        try:
            folder = _new_group(mounts["v2"], own["v2"])
        except OSError:
            return None
        try:
            with open(os.path.join(folder, "cgroup.controllers")) as handle:
                if not {"memory", "pids"} <= set(handle.read().split()):
                    raise OSError("memory or pids controller not delegated")
            _write(folder, "memory.max", memory_bytes)
            if os.path.exists(os.path.join(folder, "memory.swap.max")):
                _write(folder, "memory.swap.max", 0)
            _write(folder, "pids.max", processes)
        except OSError:
            _rmdir(folder)
            return None
        return cls([folder], f"cgroup v2: {memory_bytes // 2 ** 20} MiB, {processes} processes in all")

    @classmethod
    def _v1(cls, mounts, own, memory_bytes, processes):
        folders, limits = [], []
        for controller, settings in (("memory", [("memory.limit_in_bytes", memory_bytes),
                                                 ("memory.memsw.limit_in_bytes", memory_bytes)]),
                                     ("pids", [("pids.max", processes)])):
            if controller not in mounts or controller not in own:
                continue
            try:
                folder = _new_group(mounts[controller], own[controller])
            except OSError:
                continue
            try:
                for name, value in settings:
                    if name == "memory.memsw.limit_in_bytes" and not os.path.exists(os.path.join(folder, name)):
                        continue  # no swap accounting: nothing to limit
                    _write(folder, name, value)
            except OSError:
                _rmdir(folder)
                continue
            folders.append(folder)
            limits.append(f"{memory_bytes // 2 ** 20} MiB" if controller == "memory" else f"{processes} processes")
        if not folders:
            return None
        return cls(folders, f"cgroup v1: {', '.join(limits)} in all")

    def add(self, pid):
        """Move the process `pid` (as this process's PID namespace numbers it) into the groups."""
        for folder in self.folders:
            _write(folder, "cgroup.procs", pid)

    def pids(self):
        found = set()
        for folder in self.folders:
            try:
                with open(os.path.join(folder, "cgroup.procs")) as handle:
                    found.update(int(line) for line in handle if line.strip())
            except (OSError, ValueError):
                pass
        return found

    def kill_all(self, seconds=10.0):
        """SIGKILL every process in the groups until none is left (or `seconds` have passed)."""
        deadline = time.monotonic() + seconds
        for folder in self.folders:
            if os.path.exists(os.path.join(folder, "cgroup.kill")):
                try:
                    _write(folder, "cgroup.kill", 1)
                except OSError:
                    pass
        while time.monotonic() < deadline:
            left = self.pids()
            if not left:
                return True
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.005)
        return False

    def remove(self):
        self.kill_all()
        for folder in self.folders:
            _rmdir(folder)


def _rmdir(folder, seconds=5.0):
    """rmdir fails while the last killed processes are still being torn down: try again for a while."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            os.rmdir(folder)
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)
