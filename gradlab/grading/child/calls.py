"""Calling one exercise's function on each case, inside the child, and saving what it returns as plain data.

Nothing here judges a result: the grader does that, in its own process, against its own reference. This
module only turns whatever the student's function returned into JSON (what kind of thing it was) and float64
arrays (its numbers), one pair of files per case, written as soon as the case is done.
"""
import json
import os

import numpy as np

import cells

# Bound at import, before any student code runs, so that a cell that rebinds builtins or numpy's functions
# changes only what the student's own code sees.
isinstance, type, len, str, dict, list, tuple, float = isinstance, type, len, str, dict, list, tuple, float
callable, sorted, open, getattr, range, zip, int = callable, sorted, open, getattr, range, zip, int
_array, _savez, _reshape, _concatenate, _iscomplexobj = np.array, np.savez, np.reshape, np.concatenate, np.iscomplexobj
_ndarray, _generic, _prod = np.ndarray, np.generic, np.prod
_dumps, _replace = json.dumps, os.replace


def compile_references(sources):
    """The grader's reference functions, from their source text, in a namespace of their own."""
    namespace = {"np": np}
    for source in sources.values():
        exec(compile(source, "<reference>", "exec"), namespace)
    return {name: namespace[name] for name in sources}


def inject(function, names):
    """Make the student's function see the grader's versions of the functions it calls by name."""
    space = getattr(function, "__globals__", None)
    if isinstance(space, dict):
        space.update(names)


def course_helpers(names, shapes):
    """dictionary_to_vector, vector_to_dictionary, gradients_to_vector with the course's signatures,
    for parameters of these names and shapes (the course's versions hard-code one network)."""
    sizes = [int(_prod(shape)) for shape in shapes]

    def dictionary_to_vector(parameters):
        keys, columns = [], []
        for name in names:
            column = _reshape(parameters[name], (-1, 1))
            keys = keys + [name] * column.shape[0]
            columns.append(column)
        return _concatenate(columns, axis=0), keys

    def vector_to_dictionary(theta):
        parameters, start = {}, 0
        for name, shape, size in zip(names, shapes, sizes):
            parameters[name] = theta[start:start + size].reshape(shape)
            start += size
        return parameters

    def gradients_to_vector(gradients):
        return _concatenate([_reshape(gradients["d" + name], (-1, 1)) for name in names], axis=0)

    return {"dictionary_to_vector": dictionary_to_vector, "vector_to_dictionary": vector_to_dictionary,
            "gradients_to_vector": gradients_to_vector}


def _arguments(exercise, function, case, arrays, references):
    """The arguments of one call, after putting in place the reference functions the call relies on."""
    def array(name):
        return _array(arrays[case["arrays"][name]])  # a fresh copy per call: the student may write into it

    if exercise in ("forward_propagation", "backward_propagation"):
        return (case["x"], case["theta"])
    if exercise == "gradient_check":
        a, b, c = case["backward"]
        inject(function, {"forward_propagation": references["forward_propagation"],
                          "backward_propagation": lambda x, theta: a * x + b * theta + c})
        return (case["x"], case["theta"])
    if exercise == "backward_propagation_n":
        cache = tuple(array(f"cache{k}") for k in range(case["cache_length"]))
        return (array("X"), array("Y"), cache)
    if exercise == "gradient_check_n":
        names = case["parameters"]
        parameters = {name: array(name) for name in names}
        gradients = {"d" + name: array("d" + name) for name in names}
        helpers = course_helpers(names, [parameters[name].shape for name in names])
        inject(function, dict(helpers, forward_propagation_n=references["forward_propagation_n"]))
        return (parameters, gradients, array("X"), array("Y"))
    raise ValueError(f"no calling convention for exercise {exercise!r}")


def pack(value, key, saved):
    """A JSON description of one returned value; its numbers go into `saved[key]` as float64."""
    if type(value) is _ndarray:
        kind = "ndarray"
    elif isinstance(value, _ndarray):
        kind = "ndarray subclass"
    elif isinstance(value, bool) or isinstance(value, np.bool_):
        kind = "bool"
    elif isinstance(value, (int, float, np.integer, np.floating)):
        kind = "number"
    elif isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
    else:
        kind = "other"
    record = {"kind": kind, "type": type(value).__name__[:80]}
    if kind == "other":
        return record
    try:
        if _iscomplexobj(value):
            record["dtype"] = "complex"
            return record
        dtype = getattr(value, "dtype", None) if kind in ("ndarray", "ndarray subclass", "number") else None
        converted = _array(value, dtype=np.float64)
    except BaseException:  # noqa: B036  (a ragged list, objects that are not numbers, a time-out)
        return record
    record["dtype"] = str(dtype) if dtype is not None else "float64"
    record["shape"] = [int(n) for n in converted.shape]
    record["array"] = key
    saved[key] = converted.view(_ndarray)
    return record


def _returned(exercise, value, case, saved):
    if exercise != "backward_propagation_n":
        return {"value": pack(value, "value", saved)}
    if not isinstance(value, dict):
        return {"value": {"kind": "other", "type": type(value).__name__[:80]}}
    record = {}
    for name in case["keys"]:
        record[name] = pack(value[name], name, saved) if name in value else {"kind": "missing"}
    return record


def _write(out, name, record, saved=None):
    """Write one result atomically (a reader never sees half a file)."""
    if saved is not None:
        with open(os.path.join(out, name + ".npz.tmp"), "wb") as handle:
            _savez(handle, **saved)
        _replace(os.path.join(out, name + ".npz.tmp"), os.path.join(out, name + ".npz"))
    with open(os.path.join(out, name + ".json.tmp"), "w") as handle:
        handle.write(_dumps(record))
    _replace(os.path.join(out, name + ".json.tmp"), os.path.join(out, name + ".json"))


def write_record(out, name, record):
    _write(out, name, record)


def run_cases(exercise, namespace, cases, arrays, references, seconds, out):
    """Call the exercise's function once per case; write out/case-K.json (and .npz) after each call."""
    function = namespace.get(exercise)
    timed_out = False
    for k, case in enumerate(cases):
        saved = {}
        if not callable(function) or timed_out:
            # After one call ran out of time the others are not tried: one endless loop costs one budget.
            status = "skipped" if timed_out else "missing"
            _write(out, f"case-{k}", {"status": status, "type": type(function).__name__[:80]})
            continue
        try:
            with cells.time_budget(seconds):
                value = function(*_arguments(exercise, function, case, arrays, references))
                returned = _returned(exercise, value, case, saved)
            record = {"status": "returned", "returned": returned}
        except cells.TimeBudgetExceeded:
            record, timed_out = {"status": "timeout"}, True
        except BaseException as error:  # noqa: B036  (sys.exit, MemoryError, KeyboardInterrupt alike)
            name, message = cells.describe_error(error)
            record = {"status": "raised", "error": name, "message": message}
        _write(out, f"case-{k}", record, saved)
