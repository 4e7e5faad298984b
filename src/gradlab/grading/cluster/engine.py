"""Where the grading runs: a Dask cluster. By default a LocalCluster on this machine's cores (one worker
process per core, one thread each); with a scheduler address, the workers of an existing cluster (started with
`dask scheduler` and `dask worker`, dask-gateway, dask-kubernetes or dask-jobqueue).

A worker that dies in the middle of a submission has that submission graded again elsewhere by the
scheduler, up to ALLOWED_FAILURES times (then the submission is reported as failed); on the local cluster
this process sets that limit, on an existing one its scheduler's configuration does
(DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=2 where it starts).
"""
from __future__ import annotations

import contextlib
import logging
import os

ALLOWED_FAILURES = 2  # deaths of a worker while it grades a submission, beyond which the submission is failed
WORKERS_TIMEOUT = 60  # seconds to wait for the first worker of an existing cluster
LOCAL_SETTINGS = {
    "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
    # Worker processes forked from one pristine process that has imported nbgrader and gradlab once, rather than
    # each started afresh and importing them again (seconds of CPU each, on the cores the grading needs); they
    # also end without an interpreter's shutdown.
    "distributed.worker.multiprocessing-method": "forkserver",
    # Dask's own upkeep, at its defaults, takes about 8% of a core on a 2-worker cluster (measured idle: the
    # profiler sampling stacks 100 times a second, a 20 ms event-loop watchdog, work stealing every 100 ms, memory
    # and system monitors); with these, about 1.5%. Grading tasks last seconds: none of that precision is needed.
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.scheduler.work-stealing": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    # One submission per worker at a time, the next one given to whichever worker is free (as a process pool
    # does): at Dask's default (1.1, rounded up to 2 per one-thread worker) a long submission can hold a second one
    # behind it while another worker runs out of work at the end of the class.
    "distributed.scheduler.worker-saturation": 1.0,
    # Dask keeps its last messages for debugging, 1,000 per connection at its default: in the coordinator (the
    # client's messages; on the local cluster the scheduler's too) about 13 MB by the end of a class of 2,000,
    # enough to make its memory grow with the class up to that point (measured: 2,000 and 8,000 trivial jobs).
    "distributed.admin.low-level-log-length": 50,
}
COORDINATOR_SETTINGS = {key: LOCAL_SETTINGS[key] for key in ("distributed.admin.low-level-log-length",)}
PRELOAD = ["gradlab.grading.cluster.worker",  # first: it declines jsonschema's IRI parsers before nbformat is imported
           "nbgrader.converters", "nbgrader.preprocessors", "nbconvert.exporters", "gradlab.grading.course.preprocessor",
           "distributed"]


@contextlib.contextmanager
def cluster(scheduler=None, workers=None, dashboard=False):
    """A Dask client: connected to `scheduler` (an address such as tcp://10.0.0.5:8786, or a Client or cluster
    object of the caller's, left open), or to a LocalCluster of `workers` processes (default: one per core)
    started here and stopped afterwards. `dashboard`: serve Dask's dashboard (local cluster; an existing
    cluster serves its own)."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None and not isinstance(scheduler, str):
        # A client, or a cluster object (dask-gateway's, KubeCluster, SLURMCluster, ...): its own security and
        # address, which a plain address could not carry.
        client = scheduler if hasattr(scheduler, "submit") else scheduler.get_client()
        try:
            _wait_for_a_worker(client, describe(scheduler))
            yield client
        finally:
            if client is not scheduler:
                client.close()
        return
    if scheduler:
        try:
            with dask.config.set(COORDINATOR_SETTINGS):  # the client's own, whatever the cluster's
                client = Client(scheduler, timeout="30s")
        except OSError as error:
            raise RuntimeError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
        try:
            _wait_for_a_worker(client, scheduler)
            yield client
        finally:
            client.close()
        return
    count = max(1, workers or os.cpu_count() or 1)
    with dask.config.set(LOCAL_SETTINGS):
        _preload_grading()
        # Without its dashboard the scheduler still serves a few HTTP routes, on Dask's dashboard port 8787 unless
        # told otherwise (with a warning when that port is taken): a free port of the loopback instead. 8787 is
        # also the grading service's port, and this cluster is started before the service listens.
        local = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, host="127.0.0.1",
                             dashboard_address="127.0.0.1:0" if dashboard else None,
                             scheduler_kwargs=None if dashboard else {"dashboard_address": "127.0.0.1:0"},
                             silence_logs=logging.ERROR)
        try:
            client = Client(local)
        except BaseException:
            local.close()
            raise
    try:
        with client:
            yield client
    finally:
        local.close()


def settings_as_environment(settings=None):
    """LOCAL_SETTINGS as environment variables, for the processes of an existing cluster (Dask reads
    DASK_DISTRIBUTED__... when it starts): the same upkeep, one submission per worker, the same limit on deaths."""
    settings = LOCAL_SETTINGS if settings is None else settings
    return {"DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value) for key, value in settings.items()
            if key != "distributed.worker.multiprocessing-method"}  # a local cluster's own affair


def start_process_server(scheduler=None):
    """For a local cluster (no `scheduler`), start the process that its workers are forked from now: it imports
    the grading's modules (seconds) on another core while this process imports its own and prepares the run.
    (Only the standard library here: importing Dask first would keep that core idle a while longer.)"""
    if scheduler is None:
        import multiprocessing
        import multiprocessing.forkserver

        multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
        multiprocessing.forkserver.ensure_running()


def _preload_grading():
    """What the local cluster's process server imports before forking the workers (when it is not running yet;
    Dask sets a list of its own the first time it asks for the context)."""
    from distributed.utils import get_mp_context

    get_mp_context().set_forkserver_preload(PRELOAD)


def _wait_for_a_worker(client, where):
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
    except TimeoutError:
        raise RuntimeError(f"no Dask worker joined the scheduler at {where} within {WORKERS_TIMEOUT} s") from None


def describe(scheduler):
    """Where a run goes, in words: an address, or a cluster object's scheduler address."""
    if scheduler is None:
        return "this machine's cores (a local Dask cluster)"
    if isinstance(scheduler, str):
        return f"the Dask cluster at {scheduler}"
    address = getattr(scheduler, "scheduler_address", None) or getattr(getattr(scheduler, "scheduler", None),
                                                                       "address", None)
    return f"the Dask cluster at {address}" if address else f"the Dask cluster of {type(scheduler).__name__}"


def dashboard_link(client):
    """The address of Dask's dashboard for this client's cluster, or None when it has none."""
    try:
        link = client.dashboard_link
    except (KeyError, AttributeError):  # a cluster started without its dashboard
        return None
    return link or None


def on_every_worker(client, function):
    """Start `function` on each worker now, without waiting; its futures (keep them until it has run)."""
    return [client.submit(function, workers=[address], allow_other_workers=False, pure=False,
                          key=f"{function.__name__}-{address}") for address in client.scheduler_info()["workers"]]


def forget_plugin(client, name):
    """Unregister a worker plugin (its teardown runs on every worker); a cluster already gone needs nothing."""
    try:
        client.unregister_worker_plugin(name)
    except Exception:  # noqa: BLE001  (the run's own outcome matters more than its cleanup's)
        pass


def cores(client):
    """How many submissions the cluster grades at once (its workers' threads)."""
    return sum(client.nthreads().values())
