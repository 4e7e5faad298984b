"""The reference L-layer network in the conventions of the Deep Learning Specialization
(Course 2, Week 1): X is (features, examples), Y is (1, examples), parameters are
W1, b1, ..., WL, bL; hidden layers use one of ACTIVATIONS, the output is sigmoid + cross-entropy.
"""
from __future__ import annotations

import contextlib
import operator
import re
from dataclasses import dataclass

import numpy as np

ACTIVATIONS = ("relu", "tanh", "sigmoid")
INITS = ("he", "xavier", "random")

# Depth counter rather than a boolean so that nested dropout_disabled() blocks
# only switch dropout back on when the outermost one exits.
_dropout_off_depth = 0


def sigmoid(z):
    # The tanh form never evaluates exp of a large number, so no overflow warning.
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def relu(z):
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def relu_derivative(z):
    # The course's convention: the derivative at the kink z == 0 is taken as 0.
    return (np.asarray(z) > 0).astype(np.float64)


def tanh(z):
    return np.tanh(np.asarray(z, dtype=np.float64))


def tanh_derivative(z):
    return 1.0 - tanh(z) ** 2


_HIDDEN = {"relu": (relu, relu_derivative), "tanh": (tanh, tanh_derivative),
           "sigmoid": (sigmoid, sigmoid_derivative)}


@dataclass(frozen=True)
class ForwardConfig:
    """What backward needs to know about the forward pass that made a cache."""

    activation: str
    lambd: float
    keep_prob: float
    layers: tuple  # layer dims (n_x, n_1, ..., n_L)

    @property
    def L(self) -> int:
        return len(self.layers) - 1


@contextlib.contextmanager
def dropout_disabled():
    """Inside this block forward() ignores keep_prob, as if it were 1.0.

    The course's advice: gradient checking does not work with dropout on, so turn it off to check.
    """
    global _dropout_off_depth
    _dropout_off_depth += 1
    try:
        yield
    finally:
        _dropout_off_depth -= 1


def course_test_case():
    """The course's gradient_check_n_test_case, number for number.

    A private RandomState(1) draws what np.random.seed(1) would, leaving the global state alone.
    """
    rng = np.random.RandomState(1)
    x, y = rng.randn(4, 3), np.array([1, 1, 0])
    shapes = {"W1": (5, 4), "b1": (5, 1), "W2": (3, 5), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
    return x, y, {name: rng.randn(*shape) for name, shape in shapes.items()}


def _layer_dims(layer_dims):
    try:
        dims = tuple(operator.index(n) for n in layer_dims)
    except TypeError:
        dims = ()
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(f"layer_dims must list at least two positive integers, got layer_dims={layer_dims!r}")
    return dims


def initialize_parameters(layer_dims, *, init="he", seed=3, scale=0.01):
    """Weights from a seeded normal, scaled by init; biases zero."""
    dims = _layer_dims(layer_dims)
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got init={init!r}")
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(dims)):
        factor = {"he": np.sqrt(2.0 / dims[l - 1]), "xavier": np.sqrt(1.0 / dims[l - 1]), "random": scale}[init]
        parameters[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * factor
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def _as_data(X, Y=None):
    """X and Y as float64 arrays of shapes (n_x, m) and (1, m); Y may come as (m,)."""
    x = np.asarray(X, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"X must have shape (features, examples), got shape {x.shape}")
    m = x.shape[1]
    if Y is not None and np.shape(Y) not in ((m,), (1, m)):
        raise ValueError(f"Y must have shape (1, {m}) or ({m},) to match X, got shape {np.shape(Y)}")
    return x, None if Y is None else np.asarray(Y, dtype=np.float64).reshape(1, m)


def _check_parameters(parameters, n_x):
    """Layer dims of a W1, b1, ..., WL, bL dict, or a ValueError saying what is off."""
    layer_keys = {k for k in parameters if re.fullmatch(r"[Wb][1-9][0-9]*", str(k))}
    L = sum(1 for k in layer_keys if k.startswith("W"))
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"} or {"W1", "b1"}
    if layer_keys != expected:
        raise ValueError(f"parameters must be W1, b1, ..., WL, bL for consecutive layers; missing keys "
                         f"{sorted(expected - layer_keys)}, unexpected keys {sorted(layer_keys - expected)}")
    dims = [n_x]
    for l in range(1, L + 1):
        W, b = np.asarray(parameters[f"W{l}"]), np.asarray(parameters[f"b{l}"])
        if W.ndim != 2 or W.shape[1] != dims[-1]:
            raise ValueError(f"W{l} has shape {W.shape} but must be (n_{l}, {dims[-1]}) "
                             f"to take the {dims[-1]} inputs of layer {l}")
        if b.shape != (W.shape[0], 1):
            raise ValueError(f"b{l} has shape {b.shape} but W{l} has shape {W.shape}, "
                             f"so b{l} must be {(W.shape[0], 1)}")
        dims.append(W.shape[0])
    if dims[-1] != 1:
        raise ValueError(f"W{L} has shape {(dims[-1], dims[-2])} but the output layer must be one sigmoid unit")
    return tuple(dims)


def _propagate(x, parameters, activation, keep_prob, seed):
    """The forward pass proper; returns the cache (without config)."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got activation={activation!r}")
    if not 0.0 < keep_prob <= 1.0:
        raise ValueError(f"keep_prob must be in (0, 1], got keep_prob={keep_prob!r}")
    dims = _check_parameters(parameters, x.shape[0])
    L = len(dims) - 1
    g = _HIDDEN[activation][0]
    rng = np.random.default_rng(seed) if keep_prob < 1.0 else None
    cache, A = {"A0": x}, x
    for l in range(1, L + 1):
        W = np.asarray(parameters[f"W{l}"], dtype=np.float64)
        b = np.asarray(parameters[f"b{l}"], dtype=np.float64)
        Z = W @ A + b
        A = sigmoid(Z) if l == L else g(Z)
        if rng is not None and l < L:
            D = rng.random(A.shape) < keep_prob
            A = A * D / keep_prob
            cache[f"D{l}"] = D
        cache.update({f"Z{l}": Z, f"A{l}": A, f"W{l}": W, f"b{l}": b})
    return cache, dims


def forward(X, Y, parameters, *, activation="relu", lambd=0.0, keep_prob=1.0, seed=None):
    """Cost and cache of one forward pass.

    With keep_prob < 1 and seed=None every call draws fresh dropout masks, so the cost is then
    not a function of the parameters alone.
    """
    x, y = _as_data(X, Y)
    if not lambd >= 0.0:
        raise ValueError(f"lambd must be a non-negative number, got lambd={lambd!r}")
    if _dropout_off_depth and 0.0 < keep_prob <= 1.0:
        keep_prob = 1.0
    cache, dims = _propagate(x, parameters, activation, keep_prob, seed)
    m, L = x.shape[1], len(dims) - 1
    Z = cache[f"Z{L}"]
    # Cross-entropy written on Z: log(sigmoid(Z)) = -logaddexp(0, -Z), so no log(0).
    cross_entropy = np.mean(y * np.logaddexp(0.0, -Z) + (1.0 - y) * np.logaddexp(0.0, Z))
    l2 = sum(np.sum(np.square(cache[f"W{l}"])) for l in range(1, L + 1))
    cost = float(cross_entropy + lambd / (2.0 * m) * l2)
    cache["config"] = ForwardConfig(activation, float(lambd), float(keep_prob), dims)
    return cost, cache


class BackwardSteps:
    """The reference backprop, one overridable method per line of maths.

    l is always the layer whose quantity is computed or used (dZl, dWl, Wl, the mask Dl),
    so a planted bug can replace one step in one layer.
    """

    def output_delta(self, AL, Y, cache):
        return AL - Y

    def activation_backward(self, dA, l, cache):
        return dA * _HIDDEN[cache["config"].activation][1](cache[f"Z{l}"])

    def weight_gradient(self, dZ, A_prev, m, l, cache):
        return 1.0 / m * dZ @ A_prev.T

    def l2_gradient(self, W, lambd, m, l, cache):
        return lambd / m * W

    def bias_gradient(self, dZ, m, l, cache):
        return 1.0 / m * np.sum(dZ, axis=1, keepdims=True)

    def previous_activation_gradient(self, W, dZ, l, cache):
        return W.T @ dZ

    def dropout_backward(self, dA, l, cache):
        return dA * cache[f"D{l}"] / cache["config"].keep_prob


def backward(X, Y, cache, *, steps=None):
    """Gradients dWl, dbl, dZl (every layer) and dAl (hidden layers) of forward's cost."""
    steps = steps or BackwardSteps()
    x, y = _as_data(X, Y)
    m, config, gradients = x.shape[1], cache["config"], {}
    L = config.L
    dZ = steps.output_delta(cache[f"A{L}"], y, cache)
    for l in range(L, 0, -1):
        W = cache[f"W{l}"]
        A_prev = x if l == 1 else cache[f"A{l - 1}"]
        gradients[f"dZ{l}"] = dZ
        gradients[f"dW{l}"] = (steps.weight_gradient(dZ, A_prev, m, l, cache)
                               + steps.l2_gradient(W, config.lambd, m, l, cache))
        gradients[f"db{l}"] = steps.bias_gradient(dZ, m, l, cache)
        if l > 1:
            dA = steps.previous_activation_gradient(W, dZ, l, cache)
            if f"D{l - 1}" in cache:
                dA = steps.dropout_backward(dA, l - 1, cache)
            gradients[f"dA{l - 1}"] = dA
            dZ = steps.activation_backward(dA, l - 1, cache)
    return gradients


# train() takes a parameter called backward; this name keeps the default reachable.
_reference_backward = backward


def predict(X, parameters, *, activation="relu"):
    """0/1 predictions of shape (1, m), thresholding the output at 0.5."""
    cache, dims = _propagate(_as_data(X)[0], parameters, activation, 1.0, None)
    return (cache[f"A{len(dims) - 1}"] > 0.5).astype(np.int64)


def train(X, Y, parameters, *, learning_rate=0.1, num_iterations=100, activation="relu",
          lambd=0.0, keep_prob=1.0, seed=0, backward=None):
    """Plain gradient descent; returns new parameters and the cost of every iteration."""
    backward = _reference_backward if backward is None else backward
    params = {k: np.array(v, dtype=np.float64) for k, v in parameters.items()}
    costs = []
    for i in range(num_iterations):
        cost, cache = forward(X, Y, params, activation=activation, lambd=lambd,
                              keep_prob=keep_prob, seed=None if seed is None else seed + i)
        grads = backward(X, Y, cache)
        for l in range(1, cache["config"].L + 1):
            params[f"W{l}"] = params[f"W{l}"] - learning_rate * grads[f"dW{l}"]
            params[f"b{l}"] = params[f"b{l}"] - learning_rate * grads[f"db{l}"]
        costs.append(cost)
    return params, costs


def make_dataset(n_features=2, m=200, *, seed=0):
    """Gaussian points labelled 1 inside the median radius, 0 outside: balanced, and not
    linearly separable, so it takes a hidden layer."""
    if int(n_features) < 1 or int(m) < 1:
        raise ValueError(f"n_features and m must be positive, got n_features={n_features!r}, m={m!r}")
    x = np.random.default_rng(seed).standard_normal((int(n_features), int(m)))
    radius = np.sqrt(np.sum(x ** 2, axis=0))
    y = (radius < np.median(radius)).astype(np.float64).reshape(1, -1)
    return x, y
