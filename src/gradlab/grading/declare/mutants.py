"""Mutants of a solution, one declared output at a time, for `verify`: the solution's function wrapped so that one
output comes back scaled, with its sign flipped, transposed, with one entry off, or recomputed with one term of
its formula dropped. An assignment's tests are only as good as the wrong answers they catch.

Each mutant is a code cell appended after the solution's cells, so it runs in the sandbox exactly as a student's
cell would. The dropped term is found in the solution's own source (ast): the last assignment to the variable the
output is returned from, whose outermost arithmetic loses one operand.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from .exercise import Verdict

_WRAPPER = '''import numpy as _np
_gradlab_original = {function}


def {function}(*args, **kwargs):
    _out = _gradlab_original(*args, **kwargs)
{access}
    return _out
'''
_ACCESS = {
    "one": "    _out = _mutate(_out)",
    "dict": "    _out = dict(_out)\n    _out[{name!r}] = _mutate(_out[{name!r}])",
    "tuple": "    _out = list(_out)\n    _out[{index}] = _mutate(_out[{index}])\n    _out = tuple(_out)",
}
_ARRAY_MUTATIONS = {
    "scaled": "def _mutate(v):\n    return _np.asarray(v) * 2.0\n",
    "sign-flipped": "def _mutate(v):\n    return -_np.asarray(v)\n",
    "transposed": "def _mutate(v):\n    return _np.asarray(v).T\n",
    "one entry off": ("def _mutate(v):\n    v = _np.array(v, dtype=float)\n    flat = v.reshape(-1)\n"
                      "    flat[0] += 0.5 * _np.max(_np.abs(flat)) + 1e-3\n    return v\n"),
}
_VERDICT_MUTATIONS = {
    "scaled": "def _mutate(v):\n    return _np.asarray(v) * 1e6\n",
    "sign-flipped": "def _mutate(v):\n    return -_np.asarray(v)\n",
    "one entry off": "def _mutate(v):\n    return _np.asarray(v) + {step!r}\n",
}


@dataclass
class Mutant:
    output: str
    kind: str
    source: str  # the cell that makes it


def wrapped(exercise, name, kind, square):
    """Mutants that wrap the solution's function (None when the kind does not apply to this output)."""
    output = exercise.outputs[name]
    if isinstance(output, Verdict):
        mutation = _VERDICT_MUTATIONS.get(kind)
        mutation = mutation and mutation.format(step=10 * output.threshold)
    else:
        mutation = _ARRAY_MUTATIONS.get(kind)
    if mutation is None or (kind == "transposed" and not square):
        return None
    index = list(exercise.outputs).index(name)
    access = _ACCESS[exercise.returns].format(name=name, index=index)
    return Mutant(name, kind, mutation + _WRAPPER.format(function=exercise.function, access=access))


def term_dropped(exercise, name, solution_source):
    """The solution's function redefined with one term of the output's formula dropped, or None if none can be."""
    try:
        module = ast.parse(solution_source)
    except SyntaxError:
        return None
    function = next((node for node in module.body if isinstance(node, ast.FunctionDef)
                     and node.name == exercise.function), None)
    if function is None:
        return None
    assignment = _assignment_of(function, _returned_variable(function, exercise, name))
    if assignment is None:
        return None
    target = _outermost_arithmetic(assignment.value)
    if target is None:
        return None
    for keep in (target.left, target.right):
        original = assignment.value
        assignment.value = _replace(original, target, keep)
        source = ast.unparse(ast.fix_missing_locations(function))
        assignment.value = original
        if source != ast.unparse(function):
            return Mutant(name, "a term dropped", source + "\n")
    return None


def _returned_variable(function, exercise, name):
    """The name of the variable the output is returned from, following one dict or tuple literal."""
    returns = [node for node in ast.walk(function) if isinstance(node, ast.Return) and node.value is not None]
    if not returns:
        return None
    value = returns[-1].value
    if isinstance(value, ast.Name) and exercise.returns != "one":
        literal = _assignment_of(function, value.id)
        value = literal.value if literal is not None else value
    if exercise.returns == "dict" and isinstance(value, ast.Dict):
        for key, item in zip(value.keys, value.values):
            if isinstance(key, ast.Constant) and key.value == name:
                return item.id if isinstance(item, ast.Name) else None
        return None
    if exercise.returns == "tuple" and isinstance(value, (ast.Tuple, ast.List)):
        index = list(exercise.outputs).index(name)
        item = value.elts[index] if index < len(value.elts) else None
        return item.id if isinstance(item, ast.Name) else None
    return value.id if isinstance(value, ast.Name) else None


def _assignment_of(function, variable):
    if variable is None:
        return None
    found = None
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets):
            found = node if found is None or node.lineno > found.lineno else found
    return found


def _outermost_arithmetic(node):
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        return node
    for child in ast.iter_child_nodes(node):
        found = _outermost_arithmetic(child)
        if found is not None:
            return found
    return None


def _replace(node, target, replacement):
    if node is target:
        return replacement

    class Swap(ast.NodeTransformer):
        def visit(self, current):
            return replacement if current is target else self.generic_visit(current)

    return Swap().visit(_copy(node, target, replacement))


def _copy(node, target, replacement):
    # NodeTransformer rewrites in place; the original tree must stay as it was for the next mutant.
    import copy

    memo = {id(target): target, id(replacement): replacement}
    return copy.deepcopy(node, memo)
