"""Spread a full check over forked processes.

Fork, not spawn: the child inherits the cost function, whatever it closes over, and its own copy of theta,
so any cost works and nothing is pickled but the results. Each component is computed exactly as it would be
in one process, so the numbers are the same to the last bit.

Each process gets its share of the BLAS threads (threadpoolctl): N processes each running numpy's default
thread pool would fight over the same cores and run slower than one. A split too short to pay for the
forks runs in one process, and so does one where the thread pools cannot be found: threadpoolctl reads
/proc/self/maps on Linux, which a sandbox (Landlock, bubblewrap) may forbid. Forking without control of the
pools could be slower than one process, and a warning on stderr would zero an nbgrader test cell; the
numbers are the same either way.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
import warnings

import numpy as np


MIN_SECONDS = 0.25  # work that one process finishes sooner than this is not worth forking for
AUTO_LIMIT = 8  # workers=None uses at most this many processes


def run_split(measure, positions, workers, seconds_per_item=0.0):
    """measure(chunk) -> (plus, minus) for contiguous chunks of positions, in `workers` processes.

    seconds_per_item: the expected time of one item in one process; when all of them together take less
    than MIN_SECONDS, forking would cost more than it saves, and one process does the work.
    """
    workers = resolve_workers(workers)
    if workers == 1 or len(positions) < 2 * workers or seconds_per_item * len(positions) < MIN_SECONDS:
        return measure(positions)
    share = _blas_share(workers)
    if share is None:  # the thread pools cannot be seen here: one process, numpy's own threads
        return measure(positions)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=share):
        return _split(measure, positions, workers, share)


def _blas_share(workers):
    """Each of `workers` processes gets this many BLAS threads: the pool numpy would use, divided. None when
    the pools cannot be listed (threadpoolctl cannot read /proc/self/maps, or fails in any other way)."""
    try:
        from threadpoolctl import threadpool_info

        pool = max((info.get("num_threads", 1) for info in threadpool_info()), default=1)
    except Exception:  # an OSError from /proc, or whatever else the library meets: the check must go on
        return None
    return max(1, pool // workers)


def _split(measure, positions, workers, share):
    chunks = np.array_split(positions, workers)
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a process with threads (a BLAS pool) may deadlock; the child only
        # runs numpy on its own memory and exits, and a warning would zero an nbgrader test cell.
        warnings.simplefilter("ignore", DeprecationWarning)
        for chunk in chunks[1:]:
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(measure, chunk, send, share), daemon=True)
            process.start()
            send.close()
            pipes.append(receive)
            processes.append(process)
    try:
        results = [measure(chunks[0])]  # the parent does a share of the work too
        for receive, process in zip(pipes, processes):
            status, payload = receive.recv()
            if status == "error":
                error, text = payload
                _note(error, "in a worker process:\n" + text)
                raise error
            results.append(payload)
    finally:
        for receive, process in zip(pipes, processes):
            receive.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
    return tuple(np.concatenate(parts) for parts in zip(*results))


def _child(measure, chunk, send, share):
    from threadpoolctl import threadpool_limits

    try:
        with threadpool_limits(limits=share):  # said again here: a library may set its pool up anew after fork
            send.send(("ok", measure(chunk)))
    except BaseException as error:  # hand every failure to the parent, which re-raises it
        try:
            send.send(("error", (error, traceback.format_exc())))
        except Exception:
            send.send(("error", (RuntimeError(repr(error)), traceback.format_exc())))
    finally:
        send.close()


def resolve_workers(workers):
    """How many processes: `workers`, checked, or for None (the default) every core on Linux, where forking
    a process that runs numpy is safe (one process elsewhere). Each process then runs one share of the BLAS
    threads, which beats one process with all of them when other work shares the cores, and comes near it
    when nothing does. A daemonic process (a Dask worker grading a class) may not start children: there the
    default is one process."""
    if workers is None:
        if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
            return 1
        if multiprocessing.current_process().daemon:
            return 1
        return max(1, min(os.cpu_count() or 1, AUTO_LIMIT))
    return _check_workers(workers)


def _check_workers(workers):
    if not isinstance(workers, (int, np.integer)) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1; got {workers!r}")
    if workers > 1 and "fork" not in multiprocessing.get_all_start_methods():
        raise ValueError("workers > 1 needs the fork start method, which this platform lacks; use workers=1")
    return int(min(workers, os.cpu_count() or 1, 64)) if workers > 1 else 1


def _note(error, text):
    if hasattr(error, "add_note"):
        error.add_note(text)
