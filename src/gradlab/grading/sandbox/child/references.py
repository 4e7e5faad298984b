"""Keeping gradlab's reference implementations from graded code.

gradlab ships the course's answers (gradlab.course), the reference network (gradlab.models) and the bug
catalogue (gradlab.bugs), and the grader's own code (gradlab.grading): a student who has gradlab installed
could answer `from gradlab.course import backward_propagation_n`. In the child, importing any of them raises
ImportError with a message that says why (an import hook, first on sys.meta_path), and where Landlock is
available their files cannot even be read (`readable_paths` leaves them out of what the child may read), so
taking the hook away does not help. The rest of gradlab, the library students use, stays importable.
"""
import importlib.util
import os
import sys

REFUSED = ("gradlab.course", "gradlab.models", "gradlab.bugs", "gradlab.grading")
_PREFIXES = tuple(name + "." for name in REFUSED)
_REFERENCE_FILES = ("course", "models", "bugs")  # module names in gradlab/ (their .py and cached .pyc)


class ReferenceImportRefused(ImportError):
    pass


class RefuseReferences:
    """A meta path finder that refuses the reference modules before any other finder can find them."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if any(fullname == name or fullname.startswith(name + ".") for name in REFUSED):
            raise ReferenceImportRefused(
                f"graded code may not import {fullname}: it holds the course's reference answers or the grader's "
                "own code. Write the function yourself (gradlab's checks, e.g. gradlab.check_backprop, are allowed)",
                name=fullname)
        return None

    @staticmethod
    def invalidate_caches():
        pass


def refuse_imports():
    """Put the hook in place and forget any reference module already imported; returns a protection's name."""
    sys.meta_path.insert(0, RefuseReferences)
    for name in [m for m in sys.modules if m in REFUSED or m.startswith(_PREFIXES)]:
        del sys.modules[name]
        parent, _, child = name.rpartition(".")
        if parent in sys.modules and getattr(sys.modules[parent], child, None) is not None:
            delattr(sys.modules[parent], child)  # imported before (gradlab preloaded): `gradlab.course` goes too
    return "no imports of gradlab's references"


def package_directory():
    """gradlab's package directory as the import system would find it (without importing it), or None."""
    try:
        spec = importlib.util.find_spec("gradlab")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith("__init__.py"):
        return None
    return os.path.dirname(spec.origin)


def _is_reference(folder, name, package):
    if folder == package:
        return name.split(".", 1)[0] in _REFERENCE_FILES or name == "grading"
    if folder == os.path.join(package, "__pycache__"):
        return name.split(".", 1)[0] in _REFERENCE_FILES
    return False


def readable_paths(paths, package, child):
    """(paths to read, folders only to list): `paths` with gradlab's reference modules left out.

    Every folder on the way to gradlab (the site-packages that holds it, gradlab itself, its __pycache__) may
    be listed, so the import system still finds what is there, and its entries but the references may be read;
    of gradlab/grading only the child's own folder is readable."""
    if not package:
        return list(paths), []
    package, child = os.path.realpath(package), os.path.realpath(child)
    read, listed = [], []
    holders = [p for p in paths if (package + os.sep).startswith(os.path.realpath(p) + os.sep)]
    for path in paths:
        if path in holders:
            _expand(os.path.realpath(path), package, read, listed)
        else:
            read.append(path)
    if not holders:
        _expand(package, package, read, listed)
    read.append(child)
    return read, listed


def _expand(path, package, read, listed):
    """Grant `path` whole, or, for a folder on the way to gradlab, list it and grant its entries one by one."""
    on_the_way = (package + os.sep).startswith(path + os.sep) or path == os.path.join(package, "__pycache__")
    if not on_the_way:
        read.append(path)
        return
    listed.append(path)
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return
    for name in names:
        if not _is_reference(path, name, package):
            _expand(os.path.join(path, name), package, read, listed)
