"""The tests that protect or show, in groups that may be skipped outside CI and never in it (a pytest plugin:
tests/conftest.py imports its hooks).

A test belongs to a group by `@pytest.mark.requires("bubblewrap", ...)` (or a param's marks), by the `browser`
marker, or by using the `postgres` fixture. Before it runs, the group's probe (probes.py: facts the tests
establish themselves) must say the thing works here. Outside CI a missing thing skips the test with the reason;
with CI set (.ci/run sets it) that is a failure naming what is missing, and so is any skip of a group's test, for
whatever reason. The end of the run says how many of each group ran ("groups: browser 41 ran, ..."); in CI a
group with a test that did not run fails the session, and so does a group that ran nothing in a run of the
whole suite.
"""
from __future__ import annotations

from pathlib import Path

import pytest

import probes
from ci_mode import in_ci

GROUPS = tuple(probes.PROBES)  # browser, bubblewrap, cgroups, landlock, postgresql
TESTS = Path(__file__).resolve().parent
_TALLY = pytest.StashKey[dict]()
_VERDICT = pytest.StashKey[list]()


def groups_of(item):
    found = {group for mark in item.iter_markers("requires") for group in mark.args}
    if item.get_closest_marker("browser") is not None:
        found.add("browser")
    if "postgres" in getattr(item, "fixturenames", ()):
        found.add("postgresql")
    return found


def pytest_configure(config):
    config.addinivalue_line("markers", "requires(*groups): needs what the named groups need (" + ", ".join(GROUPS)
                            + "): skipped outside CI where it is missing, a failure in CI (tests/groups.py)")
    config.addinivalue_line("markers", "browser: drives JupyterLab / Notebook 7 / Voila in headless Chromium "
                                       "(deselect: -m 'not browser')")
    config.stash[_TALLY] = {group: {"ran": 0, "missed": 0, "reasons": []} for group in GROUPS}
    config.stash[_VERDICT] = []


def pytest_collection_modifyitems(config, items):
    for item in items:
        unknown = groups_of(item) - set(GROUPS)
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: requires({', '.join(sorted(unknown))}) names no group of "
                                    f"{', '.join(GROUPS)}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture: each group's probe, once per session."""
    for group in sorted(groups_of(item)):
        reason = probes.PROBES[group]()
        if reason is None:
            continue
        if in_ci():
            pytest.fail(f"CI requires the {group} tests to run, and they cannot: {reason}", pytrace=False)
        pytest.skip(f"{group}: {reason}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    groups = groups_of(item)
    if not groups:
        return report
    tally = item.config.stash[_TALLY]
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = _skip_reason(report)
        if in_ci():  # a skip from a skipif, a fixture or the test itself: in CI each is a failure, with its reason
            report.outcome = "failed"
            report.longrepr = f"CI requires the {', '.join(sorted(groups))} tests to run, and this one was skipped: {reason}"
        for group in groups:
            tally[group]["missed"] += 1
            tally[group]["reasons"].append(reason)
    elif report.when == "setup" and report.failed and call.excinfo is not None and \
            "CI requires the" in str(call.excinfo.value):
        for group in groups:
            tally[group]["missed"] += 1
            tally[group]["reasons"].append(str(call.excinfo.value))
    elif report.when == "call":
        for group in groups:
            tally[group]["ran"] += 1
    return report


def _skip_reason(report):
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)


def whole_suite(config):
    """Whether this run is the whole suite: no selection by keyword, marker, deselection or path."""
    option = config.option
    if getattr(option, "keyword", "") or getattr(option, "markexpr", "") or getattr(option, "deselect", None) or \
            getattr(option, "lf", False) or getattr(option, "failedfirst", False):
        return False
    return all(Path(config.rootpath, arg).resolve() == TESTS for arg in config.args)


def summary(config):
    """(the summary line, [why CI fails])."""
    tally, whole, parts, failures = config.stash[_TALLY], whole_suite(config), [], []
    for group in GROUPS:
        counts = tally[group]
        part = f"{group} {counts['ran']} ran" if counts["ran"] or counts["missed"] else f"{group} none ran"
        if counts["missed"]:
            part += f", {counts['missed']} did not"
            failures.append(f"{counts['missed']} {group} test(s) did not run: {counts['reasons'][0]}")
        elif not counts["ran"] and whole:
            failures.append(f"no {group} test ran in a run of the whole suite")
        parts.append(part)
    return "groups: " + ", ".join(parts), failures


def pytest_sessionfinish(session, exitstatus):
    line, failures = summary(session.config)
    session.config.stash[_VERDICT] = [line] + failures
    if in_ci() and failures and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    verdict = config.stash[_VERDICT]
    if not verdict:
        return
    line, failures = verdict[0], verdict[1:]
    terminalreporter.write_sep("-", "groups that protect or show", bold=True)
    terminalreporter.write_line(line)
    for failure in failures:
        terminalreporter.write_line(("CI FAILS: " if in_ci() else "note: ") + failure, red=in_ci(), yellow=not in_ci())
