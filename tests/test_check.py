import re

import numpy as np
import pytest

import gradlab
from gradlab import course
from gradlab.check import PROBE_CALLS
from gradlab.noise import noise_calls

def fixed_calls(parameters):
    """The probe at theta, then the cost's round-off measured along one line per parameter and one through all."""
    return PROBE_CALLS + noise_calls(parameters)


@pytest.fixture
def course_case():
    return course.course_test_case()


def copy_of(parameters):
    return {k: v.copy() for k, v in parameters.items()}


def test_one_dimensional_check_matches_the_course(course_case):
    x, theta = 2.0, 4.0
    report = gradlab.gradient_check(lambda t: course.forward_propagation(x, t), theta, course.backward_propagation(x, theta))
    assert report.difference == course.gradient_check(x, theta)
    assert report.passed and report.verdict[0] == "correct"
    assert report.layout.names == ("theta",) and report.calls == 2 + fixed_calls(1)


@pytest.mark.parametrize("planted_bugs", [True, False])
def test_network_difference_matches_the_course_loop(course_case, planted_bugs):
    X, Y, parameters = course_case
    _, cache = course.forward_propagation_n(X, Y, parameters)
    gradients = course.backward_propagation_n(X, Y, cache, planted_bugs=planted_bugs)
    expected = course.gradient_check_n(parameters, gradients, X, Y)
    report = gradlab.check_backprop(course.forward_propagation_n,
                                    lambda X, Y, c: course.backward_propagation_n(X, Y, c, planted_bugs=planted_bugs),
                                    X, Y, parameters)
    # in-place perturbation through views computes the very same floats as the course's copies
    assert report.difference == expected
    assert report.passed is (not planted_bugs)
    assert isinstance(report.difference, float)


def test_course_bugs_are_localized(course_case):
    X, Y, parameters = course_case
    report = gradlab.check_backprop(course.forward_propagation_n, course.buggy_backward_propagation_n, X, Y, parameters)
    assert not report.passed and report.verdict[0] == "bug"
    assert report.failing == ["b1", "W2"]
    assert report.per_parameter["W2"] == pytest.approx(1 / 3, rel=1e-6)  # |2g - g| / (|2g| + |g|)
    assert report.per_parameter["b1"] == pytest.approx(3 / 5, rel=1e-6)  # |4g - g| / (|4g| + |g|)
    for name in ("W1", "b2", "W3"):
        assert report.per_parameter[name] < 2e-7
    worst = report.worst(3)
    assert worst[0].parameter in ("b1", "W2") and {w.parameter for w in worst} <= {"b1", "W2"}
    factor = {"b1": 4, "W2": 2}[worst[0].parameter]  # the course's planted bugs
    assert worst[0].analytic == pytest.approx(factor * worst[0].numerical, rel=1e-5)


def test_numbers_and_vectors(course_case):
    X, Y, parameters = course_case
    report = gradlab.check_backprop(course.forward_propagation_n, course.buggy_backward_propagation_n, X, Y, parameters)
    assert report.analytic.shape == report.numerical.shape == (47, 1)
    _, cache = course.forward_propagation_n(X, Y, parameters)
    theta, layout = gradlab.dictionary_to_vector(parameters)
    np.testing.assert_array_equal(report.analytic,
                                  gradlab.gradients_to_vector(course.buggy_backward_propagation_n(X, Y, cache), layout))
    # welch labs' metric: norm(g - n) / norm(g + n)
    g, n = report.analytic, report.numerical
    assert report.welch_difference == pytest.approx(np.linalg.norm(g - n) / np.linalg.norm(g + n), rel=1e-12)


def test_parameters_are_never_changed_even_when_the_cost_raises(course_case):
    X, Y, parameters = course_case
    before = copy_of(parameters)
    calls = []

    def flaky_cost(p):
        calls.append(1)
        if len(calls) == fixed_calls(6) + 20:  # a call of the check itself, after the round-off is measured
            raise RuntimeError("boom")
        return course.forward_propagation_n(X, Y, p)[0]

    _, cache = course.forward_propagation_n(X, Y, parameters)
    with pytest.raises(RuntimeError, match="boom") as info:
        gradlab.gradient_check(flaky_cost, parameters, course.backward_propagation_n(X, Y, cache))
    assert any("while evaluating the cost at" in note for note in getattr(info.value, "__notes__", []))
    for k in parameters:
        np.testing.assert_array_equal(parameters[k], before[k])


def test_the_cost_sees_views_of_one_theta_not_copies(course_case):
    X, Y, parameters = course_case
    seen = []

    def cost(p):
        seen.append(p["W1"])
        return course.forward_propagation_n(X, Y, p)[0]

    _, cache = course.forward_propagation_n(X, Y, parameters)
    gradlab.gradient_check(cost, parameters, course.backward_propagation_n(X, Y, cache))
    assert all(w is seen[0] for w in seen)  # the same view object every call: no copy per component
    assert seen[0].base is not None and not np.shares_memory(seen[0], parameters["W1"])


def test_a_cost_that_writes_into_its_parameters_is_refused():
    def cost(p):
        p["W1"] *= 1.0000001
        return float(np.sum(p["W1"]))
    parameters = {"W1": np.ones((2, 2))}
    with pytest.raises(ValueError, match="changed the parameters"):
        gradlab.gradient_check(cost, parameters, {"dW1": np.ones((2, 2))})
    np.testing.assert_array_equal(parameters["W1"], np.ones((2, 2)))


def test_array_parameters():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2))
    report = gradlab.gradient_check(lambda v: float(np.sum(v ** 3)), x, 3 * x ** 2)
    assert report.passed and report.layout.shapes == ((3, 2),)
    with pytest.raises(ValueError, match=r"gradients has shape \(2, 3\), parameters has shape \(3, 2\)"):
        gradlab.gradient_check(lambda v: float(np.sum(v ** 3)), x, np.zeros((2, 3)))


@pytest.mark.parametrize("returned, match", [
    (lambda p: np.ones(3), r"one real number; it returned ndarray of shape \(3,\)"),
    (lambda p: (1.0, {}), "tuple of 2 items.*check_backprop"),
    (lambda p: "0.5", "one real number; it returned str"),
])
def test_a_cost_that_does_not_return_one_number(returned, match):
    with pytest.raises(TypeError, match=match):
        gradlab.gradient_check(returned, {"W1": np.ones((2, 2))}, {"dW1": np.ones((2, 2))})


def test_size_one_arrays_and_numpy_scalars_are_accepted_as_costs():
    grads = {"dW1": 2 * np.ones((1, 2))}
    for wrap in (lambda v: np.array([[v]]), np.float64, lambda v: np.asarray(v)):
        report = gradlab.gradient_check(lambda p, wrap=wrap: wrap(float(np.sum(p["W1"] ** 2))), {"W1": np.ones((1, 2))}, grads)
        assert report.passed


def test_nan_anywhere_is_named():
    good = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1))}
    grads = {"dW1": np.ones((2, 2)), "db1": np.zeros((2, 1))}
    cost = lambda p: float(np.sum(p["W1"]) + np.sum(p["b1"]))  # noqa: E731
    bad = dict(good, b1=np.array([[0.0], [np.nan]]))
    with pytest.raises(ValueError, match=r"parameter b1 is not finite at b1\[1, 0\]"):
        gradlab.gradient_check(cost, bad, grads)
    with pytest.raises(ValueError, match=r"gradient dW1 is not finite at W1\[0, 1\]"):
        gradlab.gradient_check(cost, good, dict(grads, dW1=np.array([[1, np.inf], [1, 1]])))
    with pytest.raises(ValueError, match=r"the cost is nan at W1\[1, 1\] \+ epsilon"):
        gradlab.gradient_check(lambda p: float("nan") if p["W1"][1, 1] > 1 else cost(p), good, grads)
    with pytest.raises(ValueError, match="the cost is nan at the parameters given"):
        gradlab.gradient_check(lambda p: float("nan"), good, grads)


def test_missing_gradient_and_wrong_shape(course_case):
    X, Y, parameters = course_case
    _, cache = course.forward_propagation_n(X, Y, parameters)
    grads = course.backward_propagation_n(X, Y, cache)
    cost = lambda p: course.forward_propagation_n(X, Y, p)[0]  # noqa: E731
    with pytest.raises(ValueError, match="gradient of b2 is missing"):
        gradlab.gradient_check(cost, parameters, {k: v for k, v in grads.items() if k != "db2"})
    with pytest.raises(ValueError, match=r"dW1 has shape \(4, 5\), W1 has shape \(5, 4\)"):
        gradlab.gradient_check(cost, parameters, dict(grads, dW1=grads["dW1"].T))


@pytest.mark.parametrize("option, value", [("epsilon", 0), ("epsilon", -1e-7), ("threshold", float("nan")),
                                           ("mode", "fast"), ("samples", 0), ("directions", 1.5), ("workers", 0)])
def test_bad_options_are_named(option, value):
    with pytest.raises(ValueError, match=option):
        gradlab.gradient_check(lambda p: float(np.sum(p ** 2)), np.ones(3), 2 * np.ones(3), **{option: value})


def test_raise_on_failure_names_the_worst_components_not_arrays(course_case):
    X, Y, parameters = course_case
    with pytest.raises(gradlab.GradientCheckError) as info:
        gradlab.check_backprop(course.forward_propagation_n, course.buggy_backward_propagation_n, X, Y, parameters,
                               raise_on_failure=True)
    assert isinstance(info.value, AssertionError)
    text = str(info.value)
    assert "b1[" in text and "W2" in text and "[[" not in text and "array(" not in text
    # the message is the compact report: verdict, table, worst components, diagnoses, in short lines
    lines = text.splitlines()
    assert lines[0] == ""  # the report starts on a line of its own, after the exception's name
    lines = lines[1:]
    assert lines[0].startswith("Gradient check FAILED: b1, W2 disagree")
    table = {line.split()[0]: line.split() for line in lines if re.fullmatch(r"  \S+ +\S+ +\S+ +\S+ +(ok|FAIL)", line)}
    assert table["W2"][:3] == ["W2", "3x5", "0.333"] and table["W2"][-1] == "FAIL"  # gap/error: the error bar's
    assert table["b1"][:3] == ["b1", "5x1", "0.6"] and table["b1"][-1] == "FAIL"
    assert [row[-1] for name, row in table.items() if name not in ("W2", "b1")] == ["ok"] * 4
    assert "Worst components:" in lines and "Diagnoses:" in lines and "db1 is 4x too large" in text
    # nbgrader validate shows each line of the error cut at 83 characters
    assert max(len(line) for line in lines) <= 80 and len(lines) < 40


def test_report_text_and_html(course_case):
    X, Y, parameters = course_case
    report = gradlab.check_backprop(course.forward_propagation_n, course.buggy_backward_propagation_n, X, Y, parameters)
    text = str(report)
    assert text.startswith("Gradient check FAILED: b1, W2 disagree with the numerical gradient")
    assert "The course's difference is 0.285 (its threshold 2e-07)." in text
    lines = {line.split()[0]: line for line in text.splitlines() if line.startswith("  ") and len(line.split()) == 5}
    assert lines["W2"].endswith("FAIL") and lines["b1"].endswith("FAIL") and lines["W1"].endswith("ok")
    assert "Worst components" in text and "Diagnoses" in text
    html = report._repr_html_()
    assert '<tr class="fail"><td>W2</td>' in html and '<tr class="ok"><td>W1</td>' in html


def test_verdict_scale_and_its_float32_shift():
    assert [gradlab.verdict(d)[0] for d in (1e-9, 1e-6, 1e-4, 1e-2)] == ["correct", "look closer", "suspicious", "bug"]
    assert gradlab.verdict(1e-6, np.float32)[0] == "correct"
    assert gradlab.verdict(float("nan"))[0] == "bug"


def test_the_coherence_helper_catches_a_field_that_says_otherwise(course_case):
    from coherence import assert_coherent

    X, Y, parameters = course_case
    report = gradlab.check_backprop(course.forward_propagation_n, course.buggy_backward_propagation_n, X, Y, parameters)
    assert_coherent(report)
    report.statuses = dict(report.statuses, W2="ok")  # the table would now say ok where a row stands above
    with pytest.raises(AssertionError):
        assert_coherent(report)


@pytest.fixture(scope="module")
def report_builder_of_a_module_fixture():
    """What builds a report for a module-scoped fixture (set up before any function-scoped fixture)."""
    return gradlab.check.build_report


def test_reports_built_in_module_fixtures_are_checked_for_coherence_too(report_builder_of_a_module_fixture):
    checked = report_builder_of_a_module_fixture
    assert checked is gradlab.check.build_report  # the same as every test of the module sees
    assert hasattr(checked, "__wrapped__") and "assert_coherent" in checked.__code__.co_names
