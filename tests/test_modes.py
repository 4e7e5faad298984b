import numpy as np
import pytest

import gradlab
from gradlab import bugs, ladder, models, parallel
from gradlab.check import PROBE_CALLS
from gradlab.noise import noise_calls

def fixed_calls(parameters):
    """The probe at theta, then the cost's round-off measured along one line per parameter and one through all."""
    return PROBE_CALLS + noise_calls(parameters)


def calls_again(report):
    """Calls spent measuring rows again at epsilon / 2, 2 epsilon and the second look's step (only where a gap stood
    above the screen)."""
    def again(rows):
        return int(np.sum(~np.isnan(rows.extrapolated) | rows.kink))
    return ladder.CALLS_PER_ROW * (again(report.measurements) + (again(report.components) if report.mode == "directional" else 0))


@pytest.fixture
def always_fork(monkeypatch):
    """Fork even for work shorter than parallel.MIN_SECONDS, so that the workers really run."""
    monkeypatch.setattr(parallel, "MIN_SECONDS", 0.0)


@pytest.fixture(scope="module")
def medium():
    """A 400-parameter ReLU network with the course's dW2 x2 bug planted."""
    dims = (10, 20, 8, 1)
    X, Y = models.make_dataset(dims[0], 24, seed=5)
    parameters = models.initialize_parameters(dims, seed=5)
    for l in range(1, len(dims)):
        parameters[f"b{l}"] += 0.1
    return X, Y, parameters, bugs.plant("dW2_times_2", layer_dims=dims)


def test_workers_give_the_same_numbers_to_the_last_bit(medium, always_fork):
    X, Y, parameters, backward = medium
    one = gradlab.check_backprop(models.forward, backward, X, Y, parameters, workers=1)
    two = gradlab.check_backprop(models.forward, backward, X, Y, parameters, workers=2)
    np.testing.assert_array_equal(one.numerical, two.numerical)
    np.testing.assert_array_equal(one.components.left, two.components.left)
    assert one.difference == two.difference and one.calls == two.calls
    assert [d.message for d in one.diagnoses] == [d.message for d in two.diagnoses]


def test_an_error_in_a_worker_reaches_the_caller_with_its_place(always_fork):
    def cost(p):
        if p["W1"][1, 1] > 1.0 + 0.95e-7:  # only the worker that perturbs W1[1, 1] upwards meets this
            raise ArithmeticError("overflow in layer 1")
        return float(np.sum(p["W1"] ** 2))
    parameters = {"W1": np.ones((2, 2))}
    with pytest.raises(ArithmeticError, match="overflow in layer 1") as info:
        gradlab.gradient_check(cost, parameters, {"dW1": 2 * np.ones((2, 2))}, workers=2)
    assert any("W1[1, 1]" in note for note in getattr(info.value, "__notes__", []))
    np.testing.assert_array_equal(parameters["W1"], np.ones((2, 2)))


def test_sampled_mode_looks_at_every_parameter_and_says_which_components(medium):
    X, Y, parameters, backward = medium
    report = gradlab.check_backprop(models.forward, backward, X, Y, parameters, mode="sampled", samples=3, seed=1)
    names = [report.layout.locate(i)[0] for i in report.checked]
    assert sorted(set(names)) == sorted(report.layout.names)
    assert all(names.count(n) == min(3, np.prod(report.layout.shape(n))) for n in report.layout.names)
    assert report.calls == 2 * len(report.checked) + fixed_calls(len(report.layout.names)) + calls_again(report)
    again = gradlab.check_backprop(models.forward, backward, X, Y, parameters, mode="sampled", samples=3, seed=1)
    np.testing.assert_array_equal(report.checked, again.checked)  # seeded
    assert report.failing == ["W2"] and "sample" in str(report)


def test_directional_mode_gives_a_verdict_per_parameter_in_a_few_calls(medium):
    X, Y, parameters, backward = medium
    report = gradlab.check_backprop(models.forward, backward, X, Y, parameters, mode="directional", directions=3)
    assert set(report.per_parameter) == set(report.layout.names)
    assert report.failing == ["W2"]
    (d,) = report.diagnoses
    assert d.kind == "scale" and d.factor == pytest.approx(2, rel=1e-5)
    # a handful of calls per parameter, then a sample of the failing one to name its worst components
    assert report.calls == (2 * sum(min(3, np.prod(s)) for s in report.layout.shapes) + 2 * 20
                            + fixed_calls(len(report.layout.names)) + calls_again(report))
    assert report.worst(1)[0].parameter == "W2"
    correct = gradlab.check_backprop(models.forward, models.backward, X, Y, parameters, mode="directional")
    assert correct.passed and correct.diagnoses == [] and len(correct.components) == 0


def test_estimate_cost_counts_the_calls_each_mode_makes(medium):
    X, Y, parameters, backward = medium
    cost = lambda p: models.forward(X, Y, p)[0]  # noqa: E731
    estimate = gradlab.estimate_cost(cost, parameters, samples=4, directions=2)
    _, cache = models.forward(X, Y, parameters)
    grads = models.backward(X, Y, cache)
    for mode in ("full", "sampled", "directional"):
        report = gradlab.gradient_check(cost, parameters, grads, mode=mode, samples=4, directions=2)
        assert report.calls == estimate.calls[mode]
    assert estimate.parameters == report.layout.size
    assert 0 < estimate.seconds_per_call < 1 and estimate.seconds["full"] > estimate.seconds["directional"]
    assert "full" in str(estimate)


def test_report_carries_calls_and_seconds(medium):
    X, Y, parameters, backward = medium
    report = gradlab.check_backprop(models.forward, backward, X, Y, parameters)
    assert report.calls == 2 * report.layout.size + fixed_calls(len(report.layout.names)) + calls_again(report) and report.seconds > 0


def test_each_worker_gets_its_share_of_the_blas_threads(always_fork):
    from threadpoolctl import threadpool_info

    pools = [info["num_threads"] for info in threadpool_info()]
    if not pools:
        pytest.skip("numpy here uses no BLAS thread pool that threadpoolctl can see")

    def measure(chunk):
        threads = max(info["num_threads"] for info in threadpool_info())
        return np.full(len(chunk), float(threads)), np.full(len(chunk), float(len(chunk)))

    seen, sizes = parallel.run_split(measure, np.arange(10), 2, seconds_per_item=1.0)
    assert np.all(seen == max(1, max(pools) // 2)) and sizes.sum() == 50  # 5 + 5, in two processes
    assert max(info["num_threads"] for info in threadpool_info()) == max(pools)  # the parent's pool is back


def test_work_too_short_to_pay_for_a_fork_stays_in_one_process():
    import os

    def measure(chunk):
        return np.full(len(chunk), float(os.getpid())), np.zeros(len(chunk))

    pids, _ = parallel.run_split(measure, np.arange(10), 2, seconds_per_item=1e-6)
    assert set(pids) == {float(os.getpid())}
    pids, _ = parallel.run_split(measure, np.arange(10), 2, seconds_per_item=1.0)
    assert len(set(pids)) == 2


def test_the_default_uses_every_core_with_the_same_numbers(medium, always_fork):
    import os
    import sys

    expected = min(os.cpu_count() or 1, parallel.AUTO_LIMIT) if sys.platform.startswith("linux") else 1
    assert parallel.resolve_workers(None) == expected and parallel.resolve_workers(1) == 1
    X, Y, parameters, backward = medium
    default = gradlab.check_backprop(models.forward, backward, X, Y, parameters)
    one = gradlab.check_backprop(models.forward, backward, X, Y, parameters, workers=1)
    np.testing.assert_array_equal(default.numerical, one.numerical)
    assert default.failing == one.failing == ["W2"]


PROC_FORBIDDEN = """
import builtins, io
_open = builtins.open
def forbidden(file, *args, **kwargs):  # as under Landlock or bubblewrap: /proc cannot be read
    if str(file).startswith("/proc"):
        raise PermissionError(13, "Permission denied", str(file))
    return _open(file, *args, **kwargs)
builtins.open = io.open = forbidden
"""

CHECK_WITH_DEFAULTS = """
import numpy as np
import gradlab
from gradlab import bugs, models, parallel
parallel.MIN_SECONDS = 0.0  # fork even for this short check, so that the workers' set-up really runs
dims = (10, 20, 8, 1)
X, Y = models.make_dataset(dims[0], 24, seed=5)
parameters = models.initialize_parameters(dims, seed=5)
for l in range(1, len(dims)):
    parameters[f"b{l}"] += 0.1
report = gradlab.check_backprop(models.forward, bugs.plant("dW2_times_2", layer_dims=dims), X, Y, parameters)
print("\\n".join(line for line in str(report).splitlines() if not line.startswith("Checked")))
print(report.numerical.tobytes().hex())
"""


def test_the_default_check_works_where_proc_cannot_be_read():
    """threadpoolctl lists the BLAS pools from /proc/self/maps; in a sandbox that forbids it, the default check
    (workers=None) keeps to one process: the same report, and nothing on stderr (which zeroes a graded cell)."""
    import subprocess
    import sys

    def run(preamble):
        return subprocess.run([sys.executable, "-W", "error", "-c", preamble + CHECK_WITH_DEFAULTS],
                              capture_output=True, text=True, timeout=120)

    inside, outside = run(PROC_FORBIDDEN), run("")
    assert inside.returncode == 0 and inside.stderr == "", inside.stderr[-2000:]
    assert outside.returncode == 0, outside.stderr[-2000:]
    assert inside.stdout == outside.stdout and "FAILED" in inside.stdout


def test_thread_pools_that_cannot_be_listed_mean_one_process(monkeypatch):
    import os

    import threadpoolctl

    def forbidden(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/proc/self/maps")

    monkeypatch.setattr(threadpoolctl, "threadpool_info", forbidden)

    def measure(chunk):
        return np.full(len(chunk), float(os.getpid())), np.zeros(len(chunk))

    pids, _ = parallel.run_split(measure, np.arange(10), 2, seconds_per_item=1.0)
    assert set(pids) == {float(os.getpid())}


def _default_split_in_a_daemon(results):
    import os

    def measure(chunk):
        return np.full(len(chunk), float(os.getpid())), np.zeros(len(chunk))

    try:
        pids, _ = parallel.run_split(measure, np.arange(10), None, seconds_per_item=1.0)
        results.put(("ok", sorted(set(pids)) == [float(os.getpid())]))
    except BaseException as error:  # noqa: B036  (reported to the test, whatever it is)
        results.put(("raised", repr(error)))


def test_the_default_stays_in_one_process_inside_a_daemonic_process():
    # A Dask worker (the grading cluster's, the grading service's) is a daemonic process, which may not start
    # children: a check with the default workers that is long enough to split must run in that process instead.
    import multiprocessing

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    daemon = context.Process(target=_default_split_in_a_daemon, args=(results,), daemon=True)
    daemon.start()
    outcome = results.get(timeout=120)
    daemon.join(60)
    assert outcome == ("ok", True)
