"""The sandboxed child: what it returns, how it ends, and what it cannot reach."""
import socket
import subprocess
import sys

import numpy as np
import pytest

from gradlab.grading import sandbox
from gradlab.grading.child import landlock
from gradlab.grading.job import Call, Job
from gradlab.grading.sandbox import Limits, Sandbox

FAST = Limits(wall_seconds=4, cell_seconds=1, call_seconds=1)
LINUX = sys.platform.startswith("linux")


def forward(body, *, fork_server=True, cells=(), limits=FAST, cases=((2.0, 4.0),)):
    """Run forward_propagation(x, theta) with the given body in a child; return the ChildRun."""
    source = "import numpy as np\ndef forward_propagation(x, theta):\n" + "\n".join(
        "    " + line for line in body.splitlines())
    job = Job([(cell, None) for cell in [*cells, source]], [Call("forward_propagation", case) for case in cases])
    with Sandbox(limits, fork_server=fork_server) as box:
        return box.run(job)


@pytest.fixture(params=[True, False], ids=["fork-server", "new-interpreter"])
def fork_server(request):
    return request.param


def test_a_returned_number_comes_back_as_float64_data(fork_server):
    run = forward("return theta * x", fork_server=fork_server, cases=[(2.0, 4.0), (-1.5, 3.0)])
    assert run.finished and run.ending == ""
    assert [r["status"] for r in run.records] == ["returned", "returned"]
    assert [float(a[r["returned"]["array"]]) for a, r in zip(run.arrays, run.records)] == [8.0, -4.5]
    assert all(a[r["returned"]["array"]].dtype == np.float64 for a, r in zip(run.arrays, run.records))


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
    assert run.seconds < FAST.call_seconds + 2


@pytest.mark.parametrize("body, words", [
    ("import os\nos._exit(3)", "os._exit"),
    ("import ctypes\nctypes.string_at(0)", "segmentation fault"),
    ("import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ntime.sleep(60)", "did not finish within"),
])
def test_a_child_that_dies_or_hangs_is_described_in_words(fork_server, body, words):
    run = forward(body, fork_server=fork_server)
    assert not run.finished and run.records == [None]
    assert words in run.ending
    assert run.seconds < FAST.wall_seconds + 3


def test_cells_that_fail_are_reported_and_later_cells_still_run(fork_server):
    cells = ["raise KeyError('first')", "undefined_name", "while True:\n    pass", "%matplotlib inline"]
    run = forward("return theta * x", fork_server=fork_server, cells=cells)
    failures = [(f["cell"], f["error"]) for f in run.cell_failures]
    assert failures[:3] == [(1, "KeyError"), (2, "NameError"), (3, "TimeBudgetExceeded")]
    assert run.records[0]["status"] == "returned"


@pytest.mark.skipif(not LINUX or landlock.abi_version() < 1, reason="needs Landlock (Linux 5.13+)")
def test_the_child_cannot_read_the_course_or_reach_the_network(tmp_path):
    secret = tmp_path / "course" / "gradebook.db"
    secret.parent.mkdir()
    secret.write_text("every student's grades")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        run = forward(f"open({str(secret)!r}).read()", cases=[(1.0, 1.0)])
        assert run.records[0]["error"] == "PermissionError"
        run = forward(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)")
        assert run.records[0]["error"] == "PermissionError"
        run = forward("import gradlab")
        assert run.records[0]["error"] in ("PermissionError", "ModuleNotFoundError")
    finally:
        listener.close()
    assert any(p.startswith("landlock") for p in run.protections)
    assert {"RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_CORE"} <= set(run.protections)


def test_the_child_can_write_only_in_its_scratch_directory(tmp_path):
    target = tmp_path / "planted.txt"
    run = forward(f"open('here.txt', 'w').write('ok')\nopen({str(target)!r}, 'w').write('x')")
    assert run.records[0]["status"] == "raised"
    assert not target.exists() or not LINUX


def test_results_are_read_without_pickle(tmp_path):
    objects = tmp_path / "case-0.npz"
    np.savez(objects, value=np.array([{"evil": 1}], dtype=object))
    assert sandbox._read_arrays(str(objects)) == {}
    garbage = tmp_path / "case-1.npz"
    garbage.write_bytes(b"not a zip file")
    assert sandbox._read_arrays(str(garbage)) == {}
    bomb = tmp_path / "case-2.npz"
    np.savez_compressed(bomb, value=np.zeros(2 ** 24))  # 128 MiB of zeros in a file of a few hundred kB
    assert bomb.stat().st_size < 2 ** 21
    assert sandbox._read_arrays(str(bomb)) == {}


def test_no_child_process_outlives_the_grading():
    run = forward("import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
                  "return theta * x")
    assert run.records[0]["status"] in ("returned", "raised")
    processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.splitlines()
    leftovers = [line for line in processes if "time.sleep(300)" in line]
    assert leftovers == []
