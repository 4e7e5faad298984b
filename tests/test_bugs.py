import numpy as np
import pytest

from gradlab import bugs, models

REQUIRED = ("dW2_times_2", "db1_4_over_m", "missing_1_over_m", "flipped_sign",
            "activation_derivative_dropped", "activation_value_as_derivative",
            "transposed_weight_gradient", "forgotten_l2", "dropout_mask_not_applied",
            "bias_summed_over_all_axes", "layer_index_off_by_one")


def reference_and_buggy(s):
    cost, cache = s.forward(s.X, s.Y, s.parameters)
    return models.backward(s.X, s.Y, cache), s.backward(s.X, s.Y, cache)


def changed(reference, buggy, parameters):
    return tuple(k for k in parameters if not np.array_equal(reference["d" + k], buggy["d" + k]))


def test_catalogue_contents():
    assert set(REQUIRED) <= set(bugs.CATALOGUE)
    assert set(bugs.COURSE_BUGS) <= set(bugs.CATALOGUE)
    for name, bug in bugs.CATALOGUE.items():
        assert bug.name == name
        assert bug.kind in ("scale", "sign", "layer", "regularization", "isolated")
        assert bug.title and bug.line and bug.explanation
        assert (bug.factor(8) is None) == (bug.kind not in ("scale", "sign"))
        assert isinstance(bug.steps(bugs.NETWORK), models.BackwardSteps)


@pytest.mark.parametrize("name", sorted(bugs.CATALOGUE))
@pytest.mark.parametrize("activation", models.ACTIVATIONS)
def test_bug_changes_exactly_the_affected_gradients(name, activation):
    bug = bugs.CATALOGUE[name]
    s = bugs.scenario(name, activation=activation)
    assert s.forward_kwargs == dict(bug.needs, activation=activation)
    reference, buggy = reference_and_buggy(s)
    assert changed(reference, buggy, s.parameters) == bug.affected(bugs.NETWORK)
    if bug.factor(8) is not None:
        for key in bug.affected(bugs.NETWORK):
            ref, bad = reference["d" + key], buggy["d" + key]
            np.testing.assert_allclose(bad, bug.factor(8) * ref, rtol=1e-12, atol=0)
            assert np.any(ref != 0)


def test_expected_affected_sets_and_factors():
    net = bugs.NETWORK
    get = bugs.CATALOGUE.get
    assert get("dW2_times_2").affected(net) == ("W2",)
    assert get("db1_4_over_m").affected(net) == ("b1",)
    assert get("missing_1_over_m").affected(net) == ("W4",)
    assert get("missing_1_over_m").affected((4, 5, 3, 1)) == ("W3",)
    assert get("flipped_sign").affected((2, 3, 1)) == ("W1", "b1", "W2", "b2")
    assert get("activation_derivative_dropped").affected(net) == (
        "W1", "b1", "W2", "b2", "W3", "b3")
    assert get("forgotten_l2").affected(net) == ("W1", "W2", "W3", "W4")
    assert get("forgotten_l2").affected(net, layer=2) == ("W2",)
    assert get("layer_index_off_by_one").affected(net) == ("W1", "b1", "W2", "b2")
    assert get("bias_summed_over_all_axes").affected(net) == ("b1",)
    assert [get(n).factor(8) for n in ("dW2_times_2", "db1_4_over_m", "missing_1_over_m",
                                       "flipped_sign")] == [2.0, 4.0, 8.0, -1.0]
    assert get("dW2_times_2").steps(net, layer=3) is not None
    assert get("dW2_times_2").affected(net, layer=3) == ("W3",)


@pytest.mark.parametrize("name", sorted(bugs.CATALOGUE))
def test_scenario_reference_is_checkable_by_finite_differences(name):
    s = bugs.scenario(name)
    reference, _ = reference_and_buggy(s)
    eps = 1e-6
    for key in ("W1", "b2"):
        for index in [(0, 0), (s.parameters[key].shape[0] - 1, 0)]:
            plus = {k: v.copy() for k, v in s.parameters.items()}
            minus = {k: v.copy() for k, v in s.parameters.items()}
            plus[key][index] += eps
            minus[key][index] -= eps
            estimate = (s.forward(s.X, s.Y, plus)[0] - s.forward(s.X, s.Y, minus)[0]) / (2 * eps)
            assert reference["d" + key][index] == pytest.approx(estimate, rel=1e-5, abs=1e-9)


def test_dropout_scenario_is_deterministic():
    s = bugs.scenario("dropout_mask_not_applied")
    assert s.forward(s.X, s.Y, s.parameters)[0] == s.forward(s.X, s.Y, s.parameters)[0]


@pytest.mark.parametrize("name,layer_dims,layer,words", [
    ("transposed_weight_gradient", (4, 5, 3, 1), None, r"layer 2.*\(3, 5\).*square"),
    ("bias_summed_over_all_axes", (4, 5, 3, 1), "L", r"layer 'L' \(= 3\).*b3.*\(1, 1\)"),
    ("bias_summed_over_all_axes", (4, 1, 1), None, r"layer 1.*\(4, 1, 1\)"),
    ("layer_index_off_by_one", (4, 5, 3, 1), None, r"layer 2.*Z1.*\(5, m\).*\(3, m\)"),
    ("layer_index_off_by_one", bugs.NETWORK, 1, r"layer 1.*Z0"),
    ("activation_derivative_dropped", bugs.NETWORK, 4, r"layer 4.*activation_backward"),
    ("dropout_mask_not_applied", (3, 1), None, r"layer 'L-1' \(= 0\).*\(3, 1\).*no hidden layer"),
    ("flipped_sign", bugs.NETWORK, 1, r"layer 1.*output_delta"),
    ("dW2_times_2", bugs.NETWORK, 9, r"layer 9.*runs only in layers 1\.\.4"),
    ("dW2_times_2", (4, 1), None, r"layer 2.*\(4, 1\)"),
])
def test_unplantable_bugs_raise_clear_errors(name, layer_dims, layer, words):
    bug = bugs.CATALOGUE[name]
    for call in (bug.steps, bug.affected,
                 lambda dims, layer: bugs.plant(name, layer_dims=dims, layer=layer)):
        with pytest.raises(ValueError, match=name) as error:
            call(layer_dims, layer)
        assert error.match(words)


def test_unknown_bug_name_lists_valid_names():
    with pytest.raises(ValueError, match="dW2_times_2.*flipped_sign") as error:
        bugs.plant("dW2_times_3", layer_dims=bugs.NETWORK)
    assert isinstance(error.value, KeyError)
    assert "dW2_times_3" in str(error.value)
    with pytest.raises(ValueError, match="no_such_bug"):
        bugs.scenario("no_such_bug")


def test_plant_combines_several_bugs():
    s = bugs.scenario("dW2_times_2")
    _, cache = s.forward(s.X, s.Y, s.parameters)
    reference = models.backward(s.X, s.Y, cache)
    combined = bugs.plant("dW2_times_2", "db1_4_over_m", "forgotten_l2",
                          layer_dims=bugs.NETWORK)(s.X, s.Y, cache)
    # Without lambd the forgotten L2 term changes nothing.
    assert changed(reference, combined, s.parameters) == ("b1", "W2")
    np.testing.assert_allclose(combined["dW2"], 2 * reference["dW2"], rtol=1e-12)
    np.testing.assert_allclose(combined["db1"], 4 * reference["db1"], rtol=1e-12)
    sign_too = bugs.plant("flipped_sign", "dW2_times_2", layer_dims=bugs.NETWORK)(s.X, s.Y, cache)
    np.testing.assert_allclose(sign_too["dW2"], -2 * reference["dW2"], rtol=1e-12)
    np.testing.assert_array_equal(sign_too["dW1"], -reference["dW1"])


def test_plant_refuses_two_bugs_in_one_step():
    with pytest.raises(ValueError, match="dW2_times_2.*transposed_weight_gradient"):
        bugs.plant("dW2_times_2", "transposed_weight_gradient", layer_dims=bugs.NETWORK)


def test_planted_backward_refuses_other_networks():
    X, Y, parameters = models.course_test_case()
    _, cache = models.forward(X, Y, parameters)
    with pytest.raises(ValueError, match=r"\(4, 5, 5, 3, 1\)"):
        bugs.plant("dW2_times_2", layer_dims=bugs.NETWORK)(X, Y, cache)


def test_plant_without_bugs_is_the_reference():
    X, Y, parameters = models.course_test_case()
    _, cache = models.forward(X, Y, parameters)
    clean = bugs.plant(layer_dims=(4, 5, 3, 1))(X, Y, cache)
    reference = models.backward(X, Y, cache)
    assert all(np.array_equal(clean[k], reference[k]) for k in reference)


def test_course_buggy_backward():
    X, Y, parameters = models.course_test_case()
    _, cache = models.forward(X, Y, parameters)
    reference = models.backward(X, Y, cache)
    buggy = bugs.course_buggy_backward(X, Y, cache)
    assert set(buggy) == set(reference)
    np.testing.assert_array_equal(buggy["dW2"], 2 * reference["dW2"])
    np.testing.assert_allclose(buggy["db1"], 4 * reference["db1"], rtol=1e-15)
    assert np.any(reference["db1"] != 0) and np.any(reference["dW2"] != 0)
    for key in set(reference) - {"dW2", "db1"}:
        np.testing.assert_array_equal(buggy[key], reference[key], err_msg=key)


def test_scenario_fields():
    s = bugs.scenario("forgotten_l2", m=5, seed=3, activation="tanh")
    assert s.bug is bugs.CATALOGUE["forgotten_l2"]
    assert s.X.shape == (4, 5) and s.Y.shape == (1, 5)
    assert s.forward_kwargs == {"lambd": 0.7, "activation": "tanh"}
    assert set(s.parameters) == {f"{p}{l}" for l in range(1, 5) for p in "Wb"}
    cost, cache = s.forward(s.X, s.Y, s.parameters)
    assert cache["config"].lambd == 0.7 and cache["config"].activation == "tanh"
    again = bugs.scenario("forgotten_l2", m=5, seed=3, activation="tanh")
    assert np.array_equal(again.X, s.X) and np.array_equal(again.parameters["W1"], s.parameters["W1"])


def test_code_shows_the_buggy_line_for_the_layer_it_is_planted_in():
    assert bugs.get("missing_1_over_m").code(bugs.COURSE_NETWORK) == "dW3 = np.dot(dZ3, A2.T)"
    assert bugs.get("missing_1_over_m").code(bugs.NETWORK) == "dW4 = np.dot(dZ4, A3.T)"
    assert bugs.get("dW2_times_2").code(bugs.NETWORK, layer=1) == "dW1 = 1./m * np.dot(dZ1, X.T) * 2"
    for bug in bugs.CATALOGUE.values():
        assert "{" not in bug.code(bugs.NETWORK)
