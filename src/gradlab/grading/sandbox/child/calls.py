"""Calling the student's functions inside the child, and saving what they return as plain data.

Nothing here judges a result: the grader does that, in its own process, against its own reference. This module
only builds each call's arguments from the job's data, puts the given functions a call relies on in place, and
turns whatever came back into a JSON tree (what kind of thing each part was) and float64 arrays (its numbers), one
pair of files per call, written as soon as the call is done.
"""
import json
import os

import numpy as np

import cells

# Bound at import, before any student code runs, so that a cell that rebinds builtins or numpy's functions
# changes only what the student's own code sees.
isinstance, type, len, str, dict, list, tuple, float = isinstance, type, len, str, dict, list, tuple, float
callable, sorted, open, getattr, range, zip, int, bool, set = (callable, sorted, open, getattr, range, zip, int, bool,
                                                             set)
_array, _savez, _iscomplexobj, _issubdtype = np.array, np.savez, np.iscomplexobj, np.issubdtype
_ndarray, _generic, _bool_, _integer, _floating = np.ndarray, np.generic, np.bool_, np.integer, np.floating
_dumps, _replace = json.dumps, os.replace

MAX_DEPTH = 4  # how deep a returned tree is followed (a tuple of dicts of arrays is depth 3)
MAX_ITEMS = 64  # items of one returned dict, tuple or list that are looked at
MAX_ELEMENTS = 2 ** 21  # numbers saved per call (16 MiB of float64): the grader reads no more


def decode(tree, arrays):
    """An argument from its JSON tree; arrays are fresh copies, so a student who writes into one changes nothing."""
    (kind, value), = tree.items()
    if kind == "array":
        return _array(arrays[value])
    if kind in ("bool", "int", "float", "str"):
        return value
    if kind == "none":
        return None
    if kind == "dict":
        return {key: decode(item, arrays) for key, item in value}
    items = [decode(item, arrays) for item in value]
    return items if kind == "list" else tuple(items)


def given_functions(sources):
    """The given functions a call relies on, compiled from their source in a namespace of their own."""
    namespace = {"np": np, "numpy": np}
    for source in sources.values():
        exec(compile(source, "<given>", "exec"), namespace)
    return {name: namespace[name] for name in sources}


_ABSENT = object()


def inject(function, names):
    """Make the student's function see the given functions it calls by name. Returns how to undo it: the calls of a
    run share the cells' namespace, and a function given to one call (a buggy backward pass for a checker) must not
    take the place of the student's own in the next call."""
    space = getattr(function, "__globals__", None)
    if not isinstance(space, dict) or not names:
        return None
    before = {name: space.get(name, _ABSENT) for name in names}
    space.update(names)
    return space, before


def uninject(undo):
    if undo is None:
        return
    space, before = undo
    for name, value in before.items():
        if value is _ABSENT:
            space.pop(name, None)
        else:
            space[name] = value


class Packer:
    """Turns a returned value into a tree; numbers go into `saved` as float64, within MAX_ELEMENTS in all."""

    def __init__(self):
        self.saved = {}
        self.elements = 0

    def pack(self, value, depth=0):
        record = {"kind": _kind(value), "type": type(value).__name__[:80]}
        kind = record["kind"]
        if kind == "dict":
            if depth < MAX_DEPTH:
                keys = [key for key in list(value.keys())[:MAX_ITEMS] if isinstance(key, str)]
                record["items"] = [[key[:80], self.pack(value[key], depth + 1)] for key in keys]
            return record
        if kind in ("list", "tuple") and depth < MAX_DEPTH:
            record["length"] = len(value)
            record["items"] = [self.pack(item, depth + 1) for item in list(value)[:MAX_ITEMS]]
        if kind in ("ndarray", "ndarray subclass", "number", "bool", "list", "tuple"):
            self._numbers(value, kind, record)
        return record

    def _numbers(self, value, kind, record):
        try:
            if _iscomplexobj(value):
                record["dtype"] = "complex"
                return
            dtype = getattr(value, "dtype", None) if kind in ("ndarray", "ndarray subclass", "number") else None
            converted = _array(value, dtype=np.float64)
        except BaseException:  # noqa: B036  (a ragged list, objects that are not numbers, a time-out)
            return
        if self.elements + converted.size > MAX_ELEMENTS:
            record["too_large"] = True
            return
        self.elements += converted.size
        key = f"r{len(self.saved)}"
        record["dtype"] = str(dtype) if dtype is not None else "float64"
        record["shape"] = [int(n) for n in converted.shape]
        record["array"] = key
        self.saved[key] = converted.view(_ndarray)


def _kind(value):
    if type(value) is _ndarray:
        return "ndarray"
    if isinstance(value, _ndarray):
        return "ndarray subclass"
    if isinstance(value, (bool, _bool_)):
        return "bool"
    if isinstance(value, (int, float, _integer, _floating)):
        return "number"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, list):
        return "list"
    if isinstance(value, tuple):
        return "tuple"
    return "other"


def _write(out, name, record, saved=None):
    """Write one result atomically (a reader never sees half a file)."""
    if saved:
        with open(os.path.join(out, name + ".npz.tmp"), "wb") as handle:
            _savez(handle, **saved)
        _replace(os.path.join(out, name + ".npz.tmp"), os.path.join(out, name + ".npz"))
    with open(os.path.join(out, name + ".json.tmp"), "w") as handle:
        handle.write(_dumps(record))
    _replace(os.path.join(out, name + ".json.tmp"), os.path.join(out, name + ".json"))


def write_record(out, name, record):
    _write(out, name, record)


def run_calls(calls, namespace, arrays, seconds, out):
    """Make each call; write out/case-K.json (and .npz) after each one."""
    timed_out = set()
    for k, call in enumerate(calls):
        function = namespace.get(call["function"])
        if not callable(function) or call["function"] in timed_out:
            # After a call ran out of time the function's other calls are not tried: one endless loop costs one
            # budget. Other functions' calls still are.
            status = "skipped" if call["function"] in timed_out else "missing"
            _write(out, f"case-{k}", {"status": status, "type": type(function).__name__[:80]})
            continue
        packer, undo = Packer(), None
        try:
            with cells.time_budget(seconds):
                undo = inject(function, given_functions(call["inject"]))
                args = [decode(tree, arrays) for tree in call["args"]]
                kwargs = {name: decode(tree, arrays) for name, tree in call["kwargs"]}
                returned = packer.pack(function(*args, **kwargs))
            record = {"status": "returned", "returned": returned}
        except cells.TimeBudgetExceeded:
            record = {"status": "timeout"}
            timed_out.add(call["function"])
        except BaseException as error:  # noqa: B036  (sys.exit, MemoryError, KeyboardInterrupt alike)
            name, message = cells.describe_error(error)
            record = {"status": "raised", "error": name, "message": message}
        uninject(undo)
        _write(out, f"case-{k}", record, packer.saved)


def run_job(job, arrays, out):
    """The submission's cells (test cells recorded one by one), then the calls."""
    namespace = cells.new_namespace()
    limits = job["limits"]
    ran = cells.run_cells(job["cells"], namespace, limits["cell_seconds"], job.get("capture", False),
                          lambda number: write_record(out, "at", {"cell": number}))
    write_record(out, "cells", ran)
    run_calls(job["calls"], namespace, arrays, limits["call_seconds"], out)
