"""Reading what a child returned for one case: checked for kind, dtype, shape and finiteness, never trusted.

A value is usable when it is numbers of the right shape, all finite. Lists and float32 are usable, with a
remark: they are scored by what is right in them. Anything else is a problem, said in words.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_NUMERIC_KINDS = ("ndarray", "ndarray subclass", "number", "list", "tuple")  # a bool is a verdict, not a number
_LOW_PRECISION = ("float32", "float16")


@dataclass
class Value:
    array: np.ndarray | None  # float64, when usable
    problem: str = ""  # why it cannot be scored ("" when usable)
    remark: str = ""  # usable, but worth saying ("a list; return numpy arrays")
    dtype: str = "float64"

    @property
    def usable(self):
        return self.array is not None and not self.problem


@dataclass
class Outcome:
    """How one call ended: returned (with its record), raised, timed out, missing, or no result at all."""

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


def read(entry, arrays, name, shape=None):
    """The value named `name` ("dW1", "the returned value") from its JSON entry and the case's arrays.

    shape: the shape it must have; () means one number (any size-1 value is then accepted).
    """
    if not isinstance(entry, dict):
        return Value(None, f"{name} could not be read")
    kind = entry.get("kind")
    type_name = _text(entry.get("type"), 80) or "object"
    if kind == "missing":
        return Value(None, f"{name} is missing from the returned dictionary")
    if kind not in _NUMERIC_KINDS:
        return Value(None, f"{name} is {_article(type_name)} {type_name}, not a number or a numpy array of numbers")
    dtype = _text(entry.get("dtype"), 40)
    if dtype == "complex":
        return Value(None, f"{name} is complex; gradients are real numbers")
    array = arrays.get(entry.get("array")) if isinstance(entry.get("array"), str) else None
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        return Value(None, f"{name} ({type_name}) could not be read as numbers")
    value = Value(array, dtype=dtype)
    if shape is not None:
        if shape == ():
            if array.size != 1:
                value.problem = f"{name} has shape {array.shape}; it should be one number"
                return value
            value.array = array.reshape(())
        elif array.shape != tuple(shape):
            value.problem = f"{name} has shape {array.shape}; it should have shape {tuple(shape)}"
            return value
    bad = int(np.count_nonzero(~np.isfinite(array)))
    if bad:
        value.problem = f"{name} contains NaN or infinity ({bad} of {array.size} entries)"
        return value
    value.remark = _remark(name, kind, dtype)
    return value


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
