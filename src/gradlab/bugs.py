"""Realistic backprop bugs, each planted into one step (models.BackwardSteps) for one layer.

Every bug knows which parameters a gradient check should flag and, for scale and sign bugs,
the ratio analytic/numerical it should find."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import models

NETWORK = (4, 5, 5, 3, 1)
COURSE_NETWORK = (4, 5, 3, 1)
COURSE_BUGS = ("dW2_times_2", "db1_4_over_m")

# Layers in which each step runs, as (first, last - L): activation and dropout steps only run
# for hidden layers, the output delta only for L.
_STEP_RANGE = {"output_delta": ("L", 0), "activation_backward": (1, -1), "dropout_backward": (1, -1),
               "weight_gradient": (1, 0), "bias_gradient": (1, 0), "l2_gradient": (1, 0)}


class UnknownBugError(ValueError, KeyError):
    """A bug name that is not in CATALOGUE (both a ValueError and a KeyError)."""

    def __str__(self):
        # KeyError would show the message as a quoted repr.
        return str(self.args[0])


@dataclass(frozen=True)
class Bug:
    name: str
    title: str
    line: str
    explanation: str
    kind: str  # "scale", "sign", "layer", "regularization" or "isolated"
    layer: int | str | None  # a number, "L", "L-1", or None for every layer
    needs: dict = field(default_factory=dict, hash=False)
    step: str = field(default="", repr=False)
    replacement: Callable = field(default=None, repr=False)
    reaches: str = field(default="W", repr=False)  # "W", "b", "below" or "all"
    ratio: Callable | None = field(default=None, repr=False)
    problem: Callable | None = field(default=None, repr=False)

    def resolve_layer(self, layer_dims, layer=None):
        """The layer number the bug goes into (None: every layer), checked against the network."""
        dims = models._layer_dims(layer_dims)
        L = len(dims) - 1
        requested = self.layer if layer is None else layer
        resolved = {"L": L, "L-1": L - 1}.get(requested, requested)
        if resolved is None and self.layer is None:
            return None
        first, last = _STEP_RANGE[self.step]
        first = L if first == "L" else first
        label = f"{requested!r}" + ("" if resolved == requested else f" (= {resolved})")
        where = f"bug {self.name!r} cannot be planted in layer {label} of network {dims}"
        if not isinstance(resolved, (int, np.integer)) or not first <= resolved <= L + last:
            raise ValueError(f"{where}: its step {self.step} runs only in layers {first}..{L + last}" if (
                first <= L + last) else f"{where}: it has no hidden layer, where {self.step} runs")
        reason = self.problem(dims, int(resolved)) if self.problem else None
        if reason:
            raise ValueError(f"{where}: {reason}")
        return int(resolved)

    def steps(self, layer_dims, layer=None) -> models.BackwardSteps:
        """Reference backprop steps with this bug in place."""
        L = len(models._layer_dims(layer_dims)) - 1
        l = self.resolve_layer(layer_dims, layer)
        return PlantedSteps({(self.step, k): self for k in (range(1, L + 1) if l is None else [l])})

    def affected(self, layer_dims, layer=None) -> tuple:
        """Names of the parameters whose gradients the bug changes."""
        L = len(models._layer_dims(layer_dims)) - 1
        l = self.resolve_layer(layer_dims, layer)
        layers = range(1, L + 1) if l is None or self.reaches == "all" else (
            range(1, l + 1) if self.reaches == "below" else [l])
        kinds = "Wb" if self.reaches in ("all", "below") else self.reaches
        return tuple(f"{p}{k}" for k in layers for p in kinds)

    def code(self, layer_dims=NETWORK, layer=None):
        """The buggy line as a student would write it, for the layer it is planted in in this network.

        `line` is its template: {l} the layer, {l_next} the one above, {A_prev} the input of layer l.
        A bug planted in every layer (None) is shown for layer 1.
        """
        l = self.resolve_layer(layer_dims, layer) or 1
        return self.line.format(l=l, l_next=l + 1, A_prev="X" if l == 1 else f"A{l - 1}")

    def factor(self, m):
        """Expected analytic/numerical ratio for scale and sign bugs, else None."""
        return None if self.ratio is None else float(self.ratio(m))


class PlantedSteps(models.BackwardSteps):
    """BackwardSteps in which some (step, layer) pairs run a bug's replacement."""

    def __init__(self, plants):
        self.plants = dict(plants)  # (step name, layer) -> Bug

    def _run(self, step, l, *args):
        bug = self.plants.get((step, l))
        method = bug.replacement if bug else getattr(models.BackwardSteps, step)
        return method(self, *args)

    def output_delta(self, AL, Y, cache):
        return self._run("output_delta", cache["config"].L, AL, Y, cache)

    def activation_backward(self, dA, l, cache):
        return self._run("activation_backward", l, dA, l, cache)

    def weight_gradient(self, dZ, A_prev, m, l, cache):
        return self._run("weight_gradient", l, dZ, A_prev, m, l, cache)

    def l2_gradient(self, W, lambd, m, l, cache):
        return self._run("l2_gradient", l, W, lambd, m, l, cache)

    def bias_gradient(self, dZ, m, l, cache):
        return self._run("bias_gradient", l, dZ, m, l, cache)

    def previous_activation_gradient(self, W, dZ, l, cache):
        return self._run("previous_activation_gradient", l, W, dZ, l, cache)

    def dropout_backward(self, dA, l, cache):
        return self._run("dropout_backward", l, dA, l, cache)


def _g(cache):
    return models._HIDDEN[cache["config"].activation]


def _square(dims, l):
    shape = (dims[l], dims[l - 1])
    return None if shape[0] == shape[1] else f"W{l} has shape {shape}; a transposed dW{l} only fits a square W{l}"


def _several_units(dims, l):
    return f"b{l} has shape (1, 1), where summing over all axes is right, so the bug would not show" if (
        dims[l] == 1) else None


def _same_width_below(dims, l):
    if l < 2:
        return f"there is no hidden Z{l - 1} below layer {l} to confuse Z{l} with"
    if dims[l - 1] != dims[l]:
        return (f"Z{l - 1} has shape ({dims[l - 1]}, m) but Z{l} has shape ({dims[l]}, m), "
                f"so the slip would crash instead of giving wrong numbers")
    return None


# Bug(name, title, line, explanation, kind, default layer, needs, step replaced, replacement,
#     which gradients it reaches, expected ratio, reason it cannot be planted)
_BUGS = [
    Bug("dW2_times_2", "dW2 doubled", "dW{l} = 1./m * np.dot(dZ{l}, {A_prev}.T) * 2",
        "A stray factor 2 doubles dW2. Only W2 fails the check, with analytic = 2 x numerical.",
        "scale", 2, {}, "weight_gradient",
        lambda self, dZ, A_prev, m, l, cache: 1.0 / m * dZ @ A_prev.T * 2, "W", lambda m: 2.0),
    Bug("db1_4_over_m", "db1 with 4/m", "db{l} = 4./m * np.sum(dZ{l}, axis=1, keepdims=True)",
        "The mean over examples is written 4./m instead of 1./m. Only b1 fails, with analytic = "
        "4 x numerical.", "scale", 1, {}, "bias_gradient",
        lambda self, dZ, m, l, cache: 4.0 / m * np.sum(dZ, axis=1, keepdims=True), "b", lambda m: 4.0),
    Bug("missing_1_over_m", "dW without 1/m", "dW{l} = np.dot(dZ{l}, {A_prev}.T)",
        "The weight gradient sums over the examples instead of averaging. Only that W fails, "
        "with analytic = m x numerical.", "scale", "L", {}, "weight_gradient",
        lambda self, dZ, A_prev, m, l, cache: dZ @ A_prev.T, "W", lambda m: m),
    Bug("flipped_sign", "output delta with flipped sign", "dZ{l} = Y - A{l}",
        "The output delta is minus the right one, and every gradient follows it: all parameters "
        "fail with ratio -1.", "sign", "L", {}, "output_delta",
        lambda self, AL, Y, cache: Y - AL, "all", lambda m: -1.0),
    Bug("activation_derivative_dropped", "activation derivative dropped", "dZ{l} = dA{l}",
        "The hidden activation's derivative is left out, as if g'(z) were 1 (true only for active "
        "ReLU units or tanh near 0). That layer and all below it fail.", "layer", "L-1", {},
        "activation_backward", lambda self, dA, l, cache: dA * 1.0, "below"),
    Bug("activation_value_as_derivative", "activation used as its own derivative",
        "dZ{l} = np.multiply(dA{l}, A{l})",
        "dZ is computed with g(Z) instead of g'(Z). The error enters at that layer, so it and "
        "every layer below it fail.", "layer", "L-1", {}, "activation_backward",
        lambda self, dA, l, cache: dA * _g(cache)[0](cache[f"Z{l}"]), "below"),
    Bug("transposed_weight_gradient", "dW transposed", "dW{l} = 1./m * np.dot({A_prev}, dZ{l}.T)",
        "The product is taken in the wrong order, giving the transpose of dW. With a square W "
        "nothing crashes, and only that W fails the check.", "isolated", 2, {}, "weight_gradient",
        lambda self, dZ, A_prev, m, l, cache: 1.0 / m * A_prev @ dZ.T, "W", None, _square),
    Bug("forgotten_l2", "L2 term forgotten", "dW{l} = 1./m * np.dot(dZ{l}, {A_prev}.T)  # in every layer, no + lambd / m * W{l}",
        "The cost has the L2 penalty but the gradients lack lambd/m * W. Every W fails and every "
        "b passes, the signature of a regularization bug.", "regularization", None, {"lambd": 0.7},
        "l2_gradient", lambda self, W, lambd, m, l, cache: np.zeros_like(W), "W"),
    Bug("dropout_mask_not_applied", "dropout mask missing in backward", "dA{l} = np.dot(W{l_next}.T, dZ{l_next})  # no * D{l} / keep_prob",
        "Backward forgets dA2 = dA2 * D2 / keep_prob. That layer and all below it fail (and with "
        "unseeded masks the check fails everywhere).", "layer", "L-1", {"keep_prob": 0.8, "seed": 0},
        "dropout_backward", lambda self, dA, l, cache: dA * 1.0, "below"),
    Bug("bias_summed_over_all_axes", "db summed over everything", "db{l} = 1./m * np.sum(dZ{l})",
        "np.sum without axis adds up every unit's delta, and broadcasting hides the wrong shape. "
        "Only that b fails.", "isolated", 1, {}, "bias_gradient",
        lambda self, dZ, m, l, cache: np.full((dZ.shape[0], 1), 1.0 / m * np.sum(dZ)), "b", None,
        _several_units),
    Bug("layer_index_off_by_one", "derivative at the wrong layer",
        "dZ{l} = np.multiply(dA{l}, np.int64({A_prev} > 0))",
        "The activation derivative of a layer is taken at the layer below's Z. That layer and "
        "every layer below it fail.", "layer", 2, {}, "activation_backward",
        lambda self, dA, l, cache: dA * _g(cache)[1](cache[f"Z{l - 1}"]), "below", None,
        _same_width_below),
]

CATALOGUE = {bug.name: bug for bug in _BUGS}


def get(name) -> Bug:
    """The catalogued bug called name; UnknownBugError lists the valid names."""
    try:
        return CATALOGUE[name]
    except (KeyError, TypeError):
        raise UnknownBugError(f"unknown bug {name!r}; valid names: {', '.join(CATALOGUE)}") from None


def plant(*names, layer_dims, layer=None):
    """A backward_propagation_n(X, Y, cache) with the named bugs in it.

    layer, when given, overrides the default layer of every named bug.
    """
    dims = models._layer_dims(layer_dims)
    plants = {}
    for bug in map(get, names):
        for key, planted in bug.steps(dims, layer).plants.items():
            if key in plants:
                raise ValueError(f"bugs {plants[key].name!r} and {planted.name!r} both "
                                 f"replace {key[0]} in layer {key[1]}")
            plants[key] = planted
    steps = PlantedSteps(plants)

    def backward_propagation_n(X, Y, cache):
        if tuple(cache["config"].layers) != dims:
            raise ValueError(f"this backward was planted for layer_dims {dims}, "
                             f"but the cache comes from a network {cache['config'].layers}")
        return models.backward(X, Y, cache, steps=steps)

    backward_propagation_n.bugs = tuple(names)
    backward_propagation_n.steps = steps
    return backward_propagation_n


_course_buggy = plant(*COURSE_BUGS, layer_dims=COURSE_NETWORK)


def course_buggy_backward(X, Y, cache):
    """The course's buggy backward_propagation_n (4-5-3-1): dW2 * 2 and db1 with 4./m."""
    return _course_buggy(X, Y, cache)


@dataclass(frozen=True, eq=False)
class Scenario:
    """One bug planted in one network, with data and a matching forward."""
    bug: Bug
    layer_dims: tuple
    X: np.ndarray
    Y: np.ndarray
    parameters: dict
    forward_kwargs: dict
    backward: Callable
    forward: Callable
    data_seed: int


# A centred difference (eps around 1e-7) moves a pre-activation by far less than this,
# so it cannot step across ReLU's kink.
_KINK_MARGIN = 1e-4


def scenario(name, *, layer_dims=NETWORK, m=8, seed=1, activation=None) -> Scenario:
    """Data, He-initialised parameters and the buggy backward for one bug.

    The data seed starts at seed and moves on until no hidden pre-activation lies within
    _KINK_MARGIN of zero, so that finite differences are meaningful.
    """
    bug = get(name)
    dims = models._layer_dims(layer_dims)
    kwargs = dict(bug.needs, activation=activation or "relu")
    parameters = models.initialize_parameters(dims, init="he", seed=seed)
    # With zero biases, an example whose units in one layer are all off (or dropped) feeds
    # exactly 0 into every ReLU of the next layer, whatever the data; small biases prevent it.
    rng = np.random.default_rng([seed, 1])
    for l in range(1, len(dims)):
        parameters[f"b{l}"] = 0.1 * rng.standard_normal((dims[l], 1))

    def forward(X, Y, parameters):
        return models.forward(X, Y, parameters, **kwargs)

    for data_seed in range(seed, seed + 1000):
        X, Y = models.make_dataset(dims[0], m, seed=data_seed)
        _, cache = forward(X, Y, parameters)
        hidden = (np.min(np.abs(cache[f"Z{l}"])) for l in range(1, len(dims) - 1))
        if min(hidden, default=np.inf) > _KINK_MARGIN:
            break
    else:
        raise ValueError(f"no data seed in {seed}..{seed + 999} keeps every hidden "
                         f"pre-activation away from 0 for layer_dims {dims}, m={m}")
    return Scenario(bug, dims, X, Y, parameters, kwargs, plant(name, layer_dims=dims), forward, data_seed)
