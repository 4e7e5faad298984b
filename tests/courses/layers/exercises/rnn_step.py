"""The exercise of the rnn_step assignment (a test course, not shipped), as the autograder scores it.

rnn_step_backward(dnext_h, cache) -> (dx, dprev_h, dWx, dWh, db), with the cache (x, prev_h, Wx, Wh, b, next_h) of
the notebook's rnn_step_forward, next_h = tanh(x Wx + prev_h Wh + b). Each output is checked against centred
differences of f = sum(next_h * dnext_h), built from the grader's own forward pass, on the notebook's test case and
on hidden cases of other sizes, one of them with hidden units near saturation.

Finite differences earn nothing. tanh is curved, so centred differences carry truncation (h^2 f''') as well as
round-off (eps |f| / h): at their best step, near 1e-5, they stay 1e-11 to 1e-10 away from the exact gradient in
every case here, some hundred times further than an honest float64 backpropagation.
"""
import numpy as np

from gradlab.grading.declare import Case, Exercise, Gradient

OUTPUTS = ("dx", "dprev_h", "dWx", "dWh", "db")
DEFAULT_HIDDEN = {"cases": [{"N": 4, "D": 3, "H": 6, "seed": 8}]}


def rnn_forward(x, prev_h, Wx, Wh, b):
    return np.tanh(x @ Wx + prev_h @ Wh + b)


def rnn_backward(dnext_h, x, prev_h, Wx, Wh, next_h):
    dtanh = dnext_h * (1 - next_h ** 2)
    return dtanh @ Wx.T, dtanh @ Wh.T, x.T @ dtanh, prev_h.T @ dtanh, dtanh.sum(axis=0)


def visible_case():
    """The notebook's rnn_test_case(), drawn the same way."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4))
    prev_h = rng.standard_normal((3, 5))
    Wx = 0.5 * rng.standard_normal((4, 5))
    Wh = 0.5 * rng.standard_normal((5, 5))
    b = 0.1 * rng.standard_normal(5)
    dnext_h = rng.standard_normal((3, 5))
    return x, prev_h, Wx, Wh, b, dnext_h


def hidden_case(N, D, H, seed, saturate=0.0):
    """x (N, D), prev_h (N, H), Wx, Wh scaled by 1/sqrt(fan-in), b (H,) shifted by `saturate` (towards tanh's flat
    tails), and dnext_h (N, H), from `seed`."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D))
    prev_h = np.tanh(rng.standard_normal((N, H)))
    Wx = rng.standard_normal((D, H)) / np.sqrt(D)
    Wh = rng.standard_normal((H, H)) / np.sqrt(H)
    b = 0.5 * rng.standard_normal(H) + saturate * rng.choice([-1.0, 1.0], H)
    return x, prev_h, Wx, Wh, b, rng.standard_normal((N, H))


def hint(spec):
    words = f"{spec['N']} examples, {spec['D']} inputs and {spec['H']} hidden units"
    return words + (", some units near saturation" if spec.get("saturate") else "")


def cases(hidden):
    drawn = [(True, "", *visible_case())]
    for spec in hidden.get("cases", DEFAULT_HIDDEN["cases"]):
        drawn.append((False, hint(spec), *hidden_case(int(spec["N"]), int(spec["D"]), int(spec["H"]),
                                                        int(spec["seed"]), float(spec.get("saturate", 0.0)))))
    found = []
    for visible, words, x, prev_h, Wx, Wh, b, dnext_h in drawn:
        next_h = rnn_forward(x, prev_h, Wx, Wh, b)
        found.append(Case(args=(dnext_h, (x, prev_h, Wx, Wh, b, next_h)),
                          at={"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "b": b}, data={"dnext_h": dnext_h},
                          visible=visible, label="on rnn_test_case()", hint=words))
    return found


def cost(at, case):
    return float(np.sum(rnn_forward(at["x"], at["prev_h"], at["Wx"], at["Wh"], at["b"]) * case.data["dnext_h"]))


def reference(case):
    at = case.at
    next_h = rnn_forward(at["x"], at["prev_h"], at["Wx"], at["Wh"], at["b"])
    return dict(zip(OUTPUTS, rnn_backward(case.data["dnext_h"], at["x"], at["prev_h"], at["Wx"], at["Wh"], next_h)))


EXERCISES = [
    Exercise("rnn_step_backward", "(dnext_h, cache)", cases, returns="tuple",
             outputs={"dx": Gradient("x"), "dprev_h": Gradient("prev_h"), "dWx": Gradient("Wx"),
                      "dWh": Gradient("Wh"), "db": Gradient("b")},
             cost=cost, reference=reference, finite_differences=False),
]
