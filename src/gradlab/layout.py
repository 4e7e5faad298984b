"""Parameters as one vector theta, and the map back from a flat position to a parameter and an index.

theta is a float64 column (n, 1) in the course's order: W1, b1, W2, b2, ... by layer number (W10 after W9),
then any other names, sorted. Each parameter's block is row-major, as `W.reshape(-1, 1)` gives it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_LAYERED = re.compile(r"^([Wb])(\d+)$")


def course_order(name):
    """Sort key: W1, b1, W2, b2, ... by layer number, then other names alphabetically."""
    match = _LAYERED.match(name)
    if match:
        return (0, int(match.group(2)), match.group(1) == "b", "")
    return (1, 0, False, name)


@dataclass(frozen=True)
class ParameterLayout:
    """Where each named parameter lives in theta: its slice and its shape."""

    names: tuple
    shapes: tuple

    def __post_init__(self):
        sizes = [int(np.prod(shape, dtype=np.int64)) for shape in self.shapes]
        offsets = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        object.__setattr__(self, "_offsets", offsets)
        object.__setattr__(self, "_index", {name: k for k, name in enumerate(self.names)})

    @property
    def size(self):
        """n, the length of theta."""
        return int(self._offsets[-1])

    @property
    def starts(self):
        """The first row of each parameter's block, in `names` order."""
        return self._offsets[:-1]

    def __len__(self):
        return len(self.names)

    def __contains__(self, name):
        return name in self._index

    def slice(self, name):
        """The rows of theta that hold `name`."""
        k = self._position(name)
        return slice(int(self._offsets[k]), int(self._offsets[k + 1]))

    def shape(self, name):
        return self.shapes[self._position(name)]

    def locate(self, i):
        """Which parameter and which index flat position i of theta is: ("W2", (row, col))."""
        i = int(i)
        if not 0 <= i < self.size:
            raise IndexError(f"position {i} is outside theta, which has {self.size} entries")
        k = int(np.searchsorted(self._offsets, i, side="right")) - 1
        index = np.unravel_index(i - int(self._offsets[k]), self.shapes[k]) if self.shapes[k] else ()
        return self.names[k], tuple(int(j) for j in index)

    def position(self, name, index=()):
        """The inverse of `locate`: the flat position of parameter `name` at `index`."""
        shape = self.shape(name)
        index = tuple(np.atleast_1d(index)) if shape else ()
        return int(self._offsets[self._position(name)]) + int(np.ravel_multi_index(index, shape) if shape else 0)

    def label(self, i):
        """A readable name for position i: "W2[1, 3]", or just "b" for a scalar."""
        name, index = self.locate(i)
        return f"{name}[{', '.join(map(str, index))}]" if index else name

    def views(self, theta):
        """name -> an array of the parameter's shape that shares memory with theta (no copy)."""
        flat = _as_flat(theta, self.size)
        return {name: flat[self.slice(name)].reshape(shape) for name, shape in zip(self.names, self.shapes)}

    def _position(self, name):
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"no parameter named {name!r}; the layout holds {', '.join(self.names)}") from None


def layout_of(parameters):
    """The layout of a dict of arrays (or numbers), in the course's order."""
    if not isinstance(parameters, dict):
        raise TypeError(f"parameters must be a dict of arrays; got {type(parameters).__name__}")
    if not parameters:
        raise ValueError("parameters is empty: there is nothing to check")
    names = sorted(parameters, key=course_order)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"parameter names must be strings; got {name!r}")
    shapes = tuple(_as_real_array(parameters[name], name).shape for name in names)
    return ParameterLayout(tuple(names), shapes)


def dictionary_to_vector(parameters):
    """theta (a float64 column (n, 1), a copy) and the layout that maps it back."""
    layout = layout_of(parameters)
    theta = np.empty((layout.size, 1))
    for name in layout.names:
        theta[layout.slice(name), 0] = _as_real_array(parameters[name], name).reshape(-1)
    return theta, layout


def vector_to_dictionary(theta, layout):
    """The parameters dict back from theta: new arrays of the original shapes and names."""
    return {name: view.copy() for name, view in layout.views(theta).items()}


def gradient_key(gradients, name, gradient_names=None):
    """The key that holds the gradient of parameter `name`: gradient_names[name] when given, else "dW1" if
    present, else "W1"."""
    if gradient_names and name in gradient_names:
        key = gradient_names[name]
        if key in gradients:
            return key
        raise ValueError(f"the gradient of {name} is missing: gradient_names says it is {key!r}; "
                         f"the gradients hold {', '.join(map(str, gradients)) or 'nothing'}")
    for key in ("d" + name, name):
        if key in gradients:
            return key
    raise ValueError(f"the gradient of {name} is missing: expected a key 'd{name}' (or '{name}'); "
                     f"the gradients hold {', '.join(map(str, gradients)) or 'nothing'}")


def gradients_to_vector(gradients, layout, gradient_names=None):
    """The gradients as a column in theta's order. Keys dW1 or W1 (or as gradient_names maps them); other
    entries (dZ1, dA1, ...) are ignored."""
    if not isinstance(gradients, dict):
        raise TypeError(f"gradients must be a dict of arrays; got {type(gradients).__name__}")
    grad = np.empty((layout.size, 1))
    for name, shape in zip(layout.names, layout.shapes):
        key = gradient_key(gradients, name, gradient_names)
        value = _as_real_array(gradients[key], key)
        if value.shape != shape:
            raise ValueError(f"{key} has shape {value.shape}, {name} has shape {shape}")
        grad[layout.slice(name), 0] = value.reshape(-1)
    return grad


def _as_real_array(value, name):
    if isinstance(value, (list, tuple)):
        raise TypeError(f"{name} is a {type(value).__name__}; give it as a numpy array")
    array = np.asarray(value)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must hold numbers; got {type(value).__name__} of dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise TypeError(f"{name} is complex; parameters and gradients must be real")
    return array


def _as_flat(theta, size):
    theta = np.asarray(theta)
    if theta.size != size or (theta.ndim == 2 and theta.shape[1] != 1) or theta.ndim > 2:
        raise ValueError(f"theta has shape {theta.shape}; this layout needs ({size}, 1) or ({size},)")
    flat = theta.reshape(-1)
    if not np.shares_memory(flat, theta) and theta.size:
        raise ValueError("theta must be contiguous so that the parameters can be views of it")
    return flat
