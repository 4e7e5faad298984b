"""Handing jobs to the cluster and taking their outcomes back: a bounded number in flight (so that the
coordinator's memory does not grow with the class), outcomes in batches of whatever has arrived (so that one
gradebook transaction can take many when they arrive faster than one at a time), and every job attempted at
most ATTEMPTS times.

A worker that dies takes its jobs with it; the scheduler gives them to another worker and the coordinator
never sees a second result for one submission: each future's result arrives here once. A refused submission
(course/intake.SubmissionRefused: over a limit, past a deadline) is reported at once: another attempt would be
refused again.

A task's key names the run and the job's number, never the student: Dask's messages carry keys as msgpack, which
cannot carry every name a file system can.
"""
from __future__ import annotations

import itertools
import traceback
import uuid
from dataclasses import dataclass

from ..course.intake import SubmissionRefused

ATTEMPTS = 3  # of a job whose task raised (nbgrader failed, a file could not be written) before it is reported
WINDOW_PER_CORE = 4  # jobs in flight per core of the cluster


@dataclass(eq=False)
class Outcome:
    job: object  # what `jobs` yielded
    value: dict | None  # the task's return value, or None when it failed
    error: str = ""  # why it failed, in words
    attempts: int = 1
    retry: bool = False  # whether another attempt may do better


def run(client, task, material, jobs, payload, handle, *, name):
    """Run task(material, payload(job)) on the cluster for every job; call handle([Outcome, ...]) with each batch
    of outcomes as they come in. `material` is a future (sent once, shared by every task); `name` prefixes
    the tasks' keys (shown on Dask's dashboard)."""
    from distributed import as_completed

    from . import engine

    jobs, pending, arrived, numbers = iter(jobs), {}, as_completed(), itertools.count()
    run_id = uuid.uuid4().hex[:8]
    window = max(8, WINDOW_PER_CORE * engine.cores(client))

    def submit(job, data, attempt, number):
        future = client.submit(task, material, data, key=(f"{name}-{run_id}", number, attempt), pure=False)
        pending[future] = (job, data, attempt, number)
        arrived.add(future)

    def top_up():
        while len(pending) < window:
            job = next(jobs, None)
            if job is None:
                return
            try:
                data = payload(job)
            except SubmissionRefused as refused:  # its files changed since they were staged
                handle([Outcome(job, None, str(refused))])
                continue
            submit(job, data, 1, next(numbers))

    try:
        top_up()
        for batch in arrived.batches():
            outcomes = []
            for future in batch:
                job, data, attempt, number = pending.pop(future)
                outcome = _outcome(future, job, attempt)
                future.release()
                if outcome.retry and attempt < ATTEMPTS:
                    submit(job, data, attempt + 1, number)
                else:
                    outcomes.append(outcome)
            if outcomes:
                handle(outcomes)
            top_up()
    except BaseException:
        # Ctrl-C, or the coordinator's own error: what was handled stays handled; nothing else will be.
        client.cancel(list(pending))
        raise


def _outcome(future, job, attempt):
    from distributed.scheduler import KilledWorker

    try:
        return Outcome(job, future.result(), "", attempt)
    except KilledWorker:
        from . import engine

        return Outcome(job, None, f"the worker grading it died {engine.ALLOWED_FAILURES + 1} times", attempt)
    except SubmissionRefused as refused:
        return Outcome(job, None, str(refused), attempt)
    except Exception as error:  # the task raised: its message says why (nbgrader's log for a grading failure)
        lines = str(error).strip() or "".join(traceback.format_exception_only(type(error), error)).strip()
        return Outcome(job, None, f"{lines} (attempt {attempt} of {ATTEMPTS})", attempt, retry=True)
