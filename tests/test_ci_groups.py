"""In CI nothing that protects or shows is skipped (tests/groups.py): small pytest sessions of this suite's own
tests, each with one fault planted on the machine as the session sees it (a failing bwrap first on PATH, Chromium at
a missing path, a read-only cgroup hierarchy, PostgreSQL's folder hidden, a kernel without Landlock), fail with a
message that names what is missing; without CI the same sessions skip with that reason. And the end of a run says
how many of each group ran."""
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ci_mode import in_ci

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
BWRAP_SHARED = ["bwrap", "--dev-bind", "/", "/"]  # the same machine, with one thing changed in the session's view


def session(tests, env=None, wrap=(), ci=True, pass_fds=(), cwd=REPO):
    """A pytest session of `tests` in a process of its own (`wrap`: what starts it, e.g. bwrap with a fault)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    environment["CI"] = "1" if ci else ""
    environment.update(env or {})  # which may set CI itself
    argv = [*wrap, sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", *tests]
    return subprocess.run(argv, cwd=cwd, env=environment, capture_output=True, text=True, timeout=1200,
                          pass_fds=pass_fds)


def assert_fails_naming(done, group, *words):
    out = done.stdout + done.stderr
    assert done.returncode == 1, out[-3000:]
    assert f"CI requires the {group} tests to run, and they cannot:" in out, out[-3000:]
    for word in words:
        assert word in out, (word, out[-3000:])
    assert f"{group} 0 ran, 1 did not" in out and f"CI FAILS: 1 {group} test(s) did not run" in out, out[-3000:]


def assert_skips_naming(done, group, *words):
    out = done.stdout + done.stderr
    assert done.returncode == 0 and "1 skipped" in out, out[-3000:]
    for word in [f"{group}: ", *words]:
        assert word in out, (word, out[-3000:])


@pytest.fixture(scope="module")
def failing_bwrap(tmp_path_factory):
    """A folder whose `bwrap` fails as a broken installation does, to be put first on PATH."""
    folder = tmp_path_factory.mktemp("broken-bwrap")
    (folder / "bwrap").write_text("#!/bin/sh\necho 'bwrap: planted failure: setting up uid map: Permission denied' >&2\n"
                                  "exit 1\n")
    (folder / "bwrap").chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


SANDBOX_TEST = "tests/test_grading_sandbox.py::test_an_interpreter_named_through_dotdot_is_contained"


def test_a_failing_bwrap_fails_ci_and_names_it(failing_bwrap):
    done = session([SANDBOX_TEST], failing_bwrap)
    assert_fails_naming(done, "bubblewrap", "planted failure: setting up uid map", "broken-bwrap")


def test_a_failing_bwrap_skips_outside_ci(failing_bwrap):
    assert_skips_naming(session([SANDBOX_TEST], failing_bwrap, ci=False), "bubblewrap", "planted failure")


def test_a_missing_chromium_fails_ci_and_names_it(tmp_path):
    missing = tmp_path / "no" / "chromium"
    done = session(["tests/browser/test_browser_lessons.py", "-k", "voila and 01"], {"GRADLAB_CHROMIUM": str(missing)})
    assert_fails_naming(done, "browser", f"Chromium not found at {missing}")


@pytest.mark.requires("bubblewrap")  # to make the fault: the session runs with /sys/fs/cgroup read-only
def test_an_unwritable_cgroup_fails_ci_and_names_it():
    done = session(["tests/test_grading_attacks.py::test_at_most_the_process_limit_runs_at_once[no-bubblewrap]"],
                   wrap=BWRAP_SHARED + ["--ro-bind", "/sys/fs/cgroup", "/sys/fs/cgroup", "--"])
    assert_fails_naming(done, "cgroups", "is not writable (Read-only file system")


@pytest.mark.requires("bubblewrap")  # to make the fault: PostgreSQL's folder hidden under an empty one
def test_a_missing_postgresql_fails_ci_and_names_it():
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not os.path.exists(f"{p}/pg_ctl"))
    done = session(["tests/test_grading_merge.py::test_a_gradebook_of_another_schema_is_refused[postgresql]"],
                   {"PATH": path, "GRADLAB_PG_BIN": ""}, wrap=BWRAP_SHARED + ["--tmpfs", "/usr/lib/postgresql", "--"])
    assert_fails_naming(done, "postgresql", "PostgreSQL is not installed: no initdb and pg_ctl")


def no_landlock_filter():
    """A seccomp program (classic BPF, as bwrap --seccomp reads it) that answers ENOSYS to Landlock's three system
    calls (444-446 on every Linux architecture), as a kernel built without Landlock does."""
    load_number, jump_ge, jump_gt, ret = 0x20, 0x35, 0x25, 0x06
    errno_enosys, allow = 0x00050000 | 38, 0x7FFF0000
    program = [(load_number, 0, 0, 0), (jump_ge, 0, 2, 444), (jump_gt, 1, 0, 446), (ret, 0, 0, errno_enosys),
               (ret, 0, 0, allow)]
    return b"".join(struct.pack("HBBI", *instruction) for instruction in program)


@pytest.mark.requires("bubblewrap")  # to make the fault: a seccomp filter over the whole session
def test_a_kernel_without_landlock_fails_ci_and_names_it():
    read, write = os.pipe()
    os.write(write, no_landlock_filter())
    os.close(write)
    try:
        done = session(["tests/test_grading_sandbox.py::test_the_child_cannot_read_the_course_or_reach_the_network"
                        "[no-bubblewrap]"], wrap=BWRAP_SHARED + ["--seccomp", str(read), "--"], pass_fds=(read,))
    finally:
        os.close(read)
    assert_fails_naming(done, "landlock", "the kernel offers no Landlock")


GROUP_TESTS = textwrap.dedent('''
    import pytest

    @pytest.mark.parametrize("group", [pytest.param(group, marks=pytest.mark.requires(group)) for group in
                                       ("browser", "bubblewrap", "cgroups", "landlock", "postgresql")])
    def test_in_each_group(group):
        pass

    @pytest.mark.requires("bubblewrap", "cgroups")
    def test_in_two_groups():
        pass

    def test_in_none():
        pass
''')


@pytest.fixture
def small_suite(tmp_path):
    """A folder of tests that uses this suite's groups (its conftest imports groups.py's hooks)."""
    (tmp_path / "conftest.py").write_text(f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n"
                                          "from groups import *  # noqa: F401,F403 (the hooks)\n")
    (tmp_path / "test_groups.py").write_text(GROUP_TESTS)
    return tmp_path


def test_the_end_of_a_run_says_how_many_of_each_group_ran(small_suite):
    done = session([str(small_suite)], cwd=small_suite)
    assert done.returncode == 0, done.stdout[-3000:]
    assert ("groups: browser 1 ran, bubblewrap 2 ran, cgroups 2 ran, landlock 1 ran, postgresql 1 ran"
            in done.stdout), done.stdout[-3000:]
    assert "CI FAILS" not in done.stdout and "7 passed" in done.stdout


def test_in_ci_a_groups_test_that_skips_itself_fails(small_suite):
    (small_suite / "test_skips.py").write_text("import pytest\n\n@pytest.mark.requires('landlock')\n"
                                               "def test_gives_up():\n    pytest.skip('the kernel looked old')\n")
    done = session([str(small_suite)], cwd=small_suite)
    assert done.returncode == 1, done.stdout[-3000:]
    assert "CI requires the landlock tests to run, and this one was skipped: the kernel looked old" in done.stdout
    assert "landlock 1 ran, 1 did not" in done.stdout and "CI FAILS: 1 landlock test(s) did not run" in done.stdout
    outside = session([str(small_suite)], cwd=small_suite, ci=False)
    assert outside.returncode == 0 and "1 skipped" in outside.stdout, outside.stdout[-3000:]


def test_a_group_named_wrong_stops_the_run(small_suite):
    (small_suite / "test_typo.py").write_text("import pytest\n\n@pytest.mark.requires('bwrap')\ndef test_x():\n"
                                              "    pass\n")
    done = session([str(small_suite)], cwd=small_suite)
    assert done.returncode != 0 and "requires(bwrap) names no group of browser, bubblewrap" in done.stdout + done.stderr


def test_in_ci_a_group_that_ran_nothing_in_the_whole_suite_fails(small_suite):
    """Here the small suite stands for the whole one (groups.TESTS names its folder); it has no landlock test."""
    (small_suite / "conftest.py").write_text((small_suite / "conftest.py").read_text() + "import groups\nfrom pathlib "
                                             "import Path\ngroups.TESTS = Path(__file__).resolve().parent\n")
    (small_suite / "test_groups.py").write_text(GROUP_TESTS.replace('"landlock", ', ""))
    done = session([str(small_suite)], cwd=small_suite)
    assert done.returncode == 1 and "landlock none ran" in done.stdout, done.stdout[-3000:]
    assert "CI FAILS: no landlock test ran in a run of the whole suite" in done.stdout
    selected = session([str(small_suite), "-k", "not landlock"], cwd=small_suite)  # a selection may leave it out
    assert selected.returncode == 0 and "landlock none ran" in selected.stdout, selected.stdout[-3000:]


@pytest.mark.requires("postgresql")  # with PostgreSQL present, .ci/run installs nothing and goes straight to make
def test_ci_run_sets_ci_itself_whatever_the_runner_sets(tmp_path):
    """.ci/run exports CI=1 before `make test`: a runner that sets no CI (or CI=false) still gets CI's rules."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for name in ("chromium", "bwrap", "npm"):  # present, so that it installs nothing
        (stubs / name).write_text("#!/bin/sh\nexit 0\n")
    (stubs / "make").write_text('#!/bin/sh\necho "make $* with CI=$CI"\n')
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    for runner in ("", "false"):
        env = {key: value for key, value in os.environ.items() if key != "CI"}
        env.update({"PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}", **({"CI": runner} if runner else {})})
        done = subprocess.run([str(REPO / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 and done.stdout.strip() == "make test with CI=1", done.stdout + done.stderr


def test_hypothesis_draws_the_same_examples_in_ci_and_keeps_no_database():
    """In CI as the groups count it (ci_mode.in_ci: .ci/run sets CI=1) Hypothesis has its own "ci" profile: examples
    derived from each test (the same on every run), no example database, no deadline. Elsewhere, even with CI=0 or an
    empty CI, which Hypothesis alone would take for CI, its defaults."""
    from hypothesis import settings

    current = settings.default
    print(f"hypothesis profile: {settings.get_current_profile_name()}")  # for the sessions below
    if in_ci():
        assert settings.get_current_profile_name() == "ci"
        assert current.derandomize and current.database is None and current.deadline is None
    else:
        assert settings.get_current_profile_name() == "default"
        assert not current.derandomize and current.database is not None


@pytest.mark.parametrize("ci, profile", [("1", "ci"), ("true", "ci"), ("0", "default"), ("", "default"),
                                         ("false", "default")])
def test_hypothesis_counts_as_ci_what_the_groups_count(ci, profile):
    child = "test_hypothesis_draws_the_same_examples_in_ci_and_keeps_no_database"
    done = session(["-s", f"{Path(__file__).relative_to(REPO)}::{child}"], {"CI": ci})
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-3000:]
    assert f"hypothesis profile: {profile}\n" in done.stdout, done.stdout[-3000:]
