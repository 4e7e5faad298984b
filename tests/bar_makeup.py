"""What a check's error bars are made of, against the round-off its centred differences really carry: for
benchmarks/hard_family.py --bars, and ways of measuring the noise beside gradlab's for --noise. Also the older family
of correct gradients (tests/test_verdicts.py's networks) at seeded points, and costs whose round-off is normal noise
of a known size."""
import hashlib
from contextlib import contextmanager

import numpy as np

from gradlab import course, errorbar, models, noise
from gradlab.target import CheckTarget


def makeup(report, cost, parameters, gradients):
    """Shares of the widest judged bar: (round-off, the step's rounding, the backprop's rounding, measured again
    (Richardson's bar), truncation added to a row not measured again)."""
    m = report.measurements
    target = CheckTarget(cost, parameters, gradients)
    try:
        gradient_eps = float(np.finfo(target.gradient_dtype).eps)
        first, _, rest = errorbar.base_bars(target, m, report.noise, report.epsilon, gradient_eps)
    finally:
        target.restore()
    row = np.flatnonzero(m.judged)[np.argmax(m.bar[m.judged])]
    analytic = errorbar.ANALYTIC_EPS * gradient_eps * abs(m.analytic[row])
    step = rest[row] - analytic
    if np.isfinite(m.extrapolated[row]):
        parts = (0.0, step, analytic, m.bar[row] - rest[row], 0.0)
    else:
        parts = (first[row] - rest[row], step, analytic, 0.0, m.bar[row] - first[row])
    return np.array(parts) / m.bar[row]


def round_off_found(report, exact):
    """(the round-off the centred differences carry over the one measured, as a root mean square over the judged
    rows; the largest |D - exact| in standard deviations of the measured round-off). exact: {"dW": ...}."""
    m = report.measurements
    flat = np.concatenate([np.asarray(exact["d" + name], dtype=np.float64).reshape(-1) for name in report.layout.names])
    truth = np.array([flat[p] if p >= 0 else np.nan for p in m.position])
    if np.any(m.position < 0):  # directions: the exact gradient projected on each
        from hard_family import on_rows
        truth = on_rows(report, {name: exact["d" + name] for name in report.layout.names})
    sigma = np.array([report.noise.of(int(k)) for k in m.parameter])
    found = np.abs(m.numerical - truth)[m.judged] / errorbar.round_off(sigma, report.epsilon)[m.judged]
    return float(np.sqrt(np.mean(found ** 2))), float(np.max(found))


@contextmanager
def with_looks(screen, confirm):
    """The two looks' bars set to `screen` and `confirm` standard deviations of round-off for a while (to show what
    other ones would do)."""
    kept = errorbar.SCREEN_SIGMAS, errorbar.CONFIRM_SIGMAS
    errorbar.SCREEN_SIGMAS, errorbar.CONFIRM_SIGMAS = screen, confirm
    try:
        yield
    finally:
        errorbar.SCREEN_SIGMAS, errorbar.CONFIRM_SIGMAS = kept


def _away_from_kinks(parameters, seed):
    rng = np.random.default_rng([seed, 1])
    return {k: v + 0.1 * rng.standard_normal(v.shape) if k.startswith("b") else v for k, v in parameters.items()}


def _entry(label, forward, backward, X, Y, parameters):
    gradients = backward(X, Y, forward(X, Y, parameters)[1])
    return label, (lambda p: forward(X, Y, p)[0]), parameters, gradients, X.shape[1]


def old_family(networks=12, course_points=6):
    """(label, cost, parameters, gradients, m): tests/test_verdicts.py's correct backprops at seeded points."""
    X, Y, p = course.course_test_case()
    yield _entry("course's test case", course.forward_propagation_n, course.backward_propagation_n, X, Y, p)
    rng = np.random.default_rng(2026)
    for _ in range(networks):
        depth = int(rng.integers(1, 4))
        dims = (int(rng.integers(2, 7)),) + tuple(int(rng.integers(2, 8)) for _ in range(depth)) + (1,)
        activation, lambd = str(rng.choice(models.ACTIVATIONS)), float(rng.choice([0.0, 0.7]))
        steps, init = int(rng.choice([0, 25, 100, 400, 2000])), str(rng.choice(models.INITS))
        m, seed = int(rng.integers(3, 17)), int(rng.integers(0, 10_000))
        X, Y = models.make_dataset(dims[0], m, seed=seed)
        p = _away_from_kinks(models.initialize_parameters(dims, init=init, seed=seed, scale=0.3), seed)
        if steps:
            p, _ = models.train(X, Y, p, learning_rate=0.5, num_iterations=steps, activation=activation, lambd=lambd)

        def forward(X, Y, q, a=activation, l=lambd):
            return models.forward(X, Y, q, activation=a, lambd=l)

        yield _entry(f"{activation} {dims}, m {m}, {steps} steps", forward, models.backward, X, Y, p)
    for _ in range(course_points):
        seed, m, steps = int(rng.integers(0, 10_000)), int(rng.integers(3, 10)), int(rng.choice([0, 50, 300]))
        X, Y = models.make_dataset(4, m, seed=seed)
        p = _away_from_kinks(models.initialize_parameters((4, 5, 3, 1), init="he", seed=seed), seed)
        if steps:
            p, _ = models.train(X, Y, p, learning_rate=0.3, num_iterations=steps)
        yield _entry(f"course's forward, m {m}, {steps} steps", course.forward_propagation_n,
                     course.backward_propagation_n, X, Y, p)
    X, Y = models.make_dataset(20, 16, seed=0)
    p = _away_from_kinks(models.initialize_parameters((20, 60, 30, 1), init="he", seed=0), 0)
    yield _entry("relu (20, 60, 30, 1): 3,121 components", models.forward, models.backward, X, Y, p)


def _normal_noise(theta, size):
    digest = hashlib.blake2b(np.ascontiguousarray(theta, dtype=np.float64).tobytes(), digest_size=8).digest()
    return size * np.random.default_rng(int.from_bytes(digest, "little")).standard_normal()


def gaussian_round_off(n, seed, size=1e-10):
    """(cost, theta, exact gradient): 0.5 sum(a theta^2) + 3 plus normal noise of standard deviation `size` that is
    a function of the point (round-off of many terms looks so)."""
    rng = np.random.default_rng(seed)
    a, theta = rng.uniform(0.5, 2.0, n), rng.standard_normal(n)
    return (lambda t: float(0.5 * np.sum(a * t ** 2) + 3.0 + _normal_noise(t, size))), theta, a * theta


# -- the noise measured against the noise the rows carry -------------------------------------------------------------
LINES_PER_PARAMETER = 4  # for the estimators that sample components or directions of a parameter


def _ecnoise_line(target, direction, step, centred):
    """ECnoise on POINTS values along `direction` (gradlab.noise's own points): the cost itself (one-sided, as
    gradlab.noise does), or J(theta + k step d) - J(theta - k step d), what a centred difference carries (its figure
    divided by sqrt 2, to be a cost's noise). NaN when no clear noise level shows."""
    flat, pristine = target.flat, target.pristine.reshape(-1)
    values = noise._along(target, flat, pristine, direction, step)
    if centred:
        values = values - noise._along(target, flat, pristine, -direction, step)
    sigma, _ = noise.noise_levels(values)
    if sigma is None:
        return np.nan
    return sigma / np.sqrt(2.0) if centred else sigma


def noise_estimators(report, cost, parameters, gradients, exact, least_rows=10):
    """For each parameter with at least `least_rows` judged rows: (the noise its rows carry, {estimator: its figure}).
    The rows' noise is the root mean square of |centred difference - exact| over them, times sqrt(2) epsilon (the
    cost's noise that gives it). Estimators: gradlab's (the larger of the parameter's own line and the pooled
    figure), the pooled figure alone, one line in the parameter alone (the first of the one-sided direction lines),
    and LINES_PER_PARAMETER seeded lines of each kind, pooled: along a component (what a component's row carries) or
    a random direction in the parameter, each centred or one-sided."""
    from hard_family import on_rows

    m = report.measurements
    truth = on_rows(report, {name: exact["d" + name] for name in report.layout.names})
    target = CheckTarget(cost, parameters, gradients)
    found = []
    try:
        pristine = target.pristine.reshape(-1)
        for k, name in enumerate(report.layout.names):
            mine = m.judged & (m.parameter == k)
            if mine.sum() < least_rows:
                continue
            carried = float(np.sqrt(np.mean((m.numerical - truth)[mine] ** 2)) * np.sqrt(2.0) * report.epsilon)
            block = target.layout.slice(name)
            scale = max(1.0, float(np.sqrt(np.mean(pristine[block].astype(np.float64) ** 2))))
            step = np.sqrt(float(np.finfo(target.dtype).eps)) * scale
            rng = np.random.default_rng([k, 11])
            figures = {"gradlab": report.noise.of(k), "pooled": report.noise.sigma}
            lines = {"component, centred": [], "component, one-sided": [], "direction, centred": [],
                     "direction, one-sided": []}
            for _ in range(LINES_PER_PARAMETER):
                component = np.zeros(pristine.size)
                component[block.start + int(rng.integers(block.stop - block.start))] = 1.0
                direction = np.zeros(pristine.size)
                direction[block] = rng.standard_normal(block.stop - block.start)
                direction /= np.linalg.norm(direction)
                for kind, along in (("component", component), ("direction", direction)):
                    for centred, how in ((True, "centred"), (False, "one-sided")):
                        lines[f"{kind}, {how}"].append(_ecnoise_line(target, along, step, centred))
            figures["own line"] = lines["direction, one-sided"][0]
            for kind, values in lines.items():
                values = np.array(values)
                figures[kind] = float(np.sqrt(np.mean(values[np.isfinite(values)] ** 2))) if np.any(
                    np.isfinite(values)) else np.nan
            found.append((carried, figures))
    finally:
        target.restore()
    return found
