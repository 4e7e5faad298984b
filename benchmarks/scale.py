"""Grading at scale: what one submission costs each part of a Dask run, how far one coordinator goes, and what
that means for 10^3 to 10^5 submissions on 8 to 512 worker cores.

    .venv/bin/python benchmarks/scale.py [--submissions 2000] [--small 200] [--workers 2]

A synthetic class (the sample class copied under new student names) is graded by the grading command, as an
instructor runs it (feedback and report included), on a cluster of separate processes on this machine
(`dask scheduler`, --workers `dask worker`s with one thread each, set up as the README advises) into a PostgreSQL
gradebook (a server of its own, fsync on). Twice: --small submissions, then --submissions. Measured:

- per submission: the workers' CPU (their processes and the sandboxed children, all of it), the coordinator's
  CPU (the command's process: reading submissions, receiving results, merging, writing files, the journal) and
  the scheduler's CPU (apart from its upkeep, measured with nothing to do: that grows with the workers and the
  time, not with the submissions);
- the coordinator's peak memory (resident) at --small and at --submissions: flat, if nothing grows with the class;
- the merge alone, into SQLite (on disk) and into PostgreSQL, one submission per transaction and in batches of
  BATCH: CPU per merge and merges per second (the coordinator's ceiling for the merge);
- from those, the projected wall time of 10^3, 10^4 and 10^5 submissions on 8, 64 and 512 worker cores.

Not a timed test: it prints tables. With both cores busy the figures mean little: take them on a quiet machine.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the PostgreSQL server and the Dask processes the tests use

COURSE = REPO / "autograder"
ASSIGNMENT = "gradient_checking"
BATCH = 50
IDLE_SECONDS = 20
SIZES, CORES = (10 ** 3, 10 ** 4, 10 ** 5), (8, 64, 512)


def environment(scratch):
    from gradlab.grading.course.nbgrader_calls import isolated_environment

    return isolated_environment(str(scratch / "jupyter"))


def nbgrader(course, env, *args):
    subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, check=True, capture_output=True)


def generated_course(scratch, env):
    course = scratch / "generated"
    course.mkdir()
    shutil.copytree(COURSE / "source", course / "source")
    shutil.copy(COURSE / "nbgrader_config.py", course)
    nbgrader(course, env, "generate_assignment", ASSIGNMENT)
    return course


def class_of(generated, folder, count):
    """A copy of the generated course with `count` submissions (the sample class, copied round)."""
    course = folder / "course"
    shutil.copytree(generated, course)
    sample = sorted((COURSE / "sample_class" / ASSIGNMENT).glob("*.ipynb"))
    for k in range(count):
        notebook = sample[k % len(sample)]
        place = course / "submitted" / f"{notebook.stem}_{k // len(sample)}" / ASSIGNMENT
        place.mkdir(parents=True)
        shutil.copy(notebook, place / f"{ASSIGNMENT}.ipynb")
    return course


def clone_database(server, template, name):
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=server.port, user="gradlab", dbname="postgres", autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return server.url(name)


def tree_cpu(pid):
    """CPU seconds of a process and all its descendants, living or reaped."""
    import psutil

    total = 0.0
    try:
        root = psutil.Process(pid)
        processes = [root] + root.children(recursive=True)
    except psutil.Error:
        return 0.0
    for process in processes:
        try:
            total += sum(process.cpu_times()[:4])
        except psutil.Error:
            pass
    return total


def coordinator(course, scheduler, db_url):
    """Run in a process of its own (--coordinator): grade, then print what this process used, as JSON."""
    import io
    import resource

    from gradlab.grading.cluster.classroom import grade_class

    run = grade_class(course, ASSIGNMENT, scheduler=scheduler, db_url=db_url, stream=io.StringIO())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"graded": len(run.graded), "failed": len(run.failed), "seconds": run.seconds,
                      "autograde_seconds": run.autograde_seconds,
                      "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}))


def graded_run(course, cluster, db_url, env):
    """Grade `course` through the cluster with the command in a process of its own; what each part used."""
    workers = {pid: tree_cpu(pid) for pid in cluster.pids.values()}
    scheduler = tree_cpu(cluster.scheduler.pid)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--coordinator", str(course), cluster.address, db_url],
                          env=env, capture_output=True, text=True, cwd=course)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the grading command failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures.update(wall=wall, scheduler_cpu=tree_cpu(cluster.scheduler.pid) - scheduler,
                   worker_cpu=sum(tree_cpu(pid) - before for pid, before in workers.items()))
    if figures["failed"]:
        raise RuntimeError(f"{figures['failed']} submissions failed")
    return figures


def idle_rates(cluster, seconds=IDLE_SECONDS):
    """CPU seconds per second that the scheduler and the workers spend on Dask's upkeep alone, with nothing to do."""
    scheduler, workers = tree_cpu(cluster.scheduler.pid), sum(tree_cpu(pid) for pid in cluster.pids.values())
    time.sleep(seconds)
    return ((tree_cpu(cluster.scheduler.pid) - scheduler) / seconds,
            (sum(tree_cpu(pid) for pid in cluster.pids.values()) - workers) / seconds)


def merge_rates(results, url):
    """Merge every result into the gradebook at `url`: one per transaction, then BATCH per transaction in a fresh
    copy. {mode: (CPU seconds per merge, merges per second)}."""
    from gradlab.grading.gradebook.book import open_book

    found = {}
    for mode, size in (("one per transaction", 1), (f"{BATCH} per transaction", BATCH)):
        with open_book(url[mode]) as book:
            book.assignment(ASSIGNMENT)
            started, cpu = time.perf_counter(), time.process_time()
            items = list(results.items())
            for k in range(0, len(items), size):
                with book.transaction():
                    for student, result in items[k:k + size]:
                        book.merge(ASSIGNMENT, student, result)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        found[mode] = (cpu / len(items), len(items) / wall)
    return found


def projection(per_submission, overhead):
    """Wall seconds for each (submissions, cores): start-up, then as fast as the slowest of the workers
    (CPU / cores), the coordinator and the scheduler allow."""
    worker, coordinator_cpu, scheduler_cpu = per_submission
    table = {}
    for n in SIZES:
        for cores in CORES:
            step = max(worker / cores, coordinator_cpu, scheduler_cpu)
            bound = "workers" if step == worker / cores else "coordinator" if step == coordinator_cpu else "scheduler"
            table[n, cores] = (overhead + n * step, bound)
    return table


def duration(seconds):
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=2000, help="the large class")
    parser.add_argument("--small", type=int, default=200, help="the small class (for the memory comparison)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="dask worker processes, one thread each")
    args = parser.parse_args(argv)
    from dask_processes import DaskProcesses
    from postgres_server import PostgresServer

    from gradlab.grading.cluster import engine
    from gradlab.grading.gradebook.book import open_book

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="gradlab-scale-") as tmp, PostgresServer(durable=True) as server:
        scratch = Path(tmp)
        env = environment(scratch)
        generated = generated_course(scratch, env)
        released = server.create_database("released")
        nbgrader(generated, env, "generate_assignment", ASSIGNMENT, "--force", f"--db={released}")
        runs = {}
        # The cluster as the README advises one to be set up (engine.settings_as_environment).
        with DaskProcesses(args.workers, env=dict(env, **engine.settings_as_environment())) as cluster:
            idle = idle_rates(cluster)
            for label, count in (("small", args.small), ("large", args.submissions)):
                folder = scratch / label
                folder.mkdir()
                course = class_of(generated, folder, count)
                url = clone_database(server, "released", f"class_{label}")
                print(f"grading {count} submissions on {args.workers} workers ...", file=sys.stderr)
                runs[label] = dict(graded_run(course, cluster, url, env), count=count, url=url)
        with open_book(runs["large"]["url"]) as book:
            students = [s.name for s in (scratch / "large" / "course" / "submitted").iterdir()]
            results = {student: book.extract(ASSIGNMENT, student) for student in students}
        rates = {}
        for database in ("SQLite", "PostgreSQL"):
            urls = {}
            for k, mode in enumerate(("one per transaction", f"{BATCH} per transaction")):
                if database == "SQLite":
                    path = scratch / f"merge-{k}.db"
                    shutil.copy(generated / "gradebook.db", path)
                    urls[mode] = f"sqlite:///{path}"
                else:
                    urls[mode] = clone_database(server, "released", f"merge_{k}")
            rates[database] = merge_rates(results, urls)

    small, large = runs["small"], runs["large"]
    n, m = large["count"], small["count"]
    worker = large["worker_cpu"] / n
    coordinator_marginal = (large["cpu"] - small["cpu"]) / (n - m)
    # The scheduler's work for the submissions themselves: what it spent, less its upkeep over the run.
    scheduler = max(large["scheduler_cpu"] - idle[0] * large["wall"], 0.0) / n
    slope = (large["wall"] - small["wall"]) / (n - m)
    overhead = max(small["wall"] - m * slope, 0.0)
    print(f"\n{n} and {m} submissions (the sample class, copied), {args.workers} dask workers on {os.cpu_count()} "
          f"cores, PostgreSQL gradebook; load average before: {load:.2f}\n")
    print(f"{'':44s} {m:>10d} {n:>10d}")
    rows = [("wall clock (s)", small["wall"], large["wall"], "{:10.1f}"),
            ("worker CPU per submission (s)", small["worker_cpu"] / m, worker, "{:10.3f}"),
            ("coordinator CPU per submission (ms)", 1000 * small["cpu"] / m, 1000 * large["cpu"] / n, "{:10.1f}"),
            ("scheduler CPU per submission, upkeep in (ms)", 1000 * small["scheduler_cpu"] / m,
             1000 * large["scheduler_cpu"] / n, "{:10.1f}"),
            ("coordinator peak memory (MB)", small["peak_mb"], large["peak_mb"], "{:10.0f}")]
    for name, a, b, form in rows:
        print(f"{name:44s} {form.format(a)} {form.format(b)}")
    rate = 60 / slope if slope > 0 else float("inf")
    print(f"\nper extra submission ({m} -> {n}): coordinator CPU {1000 * coordinator_marginal:.1f} ms; "
          f"fixed start-up and ending: {overhead:.1f} s; {rate:.0f} submissions per minute here")
    print(f"Dask's upkeep with nothing to do: scheduler {100 * idle[0]:.1f}% of a core, workers {100 * idle[1]:.1f}% "
          f"in all; the scheduler's work per submission beyond that: {1000 * scheduler:.1f} ms")
    print(f"\n{'merge alone':30s} {'CPU per merge':>14s} {'merges per second':>18s}")
    for database, by_mode in rates.items():
        for mode, (cpu, per_second) in by_mode.items():
            print(f"{database + ', ' + mode:30s} {1000 * cpu:11.2f} ms {per_second:18.0f}")
    ceiling = 1 / coordinator_marginal if coordinator_marginal > 0 else float("inf")
    print(f"\nthe coordinator's ceiling (all it does per submission): about {ceiling:.0f} submissions per second")
    table = projection((worker, coordinator_marginal, scheduler), overhead)
    print(f"\nprojected wall time (start-up {overhead:.0f} s + submissions x the slowest of: worker CPU / cores, "
          "coordinator, scheduler)")
    print(f"{'submissions':>12s} " + " ".join(f"{f'{c} cores':>22s}" for c in CORES))
    for size in SIZES:
        print(f"{size:>12d} " + " ".join(f"{duration(table[size, c][0]) + ' (' + table[size, c][1] + ')':>22s}"
                                         for c in CORES))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--coordinator":
        sys.modules.setdefault("rfc3987_syntax", None)  # as `python -m gradlab.grading` does
        coordinator(*sys.argv[2:])
    else:
        main()
