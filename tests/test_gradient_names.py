"""Feedback speaks the exercise's own names: gradient_names, and no layer talk outside the W1/b1 convention."""
import numpy as np
import pytest

import gradlab
from gradlab import bugs

LAYER_WORDS = ("dZ", "dA", "layer")


def affine_tanh():
    """J = sum(tanh(gamma * x + beta)) / n, with parameters x, gamma and beta (no layers, no W or b)."""
    rng = np.random.default_rng(0)
    parameters = {"x": rng.standard_normal((3, 4)), "gamma": rng.standard_normal((3, 1)),
                  "beta": rng.standard_normal((3, 1))}

    def cost(p):
        return float(np.mean(np.tanh(p["gamma"] * p["x"] + p["beta"])))

    def gradients(p, names=None):
        names = names or {}
        d = (1 - np.tanh(p["gamma"] * p["x"] + p["beta"]) ** 2) / p["x"].size
        values = {"x": d * p["gamma"], "gamma": np.sum(d * p["x"], axis=1, keepdims=True),
                  "beta": np.sum(d, axis=1, keepdims=True)}
        return {names.get(k, "d" + k): v for k, v in values.items()}

    return cost, parameters, gradients


def test_a_parameter_set_without_layers_never_reads_of_dz_or_layers():
    cost, p, gradients = affine_tanh()
    g = gradients(p)
    wrong = dict(g, dgamma=np.sum(g["dx"], axis=1, keepdims=True))  # the wrong sum: no factor fits
    report = gradlab.gradient_check(cost, p, wrong)
    assert report.failing == ["gamma"]
    (d,) = report.diagnoses
    assert d.kind == "isolated" and "dgamma" in d.message
    assert not any(word in d.message for word in LAYER_WORDS), d.message
    both = dict(g, dx=2 * g["dx"], dbeta=-g["dbeta"], dgamma=g["dgamma"] + 1.0)
    report = gradlab.gradient_check(cost, p, both)
    assert set(report.failing) == {"x", "gamma", "beta"}
    text = str(report)
    assert not any(word in text for word in LAYER_WORDS), text


def test_gradient_names_are_the_keys_looked_up_and_the_names_spoken():
    cost, p, gradients = affine_tanh()
    names = {"x": "dJ_dx", "gamma": "dJ_dgamma", "beta": "dJ_dbeta"}
    g = gradients(p, names)
    report = gradlab.gradient_check(cost, p, dict(g, dJ_dgamma=3 * g["dJ_dgamma"]), gradient_names=names)
    (d,) = report.diagnoses
    assert d.kind == "scale" and d.message.startswith("dJ_dgamma is 3x too large") and " dgamma" not in d.message
    assert report.gradient_name("gamma") == "dJ_dgamma" and report.gradient_names == names
    # a partial mapping: the rest keep the default "d" + name
    partial = {"gamma": "grad_gamma"}
    g = gradients(p, partial)
    report = gradlab.gradient_check(cost, p, g, gradient_names=partial)
    assert report.passed and report.gradient_name("beta") == "dbeta"


def test_the_course_network_in_an_exercises_own_names():
    s = bugs.scenario("forgotten_l2")
    names = {f"{k}{l}": f"grad_{k}{l}" for l in range(1, len(s.layer_dims)) for k in "Wb"}

    def backward(X, Y, cache):
        return {names.get(k[1:], k): v for k, v in s.backward(X, Y, cache).items()}

    report = gradlab.check_backprop(s.forward, backward, s.X, s.Y, s.parameters, gradient_names=names)
    (d,) = report.diagnoses
    assert d.kind == "regularization" and "grad_W1" in d.message and "dW" not in d.message
    s = bugs.scenario("activation_derivative_dropped")
    report = gradlab.check_backprop(s.forward, lambda X, Y, c: {names.get(k[1:], k): v for k, v in
                                                                  s.backward(X, Y, c).items()},
                                    s.X, s.Y, s.parameters, gradient_names=names)
    assert [d.kind for d in report.diagnoses] == ["layer"]  # W1/b1 names: layer talk is right here


@pytest.mark.parametrize("names, error, match", [
    ({"gamma2": "dg"}, ValueError, "gradient_names names 'gamma2', which is not a parameter"),
    ({"gamma": 3}, TypeError, r"gradient_names\['gamma'\] must be a non-empty string"),
    (["dgamma"], TypeError, "gradient_names must be a dict"),
    ({"gamma": "missing_key"}, ValueError, "gradient of gamma is missing: gradient_names says it is 'missing_key'"),
])
def test_bad_gradient_names_are_named(names, error, match):
    cost, p, gradients = affine_tanh()
    with pytest.raises(error, match=match):
        gradlab.gradient_check(cost, p, gradients(p), gradient_names=names)


def test_a_non_finite_gradient_is_named_by_its_own_name():
    cost, p, gradients = affine_tanh()
    g = gradients(p, {"beta": "g_beta"})
    g["g_beta"][1, 0] = np.nan
    with pytest.raises(ValueError, match=r"gradient g_beta is not finite at beta\[1, 0\]"):
        gradlab.gradient_check(cost, p, g, gradient_names={"beta": "g_beta"})
