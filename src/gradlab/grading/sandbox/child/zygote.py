"""The zygote: `python -I <child directory> --zygote FD SCRATCH RESULTS PRELOAD`, one per grader process, inside
bubblewrap where it works. No student code ever runs in it, and it never holds a submission's data.

It pays once what every run needs: the interpreter's start, the imports (numpy and the modules named in PRELOAD,
comma-separated: what a course's notebooks import), and the Landlock ruleset for reading the Python installation
(confine.read_layer). Then, for each submission, the grader sends it a request on the socket FD (a Unix
SOCK_SEQPACKET: a JSON request and, as SCM_RIGHTS, the socket of the submission's supervisor), and it forks that
supervisor (supervisor.py). Forked children are reaped by the kernel (SIGCHLD ignored). It writes {"ready": true}
once it is ready, and stops at the end of its input.
"""
import gc
import importlib
import io
import json
import os
import signal
import socket

import confine
import isolation
import supervisor


def _preload(names):
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001  (a module the installation lacks: the runs import what they can)
            pass
    # What a child does with every run's data imports more on first use (np.load: zipfile, pathlib, urllib, ...).
    import numpy

    buffer = io.BytesIO()
    numpy.savez(buffer, warm=numpy.zeros(2))
    buffer.seek(0)
    with numpy.load(buffer, allow_pickle=False) as loaded:
        loaded["warm"]


def serve(fd, scratch_root, results_root, preload, run):
    """Fork a supervisor for each request on the socket `fd`; `run` is the forked child's entry point."""
    isolation.die_with_parent()  # without bubblewrap the zygote is the grader's child
    _preload(["numpy", "numpy.random", *preload])  # the child reseeds numpy.random (imported on first use)
    reading = confine.read_layer([scratch_root, results_root])
    # What is imported now stays for every process forked from here: out of the collector's sight, so that a
    # collection in a child does not touch (and so copy) every page the imports filled.
    gc.collect()
    gc.freeze()
    sock = socket.socket(fileno=fd)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    sock.send(b'{"ready": true}')
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 1 << 16, 4)
        except OSError:
            return
        if not message:
            return
        if fds and os.fork() == 0:
            code = 0
            try:
                sock.close()
                for extra in fds[1:]:
                    os.close(extra)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                request = dict(json.loads(message), scratch_root=scratch_root, results_root=results_root)
                supervisor.serve(socket.socket(fileno=fds[0]), request, reading, run)
            except BaseException:  # noqa: B036  (the grader sees its socket close)
                code = 70
            os._exit(code)
        for received in fds:
            os.close(received)
