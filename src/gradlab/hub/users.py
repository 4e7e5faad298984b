"""System users for the hub's learners and instructor: LocalProcessSpawner runs each one's server as the system user
of the same name, so each needs one. Made with useradd and removed with userdel (as root), homes where we say.

Only users made here are ever removed, and an existing user is never taken over: a demo password must not open a
real account.
"""
from __future__ import annotations

import os
import pwd
import signal
import subprocess
import time


class UserError(Exception):
    """A user cannot be made or removed; the message says which and why."""


def exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def create(name, home):
    """Make the system user `name` (with a group of its own) whose home is `home` (made here, mode 755 so that
    the hub's tools can read what the course puts there; its contents belong to the user)."""
    if os.geteuid() != 0:
        raise UserError(f"making the system user {name} needs root (the hub runs each user's server as a system user)")
    if exists(name):
        raise UserError(f"a system user named {name} exists already; the hub makes its own users and never takes over "
                        "an existing one: choose other names or remove that user")
    done = subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--user-group", "--shell",
                           "/bin/bash", name], capture_output=True, text=True)
    if done.returncode != 0:
        raise UserError(f"useradd {name} failed: {done.stderr.strip()}")
    os.chmod(home, 0o755)
    return pwd.getpwnam(name)


def _processes_of(uid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def remove(name):
    """Remove the user `name` and its group, after ending what still runs as it (a kernel the hub did not stop);
    its home is left to whoever made the folder it is in."""
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in _processes_of(uid):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while _processes_of(uid) and time.monotonic() < deadline:
            time.sleep(0.1)
    done = subprocess.run(["userdel", name], capture_output=True, text=True)
    if done.returncode != 0 and exists(name):
        raise UserError(f"userdel {name} failed: {done.stderr.strip()}")


def run_as(user, argv, env, cwd=None, timeout=900):
    """Run a command as the system user `user` (a pwd entry): its uid, its group, HOME in its home."""
    env = dict(env, HOME=user.pw_dir, USER=user.pw_name, LOGNAME=user.pw_name)
    return subprocess.run(argv, user=user.pw_uid, group=user.pw_gid, extra_groups=[], env=env, cwd=cwd or user.pw_dir,
                          capture_output=True, text=True, timeout=timeout)
