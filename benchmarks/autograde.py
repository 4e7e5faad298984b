"""Autograding throughput: `python -m gradlab.grading grade` (on a local Dask cluster) against plain
`nbgrader autograde` (one submission after another), on the same class and the same course configuration.

    .venv/bin/python benchmarks/autograde.py [--copies 6] [--repeats 3] [--workers N] [--more] [--kernel]

The class is the sample class (autograder/sample_class/gradient_checking), repeated --copies times under new student names.
Each run starts from the same freshly generated course; wall-clock times include each command's own start-up,
as an instructor would see it. The contenders take turns, --repeats rounds of them: the speed-up is the median
over rounds of sequential / parallel within a round, so that the machine's own drift (other load, here often
10-20% over minutes) falls on both sides. --more adds the parallel command with feedback, CSV and report, and
with one worker; --kernel adds nbgrader's stock pipeline (each notebook executed in a Jupyter kernel). Not a
timed test: it prints a table.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def adopt_orphans():
    """Make this process the reaper of its descendants' orphans (Linux), so that the CPU of a process the command
    leaves behind (the local cluster's process server and the workers forked from it) is counted too."""
    import ctypes

    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def reap_all():
    """Wait for every descendant that was left to this process."""
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


def timed(command, course, env):
    """(wall-clock seconds until the command returns, CPU seconds of the command and everything it started)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    reap_all()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=6, help="how many times the sample class is submitted")
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
    adopt_orphans()
    load = os.getloadavg()[0]
    rounds = []  # per round: {name: (wall seconds, CPU seconds)}
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
                print(f"round {round_ + 1}: {name}: {times[name][0]:.1f} s", file=sys.stderr)
            rounds.append(times)
    baseline = contenders[0][0]
    print(f"{count} submissions (the sample class x {args.copies}), {os.cpu_count()} cores, {args.repeats} rounds, "
          f"load average before: {load:.2f}\n")
    print(f"{'command':45s} {'wall s':>7s} {'s/submission':>13s} {'submissions/min':>16s} {'speed-up':>9s} "
          f"{'(range)':>13s} {'CPU s/submission':>17s}")
    for name, _, _ in contenders:
        seconds = statistics.median(r[name][0] for r in rounds)
        cpu = statistics.median(r[name][1] for r in rounds)
        ratios = [r[baseline][0] / r[name][0] for r in rounds]
        print(f"{name:45s} {seconds:7.1f} {seconds / count:13.2f} {60 * count / seconds:16.1f} "
              f"{statistics.median(ratios):8.2f}x {min(ratios):6.2f}-{max(ratios):.2f}x {cpu / count:17.2f}")


if __name__ == "__main__":
    main()
