"""Fixtures for the real-browser tests: JupyterLab, Jupyter Notebook 7 and Voila servers, headless Chromium
through Playwright.

Everything runs offline on 127.0.0.1. The servers get their own Jupyter/IPython directories and a copy of
the lessons under a temporary folder, so the work tree is never written (except screenshots and logs in
test-artifacts/, which git ignores). They are the browser group (tests/groups.py): a missing Chromium, Playwright,
JupyterLab, Notebook 7 or Voila skips them with the reason shown by ``pytest -rs`` (``-ra`` is on by default), and
fails them in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

import probes

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
LESSONS = Path(os.environ.get("GRADLAB_LESSONS_DIR", REPO / "lessons"))
TOKEN = "gradlab-browser-tests"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 90  # seconds


# --------------------------------------------------------------------------------------------------------
# Lessons


def lesson_path(number: int) -> Path:
    """The lesson notebook lessons/NN_*.ipynb; a missing lesson is a failure, not a skip."""
    found = sorted(LESSONS.glob(f"{number:02d}_*.ipynb"))
    if not found:
        pytest.fail(f"no lesson notebook {LESSONS}/{number:02d}_*.ipynb", pytrace=False)
    return found[0]


@pytest.fixture(scope="module")
def lesson_name():
    """lesson_name(1) -> "01_....ipynb", the file name inside the servers' notebook folder."""
    return lambda number: lesson_path(number).name


@pytest.fixture(scope="module")
def jupyter_home(tmp_path_factory) -> Path:
    """A temporary home for the servers: Jupyter and IPython directories and a copy of the lessons."""
    home = tmp_path_factory.mktemp("browser")
    if LESSONS.is_dir():
        shutil.copytree(
            LESSONS, home / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        )
    else:
        (home / "notebooks").mkdir()
    for name in ("config", "data", "runtime", "ipython", "mpl"):
        (home / name).mkdir()
    # No announcements nor update checks: JupyterLab (and the jupyterlab server extension that Notebook 7
    # also loads) would fetch them from the internet.
    (home / "config" / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "LabApp": {
                    "news_url": None,
                    "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
                }
            }
        )
    )
    # ... and no toast asking whether to fetch them, which would cover part of the screenshots.
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    return home


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "timings.txt").unlink(missing_ok=True)
    return ARTIFACTS


def record_timing(line: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(ARTIFACTS / "timings.txt", "a") as file:
        file.write(line + "\n")


# --------------------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    url: str  # base URL, ending in "/"
    token: str
    process: subprocess.Popen
    log_path: Path
    started_in: float = 0.0  # seconds until it answered

    def api(self, method: str, path: str, timeout: float = 10):
        request = urllib.request.Request(
            self.url + path.lstrip("/"), method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def server_env(home: Path) -> dict:
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / "ipython"),
        MPLCONFIGDIR=str(home / "mpl"),
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    # The kernel must not inherit a request to turn warnings into errors or a foreign backend.
    env.pop("PYTHONWARNINGS", None)
    env.pop("MPLBACKEND", None)
    return env


def start_server(name: str, argv: list[str], home: Path, port: int, ready_path: str) -> Server:
    log_path = home / f"{name}.log"
    log = open(log_path, "wb")
    try:
        process = subprocess.Popen(
            argv,
            cwd=home / "notebooks",
            env=server_env(home),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        log.close()
    server = Server(name, f"http://127.0.0.1:{port}/", TOKEN, process, log_path)
    start = time.monotonic()
    while True:
        if process.poll() is not None:
            process.wait()
            pytest.fail(f"{name} exited with code {process.returncode}:\n{server.log_tail()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{server.url}{ready_path}?token={TOKEN}", timeout=2):
                break
        except urllib.error.HTTPError:
            break  # it answers
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() - start > SERVER_START_TIMEOUT:
            stop_server(server)
            pytest.fail(f"{name} did not answer within {SERVER_START_TIMEOUT} s:\n{server.log_tail()}")
        time.sleep(0.25)
    server.started_in = time.monotonic() - start
    record_timing(f"{name}: answered after {server.started_in:.1f}s")
    return server


def start_course_server(name: str, home: Path, course: Path) -> Server:
    """A plain Jupyter server started in an nbgrader course (`home`/notebooks, or `course` itself), as the
    formgrader is run: it then reads the course's nbgrader_config.py."""
    port = free_port()
    argv = [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={course}"]
    return start_server(name, argv, home, port, "api/status")


def stop_server(server: Server) -> None:
    """Stop the server we started (by its process id), politely first; keep its log as an artifact."""
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(server.log_path, ARTIFACTS / server.log_path.name)
    except OSError:
        pass


def delete_sessions(server: Server) -> None:
    """Delete every session (and so its kernel) through the REST API."""
    try:
        sessions = server.api("GET", "api/sessions")
        for session in sessions or []:
            server.api("DELETE", f"api/sessions/{session['id']}")
    except (urllib.error.URLError, OSError, ValueError):
        pass


def jupyter_app_server(name: str, module: str, home: Path):
    """Start a Jupyter server application (`python -m MODULE`: jupyterlab, notebook) on a free port; yield
    it; then delete its sessions and stop it. Both apps read the config and user settings in `home`."""
    port = free_port()
    argv = [
        sys.executable, "-m", module,
        "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={home / 'notebooks'}",
        "--MappingKernelManager.cull_idle_timeout=300", "--MappingKernelManager.cull_interval=30",
    ]  # fmt: skip
    server = start_server(name, argv, home, port, "api/status")
    try:
        yield server
    finally:
        delete_sessions(server)
        stop_server(server)


@pytest.fixture(scope="module")
def lab_server(jupyter_home, artifacts):
    yield from jupyter_app_server("jupyterlab", "jupyterlab", jupyter_home)


def sessions_deleted_after(server):
    """Yield the server; afterwards delete the sessions a test opened, so that their kernels stop."""
    try:
        yield server
    finally:
        delete_sessions(server)


@pytest.fixture
def lab(lab_server):
    """The JupyterLab server, per test."""
    yield from sessions_deleted_after(lab_server)


@pytest.fixture(scope="module")
def notebook7_server(jupyter_home, artifacts):
    yield from jupyter_app_server("notebook7", "notebook", jupyter_home)


@pytest.fixture
def notebook7(notebook7_server):
    """The Jupyter Notebook 7 server, per test."""
    yield from sessions_deleted_after(notebook7_server)


@pytest.fixture(scope="module")
def voila_server(jupyter_home, artifacts):
    port = free_port()
    argv = [
        sys.executable, "-m", "voila", str(jupyter_home / "notebooks"),
        "--no-browser",
        "--Voila.ip=127.0.0.1", f"--Voila.port={port}", "--Voila.port_retries=0",
        f"--Voila.token={TOKEN}",
        "--show_tracebacks=True",
        f"--Voila.connection_dir_root={jupyter_home / 'runtime'}",
        "--MappingKernelManager.cull_idle_timeout=120", "--MappingKernelManager.cull_interval=30",
    ]  # fmt: skip
    server = start_server("voila", argv, jupyter_home, port, "voila/tree")
    try:
        yield server
    finally:
        stop_server(server)


# --------------------------------------------------------------------------------------------------------
# Browser


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    try:
        chromium = manager.chromium.launch(executable_path=probes.chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        manager.stop()


def is_loopback(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in ("127.0.0.1", "localhost", "::1")


@pytest.fixture
def page(browser, request, artifacts):
    """A fresh page (own context) that can reach 127.0.0.1 only; its console goes to an artifact log."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    blocked: list[str] = []
    console: list[str] = []

    def block_outside(route):
        blocked.append(route.request.url)
        route.abort("blockedbyclient")

    page.route(lambda url: not is_loopback(url), block_outside)

    def block_socket(socket_route):
        blocked.append(socket_route.url)
        socket_route.close()

    page.route_web_socket(lambda url: not is_loopback(url), block_socket)
    page.on("console", lambda message: console.append(f"[{message.type}] {message.text}"))
    page.on("pageerror", lambda error: console.append(f"[pageerror] {error}"))
    try:
        yield page
    finally:
        name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
        lines = console + [f"[blocked] {url}" for url in blocked]
        (artifacts / f"{name}.console.log").write_text("\n".join(lines) + "\n")
        context.close()
