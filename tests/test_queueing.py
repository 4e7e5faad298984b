"""The ideal queue the grading service's benchmark compares with (benchmarks/queueing.py), against closed forms."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import queueing  # noqa: E402


@pytest.mark.parametrize("utilization", [0.3, 0.5, 0.8])
def test_one_worker_with_equal_service_times_waits_as_pollaczek_khinchine_says(utilization):
    # M/D/1: the mean wait is rho / (2 (1 - rho)) service times, so the mean slowdown is one more than that
    slow = queueing.slowdowns([2.5], 1, utilization, arrivals=200_000, seed=3)
    assert np.mean(slow) == pytest.approx(1 + utilization / (2 * (1 - utilization)), rel=0.05)


def test_exponential_service_on_two_workers_waits_as_erlang_c_says():
    # M/M/2 at load rho: the chance of waiting is 2 rho^2 / (1 + rho), the mean wait C / (2 mu (1 - rho))
    rho = 0.6
    service = np.random.default_rng(1).exponential(1.0, 100_000)
    slow = queueing.slowdowns(service, 2, rho, arrivals=200_000, seed=4)
    assert np.mean(slow == 1.0) == pytest.approx(1 - 2 * rho ** 2 / (1 + rho), abs=0.01)


def test_more_workers_at_the_same_load_wait_less_and_the_goal_is_met_somewhere():
    mix = [1.0] * 45 + [6.0, 17.0]
    p95s = [queueing.p95(queueing.slowdowns(mix, workers, 0.8)) for workers in (2, 8, 64)]
    assert p95s[0] > p95s[1] > p95s[2] >= 1.0
    workers, load = queueing.workers_for(mix, per_second=10.0, occupancy=1.5, goal=2.0)
    assert load == pytest.approx(15.0 / workers) and load < 1
    assert queueing.p95(queueing.slowdowns(mix, workers, load)) <= 2.0
    assert queueing.p95(queueing.slowdowns(mix, workers - 1, 15.0 / (workers - 1))) > 2.0


def test_a_load_of_one_or_more_is_refused_by_name():
    with pytest.raises(ValueError, match="utilization"):
        queueing.slowdowns([1.0], 2, 1.0)
