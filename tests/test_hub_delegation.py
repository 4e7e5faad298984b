"""The instructor's control group on a hub (gradlab/hub/delegation.py): a system user who could make no cgroup
grades with one once the classroom's set-up has given them a group and their command starts inside it."""
import os
import pwd
import subprocess
import tempfile

import pytest

import gradlab
from gradlab.grading.sandbox import cgroups
from gradlab.hub import delegation, interpreter

# Made by a user other than root: the sandbox's own call, so that what it says is what grading gets.
MAKE_A_GROUP = ("from gradlab.grading.sandbox.cgroups import Cgroup\n"
                "group = Cgroup.create(2 ** 28, 16)\n"
                "print(group.description if group else 'no cgroup')\n"
                "group and group.remove()\n")

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="giving a user a control group takes root"),
              pytest.mark.skipif(not set(delegation.CONTROLLERS) <= set(cgroups.mounts()),
                                 reason="no cgroup v1 memory and pids hierarchies (in v2, systemd delegates)")]


def as_nobody(argv, folder):
    env = {"PATH": "/usr/bin:/bin", "HOME": folder,
           "PYTHONPATH": os.path.dirname(os.path.dirname(gradlab.__file__))}
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv], env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_user_given_a_group_grades_with_a_cgroup_and_without_it_gets_none():
    folder = tempfile.mkdtemp(prefix="gradlab-delegation-")
    groups = []
    try:
        os.chmod(folder, 0o755)
        python = str(interpreter.for_users(os.path.join(folder, "python")))
        alone = as_nobody([python, "-c", MAKE_A_GROUP], folder)
        groups = delegation.delegate(pwd.getpwuid(65534), f"gradlab-test-{os.getpid()}")
        assert len(groups) == len(delegation.CONTROLLERS), "this machine's cgroups are v1: a group per controller"
        inside = as_nobody(delegation.command(python, groups, [python, "-c", MAKE_A_GROUP]), folder)
        assert inside.returncode == 0 and inside.stderr == "", inside.stderr[-2000:]
        assert inside.stdout.strip() == "cgroup v1: 256 MiB, 16 processes in all"
        # The control: the same user, outside the group, can make none (the cgroups here are root's).
        assert alone.returncode == 0 and alone.stdout.strip() == "no cgroup", alone.stdout + alone.stderr
    finally:
        delegation.remove(groups)
        subprocess.run(["rm", "-rf", folder], check=False)
    assert not any(os.path.exists(group) for group in groups)
