"""What an attack could leave on the host, looked up by a marker of its own (other graders may run at the same
time on this machine, so nothing here compares the whole machine before and after)."""
import os
import time


def processes_with(marker):
    """pids whose command line holds `marker`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                if marker.encode() in handle.read():
                    found.append(int(name))
        except OSError:
            continue
    return found


def shared_memory_with_key(key):
    """SysV shared memory segments with this key, as the host sees them."""
    try:
        with open("/proc/sysvipc/shm") as handle:
            rows = [line.split() for line in handle.readlines()[1:]]
    except OSError:
        return []
    return [row for row in rows if row and int(row[0]) == key]


def keys_named(description, settle_seconds=30.0):
    """Keys with this description in /proc/keys, once the kernel's key collector has had its chance: keys
    of a user namespace that ended are collected shortly after, not at once. Returns the lines still there."""
    deadline = time.monotonic() + settle_seconds
    while True:
        try:
            with open("/proc/keys") as handle:
                lines = [line for line in handle if description in line]
        except OSError:
            return []
        if not lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.2)


def files_named(name, roots):
    """Paths of files called `name` anywhere under `roots` (not following links)."""
    found = []
    for root in roots:
        for folder, _, files in os.walk(root):
            found += [os.path.join(folder, name)] if name in files else []
    return found


def processes_named(name):
    """pids whose name (/proc/PID/comm, as prctl(PR_SET_NAME) sets it) is `name`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as handle:
                if handle.read().strip() == name:
                    found.append(int(entry))
        except OSError:
            continue
    return found
