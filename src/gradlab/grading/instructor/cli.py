"""The instructor's command line: python -m gradlab.grading {demo, sample, grade, check, verify, table, serve, tokens,
package}."""
from __future__ import annotations

import argparse
import sys


def _parser():
    parser = argparse.ArgumentParser(prog="python -m gradlab.grading",
                                     description="Grade gradient-checking notebooks outside the students' kernels.")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="grade every sample class in a new copy of the course; print the gradebooks "
                                            "and where the results are")
    demo.add_argument("--workers", type=int, default=None, help="parallel workers (default: all cores)")
    demo.add_argument("--keep", metavar="DIR", default=None, help="put the results in DIR (a new folder) instead of a "
                                                                   "new temporary folder")
    demo.add_argument("--course", default=None, help="the course with its sample_class/ (default: the repository's "
                                                     "autograder/)")

    sample = commands.add_parser("sample", help="put the sample class of an assignment into a course's submitted/, "
                                                "to try grading (the grade command, instructor.ipynb) on it")
    sample.add_argument("course", help="the nbgrader course directory (holding nbgrader_config.py)")
    sample.add_argument("assignment", help="the assignment, e.g. gradient_checking")

    grade = commands.add_parser("grade", help="autograde a class on a Dask cluster (this machine's cores by default); "
                                              "export a CSV, feedback and a report")
    grade.add_argument("course", help="the nbgrader course directory (holding nbgrader_config.py)")
    grade.add_argument("assignment", help="the assignment, e.g. gradient_checking")
    grade.add_argument("submissions", nargs="?", default=None,
                       help="a folder in nbgrader's submitted/ layout or of notebooks named by student "
                            "(default: the course's submitted/)")
    grade.add_argument("--workers", type=int, default=None,
                       help="worker processes of the local Dask cluster (default: one per core)")
    grade.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="grade on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    grade.add_argument("--db", metavar="URL", default=None,
                       help="the gradebook, as nbgrader's --db: a SQLite or PostgreSQL SQLAlchemy URL, e.g. "
                            "postgresql+psycopg://grader@dbhost/course (default: the course's)")
    grade.add_argument("--force", action="store_true", help="grade again what was already graded")
    grade.add_argument("--no-feedback", dest="feedback", action="store_false", help="skip feedback")
    grade.add_argument("--no-report", dest="report", action="store_false", help="skip the class report")

    check = commands.add_parser("check", help="check a class's submissions as the grading command stages them (student "
                                              "ids, links, sizes), before `nbgrader autograde`")
    check.add_argument("course", help="the nbgrader course directory")
    check.add_argument("assignment", help="the assignment, e.g. gradient_checking")

    verify = commands.add_parser("verify", help="test an assignment's own tests before release: its solution must earn "
                                                "every point, mutants of it less")
    verify.add_argument("course", help="the nbgrader course directory")
    verify.add_argument("assignment", help="the assignment, as in source/ASSIGNMENT/")
    verify.add_argument("--no-mutants", dest="mutate", action="store_false", help="only read and grade the solution")

    serve = commands.add_parser("serve", help="the grading service: learners submit over HTTP and get their score and "
                                              "feedback in seconds (runs until stopped)")
    serve.add_argument("course", help="the nbgrader course directory (holding nbgrader_config.py)")
    serve.add_argument("--host", default=None, help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="the port (default 8787; 0: any free port)")
    serve.add_argument("--db", metavar="URL", default=None,
                       help="the gradebook: the course's SQLite one by default (one service process), or PostgreSQL "
                            "(several processes may share it)")
    serve.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="grade on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    serve.add_argument("--workers", type=int, default=None,
                       help="worker processes of the local Dask cluster (default: one per core)")
    serve.add_argument("--hub", action="store_true",
                       help="run as a JupyterHub service: learners known by the hub's tokens and OAuth")

    tokens = commands.add_parser("tokens", help="issue learners' tokens for the grading service from a roster CSV "
                                                "(id[,role,first_name,last_name,email]), or revoke them")
    tokens.add_argument("course", help="the nbgrader course directory")
    tokens.add_argument("roster", nargs="?", default=None, help="the roster CSV (an id column; role: learner or "
                                                                "instructor)")
    tokens.add_argument("--db", metavar="URL", default=None, help="the gradebook (default: the course's)")
    tokens.add_argument("--out", metavar="FILE", default=None,
                        help="write student,token lines to FILE (mode 600) instead of printing them")
    tokens.add_argument("--revoke", metavar="ID", nargs="+", default=None, help="revoke these learners' tokens")

    table = commands.add_parser("table", help="print the gradebook of an assignment (with --expected: exit 1 when a "
                                              "score differs from the expected one)")
    table.add_argument("course")
    table.add_argument("assignment")
    table.add_argument("--expected", default=None, help="a CSV of expected scores to compare with: a column student "
                                                        "and one per test cell (its grade_id), as the sample classes' "
                                                        "expected_scores.csv")
    table.add_argument("--db", metavar="URL", default=None, help="the gradebook (default: the course's)")

    package = commands.add_parser("package", help="package an assignment for a hosted platform: Gradescope's "
                                                  "autograder zip, a Coursera grader, or an external grader for "
                                                  "edX's XQueue")
    package.add_argument("course", help="the nbgrader course directory")
    package.add_argument("assignment", help="the assignment, as in source/ASSIGNMENT/")
    package.add_argument("--for", dest="platform", required=True, choices=("gradescope", "coursera", "xqueue"))
    package.add_argument("--out", metavar="DIR", default=None,
                         help="where the package goes (default: COURSE/packages/ASSIGNMENT/PLATFORM)")
    package.add_argument("--hidden-visibility", default="visible",
                         choices=("visible", "hidden", "after_due_date", "after_published"),
                         help="gradescope: when learners see the test cells that hold hidden tests (default: visible; "
                              "gradlab's feedback never shows a hidden case's inputs)")
    package.add_argument("--part-id", dest="part_ids", action="append", default=[], metavar="ID",
                         help="coursera: the part id(s) of the programming assignment this grader grades (default: any)")
    package.add_argument("--queue", dest="queue_name", default="", help="xqueue: the queue's name (default: the "
                                                                        "assignment's)")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from .demo import COURSE, run_demo

        _, _, matches = run_demo(course=args.course or COURSE, workdir=args.keep, workers=args.workers)
        return 0 if matches else 1
    if args.command == "sample":
        from .sample import load_sample_class, loaded_message

        try:
            loaded = load_sample_class(args.course, args.assignment)
        except (FileNotFoundError, FileExistsError, LookupError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(loaded_message(loaded, args.course))
        return 0
    if args.command == "verify":
        from .verify import verify

        report = verify(args.course, args.assignment, mutate=args.mutate)
        print(report)
        return 0 if report.ok else 1
    if args.command == "serve":
        from ..service.serve import serve

        try:
            if args.scheduler and args.workers:
                raise ValueError("--workers sizes the local cluster; an existing cluster (--scheduler) has its own")
            return serve(args.course, args.host, args.port, args.db, args.scheduler, args.workers, args.hub)
        except (RuntimeError, ValueError, LookupError, FileNotFoundError, OSError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    if args.command == "tokens":
        from ..service.tokens import tokens_command

        try:
            return tokens_command(args.course, args.roster, args.db, args.out, args.revoke)
        except (RuntimeError, ValueError, LookupError, FileNotFoundError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    if args.command == "check":
        return _check(args.course, args.assignment)
    if args.command == "package":
        from ..platforms.package import build_package

        try:
            out = build_package(args.course, args.assignment, args.platform, args.out,
                                hidden_visibility=args.hidden_visibility, part_ids=args.part_ids,
                                queue_name=args.queue_name)
        except (RuntimeError, ValueError, LookupError, OSError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"{args.platform} package of {args.assignment}: {out}")
        return 0
    if args.command == "grade":
        from ..cluster import engine

        engine.start_process_server(args.scheduler)  # the local workers' imports, while this process does its own
        from ..cluster.classroom import NoSubmissions, grade_class
        from ..gradebook.scores import render_table, table_rows
        from .sample import check_assignment, nothing_found_advice

        try:
            if args.scheduler and args.workers:
                raise ValueError("--workers sizes the local cluster; an existing cluster (--scheduler) has its own")
            check_assignment(args.course, args.assignment)
            run = grade_class(args.course, args.assignment, args.submissions, workers=args.workers,
                              scheduler=args.scheduler, db_url=args.db, force=args.force, feedback=args.feedback,
                              report=args.report)
        except KeyboardInterrupt:
            print("\ninterrupted: what was graded is in the gradebook; the same command carries on from there",
                  file=sys.stderr)
            return 130
        except NoSubmissions as error:
            print(f"Nothing to grade: {error}.\n{nothing_found_advice(args.course, args.assignment)}",
                  file=sys.stderr)
            return 1
        except (RuntimeError, ValueError, LookupError, FileNotFoundError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(render_table(table_rows(run.scores, run.points)))
        print(f"\ngraded {len(run.graded)}, already graded {len(run.skipped)}, failed {len(run.failed)}; "
              f"autograding took {run.autograde_seconds:.1f} s, everything {run.seconds:.1f} s")
        for student, error in sorted(run.failed.items()):
            print(f"  {student}: {error.strip().splitlines()[-1] if error.strip() else 'failed'}")
        for student, error in sorted(run.feedback_failed.items()):
            print(f"  {student}: no feedback: {error.strip().splitlines()[-1] if error.strip() else 'failed'}")
        print(f"scores: {run.csv}" + (f"\nreport: {run.report}" if run.report else ""))
        return 1 if run.failed else 0
    from .table import ExpectedScoresError, run_table

    try:
        return run_table(args.course, args.assignment, args.expected, args.db)
    except ExpectedScoresError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _check(course, assignment):
    """What the grading command would refuse in the course's submitted/ (nbgrader autograde would read a student
    folder named with * ? [ ] as a pattern, and follow links): one line each, and exit 1 if there is any."""
    from ..cluster.submissions import stage
    from ..course import nbgrader_calls
    from ..course.intake import SubmissionLimits

    limits = SubmissionLimits(config=nbgrader_calls.course_config(course))
    found, refused = stage(course, assignment, None, limits)
    for student, why in sorted(refused.items()):
        print(f"refused {student}: {why}")
    print(f"{len(found)} submissions can be graded, {len(refused)} refused")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
