"""An interpreter with gradlab installed the regular way: the package's files in its site-packages, as a wheel leaves
them (this checkout's .venv has an editable install, whose files the sandboxed child may not see at all). Everything
else (numpy, nbgrader, dask, ...) comes from this checkout's environment through a .pth line (no download), and its
data files (share/: nbconvert's templates) through a link; that environment's own .pth files, the editable
install's among them, are not read from there."""
import os
import shutil
import subprocess
import sys
import sysconfig

import numpy as np


def regular_python(folder):
    """The python of a new venv in `folder` with a copy of this gradlab in its site-packages."""
    import gradlab

    venv = folder / "venv"
    base = os.path.join(sys.base_prefix, "bin", f"python{sys.version_info.major}.{sys.version_info.minor}")
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    shutil.copytree(os.path.dirname(gradlab.__file__), site / "gradlab", ignore=shutil.ignore_patterns("__pycache__"))
    (site / "shared-environment.pth").write_text(os.path.dirname(os.path.dirname(np.__file__)) + "\n")
    if os.path.isdir(os.path.join(sys.prefix, "share")):
        os.symlink(os.path.join(sys.prefix, "share"), venv / "share")
    python = str(venv / "bin" / "python")
    where = subprocess.run([python, "-I", "-c", "import importlib.util; print(importlib.util.find_spec('gradlab').origin)"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(site)), where
    assert sysconfig.get_paths()["purelib"] != str(site)
    return python
