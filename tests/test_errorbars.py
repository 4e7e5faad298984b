"""Error bars against ground truth: costs with known derivatives, known added noise and known truncation."""
import hashlib

import numpy as np
import pytest

import gradlab
from gradlab import errorbar, noise


def point_noise(theta, size):
    """Noise that is a function of the point (so the cost is still a function): uniform in [-size, size]."""
    digest = hashlib.blake2b(np.ascontiguousarray(theta, dtype=np.float64).tobytes(), digest_size=8).digest()
    return size * (2.0 * int.from_bytes(digest, "little") / 2.0 ** 64 - 1.0)


def noisy_quadratic(size, n=30, seed=0):
    """J = 0.5 sum(a theta^2) + noise: gradient a * theta exactly, third derivative 0 (no truncation)."""
    rng = np.random.default_rng(seed)
    a, theta = rng.uniform(0.5, 2.0, n), rng.standard_normal(n)

    def cost(t):
        return float(0.5 * np.sum(a * t ** 2) + 3.0 + point_noise(t, size))

    return cost, theta, a * theta


@pytest.mark.parametrize("size", [1e-13, 1e-11, 1e-9])
def test_the_measured_noise_is_within_a_factor_three_of_the_added_noise(size):
    truth = size / np.sqrt(3.0)  # the standard deviation of uniform noise in [-size, size]
    for seed in range(5):
        cost, theta, gradient = noisy_quadratic(size, seed=seed)
        report = gradlab.gradient_check(cost, theta, gradient, seed=seed)
        assert report.noise.found
        assert truth / 3 <= report.noise.sigma <= 3 * truth, (report.noise.sigma, truth)
        # the right gradient passes: every row's true error is within its bar
        assert report.passed
        error = np.abs(report.measurements.numerical - gradient)
        assert np.all(error <= report.measurements.bar)


@pytest.mark.parametrize("size", [1e-12, 1e-10])
def test_a_bar_is_neither_missed_nor_far_too_wide(size):
    cost, theta, gradient = noisy_quadratic(size, n=200)
    report = gradlab.gradient_check(cost, theta, gradient)
    error = np.abs(report.measurements.numerical - gradient)  # the true error of each centred difference
    round_off = size / np.sqrt(3.0) / (np.sqrt(2.0) * report.epsilon)  # its true standard deviation
    assert np.max(error) <= np.min(report.measurements.bar)
    assert np.max(report.measurements.bar) <= 3 * errorbar.NOISE_SIGMAS * round_off + 1e-12


def test_an_exact_cost_gets_a_bar_at_its_rounding():
    cost, theta, gradient = noisy_quadratic(0.0)
    report = gradlab.gradient_check(cost, theta, gradient)
    assert report.passed
    assert report.noise.sigma <= 10 * report.noise.floor  # a handful of eps |J|, nothing invented


def cubic(a, epsilon):
    """J = sum(a theta^3): the centred difference is 3 a theta^2 + a epsilon^2 exactly, so its truncation is
    a epsilon^2, known for every component."""
    def cost(t):
        return float(np.sum(a * t ** 3))
    return cost


def test_truncation_is_measured_where_it_matters_and_matches_the_truth():
    rng = np.random.default_rng(3)
    a, theta, epsilon = rng.uniform(1.0, 4.0, 12), rng.uniform(0.5, 1.5, 12), 1e-2
    report = gradlab.gradient_check(cubic(a, epsilon), theta, 3 * a * theta ** 2, epsilon=epsilon)
    assert report.passed  # the right gradient, though every gap is truncation far above round-off
    m = report.measurements
    measured = ~np.isnan(m.truncation)
    assert 1 <= measured.sum() <= errorbar.RICHARDSON_ROWS
    truth = a[measured] * epsilon ** 2
    assert np.allclose(m.truncation[measured], truth, rtol=0.05)
    # every row's true error is within its bar (Richardson's value, exact for a cubic, where measured again)
    assert np.all(np.abs(m.reference - 3 * a * theta ** 2) <= m.bar)
    assert np.all(a[~measured] * epsilon ** 2 <= m.bar[~measured])
    assert report.calls == 2 * 12 + gradlab.check.PROBE_CALLS + noise.CALLS + 2 * measured.sum()


def test_below_truncation_a_bug_cannot_be_resolved_and_above_it_fails():
    rng = np.random.default_rng(4)
    a, theta, epsilon = rng.uniform(1.0, 4.0, 12), rng.uniform(0.5, 1.5, 12), 1e-2
    right = 3 * a * theta ** 2
    small, large = right.copy(), right.copy()
    small[5] += 0.1 * a[5] * epsilon ** 2  # a tenth of the truncation: invisible at this epsilon
    large[5] += 100 * a.max() * epsilon ** 2
    report = gradlab.gradient_check(cubic(a, epsilon), theta, small, epsilon=epsilon)
    assert report.passed and report.resolution > 0.1 * a[5] * epsilon ** 2
    assert "smaller ones cannot be seen" in str(report)
    report = gradlab.gradient_check(cubic(a, epsilon), theta, large, epsilon=epsilon)
    assert report.failing == ["theta"] and report.worst(1)[0].index == (5,)
    # a smaller epsilon resolves the small one: truncation shrinks with epsilon**2
    report = gradlab.gradient_check(cubic(a, epsilon), theta, right + np.where(np.arange(12) == 5, 1e-4, 0.0),
                                    epsilon=1e-6)
    assert report.failing == ["theta"]


def test_noise_levels_recover_a_known_standard_deviation():
    rng = np.random.default_rng(0)
    estimates = []
    for _ in range(200):
        values = 1.0 + 0.1 * np.arange(13) + 1e-6 * rng.standard_normal(13)  # a straight line plus noise
        sigma, _ = noise.noise_levels(values)
        estimates.append(sigma)
    estimates = np.array(estimates)
    assert np.percentile(estimates, 2) > 0.3e-6 and np.all(estimates < 4e-6)
    assert 0.7e-6 < np.median(estimates) < 1.5e-6


def test_values_that_hardly_change_are_told_apart():
    assert noise.noise_levels(np.array([1.0] * 8 + [1.5] * 4)) == (None, None)  # a quantized cost, say


def test_a_smooth_function_without_noise_is_told_apart():
    values = np.exp(np.linspace(0, 1, 13))  # no noise at all: the differences never change sign
    sigma, levels = noise.noise_levels(values)
    assert sigma is None and levels[0] > levels[3]


def test_a_lost_step_is_not_judged():
    # float16 parameters: theta + 1e-7 rounds back to theta, so nothing is measured
    theta = np.array([1.0, 2.0, 3.0], dtype=np.float16)
    report = gradlab.gradient_check(lambda t: float(np.sum(t.astype(np.float64) ** 2)), theta, 2 * theta)
    assert np.all(report.measurements.lost) and report.status("theta") == "unresolved"
    assert not report.passed and any(d.kind == "unresolved" and "rounds back" in d.message
                                     for d in report.diagnoses)
