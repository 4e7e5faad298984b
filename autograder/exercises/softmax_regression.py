"""The exercise of the softmax_regression assignment, as the autograder scores it (gradlab.grading.declare).

softmax_loss(W, X, y) -> (loss, dW): the loss is compared with the value below, a share of its point per case; dW is
checked against centred differences of the grader's loss (never the student's), on the notebook's test case and on
hidden data of other sizes. This file stays in the course directory: it is never released, and students cannot edit
it.
"""
import numpy as np

from gradlab.grading.declare import Case, Exercise, Gradient, Value

DEFAULT_HIDDEN = {"cases": [{"N": 8, "D": 5, "C": 4, "seed": 11}]}
SMALLEST_PROBABILITY = 1e-3  # no class so unlikely that its log dominates the loss's round-off


def softmax_loss(W, X, y):
    """The loss and dW, as the notebook's reference answer computes them."""
    N = X.shape[0]
    scores = X @ W
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(probs[np.arange(N), y])))
    probs[np.arange(N), y] -= 1
    return loss, X.T @ probs / N


def visible_case():
    """The notebook's softmax_test_case(), drawn the same way."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((5, 4))
    y = np.array([0, 2, 1, 2, 0])
    W = 0.1 * rng.standard_normal((4, 3))
    return W, X, y


def hidden_case(N, D, C, seed):
    """W (D, C), X (N, D) and labels y (N,) drawn from `seed`, every class present when N allows it, redrawn until no
    probability is tiny (a well-conditioned loss)."""
    if min(N, D) < 1 or C < 2:
        raise ValueError(f"a hidden case needs N and D of at least 1 and C of at least 2; got N={N}, D={D}, C={C}")
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        X = rng.standard_normal((N, D))
        W = rng.standard_normal((D, C)) / np.sqrt(D)
        y = rng.permutation(np.arange(N) % C)
        scores = X @ W
        probs = np.exp(scores - scores.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        if probs.min() > SMALLEST_PROBABILITY:
            return W, X, y
    raise ValueError(f"no well-conditioned case found for N={N}, D={D}, C={C}, seed={seed}")


def cases(hidden):
    drawn = [(True, "", *visible_case())]
    for spec in hidden.get("cases", DEFAULT_HIDDEN["cases"]):
        N, D, C = int(spec["N"]), int(spec["D"]), int(spec["C"])
        drawn.append((False, f"{N} examples, {D} features, {C} classes", *hidden_case(N, D, C, int(spec["seed"]))))
    return [Case(args=(W, X, y), at={"W": W}, data={"X": X, "y": y}, examples=X.shape[0], visible=visible,
                 label="on softmax_test_case()", hint=hint) for visible, hint, W, X, y in drawn]


def reference(case):
    loss, dW = softmax_loss(case.at["W"], case.data["X"], case.data["y"])
    return {"loss": loss, "dW": dW}


EXERCISES = [
    Exercise("softmax_loss", "(W, X, y)", cases, returns="tuple",
             outputs={"loss": Value(points=1), "dW": Gradient("W", points=2)},
             cost=lambda at, case: softmax_loss(at["W"], case.data["X"], case.data["y"])[0],
             reference=reference, finite_differences=False),
]
