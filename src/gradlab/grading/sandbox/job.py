"""What a sandboxed child is asked to do, as plain data: the submission's cells in notebook order, the calls to
make of the student's functions, and the arrays those calls take.

Arguments travel as a small tree of JSON (numbers, strings, dicts, tuples, lists) whose array leaves name entries of
one .npz file, so nothing crosses into the child as a pickle or as an object the grader made. A call may also name
given functions (`inject`): source text the child compiles and puts into the student's function's globals before
the call, as the course's own notebook would have them (a reference forward pass, a planted bug).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np


def encode(value, arrays, prefix):
    """A JSON tree for `value`; its arrays go into `arrays` under names that start with `prefix`."""
    if isinstance(value, np.ndarray):
        name = f"{prefix}_{len(arrays)}"
        arrays[name] = value
        return {"array": name}
    if isinstance(value, (bool, np.bool_)):
        return {"bool": bool(value)}
    if isinstance(value, Integral):
        return {"int": int(value)}
    if isinstance(value, Real):
        return {"float": float(value)}
    if isinstance(value, str):
        return {"str": value}
    if value is None:
        return {"none": True}
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("a dict passed to a student's function must have string keys")
        return {"dict": [[key, encode(item, arrays, prefix)] for key, item in value.items()]}
    if isinstance(value, (tuple, list)):
        return {type(value).__name__: [encode(item, arrays, prefix) for item in value]}
    raise TypeError(f"cannot pass a {type(value).__name__} to a student's function: use numbers, strings, numpy "
                    "arrays, and dicts, tuples or lists of them")


@dataclass
class Call:
    function: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    inject: dict = field(default_factory=dict)  # name -> source of a given function the call relies on


@dataclass
class Job:
    """cells: [(source, test id or None)] in notebook order; a test cell's outcome is recorded under its id.

    hidden: the calls hold inputs the student must not see (hidden cases). Nothing such a run printed is kept, its
    ending is told in fixed words, and no run without hidden inputs is forked after it from the same supervisor
    (box.py), so that nothing a student reads comes from a process that held them."""

    cells: list
    calls: list = field(default_factory=list)
    capture: bool = False  # record what each cell printed (bounded), for the autograded notebook
    hidden: bool = False

    def __post_init__(self):
        if self.hidden and (self.capture or any(test is not None for _, test in self.cells)):
            raise ValueError("a job with hidden inputs keeps nothing its cells print: no capture, no test cells")

    def to_data(self):
        """(the JSON document, the arrays) for the child."""
        arrays = {}
        calls = []
        for k, call in enumerate(self.calls):
            calls.append({"function": call.function, "args": [encode(a, arrays, f"c{k}") for a in call.args],
                          "kwargs": [[name, encode(v, arrays, f"c{k}")] for name, v in call.kwargs.items()],
                          "inject": dict(call.inject)})
        cells = [{"source": source, "test": test} for source, test in self.cells]
        return {"cells": cells, "calls": calls, "capture": bool(self.capture)}, arrays
