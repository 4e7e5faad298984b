"""What this machine offers the tests that protect or show, established by the tests themselves and never by
gradlab's own helpers (a bug in gradlab's set-up must not look like a machine that lacks the thing).

Each probe returns None when the thing works here, or the reason it does not, in words that name what is
missing. They are run once per process (functools.cache); groups.py turns a reason into a skip outside CI and
a failure in CI.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
PROBE_SECONDS = 120  # for a probe's process to start and end on a loaded 2-core machine


def _tail(text):
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def _ran(argv, what, **kwargs):
    """None if `argv` exits 0, else why not (naming `what`)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=PROBE_SECONDS, stdin=subprocess.DEVNULL,
                              **kwargs)
    except (OSError, subprocess.SubprocessError) as error:
        return f"{what} could not run: {error}"
    if done.returncode != 0:
        return f"{what} exited with {done.returncode}: {_tail(done.stderr) or _tail(done.stdout) or 'no message'}"
    return None


@functools.cache
def bubblewrap():
    """bwrap, as found on PATH, runs a trivial command in the namespaces a sandbox needs."""
    if not sys.platform.startswith("linux"):
        return "bubblewrap needs Linux"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap (bwrap) is not on PATH (apt-get install -y bubblewrap; .ci/run installs it)"
    return _ran([bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all",
                 "--uid", "65534", "--gid", "65534", "--die-with-parent", "--", "/bin/true"],
                f"bubblewrap ({bwrap} --unshare-all ... /bin/true)")


def _cgroup_places():
    """[(controller, folder of this process's own group)] for the memory and pids controllers: cgroup v2 where the
    unified hierarchy delegates both, else the v1 hierarchies; read from /proc/self, as any process sees them."""
    mounts, own = {}, {}
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            left, _, right = line.partition(" - ")
            kind, options = right.split()[0], right.split()[2].split(",")
            if kind == "cgroup2":
                mounts.setdefault("v2", left.split()[4])
            elif kind == "cgroup":
                for option in options:
                    mounts.setdefault(option, left.split()[4])
    with open("/proc/self/cgroup") as handle:
        for line in handle:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if controllers else ["v2"]:
                own[controller] = path
    if "v2" in mounts and "v2" in own:
        folder = os.path.join(mounts["v2"], own["v2"].lstrip("/"))
        try:
            with open(os.path.join(folder, "cgroup.subtree_control")) as handle:
                if {"memory", "pids"} <= set(handle.read().split()):
                    return [("v2", folder)]
        except OSError:
            pass
    return [(c, os.path.join(mounts[c], own[c].lstrip("/"))) for c in ("memory", "pids") if c in mounts and c in own]


@functools.cache
def cgroups():
    """A group can be made beneath this process's own for the memory and pids controllers, and takes a limit."""
    if not sys.platform.startswith("linux"):
        return "control groups need Linux"
    try:
        places = _cgroup_places()
    except OSError as error:
        return f"the cgroup mounts cannot be read ({error})"
    controllers = {controller for controller, _ in places}
    if "v2" not in controllers and controllers != {"memory", "pids"}:
        return (f"no cgroup with the memory and pids controllers is mounted for this process "
                f"(found: {', '.join(sorted(controllers)) or 'none'})")
    limits = {"v2": {"memory.max": 2 ** 30, "pids.max": 64}, "memory": {"memory.limit_in_bytes": 2 ** 30},
              "pids": {"pids.max": 64}}
    for controller, parent in places:
        folder = os.path.join(parent, f"gradlab-probe-{os.getpid()}")
        try:
            os.mkdir(folder)
        except OSError as error:
            return f"the cgroup {parent} is not writable ({error.strerror}: a group cannot be made in it)"
        try:
            for name, value in limits[controller].items():
                with open(os.path.join(folder, name), "w") as handle:
                    handle.write(str(value))
        except OSError as error:
            return f"the cgroup {folder} does not take a limit ({name}: {error.strerror})"
        finally:
            os.rmdir(folder)
    return None


# In a process of its own: a Landlock ruleset that handles reading files and allows none must refuse a read.
_LANDLOCK = textwrap.dedent("""
    import ctypes, os, struct, sys
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    CREATE, RESTRICT, VERSION, READ_FILE = 444, 446, 1, 1 << 2
    abi = libc.syscall(CREATE, None, 0, VERSION)
    if abi < 1:
        sys.exit(f"landlock_create_ruleset gave {os.strerror(ctypes.get_errno())}: the kernel offers no Landlock")
    attr = ctypes.create_string_buffer(struct.pack("Q", READ_FILE))
    ruleset = libc.syscall(CREATE, attr, 8, 0)
    if ruleset < 0 or libc.prctl(38, 1, 0, 0, 0) != 0 or libc.syscall(RESTRICT, ruleset, 0) != 0:
        sys.exit(f"a Landlock ruleset could not be applied: {os.strerror(ctypes.get_errno())}")
    try:
        open(sys.executable, "rb").close()
    except PermissionError:
        print(abi)
        sys.exit(0)
    sys.exit("a Landlock ruleset that allows no reading let a file be read")
""")


@functools.cache
def landlock():
    """The kernel applies a Landlock ruleset: a process that allowed itself no reading cannot read a file."""
    if not sys.platform.startswith("linux"):
        return "Landlock needs Linux (5.13 or newer)"
    return _ran([sys.executable, "-I", "-c", _LANDLOCK], "Landlock's probe")


def postgres_bin():
    """The folder of PostgreSQL's initdb and pg_ctl (GRADLAB_PG_BIN, Debian's /usr/lib/postgresql/N/bin, PATH)."""
    from postgres_server import find_bin

    return find_bin()


@functools.cache
def postgresql():
    """PostgreSQL's server tools are there and run."""
    folder = postgres_bin()
    if folder is None:
        where = os.environ.get("GRADLAB_PG_BIN") or "/usr/lib/postgresql/*/bin or on PATH"
        return (f"PostgreSQL is not installed: no initdb and pg_ctl in {where} (apt-get install -y postgresql; "
                ".ci/run installs it)")
    return _ran([os.path.join(folder, "initdb"), "--version"], f"PostgreSQL's {folder}/initdb --version")


def chromium_path():
    override = os.environ.get("GRADLAB_CHROMIUM")
    for candidate in (override,) if override else CHROMIUM_CANDIDATES:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@functools.cache
def browser():
    """Playwright, the Jupyter front ends and a Chromium that starts."""
    if importlib.util.find_spec("playwright") is None:
        return ("Python package 'playwright' is not installed (pip install playwright; the system Chromium is used, "
                "so 'playwright install' is not needed)")
    for module, package in (("jupyterlab", "jupyterlab"), ("notebook", "notebook (Jupyter Notebook 7)"),
                            ("voila", "voila"), ("ipywidgets", "ipywidgets")):
        if importlib.util.find_spec(module) is None:
            return f"Python package '{package}' is not installed"
    chromium = chromium_path()
    if chromium is None:
        where = os.environ.get("GRADLAB_CHROMIUM") or " or ".join(CHROMIUM_CANDIDATES)
        return f"Chromium not found at {where} (apt-get install -y chromium, or set GRADLAB_CHROMIUM)"
    return _ran([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--version"], f"Chromium ({chromium} --version)")


PROBES = {"browser": browser, "bubblewrap": bubblewrap, "cgroups": cgroups, "landlock": landlock,
          "postgresql": postgresql}


def offered():
    """The sandbox's layers this machine offers, by the probes: a subset of {"bubblewrap", "cgroup", "landlock"}
    (the prefixes of the protections a grading run reports)."""
    return {name for name, group in (("bubblewrap", "bubblewrap"), ("cgroup", "cgroups"), ("landlock", "landlock"))
            if PROBES[group]() is None}
