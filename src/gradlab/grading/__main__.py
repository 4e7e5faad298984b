"""python -m gradlab.grading: the instructor's command line (see cli.py)."""
import sys

# nbformat imports jsonschema, which imports rfc3987_syntax (when installed, as Jupyter installs it) to check the
# "iri" format, and that module builds some 35 Earley parsers as it is imported: 2-3 s of every start on a
# 2-core machine (python-jsonschema/jsonschema#1428), half of nbgrader's start-up. Nothing in grading validates an
# IRI, so this command declines that optional import before anything imports jsonschema, which then leaves the
# format unchecked, as it does when the module is not installed.
sys.modules.setdefault("rfc3987_syntax", None)

from .instructor.cli import main  # noqa: E402

sys.exit(main())
