"""The ideal queue a grading service is measured against: first come, first served on a number of workers, Poisson
arrivals, each submission holding a worker for its own service time and nothing else (no HTTP, no recording, no
start-up). It is what any grader that takes submissions in the order they come, one per worker, must show, so its
slowdown (latency over the service time) at a given load says how much of a service's slowdown is the queue's and
how much its own, and how many workers a deadline peak needs before the queue alone keeps within a latency goal.
"""
from __future__ import annotations

import heapq

import numpy as np

ARRIVALS = 20_000  # simulated submissions per figure: the p95 steady to about 1%


def slowdowns(service_times, workers, utilization, arrivals=ARRIVALS, seed=0):
    """Each simulated submission's latency over its own service time, sorted; service times drawn from
    `service_times` (seconds, any scale), arrivals at `utilization` of what `workers` can grade."""
    times = np.asarray(service_times, dtype=np.float64)
    if not 0 < utilization < 1:
        raise ValueError(f"utilization must be between 0 and 1, not {utilization}")
    rng = np.random.default_rng(seed)
    service = rng.choice(times, arrivals)
    rate = utilization * workers / times.mean()
    arrive = np.cumsum(rng.exponential(1.0 / rate, arrivals))
    free = [0.0] * workers  # when each worker is next free
    latency = np.empty(arrivals)
    for k in range(arrivals):
        start = max(heapq.heappop(free), arrive[k])
        heapq.heappush(free, start + service[k])
        latency[k] = (start - arrive[k]) + service[k]  # exactly the service time when it waited for nothing
    return np.sort(latency / service)


def p95(values):
    return float(np.percentile(values, 95))


def workers_for(service_times, per_second, occupancy, goal, most=4096):
    """The fewest workers whose ideal queue keeps the p95 slowdown within `goal` at `per_second` arrivals, each
    submission holding a worker for `occupancy` seconds on average (the service times' shape kept); with the load
    that gives. None if more than `most` are needed."""
    load = per_second * occupancy
    workers = int(np.floor(load)) + 1
    while workers <= most:
        if load / workers < 1 and p95(slowdowns(service_times, workers, load / workers)) <= goal:
            return workers, load / workers
        workers = workers + 1 if workers < 64 else int(workers * 1.1)
    return None
