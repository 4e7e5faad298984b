import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradlab
from gradlab.layout import ParameterLayout

shapes = st.one_of(st.just(()), st.tuples(st.integers(1, 4)), st.tuples(st.integers(1, 4), st.integers(1, 4)),
                   st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)))
layered = st.builds(lambda letter, n: f"{letter}{n}", st.sampled_from("Wb"), st.integers(1, 12))
other = st.text("abcdefghijklmnopqrstuvwxyzGA_", min_size=1, max_size=6)
names = st.lists(st.one_of(layered, other), min_size=1, max_size=8, unique=True)


@st.composite
def parameter_dicts(draw):
    keys = draw(names)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return {k: rng.standard_normal(draw(shapes)) for k in keys}


@settings(max_examples=150, deadline=None)
@given(parameter_dicts())
def test_round_trip_is_exact(parameters):
    theta, layout = gradlab.dictionary_to_vector(parameters)
    assert theta.dtype == np.float64 and theta.shape == (sum(np.size(v) for v in parameters.values()), 1)
    back = gradlab.vector_to_dictionary(theta, layout)
    assert set(back) == set(parameters)
    for name, value in parameters.items():
        assert back[name].shape == np.shape(value)
        np.testing.assert_array_equal(back[name], value)
    # every flat position maps to a parameter and index holding exactly that value, and back again
    for i in range(layout.size):
        name, index = layout.locate(i)
        assert theta[i, 0] == np.asarray(parameters[name])[index]
        assert layout.position(name, index) == i


@settings(max_examples=60, deadline=None)
@given(parameter_dicts())
def test_gradients_keyed_either_way_line_up_with_theta(parameters):
    theta, layout = gradlab.dictionary_to_vector(parameters)
    grads = {("d" + k if i % 2 else k): 2 * np.asarray(v) for i, (k, v) in enumerate(parameters.items())}
    grads["dZ1"] = np.zeros((7, 7))  # a cache entry: ignored
    np.testing.assert_array_equal(gradlab.gradients_to_vector(grads, layout), 2 * theta)


def test_course_order_is_by_layer_number_then_other_names():
    parameters = {k: np.zeros((1, 1)) for k in ["gamma", "b10", "W10", "W2", "b1", "W1", "b2", "W9", "alpha"]}
    _, layout = gradlab.dictionary_to_vector(parameters)
    assert layout.names == ("W1", "b1", "W2", "b2", "W9", "W10", "b10", "alpha", "gamma")


def test_blocks_are_row_major_as_the_course_reshapes_them():
    W1 = np.arange(6.0).reshape(2, 3)
    b1 = np.array([[10.0], [11.0]])
    theta, layout = gradlab.dictionary_to_vector({"b1": b1, "W1": W1})
    np.testing.assert_array_equal(theta[:, 0], [0, 1, 2, 3, 4, 5, 10, 11])
    assert layout.locate(4) == ("W1", (1, 1))
    assert layout.locate(7) == ("b1", (1, 0))
    assert layout.slice("b1") == slice(6, 8)
    assert layout.label(5) == "W1[1, 2]"


def test_views_share_memory_with_theta():
    theta, layout = gradlab.dictionary_to_vector({"W1": np.ones((2, 2)), "b1": np.zeros((2, 1))})
    views = layout.views(theta)
    theta[1, 0] = 5.0
    assert views["W1"][0, 1] == 5.0


def test_scalars_are_parameters_too():
    theta, layout = gradlab.dictionary_to_vector({"W1": np.ones((1, 2)), "temperature": 3.5})
    assert layout.locate(2) == ("temperature", ())
    assert gradlab.vector_to_dictionary(theta, layout)["temperature"] == 3.5


def test_shape_mismatch_names_both_shapes():
    _, layout = gradlab.dictionary_to_vector({"W1": np.zeros((5, 4))})
    with pytest.raises(ValueError, match=r"dW1 has shape \(4, 5\), W1 has shape \(5, 4\)"):
        gradlab.gradients_to_vector({"dW1": np.zeros((4, 5))}, layout)


def test_missing_gradient_names_the_key():
    _, layout = gradlab.dictionary_to_vector({"W1": np.zeros((2, 2)), "b1": np.zeros((2, 1))})
    with pytest.raises(ValueError, match="gradient of b1 is missing.*'db1'"):
        gradlab.gradients_to_vector({"dW1": np.zeros((2, 2)), "dZ1": np.zeros((2, 3))}, layout)


@pytest.mark.parametrize("bad, match", [([[1.0, 2.0]], "list"), ("abc", "numbers"), (np.array([1j]), "complex")])
def test_non_numeric_parameters_are_refused_by_name(bad, match):
    with pytest.raises(TypeError, match=f"W1.*{match}|{match}.*W1|W1 is a {match}"):
        gradlab.dictionary_to_vector({"W1": bad})


def test_locate_outside_theta_and_unknown_names():
    layout = ParameterLayout(("W1",), ((2, 2),))
    with pytest.raises(IndexError, match="outside theta"):
        layout.locate(4)
    with pytest.raises(KeyError, match="no parameter named 'W2'"):
        layout.slice("W2")
    with pytest.raises(ValueError, match=r"theta has shape \(3, 1\)"):
        gradlab.vector_to_dictionary(np.zeros((3, 1)), layout)
