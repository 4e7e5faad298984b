"""The sandboxed child: what it returns, how it ends, and what it cannot reach; with bubblewrap and without it
(the fallback a machine without bubblewrap gets). The tests that need bubblewrap or Landlock are those groups
(tests/groups.py): gated on the tests' own probes, never skipped in CI."""
import os
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

from gradlab.grading.sandbox import bubblewrap, launch, zygote, box as sandbox
from gradlab.grading.sandbox.job import Call, Job
from gradlab.grading.sandbox.box import Limits, Sandbox
from host_state import processes_named
from protections import expected, layers
from timing import generous

# A second for each cell and call; the whole child also has to start (a new interpreter, numpy) on a busy machine.
FAST = Limits(wall_seconds=generous(4), cell_seconds=1, call_seconds=1)
needs_bubblewrap = pytest.mark.requires("bubblewrap")


def forward(body, *, fork_server=True, cells=(), limits=FAST, cases=((2.0, 4.0),), contained=None):
    """Run forward_propagation(x, theta) with the given body in a child; return the ChildRun."""
    source = "import numpy as np\ndef forward_propagation(x, theta):\n" + "\n".join(
        "    " + line for line in body.splitlines())
    job = Job([(cell, None) for cell in [*cells, source]], [Call("forward_propagation", case) for case in cases])
    with Sandbox(limits, fork_server=fork_server, contained=contained) as box:
        return box.run(job)


@pytest.fixture(params=[True, False], ids=["fork-server", "new-interpreter"])
def fork_server(request):
    return request.param


@pytest.fixture(params=[pytest.param(True, marks=needs_bubblewrap), False], ids=["bubblewrap", "no-bubblewrap"])
def contained(request):
    return request.param


def test_a_returned_number_comes_back_as_float64_data(fork_server, contained):
    run = forward("return theta * x", fork_server=fork_server, cases=[(2.0, 4.0), (-1.5, 3.0)], contained=contained)
    assert run.finished and run.ending == ""
    assert [r["status"] for r in run.records] == ["returned", "returned"]
    assert [float(a[r["returned"]["array"]]) for a, r in zip(run.arrays, run.records)] == [8.0, -4.5]
    assert all(a[r["returned"]["array"]].dtype == np.float64 for a, r in zip(run.arrays, run.records))
    assert layers(run.protections) == expected(contained)  # every layer this machine offers, by the tests' probes


@pytest.mark.parametrize("body, status, error", [
    ("while True:\n    pass", "timeout", None),
    ("raise ValueError('no')", "raised", "ValueError"),
    ("import sys\nsys.exit(3)", "raised", "SystemExit"),
    # 8 GB at once, far past the memory limit: MemoryError whatever the machine's speed (a loop that grows a list
    # would race the call's time limit on a busy machine).
    ("hoard = np.ones(10 ** 9)", "raised", "MemoryError"),
])
def test_a_failing_call_is_recorded_and_the_child_goes_on(fork_server, body, status, error):
    run = forward(body, fork_server=fork_server)
    assert run.finished
    assert run.records[0]["status"] == status
    assert run.records[0].get("error") == error


def test_after_a_time_out_the_remaining_calls_are_skipped():
    run = forward("while True:\n    pass", cases=[(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)])
    assert [r["status"] for r in run.records] == ["timeout", "skipped", "skipped"]


@pytest.mark.parametrize("body, words", [
    ("import os\nos._exit(3)", "os._exit"),
    ("import ctypes\nctypes.string_at(0)", "segmentation fault"),
    ("import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ntime.sleep(3600)", "did not finish within"),
])
def test_a_child_that_dies_or_hangs_is_described_in_words(fork_server, body, words):
    run = forward(body, fork_server=fork_server)
    assert not run.finished and run.records == [None]
    assert words in run.ending


@pytest.mark.skipif(not os.path.exists("/proc/self/schedstat"), reason="needs the kernel's schedstat")
def test_time_spent_waiting_for_a_core_is_not_charged(tmp_path, contained):
    """A cell of a second of CPU on a core shared with three busy processes takes two seconds or more of wall-clock
    time (the sandbox's cgroup gets at most half of a core others want), but is charged about its second: within the
    cell's budget of 1.5 s and the run's limit of 1.8 s."""
    cores = os.sched_getaffinity(0)
    core = {min(cores)}
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(3)]
    cell = "import time\nend = time.process_time() + 1.0\nwhile time.process_time() < end:\n    pass\n"
    try:
        for process in busy:
            os.sched_setaffinity(process.pid, core)
        os.sched_setaffinity(0, core)  # a zygote of its own (its own scratch root), started on that core
        with Sandbox(Limits(wall_seconds=1.8, cell_seconds=1.5, call_seconds=1.5), contained=contained,
                     scratch_root=str(tmp_path)) as box:
            started = time.monotonic()
            run = box.run(Job([(cell, None)], []))
            seconds = time.monotonic() - started
    finally:
        os.sched_setaffinity(0, cores)
        for process in busy:
            process.kill()
            process.wait()
        zygote.shared(sys.executable, contained, str(tmp_path)).close()
    assert run.finished and not run.cell_failures, (run.ending, run.cell_failures)
    assert seconds > 1.8  # it did wait for the core: by wall-clock time both limits had run out


def test_cells_that_fail_are_reported_and_later_cells_still_run(fork_server):
    cells = ["raise KeyError('first')", "undefined_name", "while True:\n    pass", "%matplotlib inline"]
    run = forward("return theta * x", fork_server=fork_server, cells=cells)
    failures = [(f["cell"], f["error"]) for f in run.cell_failures]
    assert failures[:3] == [(1, "KeyError"), (2, "NameError"), (3, "TimeBudgetExceeded")]
    assert run.records[0]["status"] == "returned"


def test_each_run_gets_a_fresh_folder_and_nothing_of_it_is_left_after_the_run():
    # Seen from the host, so without bubblewrap (whose scratch is a tmpfs of its own).
    leave = "import os\nopen('note', 'w').write('x')\nfor k in range(50):\n    os.mkdir('d')\n    os.chdir('d')"
    with Sandbox(FAST, contained=False) as box:
        first = box.run(Job([(leave, None)], []))
        root = zygote.shared(sys.executable, False).scratch
        assert [os.listdir(os.path.join(root, name)) for name in sorted(os.listdir(root))] == [[], []]
        second = box.run(Job([("import os\nassert not os.path.exists('note')", None)], []))
    assert first.finished and not first.cell_failures
    assert second.finished and not second.cell_failures
    assert [os.listdir(os.path.join(root, name)) for name in sorted(os.listdir(root))] == [[], []]


@pytest.mark.requires("landlock")
def test_the_child_cannot_read_the_course_or_reach_the_network(tmp_path, contained):
    secret = tmp_path / "course" / "gradebook.db"
    secret.parent.mkdir()
    secret.write_text("every student's grades")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        run = forward(f"open({str(secret)!r}).read()", cases=[(1.0, 1.0)], contained=contained)
        # Landlock refuses it; in bubblewrap it is not even there.
        assert run.records[0]["error"] in ("PermissionError", "FileNotFoundError")
        run = forward(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)",
                      contained=contained)
        assert run.records[0]["error"] in ("PermissionError", "ConnectionRefusedError", "OSError")
    finally:
        listener.close()
    assert any(p.startswith("landlock") for p in run.protections)
    assert {"RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_CORE"} <= set(run.protections)


def test_the_child_can_write_only_in_its_scratch_directory(tmp_path, contained):
    target = tmp_path / "planted.txt"
    # It returns 1 only if its own folder took a file and the folder outside refused one: a child that never got
    # that far returns nothing, and fails the test.
    run = forward(f"open('here.txt', 'w').write('ok')\ntry:\n    open({str(target)!r}, 'w').write('x')\n"
                  "except OSError:\n    return float(open('here.txt').read() == 'ok')\nreturn 0.0", contained=contained)
    assert run.records[0]["status"] == "returned", (run.records, run.ending, run.cell_failures)
    assert float(run.arrays[0][run.records[0]["returned"]["array"]]) == 1.0
    assert not target.exists()


def test_results_are_read_without_pickle(tmp_path):
    objects = tmp_path / "case-0.npz"
    np.savez(objects, value=np.array([{"evil": 1}], dtype=object))
    assert sandbox._read_arrays(objects.read_bytes()) == {}
    assert sandbox._read_arrays(b"not a zip file") == {}
    bomb = tmp_path / "case-2.npz"
    np.savez_compressed(bomb, value=np.zeros(2 ** 24))  # 128 MiB of zeros in a file of a few hundred kB
    assert bomb.stat().st_size < 2 ** 21
    assert sandbox._read_arrays(bomb.read_bytes()) == {}
    assert sandbox._read_json(b"[" * 100000 + b"]" * 100000) is None  # too deep for the parser: not a result


def test_no_child_process_outlives_the_grading(contained):
    # The process the call leaves behind says it runs (a file in the run's folder) before the call returns, so a
    # test where it never started cannot pass. (A child may not execute programs, so it forks.)
    mark = "gls-" + os.urandom(4).hex()  # a process name keeps 15 characters
    body = ("import ctypes, os, time\n"
            "if os.fork() == 0:\n"
            f"    ctypes.CDLL(None).prctl(15, b'{mark}', 0, 0, 0)\n"
            "    open('started', 'w').close()\n    time.sleep(300)\n    os._exit(0)\n"
            "while not os.path.exists('started'):\n    time.sleep(0.01)\n"
            "return 1.0")
    run = forward(body, contained=contained)
    assert run.records[0]["status"] == "returned", (run.records, run.ending, run.cell_failures)
    assert float(run.arrays[0][run.records[0]["returned"]["array"]]) == 1.0  # it was running when the call ended
    assert processes_named(mark) == []


@needs_bubblewrap
def test_an_interpreter_named_through_dotdot_is_contained(tmp_path):
    """`../.venv/bin/python -m pytest` (or -m gradlab.grading) gives a sys.executable through a folder that
    bubblewrap does not bind: the sandbox must still start, not fall back."""
    python = os.path.join(str(tmp_path), os.path.relpath(sys.executable, str(tmp_path)))
    assert ".." in python and os.path.samefile(python, sys.executable)
    with Sandbox(FAST, python=python) as box:
        run = box.run(Job([("x = 1", None)], []))
    assert box.contained and run.finished, run.ending
    assert "bubblewrap" in layers(run.protections)


def test_without_bubblewrap_the_grader_says_so_once(caplog, monkeypatch):
    monkeypatch.setattr(sandbox, "_WARNED", [])
    monkeypatch.setattr(bubblewrap, "_PROBE", {})
    monkeypatch.setattr(bubblewrap, "executable", lambda: None)
    for _ in range(2):
        with Sandbox(FAST) as box:
            assert not box.contained
            run = box.run(Job([("x = 1", None)], []))
            assert run.finished
    warnings = [r for r in caplog.records if "WITHOUT bubblewrap" in r.getMessage()]
    assert len(warnings) == 1 and "bubblewrap (bwrap) is not installed" in warnings[0].getMessage()


def test_a_sandbox_that_stops_answering_costs_one_run_and_the_next_starts_afresh(monkeypatch):
    monkeypatch.setattr(launch, "GRACE_SECONDS", 0.0)
    monkeypatch.setattr(launch, "DEADLINE_FACTOR", 0.0)
    with Sandbox(Limits(wall_seconds=0.5, cell_seconds=5, call_seconds=5), contained=False) as box:
        # No time at all for the supervisor's answer: the grader gives up on it, and ends it.
        slow = box.run(Job([("import time\ntime.sleep(3)", None)], []))
        assert not slow.finished and "was stopped" in slow.ending
        assert box.supervisor is None
    monkeypatch.undo()
    with Sandbox(FAST, contained=False) as box:
        assert box.run(Job([("x = 1", None)], [])).finished


@pytest.mark.skipif(not os.path.exists("/proc/self/oom_score_adj"), reason="needs Linux's OOM score")
def test_the_child_is_the_first_to_go_when_memory_runs_out():
    run = forward("return theta * x")  # the child can no longer read /proc/self (Landlock): it says what it did
    assert "killed first when memory runs out" in run.protections


@pytest.mark.skipif(os.geteuid() != 0, reason="the suite runs as a user other than root already: every test is this")
def test_a_grader_that_is_not_root_grades(contained):
    """The hub's grading service and a course's grader machine run as a system user, not root. The runs' own
    namespaces are made by a process that is not dumpable (its /proc files are then root's): as any user other than
    root, writing its user namespace's maps must still work, and a run that could not start must say so at once,
    not as a submission that ran out of time."""
    from gradlab.hub import interpreter
    import gradlab

    folder = tempfile.mkdtemp(prefix="gradlab-user-")
    try:
        os.chmod(folder, 0o755)
        python = interpreter.for_users(os.path.join(folder, "python"))
        script = os.path.join(folder, "grade.py")
        with open(script, "w") as handle:
            handle.write(
                "import sys\n"
                f"sys.path.insert(0, {os.path.dirname(os.path.dirname(gradlab.__file__))!r})\n"
                "from gradlab.grading.sandbox.box import Limits, Sandbox\n"
                "from gradlab.grading.sandbox.job import Call, Job\n"
                f"limits = Limits(wall_seconds={FAST.wall_seconds!r}, cell_seconds=1, call_seconds=1)\n"
                f"with Sandbox(limits, contained={contained!r}) as box:\n"
                "    run = box.run(Job([('def f(x):\\n    return 2 * x', None)], [Call('f', (3.0,))]))\n"
                "print(run.finished, repr(run.ending), (run.records[0] or {}).get('status'), run.protections)\n")
        scratch = os.path.join(folder, "scratch")
        os.mkdir(scratch)
        os.chown(scratch, 65534, 65534)
        done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "-i",
                               f"HOME={scratch}", f"TMPDIR={scratch}", "PATH=/usr/bin:/bin", str(python), script],
                              capture_output=True, text=True, timeout=600)
    finally:
        subprocess.run(["rm", "-rf", folder], check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]
    assert done.stdout.startswith("True '' returned "), done.stdout
    assert "own user, mount, IPC, network, UTS and PID namespaces for each run" in done.stdout, done.stdout
