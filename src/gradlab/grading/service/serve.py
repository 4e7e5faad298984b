"""python -m gradlab.grading serve COURSE [--host 127.0.0.1] [--port 8787] [--db URL] [--scheduler ADDRESS]
[--workers N] [--hub]: the grading service, until it is stopped (SIGTERM or Ctrl-C).

It makes sure the course's assignments are generated in the gradebook, creates its own tables beside nbgrader's,
starts the Dask cluster (a local one, or joins --scheduler), then listens, and says its URL on one line when it is
ready. On stop it stops listening, gives back to the queue what it was grading, and stops its cluster.

SQLite (the course's gradebook, the default) serves one process, which holds a lock beside the database file;
several processes share a PostgreSQL gradebook (and, with --scheduler, one cluster).
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import hmac
import logging
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from ..cluster import engine
from ..course import nbgrader_calls
from ..gradebook import db as gradebook_db
from . import api, catalog, folders, intake, limits
from .grader import Grader
from .identity import HubIdentity, RosterTokens
from .intake import Refused
from .queue import Store, TooMany

READY = "gradlab grading service ready:"  # the line a supervisor (or a test) waits for
LEARNERS_TTL = 30.0  # seconds a process keeps its list of the course's learners before reading it again
log = logging.getLogger("gradlab.grading.service")


class Service:
    """What the API's handlers share: the store, the settings, the assignments, who is asking, the grader."""

    def __init__(self, course, store, settings, assignments, identity, grader, cookie_secret=None):
        self.course, self.store, self.settings, self.assignments = course, store, settings, assignments
        self.identity, self.grader, self.cookie_secret = identity, grader, cookie_secret
        self.pool = ThreadPoolExecutor(8, thread_name_prefix="gradlab-service")
        self._learners, self._learners_read, self._learners_lock = frozenset(), 0.0, threading.Lock()

    def learners(self):
        """Every learner the course knows (tokens issued, nbgrader's students), read again every LEARNERS_TTL s."""
        with self._learners_lock:
            if time.monotonic() - self._learners_read > LEARNERS_TTL:
                self._learners, self._learners_read = frozenset(self.store.known_learners()), time.monotonic()
            return self._learners

    def check_due(self, assignment, student):
        """Whether a submission now is late; Refused(403) if it is and the instructor refuses late submissions."""
        with self.store.reading() as connection:
            due = catalog.due(connection, assignment, student)
        late = due is not None and time.time() > due
        if late and self.settings.after_due == "refuse":
            raise Refused(403, f"{assignment} was due at {catalog.iso(due)}: the course takes no submission after "
                               "its due date (ask your instructor for an extension)")
        return late

    def rate_refusal(self, too_many):
        refused = Refused(429, f"you have made {self.settings.attempts_per_hour} submissions of this assignment in "
                               f"the last hour, the most allowed: submit again in {too_many.retry_after} s")
        refused.retry_after = too_many.retry_after
        return refused

    def accept(self, assignment, student, body, late):
        """Check the body and store it: the new submission's id, or Refused."""
        intake.within_cells(body, self.settings.submission_limits, f"{assignment}'s notebook")
        node = intake.notebook(body)
        intake.of_assignment(node, assignment, self.assignments)
        intake.names_no_other(node, student, self.learners())
        outcome = self.store.accept(assignment, student, body, late, self.settings.attempts_per_hour)
        if isinstance(outcome, TooMany):
            raise self.rate_refusal(outcome)
        return outcome


def serve(course, host=None, port=None, db_url=None, scheduler=None, workers=None, hub=False, out=None):
    """Run the service until SIGTERM or SIGINT; see the module's docstring."""
    out = out or sys.stdout
    course = os.path.abspath(course)
    if not os.path.isfile(os.path.join(course, nbgrader_calls.CONFIG_FILE)):
        raise ValueError(f"{course} is not an nbgrader course: it has no {nbgrader_calls.CONFIG_FILE}")
    engine.start_process_server(scheduler)
    nbgrader_calls.ensure_tools_on_path()
    nbgrader_calls.quiet_nbgrader_warnings()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    db_url = db_url or nbgrader_calls.default_db_url(course)
    gradebook_db.check_url(db_url)
    settings = limits.load(course)
    base_url, host, port = _where(hub, host, port)
    with _one_process_for_sqlite(db_url):
        assignments = catalog.read(course, db_url, settings.assignments)
        store = Store(db_url)
        if store.dialect == "sqlite":
            store.release_all()  # this process is the only one: whatever was being graded was a previous run's
        identity = HubIdentity(settings.instructor_groups or [f"formgrade-{nbgrader_calls.course_id(course)}"]) \
            if hub else RosterTokens(store)
        grader = Grader(course, store, settings, assignments, scheduler, workers)
        grader.start()
        try:
            if settings.keep_submitted_files:
                folders.sync_all(course, store, assignments)
            service = Service(course, store, settings, assignments, identity, grader, _cookie_secret() if hub else None)
            asyncio.run(_listen(service, base_url, host, port, db_url, out))
        finally:
            grader.stop()
            store.close()
    return 0


async def _listen(service, base_url, host, port, db_url, out):
    from tornado.httpserver import HTTPServer
    from tornado.netutil import bind_sockets

    logging.getLogger("tornado.access").setLevel(logging.WARNING)  # a line per request would drown the log
    limit = service.settings.max_notebook_bytes
    server = HTTPServer(api.application(service, base_url), max_body_size=limit * api.DRAIN + 65536,
                        xheaders=True)
    sockets = bind_sockets(port, host)
    server.add_sockets(sockets)
    bound = sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    url = f"http://{host}:{bound}{base_url}"
    print(f"{READY} {url} (course {service.course}; gradebook {gradebook_db.safe_url(db_url)}; grading on "
          f"{service.grader.where}, {service.grader.cores} workers; learners known by "
          f"{service.identity.describe()})", file=out, flush=True)
    await stop.wait()
    server.stop()
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(server.close_all_connections(), 5)
    print("gradlab grading service stopped", file=out, flush=True)


def _where(hub, host, port):
    """(base URL, host, port): JupyterHub's for a hub service (JUPYTERHUB_SERVICE_URL and _PREFIX) unless given."""
    if hub:
        url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", ""))
        prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
        return prefix, host or url.hostname or "127.0.0.1", port if port is not None else (url.port or 8787)
    return "/", host or "127.0.0.1", 8787 if port is None else port


def _cookie_secret():
    """The secret that signs the hub's OAuth cookie here: the same in every process of this service (derived
    from the service's own hub token), so that a learner's cookie is good whichever process answers."""
    token = os.environ["JUPYTERHUB_API_TOKEN"].encode()
    return hmac.new(token, b"gradlab grading service cookie", hashlib.sha256).hexdigest()


@contextlib.contextmanager
def _one_process_for_sqlite(db_url):
    """SQLite serves one service process: a lock beside the database file says which."""
    path = gradebook_db.sqlite_path(db_url)
    if path is None:
        yield
        return
    with open(path + ".service-lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            raise RuntimeError(f"another grading service (pid {handle.read().strip() or '?'}) serves {path}: a SQLite "
                               "gradebook takes one service process; several need PostgreSQL (--db)") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
