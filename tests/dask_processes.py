"""A Dask cluster as separate processes on this machine, as on a real one: `dask scheduler` and `dask worker`
(one thread each, no nanny, so that a killed worker stays dead), for the tests and the scale benchmark.

`hide`: folders the workers must not see (with bubblewrap: an empty tmpfs mounted over each, in the workers'
own mount namespace), so that a test shows that the workers grade without the course's file system.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

START_TIMEOUT = 120  # seconds for the scheduler to write its address, and for the workers to join


class DaskProcesses:
    def __init__(self, workers=2, env=None, hide=(), allowed_failures=2):
        self.count, self.env, self.hide = workers, dict(env or os.environ), [str(h) for h in hide]
        self.env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = str(allowed_failures)
        self.folder = None
        self.scheduler = None
        self.workers = []  # Popen
        self.address = None
        self.pids = {}  # worker address -> pid of its Python process

    def _start(self, argv, name):
        log = open(os.path.join(self.folder, f"{name}.log"), "wb")
        try:
            return subprocess.Popen(argv, env=self.env, cwd=self.folder, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()

    def hidden_from_workers(self):
        """Whether the `hide` folders are really out of the workers' sight (bubblewrap works here)."""
        import probes

        return bool(self.hide) and probes.bubblewrap() is None

    def start(self):
        from distributed import Client

        self.folder = tempfile.mkdtemp(prefix="gradlab-dask-")
        address_file = os.path.join(self.folder, "scheduler.json")
        self.scheduler = self._start([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                                      "--no-dashboard", "--scheduler-file", address_file], "scheduler")
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(address_file):
            if self.scheduler.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Dask scheduler did not start:\n{self.log('scheduler')}")
            time.sleep(0.1)
        time.sleep(0.2)  # written in one go, but give the writer its moment
        with open(address_file) as handle:
            self.address = json.load(handle)["address"]
        prefix = []
        if self.hidden_from_workers():
            prefix = ["bwrap", "--dev-bind", "/", "/"] + [a for h in self.hide for a in ("--tmpfs", h)] + ["--"]
        for k in range(self.count):
            self.workers.append(self._start(prefix + [
                sys.executable, "-m", "dask", "worker", self.address, "--nthreads", "1", "--no-nanny",
                "--no-dashboard", "--name", f"worker-{k}", "--local-directory", os.path.join(self.folder, f"w{k}")],
                f"worker-{k}"))
        with Client(self.address, timeout="30s") as client:
            try:
                client.wait_for_workers(self.count, timeout=START_TIMEOUT)
            except TimeoutError:
                raise RuntimeError("the Dask workers did not join:\n" + "\n".join(
                    self.log(f"worker-{k}") for k in range(self.count))) from None
            self.pids = client.run(os.getpid)
        return self

    def log(self, name):
        try:
            with open(os.path.join(self.folder, f"{name}.log"), errors="replace") as handle:
                return handle.read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        for process in self.workers + [self.scheduler]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers + [self.scheduler]:
            if process is None:
                continue
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
