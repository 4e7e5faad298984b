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


@contextlib.contextmanager
def cluster(scheduler=None, workers=None, dashboard=False):
    """A Dask client: connected to `scheduler` (an address such as tcp://10.0.0.5:8786), or to a LocalCluster
    of `workers` processes (default: one per core) started here and stopped afterwards. `dashboard`: serve
    Dask's dashboard (local cluster; an existing cluster serves its own)."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except OSError as error:
            raise RuntimeError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
        try:
            try:
                client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
            except TimeoutError:
                raise RuntimeError(f"no Dask worker joined the scheduler at {scheduler} within "
                                   f"{WORKERS_TIMEOUT} s") from None
            yield client
        finally:
            client.close()
        return
    count = max(1, workers or os.cpu_count() or 1)
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        local = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, host="127.0.0.1",
                             dashboard_address="127.0.0.1:0" if dashboard else None, silence_logs=logging.ERROR)
    try:
        with Client(local) as client:
            yield client
    finally:
        local.close()


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


def cores(client):
    """How many submissions the cluster grades at once (its workers' threads)."""
    return sum(client.nthreads().values())
