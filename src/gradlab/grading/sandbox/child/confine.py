"""What the child does to itself before the first line of student code: resource limits, no privileges, and
a filesystem view of the Python installation (read-only) and its run's folders (read-write) only.

The read-only view is the same for every child, and listing a Python installation takes time, so it is made once,
as a Landlock ruleset (`read_layer`) that the zygote builds and every forked child enforces; each child then adds
the folders it may write. Every step is best effort where the OS lacks it (no Landlock, no prctl), and the list
of what was applied is reported back to the grader, which logs it.
"""
import ctypes
import os
import resource
import sys
import sysconfig

import landlock
import references

_PR_SET_PDEATHSIG = 1
_PR_CAPBSET_DROP = 24
_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_LAST_CAPABILITY = 63
_CAPABILITY_VERSION_3 = 0x20080522

# System locations a Python process may need to read (shared libraries, the loader cache, fonts, time zones).
# None of them holds a course's files; the user's home, /tmp, /work and the like stay closed.
SYSTEM_READ_ONLY = ("/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/localtime", "/dev/urandom",
                    "/sys/devices/system/cpu")


def set_limits(memory_bytes, cpu_seconds, file_bytes, open_files):
    """Address space, CPU time, size of any file written, open files; and no core dumps."""
    applied = []
    for name, limit in (("RLIMIT_AS", memory_bytes), ("RLIMIT_CPU", cpu_seconds), ("RLIMIT_FSIZE", file_bytes),
                        ("RLIMIT_NOFILE", open_files), ("RLIMIT_CORE", 0)):
        which = getattr(resource, name, None)
        if which is None:
            continue
        soft, hard = resource.getrlimit(which)
        # A CPU soft limit sends SIGXCPU a second before the hard limit's SIGKILL.
        new_hard = limit + 1 if name == "RLIMIT_CPU" else limit
        if hard != resource.RLIM_INFINITY:
            new_hard = min(new_hard, hard)
        try:
            resource.setrlimit(which, (min(limit, new_hard), new_hard))
            applied.append(name)
        except (ValueError, OSError):
            pass
    return applied


class _CapabilityHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapabilityData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities():
    """Give up every capability and the right to regain them: root without capabilities is just an owner of files,
    which Landlock then keeps away from, and a run's own user namespace gives capabilities that graded code must
    not keep. Returns True if the process has none left."""
    if not sys.platform.startswith("linux"):
        return False
    libc = landlock.libc()
    for capability in range(_LAST_CAPABILITY + 1):
        libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)  # EINVAL past the kernel's last capability: fine
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header, left = _CapabilityHeader(_CAPABILITY_VERSION_3, 0), (_CapabilityData * 2)()
    libc.capset(ctypes.byref(header), (_CapabilityData * 2)())
    if libc.capget(ctypes.byref(header), left) != 0:
        return False
    return not any(d.effective or d.permitted or d.inheritable for d in left)


def python_paths():
    """Directories the interpreter imports from: the standard library and the site-packages in use."""
    paths = sysconfig.get_paths()
    found = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    found.update(os.path.dirname(m.__file__) for m in (os, ctypes) if getattr(m, "__file__", None))
    numpy = sys.modules.get("numpy")
    if numpy is not None and getattr(numpy, "__file__", None):
        found.add(os.path.dirname(os.path.dirname(numpy.__file__)))
    return sorted(p for p in found if p and os.path.exists(p))


def die_with_parent():
    """If the grader that started this child dies, the child is killed too, whatever signals it ignores."""
    if not sys.platform.startswith("linux"):
        return False
    return landlock.libc().prctl(_PR_SET_PDEATHSIG, 9, 0, 0, 0) == 0  # 9: SIGKILL


def first_to_go():
    """When the sandbox runs out of memory, the kernel kills this process (or one it starts) before the
    supervisor: raising one's own OOM score needs no privilege."""
    try:
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
        return True
    except OSError:
        return False


def read_layer(readable_folders=()):
    """The Landlock ruleset for reading: the Python installation but gradlab's references (references.py), the
    system's libraries, /dev/null, and `readable_folders` (where runs' folders will be). None without Landlock."""
    child = os.path.dirname(os.path.abspath(__file__))
    readable, listed = references.readable_paths(python_paths(), references.package_directory(), child)
    try:
        return landlock.read_layer(readable + list(SYSTEM_READ_ONLY) + [os.devnull, *readable_folders], listed)
    except OSError:
        return None


def confine(writable, memory_bytes, cpu_seconds, file_bytes, reading=None, open_files=256):
    """Apply everything; return the names of the protections in force. `writable`: the folders it may write;
    `reading`: the descriptor of a `read_layer` made beforehand (made here when None), closed here."""
    applied = set_limits(memory_bytes, cpu_seconds, file_bytes, open_files)
    if die_with_parent():
        applied.append("dies with the grader")
    if first_to_go():
        applied.append("killed first when memory runs out")
    if drop_capabilities():
        applied.append("no capabilities")
    if reading is None:
        reading = read_layer(writable)
    abi = 0
    if reading is not None:
        try:
            landlock.enforce(reading)
            abi = landlock.enforce(landlock.write_layer([*writable, os.devnull]))
        except OSError:
            abi = 0
    if abi:
        applied.append(f"landlock abi {abi}")
    return applied
