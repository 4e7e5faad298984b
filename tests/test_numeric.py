import numpy as np
import pytest

import gradlab
from gradlab.numeric import numerical_gradient


def cube(t):
    return t ** 3


def test_course_numbers_for_theta_cubed():
    # the lecture: f(theta) = theta^3 at 1 with epsilon 0.01
    two = gradlab.two_sided_difference(cube, 1.0, 0.01)
    one = gradlab.one_sided_difference(cube, 1.0, 0.01)
    assert round(two, 10) == 3.0001 and abs(two - 3) == pytest.approx(1e-4, rel=1e-6)
    assert round(one, 10) == 3.0301 and abs(one - 3) == pytest.approx(0.0301, rel=1e-6)


@pytest.mark.parametrize("f, df, x", [(np.sin, np.cos, 0.7), (np.exp, np.exp, -1.3), (cube, lambda t: 3 * t * t, 2.0)])
def test_scalar_rules_against_known_derivatives(f, df, x):
    assert gradlab.two_sided_difference(f, x, 1e-5) == pytest.approx(df(x), rel=1e-9)
    assert gradlab.one_sided_difference(f, x, 1e-7) == pytest.approx(df(x), rel=1e-6)
    assert gradlab.complex_step_difference(f, x) == pytest.approx(df(x), rel=1e-15)


def test_numerical_gradient_of_a_quadratic_form_and_the_input_is_untouched():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal((2, 2))
    before = x.copy()
    f = lambda v: float(v.reshape(-1) @ A @ v.reshape(-1))  # noqa: E731
    expected = ((A + A.T) @ x.reshape(-1)).reshape(2, 2)
    for method, tol in (("two-sided", 1e-8), ("one-sided", 1e-5), ("complex-step", 1e-12)):
        if method == "complex-step":
            f_c = lambda v: v.reshape(-1) @ A @ v.reshape(-1)  # noqa: E731
            grad = numerical_gradient(f_c, x, 1e-20, method)
        else:
            grad = numerical_gradient(f, x, 1e-6 if method == "two-sided" else 1e-7, method)
        assert grad.shape == x.shape
        np.testing.assert_allclose(grad, expected, atol=tol)
    np.testing.assert_array_equal(x, before)


def test_sweep_shows_the_v_curve_and_the_error_orders():
    sweep = gradlab.epsilon_sweep(cube, 1.0, 3.0, methods=("one-sided", "two-sided", "complex-step"))
    # truncation: slope 1 for one-sided, 2 for two-sided, measured where round-off is negligible
    assert sweep.slope("one-sided", 1e-5, 1e-1) == pytest.approx(1, abs=0.05)
    assert sweep.slope("two-sided", 1e-4, 1e-1) == pytest.approx(2, abs=0.05)
    # round-off: the best epsilon is neither the smallest nor the largest, and tiny epsilons get worse
    best = sweep.best_epsilon("two-sided")
    assert 1e-8 < best < 1e-3
    tiny = sweep.errors["two-sided"][sweep.epsilons <= 1e-13]
    assert tiny.min() > 100 * sweep.errors["two-sided"].min()
    # the complex step has no subtraction, so no round-off: exact once epsilon**2 is negligible
    assert np.all(sweep.errors["complex-step"][sweep.epsilons <= 1e-7] < 1e-13)


def test_float32_round_off_sets_in_much_sooner():
    eps = np.logspace(-8, -1, 29)
    s64 = gradlab.epsilon_sweep(cube, 1.0, 3.0, eps)
    s32 = gradlab.epsilon_sweep(cube, 1.0, 3.0, eps, dtype=np.float32)
    assert s32.best_epsilon() > 10 * s64.best_epsilon()
    assert s32.errors["two-sided"].min() > 1e3 * s64.errors["two-sided"].min()


@pytest.mark.parametrize("bad", [0, -1e-3, float("nan")])
def test_bad_epsilon_is_named(bad):
    with pytest.raises(ValueError, match="epsilon"):
        gradlab.two_sided_difference(cube, 1.0, bad)


def test_unknown_method_is_named():
    with pytest.raises(ValueError, match="method"):
        numerical_gradient(cube, np.ones(2), method="backward")
