"""Landlock (Linux 5.13+): a process gives up access to every file except the paths it names, for good.

Unprivileged and irreversible: after `restrict`, this process and everything it starts can read only the
read-only paths and write only the read-write ones; with ABI 4+ it can neither bind nor connect TCP sockets;
with ABI 6+ it can signal no process, and reach no abstract unix socket, outside its own domain. The rules come
in two layers (Landlock keeps an access only where every layer that handles it allows it): one for reading, the
same for every child and so built once, and one per child for writing. Plain ctypes, no dependencies: the sandboxed
child imports this before any student code runs.
"""
import ctypes
import functools
import os
import sys

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same numbers on every architecture
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
TRUNCATE, IOCTL_DEV = 1 << 14, 1 << 15
_FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # the rights a rule on a file may carry
READ_ONLY = EXECUTE | READ_FILE | READ_DIR


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@functools.lru_cache(maxsize=1)
def libc():
    """The C library, loaded once (a lookup of each function it is asked for costs a dlsym)."""
    found = ctypes.CDLL(None, use_errno=True)
    found.syscall.restype = ctypes.c_long
    return found


def abi_version():
    """The kernel's Landlock ABI version, or 0 when Landlock is missing or disabled."""
    if not sys.platform.startswith("linux"):
        return 0  # the syscall numbers are Linux's; elsewhere they mean something else
    try:
        version = libc().syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def _handled_fs(abi):
    # Each ABI adds one filesystem right: REFER (2), TRUNCATE (3), IOCTL_DEV (5).
    last = {1: 13, 2: 14, 3: 15, 4: 15}.get(abi, 16)
    return (1 << last) - 1


def read_layer(read_only, list_only=()):
    """A ruleset that handles reading only (files, folders, executing): `read_only` paths may be read, `list_only`
    folders listed. Returns its descriptor (to `enforce`, in as many processes as need it), or None without
    Landlock. Raises OSError if Landlock exists but refuses the ruleset.

    Built once and enforced in every child, it saves each child the hundreds of rules a Python installation
    takes; each child adds a `write_layer` of its own. A process that holds the descriptor can add rules to it:
    a child must close it before running anything untrusted."""
    abi = abi_version()
    if abi < 1:
        return None
    return _ruleset(_handled_fs(abi) & READ_ONLY, 0, 0, abi,
                    [(list_only, READ_DIR), (read_only, READ_ONLY)])


def write_layer(read_write):
    """A ruleset that handles every right but reading (writing, making and removing files, TCP, signals and abstract
    sockets beyond this process's domain): only `read_write` paths may be written. Its descriptor, or None."""
    abi = abi_version()
    if abi < 1:
        return None
    handled = _handled_fs(abi) & ~READ_ONLY
    return _ruleset(handled, 0b11 if abi >= 4 else 0, 0b11 if abi >= 6 else 0, abi, [(read_write, handled)])


def enforce(ruleset):
    """Restrict this process (and all it starts) by `ruleset`, for good; close the descriptor. Returns the ABI."""
    lib = libc()
    try:
        if lib.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if lib.syscall(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return abi_version()


def restrict(read_only, read_write, list_only=()):
    """Confine this process to the given paths; return the ABI used, or 0 if Landlock is unavailable.

    `list_only` folders may be listed (and their subfolders), but nothing in them read unless another rule
    allows it. Paths that do not exist are skipped. Raises OSError if Landlock exists but refuses the ruleset.
    """
    layer = read_layer([*read_only, *read_write], list_only)
    if layer is None:
        return 0
    enforce(layer)
    return enforce(write_layer(read_write))


def _ruleset(handled, net, scoped, abi, rules):
    lib = libc()
    attr = _RulesetAttr(handled, net, scoped)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8  # older kernels reject fields they do not know
    ruleset = lib.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for paths, access in rules:
            for path in paths:
                _allow(lib, ruleset, path, access & handled)
    except BaseException:
        os.close(ruleset)
        raise
    os.set_inheritable(ruleset, False)
    return ruleset


def _allow(lib, ruleset, path, access):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            access &= _FILE_ONLY
        if not access:
            return  # a folder's right given to a file: nothing to allow (the kernel refuses an empty rule)
        rule = _PathBeneathAttr(access, fd)
        if lib.syscall(_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule),
                        ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)
