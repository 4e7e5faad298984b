"""Attacks on the sandbox, one by one (tests/attacks.py): what each managed, read back from the child, and what it
left on the host: no process, shared memory segment, key or file; and what one run of a submission left for the next
(nothing: a checker cannot remember the cases it has seen). Those that need bubblewrap or a cgroup are those groups
(tests/groups.py), gated on the tests' own probes and never skipped in CI; each asserts that the layer it relies on
was in force."""
import os
import platform
import secrets
import socket
import subprocess
import sys

import pytest

from attacks import attack, between_runs
from gradlab.grading.sandbox.child import untrusted
from gradlab.grading.sandbox.job import Call, Job
from gradlab.grading.sandbox.box import Limits, Sandbox
from host_state import keys_named, processes_named, shared_memory_with_key
from protections import expected, layers
from regular_install import regular_python
from timing import generous

LIMITS = Limits(wall_seconds=generous(30), cell_seconds=15, call_seconds=5)
needs_bubblewrap = pytest.mark.requires("bubblewrap")
needs_cgroup = pytest.mark.requires("cgroups")
FORWARD = "import numpy as np\ndef forward_propagation(x, theta):\n    return theta * x\n"
OBSERVE = "def observed(x, theta):\n    return float(OBSERVED)\n"


@pytest.fixture(params=[pytest.param(True, marks=needs_bubblewrap), False], ids=["bubblewrap", "no-bubblewrap"])
def contained(request):
    return request.param


def marker():
    return "glatk-" + secrets.token_hex(4)


def run_attack(cell, contained=True, observe=True, limits=LIMITS):
    """The attack cell, then a correct forward_propagation; calls it (and `observed`, what the attack managed)."""
    calls = [Call("forward_propagation", (2.0, 4.0))] + ([Call("observed", (0.0, 0.0))] if observe else [])
    with Sandbox(limits, contained=contained) as box:
        return box.run(Job([(cell, None), (FORWARD + OBSERVE, None)], calls))


def value(run, k):
    record = run.records[k]
    assert record is not None and record["status"] == "returned", (record, run.ending, run.cell_failures)
    return float(run.arrays[k][record["returned"]["array"]])


@pytest.mark.parametrize("name, kind", [("fifo_result", "a FIFO"), ("zero_link_result", "a symbolic link")])
def test_a_result_file_replaced_by_a_fifo_or_a_link_scores_nothing_and_says_why(contained, name, kind):
    run = attack_run = run_attack(attack(name), contained)
    assert not attack_run.finished and run.records == [None, None]
    assert f"broke the grader's protocol (start.json is {kind})" in run.ending


def test_a_1200_deep_tree_is_graded_and_removed(contained):
    run = run_attack(attack("deep_tree"), contained)
    assert run.finished and value(run, 0) == 8.0


def test_remove_tree_takes_apart_any_depth_and_follows_no_link(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("not the child's")
    top = tmp_path / "scratch"
    top.mkdir()
    (top / "link-to-zero").symlink_to("/dev/zero")
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(1200):  # by descriptors: the path would be too long for the tools that take paths
        os.mkdir("d", dir_fd=fd)
        deeper = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = deeper
    os.close(os.open("leaf", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    os.mkfifo("fifo", dir_fd=fd)
    os.symlink(str(outside), "link", dir_fd=fd)
    os.mkdir("locked", mode=0, dir_fd=fd)
    os.close(fd)
    untrusted.remove_tree(str(top))
    assert not top.exists()
    assert (outside / "keep").read_text() == "not the child's"


def test_reading_a_result_file_never_blocks_follows_a_link_or_reads_past_its_bound(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    (tmp_path / "big").write_bytes(bytes(1001))
    (tmp_path / "ok").write_bytes(b"{}")
    (tmp_path / "folder").mkdir()
    fd = untrusted.open_directory(str(tmp_path))
    try:
        assert untrusted.read_regular(fd, "ok", 1000) == b"{}"
        assert untrusted.read_regular(fd, "missing", 1000) is None
        for name, words in [("fifo", "a FIFO"), ("zero", "a symbolic link"), ("big", "longer than 1000 bytes"),
                            ("folder", "a folder")]:
            with pytest.raises(untrusted.NotAResult, match=words):
                untrusted.read_regular(fd, name, 1000)
    finally:
        os.close(fd)


@pytest.mark.parametrize("name", ["double_fork", "cpu_hog", "many_processes"])
def test_no_process_of_the_submission_outlives_its_grading(contained, name):
    mark = marker()
    run = run_attack(attack(name, mark), contained, observe=False)
    assert run.finished and value(run, 0) == 8.0
    assert processes_named(mark) == []


@needs_cgroup
def test_at_most_the_process_limit_runs_at_once(contained):
    run = run_attack(attack("many_processes", marker()), contained)
    assert "cgroup" in layers(run.protections)
    assert 0 < value(run, 1) < LIMITS.processes < 150


@needs_cgroup
def test_memory_spread_over_processes_stays_under_the_submissions_limit(contained):
    mark = marker()
    run = run_attack(attack("spread_memory", mark), contained)
    assert "cgroup" in layers(run.protections)
    # Three helpers of 400 MiB cannot all hold their memory under a limit of 1 GiB for the whole submission.
    assert value(run, 0) == 8.0 and value(run, 1) <= 2
    assert processes_named(mark) == []


def test_files_stay_within_the_submissions_scratch_space(contained):
    """480 MB in eight files: the run's scratch (a tmpfs of its own, in bubblewrap or in the run's own mount
    namespace without it) stops them at its size, and the results, on a tmpfs of their own, still come back."""
    run = run_attack(attack("big_files"), contained)
    assert ("bubblewrap" in layers(run.protections)) == contained
    _alone(run)  # without bubblewrap, the run's own tmpfs folders come with its own namespaces
    assert value(run, 0) == 8.0
    assert 0 < value(run, 1) <= LIMITS.scratch_mb * 2 ** 20 < 8 * 60 * 2 ** 20


ONE_BIG_FILE = ("import errno, os\nOBSERVED = -1.0\nwith open('one-big-file', 'wb', buffering=0) as handle:\n"
                "    try:\n        for _ in range(70):\n            handle.write(bytes(2 ** 20))\n"
                "    except OSError as error:\n        OBSERVED = 0.0 if error.errno == errno.EFBIG else -2.0\n"
                "if OBSERVED == 0.0:\n    OBSERVED = float(os.path.getsize('one-big-file'))\n")


def test_no_file_grows_past_the_file_size_limit(contained):
    """70 MB written to one file: the file-size limit (64 MB) stops it there, with bubblewrap's tmpfs around it or
    without (the child's own rlimit); OBSERVED: the file's size once the write was refused (EFBIG)."""
    run = run_attack(ONE_BIG_FILE, contained=contained)
    assert ("bubblewrap" in layers(run.protections)) == contained
    assert value(run, 0) == 8.0 and value(run, 1) == LIMITS.file_mb * 2 ** 20 < 70 * 2 ** 20


@needs_bubblewrap
def test_shared_memory_does_not_outlive_the_submission():
    key = 0x67000000 + secrets.randbelow(2 ** 20) * 4
    run = run_attack(attack("shared_memory", key=key))
    assert "bubblewrap" in layers(run.protections)
    assert value(run, 0) == 8.0 and value(run, 1) == 2  # it made them, in the sandbox's own IPC namespace
    assert shared_memory_with_key(key) == [] and shared_memory_with_key(key + 1) == []


@needs_bubblewrap
@pytest.mark.skipif(platform.machine() != "x86_64", reason="the attack calls add_key by its x86-64 number")
def test_a_key_in_the_keyring_does_not_outlive_the_submission():
    mark = marker()
    run = run_attack(attack("keyring", mark))
    assert "bubblewrap" in layers(run.protections)
    assert value(run, 0) == 8.0 and value(run, 1) == 1  # the key was made, in the sandbox's user namespace
    assert keys_named(mark) == []


def _alone(run):
    if not any(p.startswith("own user, mount, IPC") for p in run.protections):
        pytest.skip("the kernel refuses a run namespaces of its own here")


@pytest.mark.parametrize("name", ["ipc", "keys", "files", "processes"])
def test_nothing_one_run_leaves_is_there_for_the_next(contained, name):
    if name == "keys" and platform.machine() != "x86_64":
        pytest.skip("the attack calls add_key and keyctl by their x86-64 numbers")
    mark, key = marker(), 0x67200000 + secrets.randbelow(2 ** 20) * 4
    leave, find = between_runs(name, mark, key)
    with Sandbox(LIMITS, contained=contained) as box:
        left = box.run(Job([(leave, None), (OBSERVE, None)], [Call("observed", (0.0, 0.0))]))
        _alone(left)
        meanwhile = processes_named(mark)
        found = box.run(Job([(find, None), (OBSERVE, None)], [Call("observed", (0.0, 0.0))]))
    assert value(left, 0) > 0, left.cell_failures  # made, within the run
    assert value(found, 0) == 0, found.cell_failures
    assert meanwhile == [] and processes_named(mark) == []
    assert shared_memory_with_key(key) == []
    if name == "keys":
        assert keys_named(mark) == []


def test_every_run_sees_the_same_pid(contained):
    leave, _ = between_runs("pid")
    with Sandbox(LIMITS, contained=contained) as box:
        runs = [box.run(Job([(leave, None), (OBSERVE, None)], [Call("observed", (0.0, 0.0))])) for _ in range(3)]
    _alone(runs[0])
    assert len({value(run, 0) for run in runs}) == 1


def test_a_run_with_hidden_inputs_ends_in_fixed_words():
    crash = [(FORWARD.replace("return theta * x", "import os\n    os._exit(42)"), None)]
    with Sandbox(LIMITS) as box:
        shown = box.run(Job(crash, [Call("forward_propagation", (2.0, 4.0))]))
        hidden = box.run(Job(crash, [Call("forward_propagation", (-3.5, 1.25))], hidden=True))
    assert "exit code 42" in shown.ending
    assert hidden.ending == "ended before it finished (a crash, os._exit, or a limit)" and hidden.hidden


def test_no_run_without_hidden_inputs_is_forked_from_a_supervisor_that_held_them():
    job, hidden = Job([(FORWARD, None)], [Call("forward_propagation", (2.0, 4.0))]), Job(
        [(FORWARD, None)], [Call("forward_propagation", (-3.5, 1.25))], hidden=True)
    with Sandbox(LIMITS) as box:
        box.run(job)
        first = box.supervisor
        box.run(hidden)  # the same supervisor: it never held hidden inputs before
        after_hidden = box.supervisor
        box.run(hidden)
        again = box.supervisor
        box.run(job)
        assert first is after_hidden is again and box.supervisor is not first
    with pytest.raises(ValueError, match="no capture"):
        Job([("print(1)", None)], capture=True, hidden=True)


REACH_THE_HOST = ("import os, signal, socket\nOBSERVED = 0\nfor address in (ABSTRACT, PATH):\n"
                  "    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:\n        try:\n"
                  "            client.connect(address)\n            OBSERVED += 1\n        except OSError:\n"
                  "            pass\n"
                  "OBSERVED += 10 * os.path.exists(f'/proc/{PID}')\ntry:\n    os.kill(PID, signal.SIGTERM)\n"
                  "    OBSERVED += 100\nexcept OSError:\n    pass\n")


@needs_bubblewrap
def test_host_sockets_and_processes_are_out_of_reach(tmp_path):
    """A unix socket in the abstract namespace and one in a folder, and a process of the host: inside bubblewrap
    the submission connects to neither socket, does not see the process and cannot signal it. OBSERVED: 1 per
    socket reached, 10 if the process shows in /proc, 100 if the signal was delivered. The same cell run here,
    on the host, reaches all three (the control)."""
    name = "gl-" + secrets.token_hex(6)
    listeners = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(2)]
    listeners[0].bind("\0" + name)
    listeners[1].bind(str(tmp_path / "host.sock"))
    for listener in listeners:
        listener.listen(4)
    host = subprocess.Popen(["sleep", "600"])
    cell = (f"ABSTRACT = {chr(0) + name!r}\nPATH = {str(tmp_path / 'host.sock')!r}\nPID = {host.pid}\n"
            + REACH_THE_HOST)
    try:
        run = run_attack(cell)
        assert "bubblewrap" in layers(run.protections)
        assert value(run, 0) == 8.0 and value(run, 1) == 0
        assert host.poll() is None  # still running: the signal never reached it
        control = {}
        exec(cell, control)
        assert control["OBSERVED"] == 112
        host.wait(timeout=60)  # the control's SIGTERM ends it
    finally:
        host.kill()
        host.wait()
        for listener in listeners:
            listener.close()


@needs_bubblewrap
def test_udp_to_the_hosts_loopback_gets_nowhere():
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.setblocking(False)
    try:
        run = run_attack(attack("udp", "glatk-udp", port=listener.getsockname()[1]))
        assert "bubblewrap" in layers(run.protections)
        assert value(run, 0) == 8.0
        with pytest.raises(BlockingIOError):  # datagrams on the loopback arrive at once, or never
            listener.recv(4096)
    finally:
        listener.close()


def test_graded_code_cannot_import_the_reference_answers(contained):
    run = run_attack(attack("import_reference"), contained, observe=False)
    failure, = run.cell_failures
    assert failure["error"] == "ReferenceImportRefused"
    assert "graded code may not import gradlab." in failure["message"] and "reference answers" in failure["message"]


def test_taking_the_import_hook_away_does_not_reach_the_answers(contained):
    cell = ("import sys, importlib.util\nsys.meta_path[:] = [f for f in sys.meta_path if 'Refuse' not in repr(f)]\n"
            "spec = importlib.util.find_spec('gradlab')\nimport os\n"
            "path = os.path.join(os.path.dirname(spec.origin), 'course.py')\n"
            "try:\n    text = open(path).read()\nexcept OSError:\n    text = ''\n"
            "OBSERVED = int('def backward_propagation_n' in text)\n")
    run = run_attack(cell, contained)
    assert value(run, 1) == 0



@pytest.fixture(scope="module")
def regular_install(tmp_path_factory):
    return regular_python(tmp_path_factory.mktemp("regular"))


def _outcome(run, k):
    record = run.records[k]
    return (record or {}).get("status"), (record or {}).get("error")


@pytest.mark.parametrize("contained_", [pytest.param(True, marks=needs_bubblewrap), False],
                         ids=["bubblewrap", "no-bubblewrap"])
def test_with_a_regular_install_the_reference_answers_are_refused_too(regular_install, contained_):
    reach = ("import sys, os, importlib.util\n"
             "sys.meta_path[:] = [f for f in sys.meta_path if 'Refuse' not in repr(f)]\n"
             "path = os.path.join(os.path.dirname(importlib.util.find_spec('gradlab').origin), 'course.py')\n"
             "try:\n    text = open(path).read()\nexcept OSError:\n    text = ''\n"
             "OBSERVED = int('def backward_propagation_n' in text)\n")
    with Sandbox(LIMITS, python=regular_install, contained=contained_) as box:
        refused = box.run(Job([(attack("import_reference"), None), (FORWARD, None)],
                              [Call("forward_propagation", (2.0, 4.0))]))
        reached = box.run(Job([(reach, None), (FORWARD + OBSERVE, None)], [Call("observed", (0.0, 0.0))]))
    failure, = refused.cell_failures
    assert failure["error"] == "ReferenceImportRefused" and "reference answers" in failure["message"]
    assert value(refused, 0) == 8.0
    assert value(reached, 0) == 0  # neither the hook's absence nor the file's path gives the answers


def test_import_gradlab_behaves_alike_whatever_the_install(regular_install):
    """A student's `import gradlab` gives the library (never a reference module), or, while gradlab's own
    __init__ imports a reference module, the same refusal: the same either way."""
    probe = ("def forward_propagation(x, theta):\n    import gradlab\n"
             "    return float(sum(hasattr(gradlab, name) for name in ('course', 'models', 'bugs')))\n")
    outcomes = []
    for python in (sys.executable, regular_install):
        with Sandbox(LIMITS, python=python) as box:
            run = box.run(Job([(probe, None)], [Call("forward_propagation", (1.0, 1.0))]))
        outcomes.append(_outcome(run, 0) + ((value(run, 0),) if _outcome(run, 0)[0] == "returned" else ())
                        + (layers(run.protections),))
    assert outcomes[0] == outcomes[1] and outcomes[0][-1] == expected()  # and each was contained as offered here
    assert outcomes[0][:-1] in [("returned", None, 0.0), ("raised", "ReferenceImportRefused")]
