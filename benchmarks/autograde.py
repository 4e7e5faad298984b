"""Autograding: `python -m gradlab.grading grade` (on a local Dask cluster) against plain `nbgrader autograde` (one
submission after another), on the same class and the same course configuration, and both against the floor.

    .venv/bin/python benchmarks/autograde.py [--copies 3] [--repeats 3] [--workers N] [--more] [--kernel]

The class is the sample class (autograder/sample_class/gradient_checking), repeated --copies times under new student
names. Each run starts from the same freshly generated course; wall-clock times include each command's own start-up,
as an instructor would see it. The contenders take turns, --repeats rounds of them: the speed-up is the median over
rounds of sequential / parallel within a round, so that the machine's own drift falls on both sides.

CPU per submission counts every process a command causes (benchmarks/accounting.py: a control group per command),
sandboxed children and Dask's workers included; "machine" is the whole machine's CPU over the run divided by the
submissions (the same figure on a quiet machine, plus the kernel's own threads), and "busy" the cores' busy share.
The floor (benchmarks/floor.py) is the CPU of the student's functions and of the checks on the same cases, in one
process per submission without any grading machinery. --more adds the parallel command with feedback, CSV and
report, and with one worker; --kernel adds nbgrader's stock pipeline (each notebook executed in a Jupyter kernel).
Not a timed test: it prints a table.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accounting import CommandCpu, machine  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "autograder"
ASSIGNMENT = "gradient_checking"
STOCK_PIPELINE = """
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute", "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor", "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata"]
"""


def environment(scratch):
    from gradlab.grading.course.nbgrader_calls import isolated_environment

    return isolated_environment(str(scratch))


def prepared_course(scratch, copies, env):
    """A generated course with the sample class submitted `copies` times."""
    from gradlab.grading.course.files import copy_course

    course = scratch / "generated"
    copy_course(COURSE, course)
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT], cwd=course, env=env,
                   check=True, capture_output=True)
    count = 0
    for k in range(copies):
        for notebook in sorted((COURSE / "sample_class" / ASSIGNMENT).glob("*.ipynb")):
            place = course / "submitted" / f"{notebook.stem}_{k}" / ASSIGNMENT
            place.mkdir(parents=True)
            shutil.copy(notebook, place / f"{ASSIGNMENT}.ipynb")
            count += 1
    return course, count


def timed(command, course, env):
    """{wall: seconds until the command returns, cpu: CPU seconds of every process it caused (None without a
    cgroup), machine: CPU seconds of the whole machine meanwhile, busy: the cores' busy share}."""
    group = CommandCpu()
    busy, every = machine()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True, preexec_fn=group.join)
    seconds = time.perf_counter() - started
    busy_after, every_after = machine()
    cpu = group.seconds()
    group.remove()
    if done.returncode not in (0, 1):
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return {"wall": seconds, "cpu": cpu, "machine": busy_after - busy,
            "busy": (busy_after - busy) / max(every_after - every, 1e-9)}


def floor(copies):
    """{seconds, submissions} of benchmarks/floor.py, run with the zygote's environment."""
    from gradlab.grading.sandbox.zygote import child_environment

    env = dict(os.environ, **{k: v for k, v in child_environment("/tmp").items() if k.endswith("_THREADS")})
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("floor.py")), "--json", "--copies",
                           str(copies)], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=3, help="how many times the sample class is submitted")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of the contenders, taking turns")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="workers of the parallel command")
    parser.add_argument("--more", action="store_true", help="also with feedback and report, and with one worker")
    parser.add_argument("--kernel", action="store_true", help="also time nbgrader's stock kernel pipeline")
    args = parser.parse_args(argv)
    grade = [sys.executable, "-m", "gradlab.grading", "grade", ".", ASSIGNMENT]
    contenders = [
        ("nbgrader autograde (sequential)", [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], None),
        (f"gradlab.grading grade, {args.workers} workers",
         grade + ["--workers", str(args.workers), "--no-feedback", "--no-report"], None),
    ]
    if args.more:
        contenders += [("  ... with feedback, CSV and report", grade + ["--workers", str(args.workers)], None),
                       ("gradlab.grading grade, 1 worker", grade + ["--workers", "1", "--no-feedback", "--no-report"],
                        None)]
    if args.kernel:
        contenders.append(("nbgrader autograde, stock kernel pipeline",
                           [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], STOCK_PIPELINE))
    load = os.getloadavg()[0]
    rounds = []  # per round: {name: timed(...)}
    with tempfile.TemporaryDirectory(prefix="gradlab-bench-") as tmp:
        scratch = Path(tmp)
        env = environment(scratch)
        generated, count = prepared_course(scratch, args.copies, env)
        for round_ in range(args.repeats):
            times = {}
            for name, command, extra_config in contenders:
                course = scratch / f"run-{round_}-{len(times)}"
                shutil.copytree(generated, course)
                if extra_config:
                    with open(course / "nbgrader_config.py", "a") as handle:
                        handle.write(extra_config)
                times[name] = timed(command, course, env)
                shutil.rmtree(course)
                print(f"round {round_ + 1}: {name}: {times[name]['wall']:.1f} s", file=sys.stderr)
            rounds.append(times)
    base = floor(args.copies)
    floor_each = base["seconds"] / base["submissions"]
    baseline = contenders[0][0]
    print(f"{count} submissions (the sample class x {args.copies}), {os.cpu_count()} cores, {args.repeats} rounds, "
          f"load average before: {load:.2f}, after: {os.getloadavg()[0]:.2f}\n")
    print(f"{'command':43s} {'wall s':>7s} {'sub/min':>8s} {'speed-up':>9s} {'(range)':>12s} {'CPU s/sub':>10s} "
          f"{'x floor':>8s} {'machine':>8s} {'busy':>5s}")
    for name, _, _ in contenders:
        wall = statistics.median(r[name]["wall"] for r in rounds)
        cpus = [r[name]["cpu"] for r in rounds if r[name]["cpu"] is not None]
        cpu = statistics.median(cpus) / count if cpus else None
        ratios = [r[baseline]["wall"] / r[name]["wall"] for r in rounds]
        print(f"{name:43s} {wall:7.1f} {60 * count / wall:8.1f} {statistics.median(ratios):8.2f}x "
              f"{min(ratios):5.2f}-{max(ratios):.2f}x "
              + (f"{cpu:10.3f} {cpu / floor_each:7.2f}x " if cpu is not None else f"{'-':>10s} {'-':>8s} ")
              + f"{statistics.median(r[name]['machine'] for r in rounds) / count:8.3f} "
              f"{statistics.median(r[name]['busy'] for r in rounds):5.0%}")
    print(f"{'floor (the functions and the checks alone)':43s} {'':7s} {'':8s} {'':9s} {'':12s} {floor_each:10.3f} "
          f"{1:7.2f}x")


if __name__ == "__main__":
    main()
