"""The grading service as its users meet it, for the tests and the service benchmark: `python -m gradlab.grading
serve` started by its own command (its ready line read for its URL), spoken to over real HTTP, stopped with
SIGTERM or killed; learners' tokens issued by `python -m gradlab.grading tokens`; the sample classes' notebooks
with their expected scores."""
from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from gradlab.grading.gradebook.scores import read_expected

COURSE = Path(__file__).resolve().parents[1] / "autograder"
READY = "gradlab grading service ready:"
START_TIMEOUT = 600  # seconds for a service to be ready on a loaded 2-core machine (its cluster imports nbgrader)
GRADE_TIMEOUT = 2400  # seconds for the submissions of a test to be graded, on a loaded machine


def sample_notebooks(assignments=None, leave_out=()):
    """[(assignment, name, body bytes, expected total, {test: expected score})] of the sample classes."""
    found = []
    for folder in sorted((COURSE / "sample_class").iterdir()):
        if not folder.is_dir() or (assignments and folder.name not in assignments):
            continue
        expected = read_expected(folder / "expected_scores.csv")
        for notebook in sorted(folder.glob("*.ipynb")):
            if notebook.stem in leave_out:
                continue
            tests = expected[notebook.stem]
            found.append((folder.name, notebook.stem, notebook.read_bytes(), sum(tests.values()), tests))
    return found


def issue_tokens(course, env, students, instructors=(), db=None):
    """{id: token} issued by the tokens command from a roster of `students` (and `instructors`)."""
    roster = Path(course) / "roster.csv"
    with open(roster, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "role"])
        writer.writerows([(s, "learner") for s in students] + [(i, "instructor") for i in instructors])
    done = subprocess.run([sys.executable, "-m", "gradlab.grading", "tokens", str(course), str(roster),
                           *(["--db", db] if db else [])], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    return {row["student"]: row["token"] for row in csv.DictReader(io.StringIO(done.stdout))}


class ServiceProcess:
    """`python -m gradlab.grading serve COURSE --port 0 ...` as a process of its own."""

    def __init__(self, course, env, *options, log=None, preexec=None):
        self.course, self.env, self.options = str(course), dict(env), list(options)
        self.preexec = preexec  # run in the service's process before it starts (a benchmark's control group)
        self.log = log or os.path.join(self.course, f"service-{time.time_ns()}.log")
        self.process = None
        self.reader = None
        self.url = None
        self.lines = []

    def start(self):
        self.lines = []
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "gradlab.grading", "serve", self.course, "--port",
                                             "0", *self.options], stdout=subprocess.PIPE, stderr=log, text=True,
                                            env=self.env, start_new_session=True, preexec_fn=self.preexec)
        ready = threading.Event()

        def read():
            for line in self.process.stdout:
                self.lines.append(line)
                if line.startswith(READY):
                    self.url = line.split()[4]
                    ready.set()
            ready.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        if not ready.wait(START_TIMEOUT) or self.url is None:
            self.kill()
            raise RuntimeError(f"the service did not start:\n{''.join(self.lines)}\n{self.stderr()}")
        return self

    def stderr(self):
        try:
            return Path(self.log).read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self, timeout=120):
        """SIGTERM, as a supervisor stops it; its exit code."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._ended()
        return self.process.returncode if self.process else None

    def kill(self):
        """SIGKILL to the service and everything it started (its local cluster), as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._ended()

    def _ended(self):
        if self.process and self.process.stdout and not self.process.stdout.closed:
            self.reader.join(30)
            self.process.stdout.close()

    def pause(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Learner:
    """A learner's side of the API, with their token."""

    def __init__(self, url, token):
        self.url, self.token = url, token
        self.session = requests.Session()

    def headers(self, **extra):
        return dict({"Authorization": f"token {self.token}"} if self.token else {}, **extra)

    def submit(self, assignment, body, url=None):
        return self.session.post(f"{url or self.url}api/assignments/{assignment}/submissions", data=body,
                                 headers=self.headers(), timeout=120)

    def submission(self, attempt, url=None):
        return self.session.get(f"{url or self.url}api/submissions/{attempt}", headers=self.headers(), timeout=120)

    def mine(self, assignment, url=None):
        return self.session.get(f"{url or self.url}api/assignments/{assignment}/submissions", headers=self.headers(),
                                timeout=120)

    def wait(self, attempt, url=None, timeout=GRADE_TIMEOUT):
        """The submission once graded or failed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.submission(attempt, url)
            assert answer.status_code == 200, answer.text
            found = answer.json()
            if found["status"] in ("graded", "failed"):
                return found
            time.sleep(1)
        raise AssertionError(f"{attempt} not graded within {timeout} s: {found}")
