"""A hosted platform's container, reproduced without a Docker engine: bubblewrap gives a process a root of its own in
which the platform's folders (/autograder/..., /grader, /shared/...) are where the platform puts them, the system and
Python read-only, its own /tmp, /dev and /proc, as root or as a user who is not root, with or without the network,
and with or without the right to make user namespaces (Docker's default seccomp profile refuses them, so graders in
containers usually cannot start bubblewrap themselves: their sandbox falls back to its inner protections)."""
import os
import subprocess
import sys
from pathlib import Path

PYTHON_HOME = Path(os.path.realpath(sys.base_prefix))  # the interpreter a platform's python3 stands for here


def _system():
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("lib", "lib32", "lib64", "bin", "sbin"):
        path = "/" + name
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args + ["--ro-bind", str(PYTHON_HOME), str(PYTHON_HOME)]


def run_in_root(command, binds, *, cwd="/", user=None, network=False, user_namespaces=True, host_proc=False, env=None,
                timeout=900, home="/root"):
    """Run `command` (a list) in a root of its own. binds: [(host path, path inside, "rw" or "ro")] in order (a later
    bind may sit inside an earlier one). user: None for root, or a uid (and gid) that is not root. Returns the
    CompletedProcess (text).

    The root's own /proc is partly covered (bubblewrap, like Docker, makes /proc/sys and others read-only), and the
    kernel lets no process in it mount another /proc in a new user namespace: bubblewrap cannot start inside, as in
    a Docker container. host_proc=True shows the machine's /proc instead (a container run with its /proc unmasked
    and user namespaces allowed, or a machine of one's own), where it can."""
    args = ["bwrap", "--die-with-parent", "--unshare-ipc", "--unshare-uts", "--hostname", "platform", *_system(),
            *(["--bind", "/proc", "/proc"] if host_proc else ["--unshare-pid", "--proc", "/proc"]),
            "--dev", "/dev", "--tmpfs", "/tmp", "--dir", home]
    if not network:
        args.append("--unshare-net")
    if user is not None or not user_namespaces:
        args += ["--unshare-user", "--uid", str(user or 0), "--gid", str(user or 0)]
    if not user_namespaces:
        args.append("--disable-userns")
    for host, inside, mode in binds:
        args += ["--bind" if mode == "rw" else "--ro-bind", str(host), inside]
    path = f"{PYTHON_HOME}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    environment = {"PATH": path, "HOME": home, "LANG": "C.UTF-8"}
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CERT", "PIP_DEFAULT_TIMEOUT",
                 "PIP_DISABLE_PIP_VERSION_CHECK"):
        if os.environ.get(name):
            environment[name] = os.environ[name]
    environment.update(env or {})
    args += ["--clearenv", *sum((["--setenv", k, v] for k, v in environment.items()), []), "--chdir", cwd, "--"]
    return subprocess.run(args + list(command), capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
