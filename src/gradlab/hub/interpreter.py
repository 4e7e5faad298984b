"""The Python that the hub's users run: their servers, their kernels, the grading service and nbgrader's commands.

Normally that is the hub's own environment. But where that environment's interpreter lies in a folder that other
users cannot enter (a Python built under /root, as pyenv does, which a venv only links to), a system user cannot
start it. Then this module makes a small environment of its own in the classroom's folder: a venv of a system Python
of the same version (3.11 for 3.11: compiled packages stay compatible), whose site-packages add the hub
environment's (a .pth line), whose share/ and etc/ are the hub environment's (JupyterLab's assets and
extensions, and the server extensions' configuration, are found under sys.prefix), and whose commands are the hub
environment's with the new interpreter on their first line (nbgrader runs `alembic`, the servers `jupyter ...`).
Nothing is installed.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path


def others_can_run(path):
    """Whether a user other than the owner can run `path`: every folder on the way can be entered by others and
    the file itself executed by them."""
    real = Path(os.path.realpath(path))
    for folder in list(real.parents)[::-1]:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return False
    return bool(os.stat(real).st_mode & stat.S_IXOTH)


def system_python():
    """A Python of this one's version that everyone can run, or None."""
    name = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for folder in ("/usr/bin", "/usr/local/bin"):
        candidate = Path(folder) / name
        if candidate.exists() and others_can_run(candidate):
            return candidate
    return None


def for_users(folder):
    """The interpreter for the hub's users: this one if they can run it, else one made in `folder` (see above)."""
    if others_can_run(sys.executable):
        return Path(sys.executable)
    base = system_python()
    if base is None:
        raise RuntimeError(f"the hub's users cannot run this Python ({os.path.realpath(sys.executable)} lies in a "
                           f"folder they cannot enter) and there is no /usr/bin/python{sys.version_info.major}."
                           f"{sys.version_info.minor}: make the environment from a Python everyone can run")
    folder = Path(folder)
    subprocess.run([str(base), "-m", "venv", "--without-pip", str(folder)], check=True, capture_output=True)
    ours = Path(sysconfig.get_paths()["purelib"])
    theirs = Path(sysconfig.get_paths(vars={"base": str(folder), "platbase": str(folder)})["purelib"])
    (theirs / "gradlab_hub_environment.pth").write_text(f"import site; site.addsitedir({str(ours)!r})\n")
    for shared in ("share", "etc"):
        target = folder / shared
        if target.exists():
            shutil.rmtree(target)
        if (Path(sys.prefix) / shared).exists():
            target.symlink_to(Path(sys.prefix) / shared)
    python = folder / "bin" / "python"
    _commands(Path(sys.prefix) / "bin", folder / "bin", python)
    return python


def _commands(ours, theirs, python):
    """The console scripts of our environment, for theirs: the same files with their interpreter line changed."""
    line = f"#!{sys.prefix}/bin/python".encode()
    for script in ours.iterdir():
        target = theirs / script.name
        if target.exists() or not script.is_file():
            continue
        with open(script, "rb") as handle:
            first = handle.readline()
            if not first.startswith(line):
                continue
            rest = handle.read()
        target.write_bytes(f"#!{python}\n".encode() + rest)
        os.chmod(target, 0o755)
