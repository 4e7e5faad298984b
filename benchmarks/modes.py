"""Benchmark: gradlab's check modes against the floor and the course's loop, on ReLU MLPs.

    python benchmarks/modes.py            # 1e3, 1e4 and 1e5 parameters, the BLAS-heavy network, directional on 1e6
    python benchmarks/modes.py --quick    # 1e3 and 1e4 only
    python benchmarks/modes.py --blas     # the BLAS-heavy network only (256-256-128-1, m = 16)

floor: 2n calls of the cost alone with in-place perturbation (what any full check must pay).
full: gradlab's check in one process (workers=1) with its error bars on (the probe, the cost's round-off measured, rows measured again
where a gap stands above round-off). course loop: the course's gradient_check_n, a copy of theta and a
rebuilt dict per component.
Each figure is the median of REPEATS runs (one run for 1e5: a minute each), since other work on a shared
machine makes single runs of a fraction of a second swing by 30%. Ratios are to the floor. Goals on a 2-core
machine: full <= 1.15x, workers=2 <= 0.65x, directional localizes a planted x2 bug in one parameter of a
1e6-parameter MLP in under 2 s, and on the BLAS-heavy network (98,817 parameters, where each cost call is a
few matrix products numpy would run on every core) workers=2 is faster than workers=1 and near half of one
worker with one BLAS thread.
"""
from __future__ import annotations

import statistics
import sys
import time

import numpy as np

import gradlab
from gradlab import bugs, course, models
from gradlab.layout import dictionary_to_vector

NETWORKS = {"1e3": (20, 32, 10, 1), "1e4": (50, 150, 15, 1), "1e5": (100, 800, 25, 1)}
MILLION = (500, 1600, 120, 1)
BLAS_HEAVY = (256, 256, 128, 1)  # 98,817 parameters
BLAS_EXAMPLES = 16
EXAMPLES = 8
REPEATS = {"1e3": 7, "1e4": 3, "1e5": 1}


def problem(dims, seed=0, examples=EXAMPLES):
    X, Y = models.make_dataset(dims[0], examples, seed=seed)
    parameters = models.initialize_parameters(dims, seed=seed)
    for l in range(1, len(dims)):
        parameters[f"b{l}"] += 0.1  # no ReLU exactly at 0
    return X, Y, parameters


def floor(cost, parameters, epsilon=1e-7):
    theta, layout = dictionary_to_vector(parameters)
    flat, views = theta.reshape(-1), layout.views(theta)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + epsilon
        cost(views)
        flat[i] = old - epsilon
        cost(views)
        flat[i] = old


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def row(name, dims):
    """Median seconds per column; the columns take turns in each repeat, so a slow spell hits them all."""
    X, Y, parameters = problem(dims)
    cost = lambda p: models.forward(X, Y, p)[0]  # noqa: E731
    _, cache = models.forward(X, Y, parameters)
    grads = models.backward(X, Y, cache)
    n = dictionary_to_vector(parameters)[0].shape[0]
    columns = {"floor": lambda: floor(cost, parameters)}
    for label, options in (("full", {"workers": 1}), ("full w=2", {"workers": 2}),
                           ("sampled", {"mode": "sampled"}), ("directional", {"mode": "directional"})):
        columns[label] = lambda options=options: gradlab.gradient_check(cost, parameters, grads, **options)
    columns["course loop"] = lambda: course.gradient_check_n(parameters, grads, X, Y, forward=models.forward)
    seconds = {label: [] for label in columns}
    for _ in range(REPEATS[name]):
        for label, run in columns.items():
            spent, result = timed(run)
            seconds[label].append(spent)
            assert not hasattr(result, "passed") or result.passed, (label, result)
    return name, n, {label: statistics.median(values) for label, values in seconds.items()}


def million():
    X, Y, parameters = problem(MILLION, seed=1)
    backward = bugs.plant("dW2_times_2", layer_dims=MILLION)
    seconds, report = timed(lambda: gradlab.check_backprop(models.forward, backward, X, Y, parameters,
                                                           mode="directional"))
    return seconds, report


def blas_heavy():
    """Seconds of a full check of the BLAS-heavy network: one worker with numpy's default BLAS threads, one
    worker with one BLAS thread, and two workers (each given its share of the threads)."""
    from threadpoolctl import threadpool_limits

    X, Y, parameters = problem(BLAS_HEAVY, examples=BLAS_EXAMPLES)
    cost = lambda p: models.forward(X, Y, p)[0]  # noqa: E731
    grads = models.backward(X, Y, models.forward(X, Y, parameters)[1])

    def check(workers):
        report = gradlab.gradient_check(cost, parameters, grads, workers=workers)
        assert report.passed, report
        return report

    def one_thread():
        with threadpool_limits(limits=1):
            return check(1)

    columns = {"floor": lambda: floor(cost, parameters), "full w=1": lambda: check(1),
               "full w=1, 1 BLAS thread": one_thread, "full w=2": lambda: check(2),
               "full, default workers": lambda: check(None)}
    return {label: timed(run)[0] for label, run in columns.items()}


def print_blas_heavy():
    n = dictionary_to_vector(problem(BLAS_HEAVY, examples=BLAS_EXAMPLES)[2])[0].shape[0]
    print(f"\nBLAS-heavy ReLU MLP {'-'.join(map(str, BLAS_HEAVY))}, m = {BLAS_EXAMPLES}, n = {n:,}: one run each")
    results = blas_heavy()
    for label, seconds in results.items():
        print(f"  {label:<24} {seconds:8.2f} s  ({seconds / results['floor']:.2f}x the floor)")
    print(f"  workers=2 / workers=1: {results['full w=2'] / results['full w=1']:.2f}; workers=2 / one worker with "
          f"one BLAS thread: {results['full w=2'] / results['full w=1, 1 BLAS thread']:.2f}", flush=True)


def main(argv):
    if "--blas" in argv:
        print_blas_heavy()
        return
    networks = dict(list(NETWORKS.items())[:2]) if "--quick" in argv else NETWORKS
    columns = ("floor", "full", "full w=2", "sampled", "directional", "course loop")
    print(f"ReLU MLPs, m = {EXAMPLES} examples, seconds (ratio to the floor)")
    print(f"| {'network':<8} | {'n':>7} | " + " | ".join(f"{c:>16}" for c in columns) + " |")
    print("|" + "---|" * (len(columns) + 2))
    for name, dims in networks.items():
        name, n, results = row(name, dims)
        cells = [f"{results[c]:7.3f} ({results[c] / results['floor']:5.2f}x)" for c in columns]
        print(f"| {name:<8} | {n:>7} | " + " | ".join(f"{c:>16}" for c in cells) + " |", flush=True)
    if "--quick" not in argv:
        print_blas_heavy()
        seconds, report = million()
        print(f"\nDirectional on {report.layout.size} parameters {MILLION} with dW2 x2 planted: {seconds:.2f} s, "
              f"{report.calls} cost calls; failing = {report.failing}; "
              f"diagnosis: {report.diagnoses[0].message if report.diagnoses else None}")


if __name__ == "__main__":
    main(sys.argv[1:])
