"""The exercise of the planar_classifier assignment, as the autograder scores it (gradlab.grading.declare).

backward_propagation(parameters, cache, X, Y) of a network with a tanh hidden layer and a sigmoid output: each of
dW1, db1, dW2, db2 is checked against centred differences of the cross-entropy cost below (the notebook's
compute_cost of its forward_propagation, written out again here: the grader never runs the notebook's code), on the
notebook's test case and on hidden networks of other sizes. This file stays in the course directory: it is never
released, and students cannot edit it.
"""
import numpy as np

from gradlab.grading.declare import Case, Exercise, Gradient

PARAMETERS = ("W1", "b1", "W2", "b2")
# tanh is smooth everywhere, but far into its flat tails the gradients are tiny next to the cost's round-off; a
# sigmoid output near 0 or 1 makes log(1 - A2) lose digits. Hidden networks stay away from both.
MAX_PRE_ACTIVATION = 2.5
OUTPUT_MARGIN = 0.05
DEFAULT_HIDDEN = {"networks": [{"n_x": 3, "n_h": 5, "m": 7, "seed": 11}]}


def forward(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = 1 / (1 + np.exp(-Z2))
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def cross_entropy(A2, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)


def reference_gradients(parameters, X, Y):
    m = X.shape[1]
    _, cache = forward(X, parameters)
    dZ2 = cache["A2"] - Y
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - cache["A1"] ** 2)
    return {"dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
            "dW2": dZ2 @ cache["A1"].T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}


def visible_network():
    """The notebook's backward_propagation_test_case(), drawn the same way."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2, 3))
    Y = np.array([[1.0, 0.0, 1.0]])
    parameters = {"W1": 0.5 * rng.standard_normal((4, 2)), "b1": 0.1 * rng.standard_normal((4, 1)),
                  "W2": 0.5 * rng.standard_normal((1, 4)), "b2": 0.1 * rng.standard_normal((1, 1))}
    return X, Y, parameters


def hidden_network(n_x, n_h, m, seed):
    """X (n_x, m), Y (1, m) with both labels, and parameters drawn from `seed`, redrawn until no hidden unit is deep in
    tanh's tails and no output is near 0 or 1."""
    if min(n_x, n_h, m) < 1:
        raise ValueError(f"a hidden network needs n_x, n_h and m of at least 1; got {n_x}, {n_h}, {m}")
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        X = rng.standard_normal((n_x, m))
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        parameters = {"W1": rng.standard_normal((n_h, n_x)) / np.sqrt(n_x), "b1": 0.5 * rng.standard_normal((n_h, 1)),
                      "W2": rng.standard_normal((1, n_h)) / np.sqrt(n_h), "b2": 0.5 * rng.standard_normal((1, 1))}
        A2, cache = forward(X, parameters)
        if (np.max(np.abs(cache["Z1"])) < MAX_PRE_ACTIVATION and np.all((A2 > OUTPUT_MARGIN) & (A2 < 1 - OUTPUT_MARGIN))
                and 0 < Y.sum() < m):
            return X, Y, parameters
    raise ValueError(f"no well-conditioned network found for n_x={n_x}, n_h={n_h}, m={m}, seed={seed}")


def cases(hidden):
    networks = [(True, "", *visible_network())]
    for spec in hidden.get("networks", DEFAULT_HIDDEN["networks"]):
        n_x, n_h, m = int(spec["n_x"]), int(spec["n_h"]), int(spec["m"])
        networks.append((False, f"{n_x} inputs, {n_h} hidden units, {m} examples",
                         *hidden_network(n_x, n_h, m, int(spec["seed"]))))
    found = []
    for visible, hint, X, Y, parameters in networks:
        _, cache = forward(X, parameters)
        found.append(Case(args=(parameters, cache, X, Y), at=parameters, visible=visible,
                          label="on backward_propagation_test_case()", data={"X": X, "Y": Y}, examples=X.shape[1],
                          hint=hint))
    return found


def cost(at, case):
    return cross_entropy(forward(case.data["X"], at)[0], case.data["Y"])


EXERCISES = [
    Exercise("backward_propagation", "(parameters, cache, X, Y)", cases, returns="dict",
             outputs={"d" + name: Gradient(name) for name in PARAMETERS}, cost=cost,
             reference=lambda case: reference_gradients(case.at, case.data["X"], case.data["Y"]),
             finite_differences=False),
]
