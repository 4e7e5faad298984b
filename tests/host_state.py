"""What an attack could leave on the host, looked up by a marker of its own (other graders may run at the same
time on this machine, so nothing here compares the whole machine before and after).

Each lookup reads the host's /proc (PROC). One that cannot read it raises HostStateUnreadable instead of
finding nothing, so that "nothing was left" is never the same answer as "nothing could be seen";
tests/test_host_state.py plants each kind of thing on the host and shows that its lookup finds it.
"""
import os
import time

PROC = "/proc"


class HostStateUnreadable(RuntimeError):
    """The host's state could not be read: a lookup that would otherwise have found nothing."""


def _read(path, mode="r"):
    try:
        with open(path, mode) as handle:
            return handle.read()
    except OSError as error:
        raise HostStateUnreadable(f"{path} cannot be read ({error.strerror}): the lookup would see nothing") from None


def _pids():
    try:
        return [int(name) for name in os.listdir(PROC) if name.isdigit()]
    except OSError as error:
        raise HostStateUnreadable(f"{PROC} cannot be listed ({error.strerror})") from None


def _each_process(name, mode="r"):
    """(pid, the contents of /proc/PID/name) for every process that is still there when read."""
    pids = _pids()
    if os.getpid() not in pids:
        raise HostStateUnreadable(f"{PROC} does not list this process: it is not the host's process table")
    for pid in pids:
        try:
            with open(os.path.join(PROC, str(pid), name), mode) as handle:
                yield pid, handle.read()
        except OSError:
            continue  # it ended between the listing and the read


def processes_with(marker):
    """pids whose command line holds `marker`."""
    return [pid for pid, line in _each_process("cmdline", "rb") if marker.encode() in line and pid != os.getpid()]


def processes_named(name):
    """pids whose name (/proc/PID/comm, as prctl(PR_SET_NAME) sets it) is `name`."""
    return [pid for pid, comm in _each_process("comm") if comm.strip() == name]


def shared_memory_with_key(key):
    """SysV shared memory segments with this key, as the host sees them."""
    rows = [line.split() for line in _read(os.path.join(PROC, "sysvipc", "shm")).splitlines()[1:]]
    return [row for row in rows if row and int(row[0]) == key]


def keys_named(description, settle_seconds=30.0):
    """Keys with this description in /proc/keys, once the kernel's key collector has had its chance: keys
    of a user namespace that ended are collected shortly after, not at once. Returns the lines still there."""
    deadline = time.monotonic() + settle_seconds
    while True:
        lines = [line for line in _read(os.path.join(PROC, "keys")).splitlines() if description in line]
        if not lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.2)


def files_named(name, roots):
    """Paths of files called `name` anywhere under `roots` (not following links); a root that is not there is an
    error, not an empty find."""
    found = []
    for root in roots:
        if not os.path.isdir(root):
            raise HostStateUnreadable(f"{root} is not a folder that can be searched")
        for folder, _, files in os.walk(root):
            found += [os.path.join(folder, name)] if name in files else []
    return found
