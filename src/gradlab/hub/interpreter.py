"""The Python that the hub's users run: their servers, their kernels, the grading service and nbgrader's commands.

Normally that is the hub's own environment. But where that environment's interpreter lies in a folder that other
users cannot enter (a Python built under /root, as pyenv does, which a venv only links to), a system user cannot
start it. Then this module makes one they can run, in the classroom's folder, without installing anything:

- the same interpreter: its executable, its shared library and its standard library, hard-linked (copied where
  the classroom's folder is on another file system) under base/. A system Python of the same minor version is not
  the same: 3.11.2 compiles some of soupsieve's patterns wrongly, and nbconvert then fails on every feedback page;
- a venv of it, whose site-packages add the hub environment's (a .pth line), whose share/ and etc/ are the hub
  environment's (JupyterLab's assets and extensions, and the server extensions' configuration, are found under
  sys.prefix), and whose commands are the hub environment's with the new interpreter on their first line
  (nbgrader runs `alembic`, the servers `jupyter ...`).

The executable itself is copied, not linked, because its library search path (RUNPATH) names the folder the users
cannot enter: the copy's says $ORIGIN/../lib instead, so that it finds its shared library beside it wherever it is
run, the grader's sandbox included (which keeps no LD_LIBRARY_PATH). That is patchelf's --set-rpath for a shorter
path, written out here because a string of the same place in the file is all it takes.
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


def _linked_copy(source, target):
    """`source` (a file or a folder) at `target`, hard-linked where possible, readable by everyone."""
    if os.path.isdir(source):
        shutil.copytree(source, target, symlinks=True, copy_function=_link_or_copy,
                        ignore=shutil.ignore_patterns("site-packages", "test", "__pycache__", "idlelib", "tkinter"))
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(source, target)


def _link_or_copy(source, target):
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _executable_copy(source, target, library_folder):
    """A copy of the interpreter whose RUNPATH `library_folder` (if it has that one) reads $ORIGIN/../lib."""
    data = Path(source).read_bytes()
    old = str(library_folder).encode() + b"\0"
    new = b"$ORIGIN/../lib"
    if old in data and len(new) < len(old):
        data = data.replace(old, new + b"\0" * (len(old) - len(new)), 1)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    os.chmod(target, 0o755)


def for_users(folder):
    """The interpreter for the hub's users: this one if they can run it, else one made in `folder` (see above)."""
    if others_can_run(sys.executable):
        return Path(sys.executable)
    folder = Path(folder)
    real = Path(os.path.realpath(sys.executable))
    home, version = Path(sys.base_prefix), f"python{sys.version_info.major}.{sys.version_info.minor}"
    base = folder / "base"
    _executable_copy(real, base / "bin" / real.name, home / "lib")
    for library in (home / "lib").glob("libpython*"):
        _linked_copy(library, base / "lib" / library.name)
    _linked_copy(home / "lib" / version, base / "lib" / version)
    os.makedirs(base / "lib" / version / "site-packages", exist_ok=True)
    subprocess.run([str(base / "bin" / real.name), "-m", "venv", "--without-pip", str(folder)], check=True,
                   capture_output=True)
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
