"""The inputs each exercise is called on, and what the grader expects back: the course's visible test case and
hidden ones described by the test cell's HIDDEN_CASES (networks, seeds and bugs the student never sees).

Expected values come from gradlab: the course's own functions (gradlab.course) for values, gradlab's checker
for whether a backprop is right, and gradlab.bugs for realistic wrong ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import bugs, course, models
from ..check import gradient_check

THRESHOLD = 2e-7  # the course's: a difference above it means "there is a mistake in the backward propagation"
PARAMETERS = ("W1", "b1", "W2", "b2", "W3", "b3")
COURSE_LAYERS = (4, 5, 3, 1)
_KINK_MARGIN = 1e-4  # pre-activations nearer 0 than this could cross ReLU's kink under a perturbation

DEFAULT_HIDDEN = {
    "points": [[-3.5, 1.25], [0.5, -2.0]],
    "networks": [{"layers": [5, 6, 4, 1], "examples": 7, "seed": 11}],
    "seeds": [5, 8],
    "bugs": ["flipped_sign", "missing_1_over_m", "bias_summed_over_all_axes"],
}
# A backward pass for J = theta * x, as a * x + b * theta + c: (1, 0, 0) is right, the others are bugs.
ONE_D_BUGS = ((2.0, 0.0, 0.0), (0.0, 1.0, 0.0), (1.0, 0.0, 1.0))


@dataclass
class Case:
    visible: bool  # the course's test case, which the student can run; hidden cases are never described
    call: dict  # JSON-able arguments for the child
    arrays: dict = field(default_factory=dict)  # array arguments for the child
    expected: object = None  # kept by the grader: a value, a network (X, Y, parameters), or True for "a bug"


def one_d_points(hidden):
    return [(2.0, 4.0)] + [(float(x), float(theta)) for x, theta in hidden.get("points", DEFAULT_HIDDEN["points"])]


def value_cases(exercise, hidden):
    """forward_propagation and backward_propagation: the value at each point."""
    function = getattr(course, exercise)
    return [Case(k == 0, {"x": x, "theta": theta}, expected=float(function(x, theta)))
            for k, (x, theta) in enumerate(one_d_points(hidden))]


def one_d_check_cases(hidden):
    """gradient_check: the student's check, given a right backward pass at every point and a wrong one at some."""
    points = one_d_points(hidden)
    cases = [Case(k == 0, {"x": x, "theta": theta, "backward": [1.0, 0.0, 0.0]}) for k, (x, theta) in enumerate(points)]
    for k, coefficients in enumerate(ONE_D_BUGS):
        x, theta = points[k % len(points)]
        cases.append(Case(k == 0, {"x": x, "theta": theta, "backward": list(coefficients)}))
    for case in cases:
        a, b, c = case.call["backward"]
        x, theta = case.call["x"], case.call["theta"]
        report = gradient_check(lambda t: course.forward_propagation(x, t), theta, a * x + b * theta + c)
        case.expected = not report.passed  # a bug is what the grader's own check calls one
    return cases


def network(layers, examples, seed):
    """X, Y (1, m) and parameters of a 3-layer network drawn from `seed`, redrawn until no hidden pre-activation
    is near ReLU's kink and no output saturates (so that the cost and its differences are well defined)."""
    layers = tuple(int(n) for n in layers)
    if len(layers) != 4 or layers[-1] != 1 or min(layers) < 1:
        raise ValueError(f"a hidden network must have layers [n_x, n_1, n_2, 1]; got {list(layers)}")
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        X = rng.standard_normal((layers[0], examples))
        Y = (rng.random((1, examples)) < 0.5).astype(np.float64)
        parameters = {}
        for l in range(1, 4):
            parameters[f"W{l}"] = rng.standard_normal((layers[l], layers[l - 1]))
            parameters[f"b{l}"] = rng.standard_normal((layers[l], 1))
        _, cache = course.forward_propagation_n(X, Y, parameters)
        Z1, Z2, A3 = cache[0], cache[4], cache[9]
        if min(np.min(np.abs(Z1)), np.min(np.abs(Z2))) > _KINK_MARGIN and np.all((A3 > 1e-3) & (A3 < 1 - 1e-3)):
            return X, Y, parameters
    raise ValueError(f"no well-conditioned network found for layers {list(layers)} and seed {seed}")


def _networks(hidden):
    X, Y, parameters = course.course_test_case()
    found = [(True, X, Y, parameters)]
    for spec in hidden.get("networks", DEFAULT_HIDDEN["networks"]):
        found.append((False, *network(spec["layers"], int(spec["examples"]), int(spec["seed"]))))
    return found


def backprop_cases(hidden):
    """backward_propagation_n: the grader's own cache on each network; it keeps (X, Y, parameters)."""
    cases = []
    for visible, X, Y, parameters in _networks(hidden):
        _, cache = course.forward_propagation_n(X, Y, parameters)
        arrays = {"X": X, "Y": Y, **{f"cache{k}": value for k, value in enumerate(cache)}}
        call = {"cache_length": len(cache), "keys": ["d" + name for name in PARAMETERS]}
        cases.append(Case(visible, call, arrays, expected=(X, Y, parameters)))
    return cases


def _gradients_with_bug(name, X, Y, parameters):
    """The gradients of a network with one catalogued bug planted in its backward pass."""
    backward = bugs.plant(name, layer_dims=COURSE_LAYERS)
    _, cache = models.forward(X, Y, parameters)
    gradients = backward(X, Y, cache)
    return {key: gradients[key] for key in ("d" + p for p in PARAMETERS)}


def _reference_gradients(X, Y, parameters, planted_bugs=False):
    _, cache = course.forward_propagation_n(X, Y, parameters)
    gradients = course.backward_propagation_n(X, Y, cache, planted_bugs=planted_bugs)
    return {key: gradients[key] for key in ("d" + p for p in PARAMETERS)}


def network_check_cases(hidden):
    """gradient_check_n: right and wrong gradients of the course's network; True marks a wrong one."""
    X, Y, parameters = course.course_test_case()
    sets = [(True, X, Y, parameters, _reference_gradients(X, Y, parameters)),
            (True, X, Y, parameters, _reference_gradients(X, Y, parameters, planted_bugs=True))]
    examples = int(hidden.get("examples", 5))
    drawn = [network(COURSE_LAYERS, examples, int(seed)) for seed in hidden.get("seeds", DEFAULT_HIDDEN["seeds"])]
    sets += [(False, X, Y, p, _reference_gradients(X, Y, p)) for X, Y, p in drawn]
    for k, name in enumerate(hidden.get("bugs", DEFAULT_HIDDEN["bugs"])):
        X, Y, p = drawn[k % len(drawn)]
        sets.append((False, X, Y, p, _gradients_with_bug(name, X, Y, p)))
    cases = []
    for visible, X, Y, p, gradients in sets:
        report = gradient_check(lambda q: course.forward_propagation_n(X, Y, q)[0], p, gradients)
        arrays = {"X": X, "Y": Y, **p, **gradients}
        cases.append(Case(visible, {"parameters": list(PARAMETERS)}, arrays, expected=not report.passed))
    return cases


_HELPERS = '''
def dictionary_to_vector(parameters):
    keys, columns = [], []
    for name in NAMES:
        column = np.reshape(parameters[name], (-1, 1))
        keys = keys + [name] * column.shape[0]
        columns.append(column)
    return np.concatenate(columns, axis=0), keys


def vector_to_dictionary(theta):
    parameters, start = {}, 0
    for name, shape in zip(NAMES, SHAPES):
        size = int(np.prod(shape))
        parameters[name] = theta[start:start + size].reshape(shape)
        start += size
    return parameters


def gradients_to_vector(gradients):
    return np.concatenate([np.reshape(gradients["d" + name], (-1, 1)) for name in NAMES], axis=0)
'''


def course_helper_sources(names, shapes):
    """dictionary_to_vector, vector_to_dictionary, gradients_to_vector with the course's signatures, for
    parameters of these names and shapes (the course's versions hard-code one network), as source text."""
    text = _HELPERS.replace("NAMES", repr(tuple(names))).replace("SHAPES", repr(tuple(tuple(s) for s in shapes)))
    return {name: text for name in ("dictionary_to_vector", "vector_to_dictionary", "gradients_to_vector")}
