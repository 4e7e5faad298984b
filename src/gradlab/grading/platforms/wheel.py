"""gradlab's own wheel, built from this checkout when a package is made, so that a platform installs exactly the
gradlab that made the package (the one on the package index may be older, or another project's: see README.md)."""
from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import gradlab

DISTRIBUTION = "gradlab-course"


def checkout():
    """The checkout gradlab runs from (the folder of pyproject.toml above src/gradlab), or a RuntimeError saying why a
    package cannot be made without one."""
    root = Path(gradlab.__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file() or f'name = "{DISTRIBUTION}"' not in pyproject.read_text():
        raise RuntimeError(f"gradlab runs from {Path(gradlab.__file__).parent}, not from its source checkout: a package "
                           "carries a wheel built from the source, so run this command with gradlab installed from its "
                           "checkout (pip install -e .)")
    return root


_BUILT = {}  # digest of the sources -> a wheel built from them in this process (packaging several assignments)


def build(destination):
    """The wheel, in the folder `destination`; return its path. The sources are copied first, so that the build
    writes nothing into the checkout (pip builds in the source tree); the same sources are built once per process."""
    root = checkout()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    key = _digest(root, ignore)
    if key not in _BUILT or not os.path.exists(_BUILT[key]):
        cache = tempfile.mkdtemp(prefix="gradlab-wheel-")
        atexit.register(shutil.rmtree, cache, True)
        source = Path(cache) / "source"
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(root / name, source / name)
        shutil.copytree(root / "src" / "gradlab", source / "src" / "gradlab", ignore=ignore)
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
                               os.path.join(cache, "wheel"), os.fspath(source)],
                              capture_output=True, text=True, timeout=900)
        if done.returncode:
            raise RuntimeError(f"building gradlab's wheel failed:\n{done.stderr.strip()[-2000:]}")
        wheels = sorted(Path(cache, "wheel").glob("gradlab_course-*.whl"))
        if len(wheels) != 1:
            raise RuntimeError(f"building gradlab's wheel left {len(wheels)} wheels")
        _BUILT[key] = wheels[0]
    os.makedirs(destination, exist_ok=True)
    return Path(shutil.copy(_BUILT[key], destination))


def _digest(root, ignore):
    hasher = hashlib.sha256()
    for name in ("pyproject.toml", "README.md"):
        hasher.update(name.encode() + b"\0" + (root / name).read_bytes())
    for folder, dirs, files in os.walk(root / "src" / "gradlab"):
        skipped = ignore(folder, dirs + files)
        dirs[:] = sorted(d for d in dirs if d not in skipped)
        for name in sorted(f for f in files if f not in skipped):
            path = Path(folder, name)
            hasher.update(os.fspath(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()
