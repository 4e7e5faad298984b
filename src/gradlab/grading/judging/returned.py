"""Reading what a child returned for one call: a tree of JSON (what kind of thing each part was) and float64 arrays
(its numbers), checked for kind, dtype, shape and finiteness, never trusted.

A value is usable when it is numbers of the right shape, all finite. Lists and float32 are usable, with a remark:
they are scored by what is right in them. Anything else is a problem, said in words: in full for a visible case,
and in fixed words for a hidden one, since a type name, a shape or a message chosen by the student's code could
carry a hidden case's inputs out into the feedback.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_NUMERIC_KINDS = ("ndarray", "ndarray subclass", "number", "list", "tuple")  # a bool is a verdict, not a number
_LOW_PRECISION = ("float32", "float16")
CONTAINERS = {"one": "a single value", "tuple": "a tuple", "dict": "a dictionary"}


@dataclass
class Value:
    array: np.ndarray | None  # float64, when usable
    problem: str = ""  # why it cannot be scored ("" when usable)
    remark: str = ""  # usable, but worth saying ("a list; return numpy arrays")
    dtype: str = "float64"
    kind: str = ""  # a fixed short label of the problem, for the class report and hidden cases

    @property
    def usable(self):
        return self.array is not None and not self.problem


@dataclass
class Outcome:
    """How one call ended: returned (with its tree), raised, timed out, missing, or no result at all."""

    status: str  # "returned", "raised", "timeout", "skipped" (after a time-out), "missing", "lost"
    returned: dict | None = None
    error: str = ""
    message: str = ""


def outcome(record):
    if not isinstance(record, dict):
        return Outcome("lost")
    status = record.get("status")
    if status == "returned" and isinstance(record.get("returned"), dict):
        return Outcome("returned", record["returned"])
    if status == "raised":
        return Outcome("raised", error=_text(record.get("error"), 80), message=_text(record.get("message"), 300))
    if status in ("timeout", "skipped", "missing"):
        return Outcome(status)
    return Outcome("lost")


def unpack(tree, returns, names):
    """name -> tree of each declared output, and a problem ("" if none) when the container is not the declared one.

    returns "one": the tree is the only output; "tuple": a tuple (or list) of len(names); "dict": a dict by key
    (a missing key is that output's problem alone, not the exercise's).
    """
    if returns == "one":
        return {names[0]: tree}, ""
    kind = tree.get("kind") if isinstance(tree, dict) else None
    if returns == "tuple":
        items = tree.get("items") if kind in ("tuple", "list") else None
        if not isinstance(items, list) or tree.get("length") != len(names):
            what = f"a {kind} of {tree.get('length')}" if kind in ("tuple", "list") else _what(tree)
            return {}, f"returned {what}, not a tuple of {len(names)} ({', '.join(names)})"
        return dict(zip(names, items)), ""
    items = tree.get("items") if kind == "dict" else None
    if not isinstance(items, list):
        return {}, f"returned {_what(tree)}, not a dictionary of {', '.join(names)}"
    found = {key: value for key, value in (pair for pair in items if isinstance(pair, list) and len(pair) == 2)
             if isinstance(key, str)}
    return {name: found.get(name, {"kind": "missing"}) for name in names}, ""


def _what(tree):
    kind = tree.get("kind") if isinstance(tree, dict) else None
    words = {"dict": "a dictionary", "tuple": "a tuple", "list": "a list", "ndarray": "an array",
             "ndarray subclass": "an array", "number": "a number", "bool": "a bool"}
    return words.get(kind, "something else")


def read(entry, arrays, name, shape=None):
    """The output `name` from its tree and the call's arrays. shape: the shape it must have; () means one number
    (any size-1 value is then accepted)."""
    if not isinstance(entry, dict):
        return Value(None, f"{name} could not be read", kind="unreadable")
    kind = entry.get("kind")
    type_name = _text(entry.get("type"), 80) or "object"
    if kind == "missing":
        return Value(None, f"{name} is missing from the returned dictionary", kind="missing")
    if kind not in _NUMERIC_KINDS:
        return Value(None, f"{name} is {_article(type_name)} {type_name}, not a number or a numpy array of numbers",
                     kind="not numbers")
    dtype = _text(entry.get("dtype"), 40)
    if dtype == "complex":
        return Value(None, f"{name} is complex; it should be real numbers", kind="complex")
    if entry.get("too_large"):
        return Value(None, f"{name} is far larger than it should be", kind="wrong shape")
    array = arrays.get(entry.get("array")) if isinstance(entry.get("array"), str) else None
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        return Value(None, f"{name} ({type_name}) could not be read as numbers", kind="not numbers")
    value = Value(array, dtype=dtype)
    if shape is not None:
        if shape == ():
            if array.size != 1:
                value.problem, value.kind = f"{name} has shape {array.shape}; it should be one number", "wrong shape"
                return value
            value.array = array.reshape(())
        elif array.shape != tuple(shape):
            value.problem = f"{name} has shape {array.shape}; it should have shape {tuple(shape)}"
            value.kind = "wrong shape"
            return value
    bad = int(np.count_nonzero(~np.isfinite(value.array)))
    if bad:
        value.problem = f"{name} contains NaN or infinity ({bad} of {array.size} entries)"
        value.kind = "NaN or inf"
        return value
    value.remark = _remark(name, kind, dtype)
    return value


HIDDEN_WORDS = {"missing": "is missing", "not numbers": "is not a number or a numpy array of numbers",
                "complex": "is complex", "wrong shape": "has the wrong shape", "NaN or inf": "contains NaN or infinity",
                "unreadable": "could not be read"}


def hidden_problem(name, value):
    """The fixed words for a value's problem in a hidden case."""
    return f"{name} {HIDDEN_WORDS.get(value.kind, 'could not be read')}"


def _remark(name, kind, dtype):
    if kind in ("list", "tuple"):
        return f"{name} is a {kind}: return a numpy array (it was scored as one)"
    if dtype in _LOW_PRECISION:
        return f"{name} is {dtype}: compute in float64 (it was scored as it is)"
    return ""


def _text(value, limit):
    return value[:limit] if isinstance(value, str) else ""


def _article(word):
    return "an" if word[:1].lower() in "aeiou" else "a"


def record_of(returns, values):
    """(record, arrays) as a child leaves them for a call that returned `values` (output name -> array, in order),
    packed as `returns` says: how verify judges answers the grader made itself (finite-difference mutants) without
    running them in a child."""
    arrays, entries = {}, []
    for name, value in values.items():
        array = np.asarray(value, dtype=np.float64)
        key = f"r{len(arrays)}"
        arrays[key] = array
        entries.append((name, {"kind": "ndarray", "type": "ndarray", "dtype": "float64",
                               "shape": list(array.shape), "array": key}))
    if returns == "one":
        returned = entries[0][1]
    elif returns == "tuple":
        returned = {"kind": "tuple", "type": "tuple", "length": len(entries), "items": [entry for _, entry in entries]}
    else:
        returned = {"kind": "dict", "type": "dict", "items": [[name, entry] for name, entry in entries]}
    return {"status": "returned", "returned": returned}, arrays
