"""A control group the instructor's system user may write, so that grading on the hub keeps its cgroup.

The sandbox makes each submission's group beneath the grader's own (grading/sandbox/cgroups.py). On the hub the
grader is the instructor's system user (the grading service, their nbgrader commands), and where the machine's
cgroups are root's, that user can make no group: submissions would run without their memory and process limits
as a whole. So the classroom's set-up, as root, makes one group per controller for the instructor and gives it to
them (`delegate`), and the instructor's processes start inside it:

    python -m gradlab.hub.delegation FOLDER... -- COMMAND...

writes its own pid into each FOLDER's cgroup.procs and runs COMMAND in its place. Moving oneself into a group one
owns is allowed in cgroup v1 (the memory and pids hierarchies, as on the machine the tests run on). In cgroup v2
the kernel also asks for write access to the common ancestor of the two groups, which a user does not have: there,
start the service under systemd with Delegate=yes (its own group, given to its user), and `delegate` makes nothing.
"""
from __future__ import annotations

import os
import sys

from ..grading.sandbox import cgroups

CONTROLLERS = ("memory", "pids")


def delegate(user, name):
    """As root: a group of each v1 controller, named `name`, beneath this process's own, owned by `user` (a pwd
    entry). Returns the folders ([] where there is no v1 memory and pids hierarchy, or it cannot be written)."""
    mounts, own = cgroups.mounts(), cgroups.own_paths()
    if not all(controller in mounts and controller in own for controller in CONTROLLERS):
        return []
    folders = []
    try:
        for controller in CONTROLLERS:
            folder = os.path.join(mounts[controller], own[controller].lstrip("/"), name)
            os.makedirs(folder, exist_ok=True)
            folders.append(folder)
            for entry in (folder, os.path.join(folder, "cgroup.procs"), os.path.join(folder, "tasks")):
                os.chown(entry, user.pw_uid, user.pw_gid)
    except OSError:
        remove(folders)
        return []
    return folders


def remove(folders):
    """The groups `delegate` made, once nothing runs in them (and the groups made beneath them are gone)."""
    for folder in folders:
        try:
            os.rmdir(folder)
        except OSError:
            pass


def command(python, folders, argv):
    """`argv`, started by `python` inside `folders` (as it is where there are none)."""
    return [str(python), "-m", __name__, *map(str, folders), "--", *map(str, argv)] if folders else list(argv)


def main(argv):
    split = argv.index("--")
    for folder in argv[:split]:
        try:
            with open(os.path.join(folder, "cgroup.procs"), "w") as handle:
                handle.write(str(os.getpid()))
        except OSError as error:  # the command still runs: its grading says which protections it had
            print(f"gradlab.hub.delegation: not in {folder} ({error.strerror}): submissions get no cgroup",
                  file=sys.stderr)
    os.execvp(argv[split + 1], argv[split + 1:])


if __name__ == "__main__":
    main(sys.argv[1:])
