"""The exercise of the batch_normalization assignment, as the autograder scores it (gradlab.grading.declare).

batchnorm_backward(dout, cache) -> (dx, dgamma, dbeta), with the cache of the notebook's batchnorm_forward in
training mode. Each output is checked against centred differences of f = sum(out * dout), a scalar the grader builds
from its own copy of the forward pass, on the notebook's test case and on hidden minibatches of other sizes. This
file stays in the course directory: it is never released, and students cannot edit it.

Finite differences earn nothing (finite_differences=False). dgamma and dbeta are linear in gamma and beta, so on an
ordinary minibatch centred differences at a step of 1e-3 come within 1e-13 of them, nearer than some honest
backpropagation: no such case can tell the two apart. A hidden minibatch whose beta is shifted by a large constant
(`"beta": 1e5` in its spec) can: out, and with it f, is then of order 1e5, so differences carry its round-off at
every step, while no gradient depends on beta and backpropagation is as exact as ever.
"""
import numpy as np

from gradlab.grading.declare import Case, Exercise, Gradient

EPS = 1e-5
DEFAULT_HIDDEN = {"minibatches": [{"N": 8, "D": 4, "seed": 11}, {"N": 6, "D": 3, "seed": 5, "beta": 1e5}]}
SMALLEST_SPREAD = 0.5  # every feature's standard deviation over the minibatch: far above sqrt(eps)


def batchnorm_forward(x, gamma, beta, eps=EPS):
    """out and the cache, as the notebook's batchnorm_forward gives them in training mode."""
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    cache = {"x": x, "x_hat": x_hat, "mu": mu, "var": var, "eps": eps, "gamma": gamma, "beta": beta}
    return gamma * x_hat + beta, cache


def batchnorm_backward(dout, cache):
    """The exact gradients, in the compact form (the notebook's reference answer follows the graph step by step)."""
    N = dout.shape[0]
    x_hat, inverse_std = cache["x_hat"], 1 / np.sqrt(cache["var"] + cache["eps"])
    dx_hat = dout * cache["gamma"]
    dx = inverse_std / N * (N * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0))
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def visible_minibatch():
    """The notebook's batchnorm_test_case(), drawn the same way."""
    rng = np.random.default_rng(7)
    x = 4 * rng.standard_normal((5, 3)) + 10
    gamma = 1 + 0.5 * rng.standard_normal(3)
    beta = rng.standard_normal(3)
    dout = rng.standard_normal((5, 3))
    return x, gamma, beta, dout


def hidden_minibatch(N, D, seed, beta=0.0):
    """x (N, D) of features with their own means and scales, gamma, beta (D,) and dout (N, D), drawn from `seed`,
    redrawn until every feature varies over the minibatch (so that 1 / sqrt(var + eps) is well conditioned); `beta`
    is added to every entry of beta."""
    if N < 2 or D < 1:
        raise ValueError(f"a hidden minibatch needs N of at least 2 and D of at least 1; got N={N}, D={D}")
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        scale = rng.uniform(0.5, 4.0, D)
        x = scale * rng.standard_normal((N, D)) + rng.uniform(-5.0, 5.0, D)
        if np.all(x.std(axis=0) > SMALLEST_SPREAD * scale):
            gamma = 1 + 0.5 * rng.standard_normal(D)
            return x, gamma, rng.standard_normal(D) + beta, rng.standard_normal((N, D))
    raise ValueError(f"no well-conditioned minibatch found for N={N}, D={D}, seed={seed}")


def hint(N, D, beta):
    """What a hidden minibatch exercises, in words feedback may show when it fails."""
    return f"{N} examples of {D} features" + (f", beta shifted by {beta:g}" if beta else "")


def cases(hidden):
    drawn = [(True, "", *visible_minibatch())]
    for spec in hidden.get("minibatches", DEFAULT_HIDDEN["minibatches"]):
        N, D, beta = int(spec["N"]), int(spec["D"]), float(spec.get("beta", 0.0))
        drawn.append((False, hint(N, D, beta), *hidden_minibatch(N, D, int(spec["seed"]), beta)))
    found = []
    for visible, words, x, gamma, beta, dout in drawn:
        _, cache = batchnorm_forward(x, gamma, beta)
        found.append(Case(args=(dout, cache), at={"x": x, "gamma": gamma, "beta": beta}, data={"dout": dout},
                          visible=visible, label="on batchnorm_test_case()", hint=words))
    return found


def scalar(at, case):
    """f = sum(out * dout): its gradients with respect to x, gamma and beta are what the backward pass returns."""
    out, _ = batchnorm_forward(at["x"], at["gamma"], at["beta"])
    return float(np.sum(out * case.data["dout"]))


def reference(case):
    _, cache = batchnorm_forward(case.at["x"], case.at["gamma"], case.at["beta"])
    return dict(zip(("dx", "dgamma", "dbeta"), batchnorm_backward(case.data["dout"], cache)))


EXERCISES = [
    Exercise("batchnorm_backward", "(dout, cache)", cases, returns="tuple",
             outputs={"dx": Gradient("x", points=2), "dgamma": Gradient("gamma"), "dbeta": Gradient("beta")},
             cost=scalar, reference=reference, finite_differences=False),
]
