"""The grading loop of one service process: a thread that claims submissions from the durable queue (as many as the
cluster has cores, plus one so that no worker waits while a result is recorded), sends each to the Dask cluster,
where a worker autogrades it with nbgrader's Autograde exactly as the class command's workers do
(cluster/worker.py), and records each result (record.py). It renews its claims' lease while it holds them, puts
back in the queue any claim that lapsed (another process died), and on stop gives back what it still holds.

It is woken by this process's own submissions at once; submissions that other processes accepted are found by
polling the queue every POLL seconds.
"""
from __future__ import annotations

import logging
import os
import queue as queues
import shutil
import socket
import tempfile
import threading
import time
import uuid

from ..cluster import engine, material as materials, worker
from ..gradebook.book import GradebookSQL, open_book
from . import catalog, folders
from .record import record

POLL = 0.5  # seconds between looks at the queue when nothing happens here
ATTEMPTS = 3  # of a submission whose grading raised (nbgrader failed) in this process, before it is failed
log = logging.getLogger("gradlab.grading.service")


class Grader:
    def __init__(self, course, store, settings, assignments, scheduler=None, workers=None):
        self.course, self.store, self.settings, self.assignments = course, store, settings, assignments
        self.scheduler, self.workers = scheduler, workers
        self.claim = uuid.uuid4().hex
        self.process = f"{socket.gethostname()}:{os.getpid()}:{self.claim[:8]}"
        self.events = queues.Queue()
        self.ready = threading.Event()
        self.error = None
        self.where = engine.describe(scheduler)
        self.cores = 0
        self.graded = 0  # results recorded by this process
        self._materials = {}  # assignment -> the future holding its material on the cluster
        self._books = {}  # what GradebookSQL reads of each assignment, kept between transactions
        self._thread = threading.Thread(target=self._run, name="gradlab-grader", daemon=True)

    def start(self, timeout=300):
        """Start the cluster and the loop; raise what stopped them from starting."""
        self._thread.start()
        if not self.ready.wait(timeout):
            raise RuntimeError(f"the Dask cluster ({self.where}) did not start within {timeout} s")
        if self.error is not None:
            raise self.error

    def wake(self):
        self.events.put(("wake", None))

    def stop(self, timeout=60):
        self.events.put(("stop", None))
        self._thread.join(timeout)

    def _run(self):
        try:
            with engine.cluster(self.scheduler, self.workers) as client:
                self.cores = engine.cores(client)
                self.ready.set()
                self._loop(client)
        except BaseException as error:  # noqa: BLE001  (reported by start(), or logged if after it)
            self.error = error
            if self.ready.is_set():
                log.exception("the grading loop stopped")
            self.ready.set()

    def _renew(self, stopping):
        """Renew this process's leases and put back lapsed claims, every quarter lease, in a thread of its own: a
        lease lapses when the process is gone or stopped, not while its loop is busy (preparing an assignment's
        material takes seconds)."""
        lease = self.settings.lease_seconds
        while not stopping.wait(lease / 4):
            try:
                self.store.renew(self.claim, lease)
                self.store.reap()
            except Exception:  # noqa: BLE001  (the database gone a moment: the next round tries again)
                log.exception("renewing the leases")

    def _loop(self, client):
        inflight = {}  # future -> (Claimed, tries in this process)
        lease = self.settings.lease_seconds
        stopping = threading.Event()
        self.store.reap()
        threading.Thread(target=self._renew, args=(stopping,), name="gradlab-leases", daemon=True).start()
        try:
            while True:
                try:
                    for claimed in self.store.claim(self.cores + 1 - len(inflight), self.claim, lease):
                        self._submit(client, inflight, claimed, 1)
                    try:
                        kind, future = self.events.get(timeout=POLL)
                    except queues.Empty:
                        continue
                    if kind == "stop":
                        return
                    if kind == "done" and future in inflight:
                        claimed, tries = inflight.pop(future)
                        self._finish(client, inflight, future, claimed, tries)
                except Exception:  # noqa: BLE001  (the database gone a moment: the loop goes on, the leases hold)
                    log.exception("the grading loop met an error; going on in a second")
                    time.sleep(1)
        finally:
            stopping.set()
            for future in inflight:
                future.cancel()
            self.store.release(self.claim)

    def _submit(self, client, inflight, claimed, tries):
        try:
            material = self._material(client, claimed.assignment)
            job = {"student": claimed.student, "feedback": True, "prior": self._prior(claimed),
                   "files": {self.assignments[claimed.assignment].notebook: claimed.notebook,
                             "timestamp.txt": catalog.nbgrader_timestamp(claimed.received).encode()}}
        except Exception as error:  # noqa: BLE001  (the course's material or gradebook: said in the attempt)
            self.store.fail(claimed.seq, self.claim, f"the service could not prepare its grading: {error}")
            log.exception("preparing %s", claimed.id)
            return
        future = client.submit(worker.autograde, material, job, key=f"serve-{claimed.id}-{claimed.tries}-{tries}",
                               pure=False)
        inflight[future] = (claimed, tries)
        future.add_done_callback(lambda done: self.events.put(("done", done)))

    def _finish(self, client, inflight, future, claimed, tries):
        from distributed.scheduler import KilledWorker

        try:
            value = future.result()
        except KilledWorker:
            self.store.fail(claimed.seq, self.claim, f"the worker grading it died {engine.ALLOWED_FAILURES + 1} times")
            return
        except BaseException as error:  # the task raised (nbgrader's message says why), or was cancelled
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            message = str(error).strip() or type(error).__name__
            if tries < ATTEMPTS:
                self._submit(client, inflight, claimed, tries + 1)
            else:
                self.store.fail(claimed.seq, self.claim, f"{message} (attempt {tries} of {ATTEMPTS})")
            return
        finally:
            future.release()
        try:
            merged = record(self.store, claimed, value, self.claim, self.process,
                            self.assignments[claimed.assignment], self.settings.counting, self._books)
        except LookupError as error:  # the result does not fit the gradebook (checked before anything is written)
            self.store.fail(claimed.seq, self.claim, f"its result could not be merged: {error}")
            return
        if merged is None:
            log.warning("%s was graded here after this process lost its claim: not recorded", claimed.id)
            return
        self.graded += 1
        if merged and self.settings.keep_submitted_files:
            try:
                folders.sync(self.course, self.store, self.assignments, claimed.assignment, claimed.student)
            except OSError:
                log.exception("writing %s's files", claimed.id)

    def _material(self, client, assignment):
        """The assignment's material on the cluster, sent once (a task's result, which the scheduler makes again
        if every worker holding it dies)."""
        if assignment not in self._materials:
            scratch = tempfile.mkdtemp(prefix="gradlab-material-")
            try:
                with open_book(self.store.db_url) as book:
                    material = materials.prepare(self.course, assignment, book, scratch)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            client.register_plugin(worker.Cleanup(material.digest), name=f"gradlab-cleanup-{material.digest[:16]}")
            self._materials[assignment] = client.submit(worker.keep, material, pure=False,
                                                        key=f"material-{material.digest[:16]}")
        return self._materials[assignment]

    def _prior(self, claimed):
        """What the gradebook holds of the learner that grading needs: an extension, manual grades."""
        with self.store.reading() as connection:
            return GradebookSQL(connection, self._books).prior(claimed.assignment, claimed.student).get(claimed.student)
