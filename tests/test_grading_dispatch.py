"""Handing jobs to a real local cluster (gradlab.grading.cluster.dispatch): a job that kills the worker grading it every
time is reported once the scheduler gives up on it, and the other jobs are graded as usual, on a cluster of one
worker, where the material dies with the worker each time (the grading command sends it as a task, so that the
scheduler can make it again)."""
import os
from dataclasses import dataclass

from gradlab.grading.cluster import dispatch, engine, worker
from gradlab.grading.course.intake import SubmissionRefused


@dataclass(frozen=True)
class Named:
    student: str


def test_a_job_that_kills_its_worker_every_time_is_reported_and_the_others_are_graded():
    def task(material, data):
        if data == "doomed":
            os._exit(1)  # the worker process dies; its nanny starts another
        return {"job": data, "material": material}

    handled = []
    with engine.cluster(workers=1) as client:
        material = client.submit(worker.keep, "the course", pure=False)  # as classroom._send_material sends it
        dispatch.run(client, task, material, ["ada", "doomed", "ben"], lambda job: job, handled.extend, name="kill")
    outcomes = {o.job: o for o in handled}
    assert sorted(outcomes) == ["ada", "ben", "doomed"] and len(handled) == 3  # each once
    assert outcomes["ada"].value == {"job": "ada", "material": "the course"} and outcomes["ada"].error == ""
    assert outcomes["ben"].value == {"job": "ben", "material": "the course"}
    doomed = outcomes["doomed"]
    assert doomed.value is None
    assert doomed.error == f"the worker grading it died {engine.ALLOWED_FAILURES + 1} times", doomed.error


def test_the_coordinator_keeps_few_of_dasks_messages_for_debugging():
    # Dask's default keeps the last 1,000 messages per connection: megabytes that grow with the class up to there.
    kept = engine.LOCAL_SETTINGS["distributed.admin.low-level-log-length"]
    assert kept <= 100
    with engine.cluster(workers=1) as client:
        assert client.scheduler_comm.recent_message_log.maxlen == kept
        assert client.cluster.scheduler.transition_log.maxlen == kept  # the local cluster's scheduler is in here


def test_a_job_of_any_name_reaches_the_cluster_and_a_refused_one_is_not_tried_again():
    """A student id that msgpack cannot encode (a Latin-1 file name read as surrogates) never goes into a task's
    key, and a job refused by the course's limits is reported after one attempt."""
    def refuse_or_return(material, data):
        if data == "too big":
            raise SubmissionRefused("bulky.ipynb has 1101 cells; a notebook may have at most 1000")
        return {"job": data}

    latin1, refused, ben = Named("\udce9l\udce8ve"), Named("bulky"), Named("ben")
    payloads = {latin1: "latin1", refused: "too big", ben: "ben"}
    handled = []
    with engine.cluster(workers=1) as client:
        material = client.submit(worker.keep, "the course", pure=False)
        dispatch.run(client, refuse_or_return, material, [latin1, refused, ben], payloads.get, handled.extend,
                     name="names")
    outcomes = {o.job: o for o in handled}
    assert len(handled) == 3
    assert outcomes[latin1].value == {"job": "latin1"} and outcomes[ben].value == {"job": "ben"}
    assert outcomes[refused].value is None and outcomes[refused].attempts == 1
    assert outcomes[refused].error == "bulky.ipynb has 1101 cells; a notebook may have at most 1000"


def test_at_most_a_few_jobs_per_core_are_in_flight_whatever_the_size_of_the_class():
    """The coordinator reads a job's payload (the submission's files) only when it may send it: at most
    WINDOW_PER_CORE per core of the cluster (at least 8) are read and not yet handled, so its memory does not grow
    with the class."""
    read, handled, most = [], [], [0]

    def payload(job):
        read.append(job)
        most[0] = max(most[0], len(read) - len(handled))
        return job

    with engine.cluster(workers=1) as client:
        window = max(8, dispatch.WINDOW_PER_CORE * engine.cores(client))
        jobs = [f"student{k}" for k in range(5 * window)]
        material = client.submit(worker.keep, "the course", pure=False)
        dispatch.run(client, lambda material, data: {"job": data}, material, jobs, payload, handled.extend,
                     name="window")
    assert sorted(o.job for o in handled) == sorted(jobs) and all(o.error == "" for o in handled)
    assert most[0] == window  # filled to the bound at the start, never past it
