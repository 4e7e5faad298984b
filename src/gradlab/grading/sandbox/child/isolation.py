"""Namespaces of a run's own: what one run of a submission's code leaves (SysV objects, keys, files, processes,
sockets, a host name) is gone before the next run starts, and nothing in it tells one run from another (every run's
child has the same pid, its files the same inode numbers).

Each run enters new user, mount, IPC, network, UTS and PID namespaces (unshare; the new user namespace is what lets
an unprivileged process make the others) and a new session keyring; its files and its results go on tmpfs mounts
of its own, which end with it. Inside bubblewrap the process is uid 65534 without capabilities; a new user namespace
gives it capabilities over the new namespaces only, and the child gives them up before running student code
(confine.py). Where the kernel refuses (no user namespaces), the run goes on without: `enter` says so.
"""
import ctypes
import os
import platform

from landlock import libc

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
RUN_NAMESPACES = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWPID
_MS_NOSUID, _MS_NODEV, _MS_REC, _MS_PRIVATE = 2, 4, 0x4000, 0x40000
_PR_SET_PDEATHSIG, _PR_GET_DUMPABLE, _PR_SET_DUMPABLE = 1, 3, 4
_KEYCTL_JOIN_SESSION_KEYRING = 1
_KEYCTL = {"x86_64": 250, "aarch64": 219, "armv7l": 311, "ppc64le": 311, "s390x": 280, "riscv64": 219}


def prctl(option, value):
    """prctl(option, value); True if it succeeded."""
    return libc().prctl(option, value, 0, 0, 0) == 0


def die_with_parent(signal_number=9):
    """This process gets `signal_number` (SIGKILL) when the process that started it ends."""
    return prctl(_PR_SET_PDEATHSIG, signal_number)


def _write(path, text):
    with open(path, "w") as handle:
        handle.write(text)


def enter():
    """Move this process into new namespaces (its next child is pid 1 of a new PID namespace), keeping its uid and
    gid; join a new session keyring. Returns the names of what was made, [] when the kernel refused."""
    uid, gid = os.geteuid(), os.getegid()
    lib = libc()
    if lib.unshare(RUN_NAMESPACES) != 0:
        return []
    # A process that is not dumpable (the supervisor makes itself so, and its forks inherit it) has its /proc files
    # owned by root: a grader that is not root could not write its own maps. Dumpable only while it writes them,
    # before anything of the run exists that could read this process.
    dumpable = lib.prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0)
    prctl(_PR_SET_DUMPABLE, 1)
    try:
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    finally:
        prctl(_PR_SET_DUMPABLE, max(dumpable, 0))
    # No mount event of the run's reaches another namespace (a new user namespace already makes them slaves).
    lib.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None)
    made = ["own user, mount, IPC, network, UTS and PID namespaces for each run"]
    number = _KEYCTL.get(platform.machine())
    if number is not None and lib.syscall(number, _KEYCTL_JOIN_SESSION_KEYRING, None) >= 0:
        made.append("a new session keyring for each run")
    return made


def mount_tmpfs(path, size_bytes):
    """A new tmpfs of `size_bytes` at `path` (in this process's own mount namespace)."""
    options = f"size={int(size_bytes)},mode=0700".encode()
    if libc().mount(b"tmpfs", path.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, options) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mounting a tmpfs at {path} failed: {os.strerror(error)}")


def close_descriptors(keep=()):
    """Close every file descriptor above 2 but those in `keep` (what this process inherited and does not need)."""
    start = 3
    for fd in sorted(k for k in keep if k >= 3) + [None]:
        if fd is None:
            os.closerange(start, 2 ** 30)  # close_range(2) where the kernel has it: one call
            return
        os.closerange(start, fd)
        start = fd + 1
