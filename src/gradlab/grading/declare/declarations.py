"""Finding an assignment's exercise declarations: `exercises/ASSIGNMENT.py` in the course directory (or the path the
course's config names), a Python file that defines EXERCISES, a list of declare.Exercise.

The file is imported by path under a private module name, once per version of the file, in the grader's process.
An assignment without the file has no declared exercises: its test cells are graded as ordinary test cells.
"""
from __future__ import annotations

import importlib.util
import os
import sys

from .exercise import Exercise

DEFAULT = "exercises/{assignment}.py"
_LOADED = {}  # (path, mtime) -> {test cell: Exercise}


class DeclarationError(ValueError):
    """An exercise file that cannot be used, with what is wrong in it."""


def path_for(course, assignment, pattern=DEFAULT):
    return os.path.join(os.path.abspath(course), pattern.format(assignment=assignment))


def load(course, assignment, pattern=DEFAULT):
    """test cell grade_id -> Exercise for the assignment ({} when it declares none)."""
    path = path_for(course, assignment, pattern)
    if not os.path.exists(path):
        return {}
    key = (path, os.stat(path).st_mtime_ns)
    if key not in _LOADED:
        _LOADED[key] = by_cell(_exercises(path), path)
    return _LOADED[key]


def _exercises(path):
    name = "gradlab_exercises_" + "".join(c if c.isalnum() else "_" for c in os.path.abspath(path))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look a module up by name
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        sys.modules.pop(name, None)
        raise DeclarationError(f"{path} failed to load: {type(error).__name__}: {error}") from error
    exercises = getattr(module, "EXERCISES", None)
    if not isinstance(exercises, (list, tuple)) or not all(isinstance(e, Exercise) for e in exercises):
        raise DeclarationError(f"{path} must define EXERCISES, a list of gradlab.grading.declare.Exercise")
    return list(exercises)


def by_cell(exercises, where="the declarations"):
    found = {}
    for exercise in exercises:
        if exercise.cell in found:
            raise DeclarationError(f"{where}: exercises {found[exercise.cell].function} and {exercise.function} are "
                                   f"both scored by test cell {exercise.cell!r}; give one of them another test_cell")
        found[exercise.cell] = exercise
    return found
