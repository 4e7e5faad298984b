"""The grading service, measured: latency from Submit to graded at several arrival rates up to and past capacity,
the capacity, the service process's own CPU and memory per submission, a MOOC-style rush, and a projection.

    .venv/bin/python benchmarks/serve.py [--idle-rounds 2] [--burst 60] [--per-rate 80] [--rates 0.5,0.8,1.0,1.3]
                                         [--rush 1000] [--learners 100] [--rush-seconds 60] [--workers 2]

The service is started by its own command, as on one machine (`serve COURSE`: the course's SQLite gradebook and a
local Dask cluster of --workers processes), and learners submit over HTTP the sample classes' notebooks (all four
assignments; kai_hangs, which holds a worker for its whole time limit by design, left out). Latency is from the
moment the learner's POST is sent to the moment the service records the submission as graded (the service's own
clock for the second, on this same machine), so it holds no polling delay.

1. idle: every sample notebook submitted --idle-rounds times, one at a time, on an idle service: the latency of
   one submission of each notebook (the median of its rounds). The notebooks differ (some run to their time limit),
   so a submission under load is compared with its own notebook's idle latency, never with another's.
2. capacity: --burst submissions at once; capacity = graded per minute while the queue is never empty.
3. arrival rates: Poisson arrivals at each fraction of capacity in --rates, --per-rate submissions each:
   latency p50, p95, p99; the slowdown (each submission's latency over its notebook's idle latency) p50 and p95,
   which is what the goal reads; accepted, graded, refused and lost.
4. rush: --learners learners sending --rush notebooks at random moments within --rush-seconds (past capacity:
   the queue grows and drains; nothing refused that the limits allow, nothing lost, nothing graded twice); --rush 0
   leaves it out.
5. the service process's CPU (its own, not its workers') and peak memory (resident) per submission.
6. projection: worker cores and service processes for a MOOC's deadline peak, from the figures above.

Not a timed test: it prints tables. With other work on the machine the figures mean little; say so when quoting.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the service helpers the tests use

import queueing  # noqa: E402  (beside this file)
from accounting import CommandCpu, machine  # noqa: E402

PEAK = (10_000, 0.5, 3600)  # a MOOC's deadline: 10,000 learners, half of them submitting in the last hour
UTILIZATION = 0.8  # the load at which the latency goal is set
GOAL = 2.0  # at that load, p95 latency within this many times one submission's latency on an idle service


def course_for(scratch, env):
    from gradlab.grading.course.files import copy_course
    from nbgrader_course import ASSIGNMENTS, nbgrader

    course = copy_course(REPO / "autograder", scratch / "course")
    with open(course / "nbgrader_config.py", "a") as handle:
        handle.write("\nc.GradingService.attempts_per_hour = 100000\n")
    for assignment in ASSIGNMENTS:
        nbgrader(course, env, "generate_assignment", assignment)
    return course


class Run:
    """Submissions sent, and what the service recorded of them."""

    def __init__(self, service, tokens, notebooks, seed):
        self.service, self.tokens, self.notebooks = service, tokens, notebooks
        self.rng = random.Random(seed)
        self.sent = {}  # id -> sent at (epoch seconds)
        self.which = {}  # id -> the index of the notebook sent
        self.refused, self.lost = [], 0
        self.lock = threading.Lock()

    def submit(self, learner=None, index=None):
        from grading_service import Learner

        import requests

        learner = learner or self.rng.choice(sorted(self.tokens))
        if index is None:
            index = self.rng.randrange(len(self.notebooks))
        assignment, _, body, _, _ = self.notebooks[index]
        at = time.time()
        try:
            answer = Learner(self.service.url, self.tokens[learner]).submit(assignment, body)
        except requests.RequestException:
            with self.lock:
                self.lost += 1
            return
        with self.lock:
            if answer.status_code == 202:
                self.sent[answer.json()["id"]] = at
                self.which[answer.json()["id"]] = index
            else:
                self.refused.append(answer.status_code)

    def arrivals(self, times, learners=None):
        """Submit at the given offsets (seconds from now), each in a thread of its own."""
        started, threads = time.monotonic(), []
        for k, offset in enumerate(times):
            time.sleep(max(0.0, offset - (time.monotonic() - started)))
            learner = learners[k % len(learners)] if learners else None
            threads.append(threading.Thread(target=self.submit, args=(learner,)))
            threads[-1].start()
        for thread in threads:
            thread.join()

    def graded(self, db_url, timeout=7200):
        """{id: (received, graded_at, claimed_at, status)} once every sent submission is graded or failed."""
        from sqlalchemy import create_engine, select

        from gradlab.grading.service import tables

        a = tables.attempt
        engine = create_engine(db_url)
        deadline = time.monotonic() + timeout
        try:
            while True:
                with engine.connect() as connection:
                    rows = {r.id: r for r in connection.execute(select(a.c.id, a.c.received, a.c.graded_at,
                                                                       a.c.status).where(a.c.id.in_(list(self.sent))))}
                if len(rows) == len(self.sent) and all(r.status in ("graded", "failed") for r in rows.values()):
                    return rows
                if time.monotonic() > deadline:
                    raise RuntimeError("not all graded in time")
                time.sleep(1)
        finally:
            engine.dispose()

    def latencies(self, rows, idle=None):
        """Each submission's latency, sorted; with `idle` (a latency per notebook), over its own notebook's."""
        return sorted((rows[i].graded_at - self.sent[i]) / (idle[self.which[i]] if idle else 1.0) for i in self.sent)


def percentile(values, q):
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    low, high = int(k), min(int(k) + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (k - low)


def recorded_once(db_url, ids):
    from sqlalchemy import create_engine, func, select

    from gradlab.grading.service import tables

    engine = create_engine(db_url)
    with engine.connect() as connection:
        counts = dict(connection.execute(select(tables.recorded.c.attempt, func.count())
                                         .where(tables.recorded.c.attempt.in_(list(ids)))
                                         .group_by(tables.recorded.c.attempt)).all())
    engine.dispose()
    return sum(1 for i in ids if counts.get(i) == 1), sum(1 for n in counts.values() if n > 1)


class Meter:
    """The service process's own CPU (not its children's), its peak resident memory, and the CPU of everything it
    started: its control group counts every process that was ever in it, the sandboxes' short-lived children
    included (a sandbox makes a submission's groups beneath its grader's). Where no group could be made, the CPU of
    the processes alive when asked, which misses those that ended: said in the output."""

    def __init__(self, pid, group):
        import psutil

        self.process = psutil.Process(pid)
        self.group = group
        self.peak = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        while not self.stopping.wait(0.5):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def cpu(self):
        times = self.process.cpu_times()
        return times.user + times.system

    def tree_cpu(self):
        if self.group.seconds() is not None:
            return self.group.seconds()
        total = self.cpu()
        for child in self.process.children(recursive=True):
            try:
                times = child.cpu_times()
                total += times.user + times.system
            except Exception:  # noqa: BLE001  (a child that ended meanwhile)
                pass
        return total


def idle_latencies(service, tokens, notebooks, db_url, rounds):
    """[the median latency of each notebook sent alone], and how many were sent."""
    seen = {k: [] for k in range(len(notebooks))}
    for turn in range(rounds):
        for k in range(len(notebooks)):
            one = Run(service, tokens, notebooks, seed=turn * len(notebooks) + k)
            one.submit(index=k)
            seen[k].extend(one.latencies(one.graded(db_url)))
    if any(not values for values in seen.values()):
        missing = [notebooks[k][1] for k, values in seen.items() if not values]
        raise RuntimeError(f"the idle service refused or lost {', '.join(missing)}")
    return [statistics.median(seen[k]) for k in range(len(notebooks))], rounds * len(notebooks)


def rush(service, tokens, notebooks, db_url, args, learners):
    """The MOOC-style rush past capacity; how many it sent."""
    run = Run(service, tokens, notebooks, seed=4)
    rng = random.Random(5)
    times = sorted(rng.uniform(0, args.rush_seconds) for _ in range(args.rush))
    started = time.time()
    run.arrivals(times, learners=learners)
    sending = time.time() - started
    rows = run.graded(db_url)
    drained = max(r.graded_at for r in rows.values()) - started
    values = run.latencies(rows)
    once, twice = recorded_once(db_url, run.sent)
    print(f"\nrush: {len(learners)} learners, {args.rush} notebooks sent within {sending:.0f} s; accepted "
          f"{len(run.sent)}, refused {len(run.refused)}, lost {run.lost}; graded once {once}, twice "
          f"{twice}; all graded {drained:.0f} s after the first ({60 * len(rows) / drained:.0f} a minute); "
          f"latency p50 {percentile(values, 0.5):.0f} s, p95 {percentile(values, 0.95):.0f} s, "
          f"max {values[-1]:.0f} s", flush=True)
    return len(run.sent)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle-rounds", type=int, default=2)
    parser.add_argument("--burst", type=int, default=60)
    parser.add_argument("--per-rate", type=int, default=80)
    parser.add_argument("--rates", default="0.5,0.8,1.0,1.3")
    parser.add_argument("--rush", type=int, default=1000)
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--rush-seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    from gradlab.grading.course.nbgrader_calls import isolated_environment
    from grading_service import ServiceProcess, issue_tokens, sample_notebooks

    scratch = Path(tempfile.mkdtemp(prefix="gradlab-bench-serve-"))
    group = CommandCpu()  # the CPU of the service and of everything it starts
    env = isolated_environment(str(scratch / "jupyter"))
    try:
        course = course_for(scratch, env)
        db_url = f"sqlite:///{course}/gradebook.db"
        learners = [f"learner{k:04d}" for k in range(max(args.learners, 200))]
        tokens = issue_tokens(course, env, learners)
        notebooks = sample_notebooks(leave_out=("kai_hangs",))
        print(f"# grading service benchmark, {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, "
              f"load average at start {os.getloadavg()[0]:.1f}; {len(notebooks)} sample notebooks of "
              f"{len({n[0] for n in notebooks})} assignments", flush=True)
        with ServiceProcess(course, env, "--workers", str(args.workers), preexec=group.join) as service:
            meter = Meter(service.process.pid, group)
            machine0 = machine()[0]
            cpu0, tree0 = meter.cpu(), meter.tree_cpu()

            # 1. idle latency, notebook by notebook
            idle, submissions = idle_latencies(service, tokens, notebooks, db_url, args.idle_rounds)
            idle_latency = statistics.median(idle)
            print(f"\nidle: {len(notebooks)} notebooks, each sent {args.idle_rounds} times one at a time: latency "
                  f"median over the notebooks {idle_latency:.2f} s (range {min(idle):.2f}-{max(idle):.2f} s; over "
                  f"5 s: {', '.join(f'{notebooks[k][1]} {v:.1f} s' for k, v in enumerate(idle) if v > 5) or 'none'})",
                  flush=True)

            # 2. capacity
            burst = Run(service, tokens, notebooks, seed=2)
            burst.arrivals([0.0] * args.burst)
            rows = burst.graded(db_url)
            span = max(r.graded_at for r in rows.values()) - min(burst.sent.values())
            capacity = 60.0 * len(rows) / span
            submissions += len(burst.sent)
            print(f"capacity: {args.burst} submissions at once graded in {span:.1f} s: {capacity:.1f} a minute",
                  flush=True)

            # 3. arrival rates
            table = []
            for fraction in (float(f) for f in args.rates.split(",")):
                rate = fraction * capacity / 60.0
                run = Run(service, tokens, notebooks, seed=int(fraction * 100))
                gaps = [run.rng.expovariate(rate) for _ in range(args.per_rate)]
                run.arrivals([sum(gaps[:k]) for k in range(len(gaps))])
                rows = run.graded(db_url)
                values, slower = run.latencies(rows), run.latencies(rows, idle)
                once, twice = recorded_once(db_url, run.sent)
                submissions += len(run.sent)
                ideal = queueing.p95(queueing.slowdowns(idle, args.workers, fraction)) if fraction < 1 else None
                table.append((fraction, 60.0 * rate, percentile(values, 0.5), percentile(values, 0.95),
                              percentile(values, 0.99), percentile(slower, 0.5), percentile(slower, 0.95), ideal,
                              len(run.sent), once, len(run.refused) + run.lost, twice))
                print(f"  rate {fraction:.1f}x done", flush=True)
            print("\n| arrival rate | per minute | p50 | p95 | p99 | slowdown p50 | slowdown p95 | ideal queue's p95 | "
                  "accepted | graded once | refused or lost | graded twice |\n" + "|---" * 12 + "|")
            for fraction, per_minute, p50, p95, p99, s50, s95, ideal, accepted, once, refused, twice in table:
                print(f"| {fraction:.1f}x capacity | {per_minute:.0f} | {p50:.1f} s | {p95:.1f} s | {p99:.1f} s | "
                      f"{s50:.2f}x | {s95:.2f}x | " + (f"{ideal:.2f}x" if ideal else "grows") + " | "
                      f"{accepted} | {once} | {refused} | {twice} |")
            at80 = min(table, key=lambda row: abs(row[0] - UTILIZATION))
            print(f"\nat {at80[0]:.1f}x capacity, p95 of each submission's latency over its notebook's idle latency: "
                  f"{at80[6]:.2f}x (goal: within {GOAL:g}x); the ideal queue of {args.workers} workers at that load: "
                  + (f"{at80[7]:.2f}x" if at80[7] else "grows"))

            # 4. the rush
            if args.rush:
                submissions += rush(service, tokens, notebooks, db_url, args, learners[:args.learners])

            # 5. the service's own cost
            own = (meter.cpu() - cpu0) / submissions
            workers = (meter.tree_cpu() - tree0) / submissions - own
            whole = (machine()[0] - machine0) / submissions
            counted = ("its control group" if group.seconds() is not None
                       else "the processes alive at the end only: no control group could be made")
            meter.stopping.set()
            print(f"\nservice process: {1000 * own:.1f} ms CPU per submission (its own: HTTP, checks, queue, "
                  f"recording, merging, files), peak resident memory {meter.peak / 2**20:.0f} MB over {submissions} "
                  f"submissions; its workers (cluster and sandboxes): {workers:.2f} s CPU per submission (counted by "
                  f"{counted}); the whole machine: {whole:.2f} s busy per submission (this benchmark's learners and "
                  "anything else running included)")

        # 6. projection
        learners_at_peak, share, window = PEAK
        per_second = learners_at_peak * share / window
        cores = per_second * workers / UTILIZATION
        processes = per_second * own / UTILIZATION
        print(f"\nprojection: {learners_at_peak:,} learners, {share:.0%} of them in the last hour: "
              f"{per_second * 60:.0f} submissions a minute; at {UTILIZATION:.0%} load that needs "
              f"{cores:.1f} worker cores ({workers:.2f} s each) and {processes:.2f} of one service process's core "
              f"({1000 * own:.1f} ms each); three times the rate in the last 20 minutes: {3 * cores:.1f} cores")
        occupancy = args.workers * 60.0 / capacity  # a worker's seconds per submission, waiting included
        for label, rate in (("the last hour", per_second), ("three times its rate", 3 * per_second)):
            found = queueing.workers_for(idle, rate, occupancy, GOAL)
            print(f"  the latency goal (p95 slowdown within {GOAL:g}x) at {label}, {60 * rate:.0f} a minute, each "
                  f"submission holding a worker {occupancy:.2f} s: "
                  + (f"{found[0]} workers in an ideal queue (load {found[1]:.0%})" if found else "beyond 4,096 workers"))
        print(json.dumps({"idle": idle_latency, "capacity": capacity, "own_cpu": own, "worker_cpu": workers,
                          "table": table}))
    finally:
        group.remove()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
