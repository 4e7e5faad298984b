"""The command line that puts the grader's zygote (and so every supervisor and run it forks) in bubblewrap (`bwrap`,
Debian's `bubblewrap`, the sandbox Flatpak uses), and whether bubblewrap works on this machine.

Inside: new user, PID, IPC, network, UTS, mount and cgroup namespaces (no network device but a loopback of its
own; every process dies with its PID namespace), the unprivileged uid and gid 65534 without capabilities, a new
session (no terminal to inject keystrokes into), size-limited tmpfs at /scratch (where the runs' folders are made)
and /results (where their results folders are) as the only writable places, and read-only binds of what Python
needs: the system's /usr, the interpreter's installation (a venv and the base installation its python links into),
and gradlab's child code. gradlab's reference modules and the grader's code are masked (an empty file, an empty
folder) in the sandbox's view. Each run then has namespaces and tmpfs folders of its own inside it
(child/isolation.py); the two tmpfs here hold its files only where the kernel refuses those.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

SCRATCH = "/scratch"
RESULTS = "/results"
SCRATCH_BYTES = 256 * 2 ** 20  # used only where a run cannot have tmpfs folders of its own
RESULTS_BYTES = 160 * 2 ** 20  # the bounded results of one run (64 MiB), a file being replaced, and room to spare
_REFERENCE_MODULES = ("course", "models", "bugs")


def executable():
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=8)
def python_locations(python):
    """The folders the interpreter `python` needs: its prefixes (a venv and its base), the folders on its
    import path (a .pth file may add some elsewhere) and the real location of the executable (a venv's python
    is a link into the base installation)."""
    done = subprocess.run([python, "-I", "-c", "import sys; print(sys.prefix, sys.base_prefix, sys.exec_prefix, "
                                               "sys.base_exec_prefix, *sys.path, sep='\\n')"],
                          capture_output=True, text=True, timeout=60, check=True)
    found = {os.path.realpath(line) for line in done.stdout.splitlines() if line and os.path.isdir(line)}
    found.update({os.path.dirname(os.path.realpath(python)), os.path.dirname(os.path.abspath(python))})
    return sorted(found)


def _system_binds():
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("lib", "lib32", "lib64", "libx32", "bin", "sbin"):
        path = "/" + name
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/sys/devices/system/cpu"):
        args += ["--ro-bind-try", path, path]
    return args


def _masks(package, child):
    """Binds that hide gradlab's references from the sandbox's view of the package."""
    args = []
    for folder in (package, os.path.join(package, "__pycache__")):
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.split(".", 1)[0] in _REFERENCE_MODULES and os.path.isfile(os.path.join(folder, name)):
                args += ["--ro-bind", "/dev/null", os.path.join(folder, name)]
    grading = os.path.join(package, "grading")
    return args + ["--tmpfs", grading, "--ro-bind", child, os.path.join(grading, os.path.relpath(child, grading)),
                   "--remount-ro", grading]


def command(python, child, package):
    """The bwrap arguments (up to and including `--`) for a zygote run by `python`."""
    args = [executable(), "--unshare-all", "--die-with-parent", "--new-session", "--uid", "65534",
            "--gid", "65534", "--hostname", "sandbox", "--cap-drop", "ALL", *_system_binds(),
            "--proc", "/proc", "--dev", "/dev", "--size", str(SCRATCH_BYTES), "--tmpfs", SCRATCH,
            "--size", str(RESULTS_BYTES), "--tmpfs", RESULTS]
    for folder in python_locations(python):
        args += ["--ro-bind", folder, folder]
    args += ["--ro-bind", package, package, *_masks(package, child), "--chdir", SCRATCH, "--"]
    return args


_PROBE = {}


def works(python, child, package):
    """(True, "") if a sandbox starts here and runs `python`; else (False, the reason in words)."""
    key = (python, child, package)
    if key not in _PROBE:
        if not sys.platform.startswith("linux"):
            _PROBE[key] = (False, "bubblewrap needs Linux")
        elif executable() is None:
            _PROBE[key] = (False, "bubblewrap (bwrap) is not installed")
        else:
            try:
                done = subprocess.run(command(python, child, package) + [python, "-I", "-c", "pass"],
                                      capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
                reason = done.stderr.strip().splitlines()[-1:] if done.returncode else []
                _PROBE[key] = (done.returncode == 0, f"bwrap failed: {reason[0] if reason else done.returncode}")
            except (OSError, subprocess.SubprocessError) as error:
                _PROBE[key] = (False, f"bwrap failed: {error}")
    return _PROBE[key]
