"""Starting the hub (`jupyterhub -f hub/jupyterhub_config.py`, as its documentation runs it) for a classroom, and
waiting until it answers through its proxy.

The hub runs in a session of its own, so that stopping it (SIGTERM, then SIGKILL after a grace period) reaches
what it started and nothing else: it stops the users' servers, its proxy and its services itself on SIGTERM.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[3]
CONFIG = REPOSITORY / "hub" / "jupyterhub_config.py"
PROXY = REPOSITORY / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
START_TIMEOUT = 600  # seconds: the hub starts its proxy and the grading service (and its Dask cluster), loaded


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Hub:
    process: subprocess.Popen
    url: str  # the hub's public address, ending in "/"
    service_url: str  # the grading service, as the hub's configuration registers it
    password: str
    log: Path

    def log_tail(self, lines=60):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def missing():
    """Why the hub cannot start here, or None."""
    if not PROXY.exists():
        return (f"JupyterHub's proxy is not installed at {PROXY}: run the set-up (make .venv/.installed, which runs "
                "npm ci --prefix hub)")
    if not (Path(sys.executable).parent / "jupyterhub").exists():
        return "JupyterHub is not installed in this Python environment (pip install 'jupyterhub>=6,<7')"
    if os.geteuid() != 0:
        return "the hub runs each user's server as a system user of their own, which needs root"
    return None


def start(classroom, password, port=None, log=None):
    """Start the hub for `classroom` on 127.0.0.1:`port` (a free one by default); return it once it answers."""
    reason = missing()
    if reason:
        raise RuntimeError(reason)
    port = port or free_port()
    service_port = free_port()
    env = dict(classroom.environment(),
               GRADLAB_HUB_ROOT=str(classroom.root), GRADLAB_HUB_INSTRUCTOR=classroom.instructor,
               GRADLAB_HUB_LEARNERS=json.dumps(classroom.learners), GRADLAB_HUB_COURSE=str(classroom.course),
               GRADLAB_HUB_PYTHON=str(classroom.python), GRADLAB_HUB_PASSWORD=password, GRADLAB_HUB_PORT=str(port), GRADLAB_HUB_API_PORT=str(free_port()),
               GRADLAB_HUB_PROXY_API_PORT=str(free_port()), GRADLAB_HUB_SERVICE_PORT=str(service_port),
               GRADLAB_HUB_INSTRUCTOR_GROUPS=json.dumps([str(folder) for folder in classroom.groups]))
    env.pop("JUPYTER_CONFIG_PATH")  # the hub's own; the servers get theirs from the configuration
    log = Path(log or classroom.root / "hub" / "jupyterhub.log")
    with open(log, "ab") as handle:
        process = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG)],
                                   cwd=classroom.root / "hub", env=env, stdin=subprocess.DEVNULL, stdout=handle,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(process, f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{service_port}/", password, log)
    try:
        wait_until_up(hub)
    except BaseException:
        stop(hub)
        raise
    return hub


def _answers(url, status):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == status
    except urllib.error.HTTPError as error:
        return error.code == status
    except (urllib.error.URLError, OSError):
        return False


def wait_until_up(hub, timeout=START_TIMEOUT):
    """Until the hub answers through its proxy, and the grading service behind it (401 to a stranger: it has
    started its cluster and listens)."""
    deadline = time.monotonic() + timeout
    while True:
        if hub.process.poll() is not None:
            raise RuntimeError(f"jupyterhub exited with code {hub.process.returncode}:\n{hub.log_tail()}")
        if _answers(hub.url + "hub/api/", 200) and _answers(hub.url + "services/grading/api/submissions/x", 401):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"jupyterhub did not answer at {hub.url} within {timeout} s:\n{hub.log_tail()}")
        time.sleep(0.5)


def stop(hub, grace=30):
    """Stop the hub: it stops the users' servers, its services and its proxy. A hub that ended without stopping its
    proxy (it exits at start when a service does not answer in time) leaves the proxy's pid in its file: that
    proxy, in a session of its own, is stopped here."""
    if hub.process.poll() is None:
        hub.process.send_signal(signal.SIGTERM)
        try:
            hub.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(hub.process.pid, signal.SIGKILL)
            hub.process.wait()
    _stop_left_proxy(hub.log.parent / "jupyterhub-proxy.pid")


def _stop_left_proxy(pid_file):
    try:
        pid = int(pid_file.read_text().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            if b"configurable-http-proxy" not in handle.read():
                return
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        pass
