"""The exercises of the gradient_checking assignment, as the autograder scores them (gradlab.grading.declare).

This file stays in the course directory: it is never released, and students cannot edit it. Each test cell's
hidden region may hold a HIDDEN_CASES literal (points, networks, seeds, bugs), passed to the cases functions below.
Expected values and verdicts come from gradlab: the course's own functions (gradlab.course) for values, gradlab's
checker for whether a backprop is right, and gradlab.bugs for realistic wrong ones.
"""
import numpy as np

from gradlab import bugs, course, models
from gradlab.check import gradient_check
from gradlab.grading.declare import Case, Exercise, Gradient, Value, Verdict, source_of

PARAMETERS = ("W1", "b1", "W2", "b2", "W3", "b3")
COURSE_LAYERS = (4, 5, 3, 1)
KINK_MARGIN = 1e-4  # pre-activations nearer 0 than this could cross ReLU's kink under a perturbation
DEFAULT_HIDDEN = {
    "points": [[-3.5, 1.25], [0.5, -2.0]],
    "networks": [{"layers": [5, 6, 4, 1], "examples": 7, "seed": 11}],
    "seeds": [5, 8],
    "bugs": ["flipped_sign", "missing_1_over_m", "bias_summed_over_all_axes"],
}
# A backward pass for J = theta * x, as a * x + b * theta + c: (1, 0, 0) is right, the others are bugs.
ONE_D_BUGS = ((2.0, 0.0, 0.0), (0.0, 1.0, 0.0), (1.0, 0.0, 1.0))


# -- the 1-D exercises --------------------------------------------------------------------------------------------

def one_d_points(hidden):
    return [(2.0, 4.0)] + [(float(x), float(t)) for x, t in hidden.get("points", DEFAULT_HIDDEN["points"])]


def value_cases(hidden):
    return [Case(args=(x, theta), visible=k == 0, label=f"at x = {x:g}, theta = {theta:g}")
            for k, (x, theta) in enumerate(one_d_points(hidden))]


def one_d_backward(a, b, c):
    return f"def backward_propagation(x, theta):\n    return {a!r} * x + {b!r} * theta + {c!r}\n"


def one_d_check_cases(hidden):
    """gradient_check, given a right backward pass at every point and a wrong one at some; a bug is what gradlab's
    own check calls one."""
    points = one_d_points(hidden)
    plans = [(k == 0, x, theta, (1.0, 0.0, 0.0)) for k, (x, theta) in enumerate(points)]
    plans += [(k == 0, *points[k % len(points)], coefficients) for k, coefficients in enumerate(ONE_D_BUGS)]
    cases = []
    for visible, x, theta, (a, b, c) in plans:
        report = gradient_check(lambda t: course.forward_propagation(x, t), theta, a * x + b * theta + c)
        right = (a, b, c) == (1.0, 0.0, 0.0)
        label = ("the right backward pass" if right else "a backward pass that returns 2 * x") + (
            f" at x = {x:g}, theta = {theta:g}")
        cases.append(Case(args=(x, theta), visible=visible, label=label, bug=not report.passed,
                          given={"forward_propagation": course.forward_propagation,
                                 "backward_propagation": one_d_backward(a, b, c)}))
    return cases


# -- the 3-layer network -------------------------------------------------------------------------------------------

def network(layers, examples, seed):
    """X, Y (1, m) and parameters of a 3-layer network drawn from `seed`, redrawn until no hidden pre-activation is
    near ReLU's kink and no output saturates (so that the cost and its differences are well defined)."""
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
        if min(np.min(np.abs(Z1)), np.min(np.abs(Z2))) > KINK_MARGIN and np.all((A3 > 1e-3) & (A3 < 1 - 1e-3)):
            return X, Y, parameters
    raise ValueError(f"no well-conditioned network found for layers {list(layers)} and seed {seed}")


def networks(hidden):
    X, Y, parameters = course.course_test_case()
    found = [(True, "", X, Y, parameters)]
    for spec in hidden.get("networks", DEFAULT_HIDDEN["networks"]):
        layers = "-".join(str(int(n)) for n in spec["layers"])
        found.append((False, f"a {layers} network, {int(spec['examples'])} examples",
                      *network(spec["layers"], int(spec["examples"]), int(spec["seed"]))))
    return found


def backprop_cases(hidden):
    """backward_propagation_n on the grader's own cache of each network."""
    cases = []
    for visible, hint, X, Y, parameters in networks(hidden):
        _, cache = course.forward_propagation_n(X, Y, parameters)
        cases.append(Case(args=(X, Y, cache), at=parameters, visible=visible, label="on the course's test case",
                          data={"X": X, "Y": Y, "cache": cache}, examples=X.shape[1], hint=hint))
    return cases


def network_cost(at, case):
    return course.forward_propagation_n(case.data["X"], case.data["Y"], at)[0]


def reference_gradients(case):
    gradients = course.backward_propagation_n(case.data["X"], case.data["Y"], case.data["cache"])
    return {"d" + name: gradients["d" + name] for name in PARAMETERS}


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


def course_helpers(parameters):
    """The course's dictionary_to_vector, vector_to_dictionary and gradients_to_vector for these parameters (the
    notebook's versions hard-code one network), as the source text given to the student's gradient_check_n."""
    text = _HELPERS.replace("NAMES", repr(PARAMETERS)).replace(
        "SHAPES", repr(tuple(parameters[name].shape for name in PARAMETERS)))
    return {name: text for name in ("dictionary_to_vector", "vector_to_dictionary", "gradients_to_vector")}


def _gradients(X, Y, parameters, bug=None):
    if bug is None:
        _, cache = course.forward_propagation_n(X, Y, parameters)
        gradients = course.backward_propagation_n(X, Y, cache)
    elif bug == "course":
        _, cache = course.forward_propagation_n(X, Y, parameters)
        gradients = course.backward_propagation_n(X, Y, cache, planted_bugs=True)
    else:
        _, cache = models.forward(X, Y, parameters)
        gradients = bugs.plant(bug, layer_dims=COURSE_LAYERS)(X, Y, cache)
    return {"d" + name: gradients["d" + name] for name in PARAMETERS}


def network_check_cases(hidden):
    """gradient_check_n on right and wrong gradients of the course's network; a bug is what gradlab's own check
    calls one."""
    X, Y, parameters = course.course_test_case()
    plans = [(True, X, Y, parameters, None, "the course's test case with the right gradients"),
             (True, X, Y, parameters, "course", "the course's test case with the course's two bugs (dW2 x 2, db1 "
                                                "with 4./m)")]
    examples = int(hidden.get("examples", 5))
    drawn = [network(COURSE_LAYERS, examples, int(seed)) for seed in hidden.get("seeds", DEFAULT_HIDDEN["seeds"])]
    plans += [(False, X, Y, p, None, "") for X, Y, p in drawn]
    plans += [(False, *drawn[k % len(drawn)], name, "") for k, name in enumerate(hidden.get("bugs", DEFAULT_HIDDEN["bugs"]))]
    cases = []
    for visible, X, Y, p, bug, label in plans:
        gradients = _gradients(X, Y, p, bug)
        report = gradient_check(lambda q: course.forward_propagation_n(X, Y, q)[0], p, gradients)
        cases.append(Case(args=(p, gradients, X, Y), visible=visible, label=label, bug=not report.passed,
                          given={"forward_propagation_n": course.forward_propagation_n, **course_helpers(p)}))
    return cases


EXERCISES = [
    Exercise("forward_propagation", "(x, theta)", value_cases,
             outputs={"J": Value(reference=lambda case: course.forward_propagation(*case.args), rtol=1e-9, atol=1e-12)}),
    Exercise("backward_propagation", "(x, theta)", value_cases,
             outputs={"dtheta": Value(reference=lambda case: course.backward_propagation(*case.args), rtol=1e-9,
                                      atol=1e-12)}),
    Exercise("gradient_check", "(x, theta, epsilon=1e-7, print_msg=False)", one_d_check_cases,
             outputs={"difference": Verdict(threshold=2e-7)}),
    Exercise("backward_propagation_n", "(X, Y, cache)", backprop_cases, returns="dict",
             outputs={"d" + name: Gradient(name) for name in PARAMETERS}, cost=network_cost,
             reference=reference_gradients, finite_differences=False),
    Exercise("gradient_check_n", "(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False)", network_check_cases,
             outputs={"difference": Verdict(threshold=2e-7)}),
]
