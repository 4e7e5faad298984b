"""What counts as CI in this suite, in one place: `CI` set to anything but "", "0", "false" or "no" (.ci/run sets
CI=1). The groups (groups.py) read it, and so does the choice of Hypothesis's profile, made here: left to itself,
Hypothesis takes any value of CI, even CI=0 or an empty one, and a few runners' own variables, as CI."""
from __future__ import annotations

import os


def in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def load_hypothesis_profile(config):
    """Hypothesis's own "ci" profile in CI (examples derived from each test, the same on every run; no example
    database; no deadline), its "default" profile elsewhere; a profile named with --hypothesis-profile wins."""
    from hypothesis import settings

    if not config.getoption("--hypothesis-profile", default=None):
        settings.load_profile("ci" if in_ci() else "default")
