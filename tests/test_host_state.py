"""The lookups the attack tests rely on to say "nothing was left on the host" (host_state.py): each kind of thing is
planted on the host here and found, then removed and no longer found; and a lookup that cannot read /proc raises
instead of finding nothing."""
import ctypes
import os
import platform
import secrets
import signal
import subprocess
import sys

import pytest

import host_state
from host_state import (HostStateUnreadable, files_named, keys_named, processes_named, processes_with,
                        shared_memory_with_key)

LIBC = ctypes.CDLL(None, use_errno=True)
IPC_CREAT, IPC_RMID = 0o1000, 0


def test_a_process_is_found_by_its_name_and_its_command_line():
    name, marker = "glh-" + secrets.token_hex(4), "glh-argv-" + secrets.token_hex(4)
    script = f"import ctypes, time\nctypes.CDLL(None).prctl(15, b'{name}', 0, 0, 0)\nprint(flush=True)\ntime.sleep(600)"
    process = subprocess.Popen([sys.executable, "-c", script, marker], stdout=subprocess.PIPE)
    try:
        process.stdout.readline()  # its name is set
        assert processes_named(name) == [process.pid]
        assert processes_with(marker) == [process.pid]
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()
    assert processes_named(name) == [] and processes_with(marker) == []


def test_a_shared_memory_segment_is_found_by_its_key():
    key = 0x67200000 + secrets.randbelow(2 ** 20) * 4
    LIBC.shmget.restype = ctypes.c_int
    segment = LIBC.shmget(ctypes.c_int(key), ctypes.c_size_t(4096), ctypes.c_int(IPC_CREAT | 0o600))
    assert segment >= 0, os.strerror(ctypes.get_errno())
    try:
        assert [int(row[0]) for row in shared_memory_with_key(key)] == [key]
    finally:
        assert LIBC.shmctl(segment, IPC_RMID, None) == 0
    assert shared_memory_with_key(key) == []


@pytest.mark.skipif(platform.machine() != "x86_64", reason="add_key and keyctl are called by their x86-64 numbers")
def test_a_key_is_found_by_its_description():
    description = "glh-key-" + secrets.token_hex(4)
    add_key, keyctl, user_keyring, unlink = 248, 250, -4, 9  # KEY_SPEC_USER_KEYRING, KEYCTL_UNLINK
    LIBC.syscall.restype = ctypes.c_long
    serial = LIBC.syscall(add_key, b"user", description.encode(), b"x", ctypes.c_size_t(1), user_keyring)
    assert serial > 0, os.strerror(ctypes.get_errno())
    try:
        assert len(keys_named(description, settle_seconds=0)) == 1
    finally:
        LIBC.syscall(keyctl, unlink, ctypes.c_long(serial), user_keyring)
    assert keys_named(description) == []  # unlinked, then collected


def test_a_file_is_found_under_its_roots(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "planted.txt").write_text("x")
    assert files_named("planted.txt", [str(tmp_path)]) == [str(tmp_path / "a" / "b" / "planted.txt")]
    with pytest.raises(HostStateUnreadable, match="not a folder"):
        files_named("planted.txt", [str(tmp_path / "missing")])


@pytest.mark.parametrize("lookup", [lambda: processes_named("x"), lambda: processes_with("x"),
                                    lambda: shared_memory_with_key(1), lambda: keys_named("x", settle_seconds=0)],
                         ids=["processes_named", "processes_with", "shared_memory_with_key", "keys_named"])
def test_a_lookup_that_cannot_read_proc_raises_instead_of_finding_nothing(lookup, monkeypatch, tmp_path):
    monkeypatch.setattr(host_state, "PROC", str(tmp_path / "no-proc"))
    with pytest.raises(HostStateUnreadable, match="no-proc"):
        lookup()


def test_a_proc_that_is_not_the_hosts_is_refused(monkeypatch, tmp_path):
    """A /proc that does not list this process (another PID namespace's) would hide the host's processes."""
    (tmp_path / "1").mkdir()
    monkeypatch.setattr(host_state, "PROC", str(tmp_path))
    with pytest.raises(HostStateUnreadable, match="does not list this process"):
        processes_named("x")
