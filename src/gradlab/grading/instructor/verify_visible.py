"""verify's check that the visible case is written once: the arguments the notebook's visible test calls the
student's function with must be those of the declaration's visible case, or feedback would describe a case the
student cannot run.

The solution's cells run in the sandbox, then a cell that records every call of the function, then the visible part
of its test cell (the hidden region taken out); the recorded arguments come back as data, as any call's result does.
Only what the declaration passes is compared (a parameter it leaves to its default, a dict key it does not give,
may be anything in the notebook).
"""
from __future__ import annotations

import numpy as np

from ..judging.notebook import BEGIN_HIDDEN
from ..sandbox.box import Sandbox
from ..sandbox.job import Call, Job

MAX_CALLS = 8  # calls of the function in the visible test that are recorded
_RECORDER = '''import copy as _gradlab_copy
_gradlab_calls = []
_gradlab_recorded = {function}


def {function}(*args, **kwargs):
    if len(_gradlab_calls) < {most}:
        _gradlab_calls.append(_gradlab_copy.deepcopy((args, kwargs)))
    return _gradlab_recorded(*args, **kwargs)


def _gradlab_visible_call(k):
    return _gradlab_calls[int(k)] if int(k) < len(_gradlab_calls) else None
'''
RTOL, ATOL = 1e-9, 1e-12  # the notebook's arrays may come from its own code: equal up to round-off


def check_visible(report, notebook, exercise, test_cell, student, cases, limits):
    """Add a finding per visible case of `exercise`: found among the visible test's calls, or where it differs."""
    visible = [case for case in cases if case.visible]
    if not visible:
        return
    calls, ending = _recorded_calls(exercise, test_cell, student, limits)
    if not calls:
        # A visible test that imports gradlab's reference answers (gradlab.models) runs in the student's kernel but
        # not in the sandbox, which refuses them to graded code: nothing to compare, and nothing wrong.
        refused = "ReferenceImportRefused" in ending
        report.add(refused, f"{notebook}: the visible test of {exercise.function} never calls it with the solution in "
                            f"place{' (' + ending + ')' if ending else ''}, so its visible case cannot be compared"
                            + (" (it imports gradlab's reference answers, which the sandbox refuses)" if refused
                               else ""))
        return
    for case in visible:
        label = case.label or "the visible case"
        differences = [_difference(exercise, case, call) for call in calls]
        if any(found is None for found in differences):
            report.add(True, f"{notebook}: {exercise.function} {label}: the notebook's visible test calls it with the "
                             "declaration's visible case")
        else:
            report.add(False, f"{notebook}: {exercise.function} {label}: the declaration's visible case is not what the "
                              f"notebook's visible test calls it with: {differences[0]}")


def _recorded_calls(exercise, test_cell, student, limits):
    """[(args tree, kwargs tree)] of the calls the visible test made, and how the run ended."""
    visible_part = test_cell.source.split(BEGIN_HIDDEN)[0].rsplit("\n", 1)[0] if BEGIN_HIDDEN in test_cell.source \
        else test_cell.source
    cells = [(cell.source, None) for cell in student]
    cells += [(_RECORDER.format(function=exercise.function, most=MAX_CALLS), None), (visible_part, None)]
    with Sandbox(limits) as box:
        run = box.run(Job(cells, [Call("_gradlab_visible_call", (k,)) for k in range(MAX_CALLS)]))
    calls = []
    for record, arrays in zip(run.records, run.arrays):
        returned = (record or {}).get("returned")
        if isinstance(returned, dict) and returned.get("kind") == "tuple" and len(returned.get("items", [])) == 2:
            calls.append((returned["items"], arrays))
    failed = run.cell_failures[-1] if run.cell_failures else None
    ending = run.ending or (f"the test cell raised {failed.get('error')}" if failed else "")
    return calls, ending


def _difference(exercise, case, call):
    """None when the call's arguments are the case's; else where they first differ, in words."""
    (args, kwargs), arrays = call
    if not (isinstance(args, dict) and isinstance(kwargs, dict)):
        return "the call could not be read"
    names = exercise.parameters()
    given = dict(zip(names, args.get("items", [])))
    given.update({key: value for key, value in kwargs.get("items", []) if isinstance(key, str)})
    declared = dict(zip(names, case.args))
    declared.update(case.kwargs)
    for name, value in declared.items():
        if name not in given:
            return f"{name} is not passed in the notebook"
        found = _compare(value, given[name], arrays, name)
        if found:
            return found
    return None


def _compare(value, tree, arrays, where):
    """None when the packed `tree` holds `value`; else where and how they differ."""
    kind = tree.get("kind") if isinstance(tree, dict) else None
    if isinstance(value, dict):
        if kind != "dict":
            return f"{where} is not a dictionary in the notebook"
        items = {key: item for key, item in tree.get("items", []) if isinstance(key, str)}
        for key, item in value.items():
            if key not in items:
                return f"{where}[{key!r}] is missing in the notebook"
            found = _compare(item, items[key], arrays, f"{where}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(value, (tuple, list)) and not _numeric(value):
        items = tree.get("items") if kind in ("tuple", "list") else None
        if not isinstance(items, list) or tree.get("length") != len(value):
            return f"{where} has another length or kind in the notebook"
        for k, item in enumerate(value):
            found = _compare(item, items[k], arrays, f"{where}[{k}]")
            if found:
                return found
        return None
    if isinstance(value, str) or value is None:
        return None  # text and None are not numbers the case is drawn from; the signature check covers the rest
    expected = np.asarray(value, dtype=np.float64)
    array = arrays.get(tree.get("array")) if kind is not None else None
    if not isinstance(array, np.ndarray):
        return f"{where} is not numbers in the notebook"
    if array.shape != expected.shape:
        return f"{where} has shape {array.shape} in the notebook and {expected.shape} in the declaration"
    if not np.allclose(array, expected, rtol=RTOL, atol=ATOL):
        return (f"{where} differs (by up to {float(np.max(np.abs(array - expected))):.3g}: the same seed and the same "
                "order of draws?)")
    return None


def _numeric(value):
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except (ValueError, TypeError):
        return False
