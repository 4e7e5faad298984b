"""python -m gradlab.grading.platforms.run PLATFORM --package DIR: what a package's scripts call on the platform.

    ... run gradescope --package /autograder/source/gradlab     (run_autograder, once per upload)
    ... run coursera --package /grader/gradlab                  (the image's entry point, once per Submit)
    ... run xqueue --package DIR --config xqueue.json           (the watcher, until stopped)
"""
from __future__ import annotations

import argparse
import json
import logging
import sys

# See gradlab/grading/__main__.py: jsonschema's optional IRI parsers cost seconds of every start and grading uses none.
sys.modules.setdefault("rfc3987_syntax", None)


def _parser():
    parser = argparse.ArgumentParser(prog="python -m gradlab.grading.platforms.run",
                                     description="Grade on a hosted platform with a package made by "
                                                 "`python -m gradlab.grading package`.")
    parser.add_argument("platform", choices=("gradescope", "coursera", "xqueue"))
    parser.add_argument("--package", required=True, help="the package's gradlab/ folder")
    parser.add_argument("--config", help="xqueue: a JSON file with server, queue_name, username, password")
    parser.add_argument("--until-empty", action="store_true", help="xqueue: stop when the queue is empty")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    from ..course.nbgrader_calls import quiet_nbgrader_warnings

    quiet_nbgrader_warnings()
    if args.platform == "gradescope":
        from . import gradescope

        return gradescope.run(args.package)
    if args.platform == "coursera":
        from . import coursera

        return coursera.run(args.package)
    from . import xqueue

    if not args.config:
        print("error: the xqueue watcher needs --config FILE (see xqueue.json.example)", file=sys.stderr)
        return 2
    with open(args.config) as handle:
        config = json.load(handle)
    missing = [key for key in ("server", "username", "password") if not config.get(key)]
    if missing:
        print(f"error: {args.config} names no {', '.join(missing)}", file=sys.stderr)
        return 2
    answered = xqueue.watch(args.package, config, until_empty=args.until_empty)
    print(f"answered {answered} submissions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
