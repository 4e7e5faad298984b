"""The supervisor of one submission's runs: forked from the zygote (zygote.py) for each submission, inside bubblewrap
where it works, in the submission's control group. No student code ever runs in it.

For each job the grader sends, it makes a run folder and a results folder and forks the run's starter, which enters
namespaces of the run's own (isolation.py: user, mount, IPC, network, UTS, PID; a new session keyring), puts a tmpfs
of the run's own on each folder, writes the job there, and forks the run's monitor (monitor.py), pid 1 of the new
PID namespace, which starts the child, waits for it, kills whatever the run left and reports the results. The
supervisor relays them to the grader and removes both folders. So nothing a run leaves (processes, SysV objects,
keys, files, sockets) is there for the next one: each run starts from the zygote's pristine state.

The supervisor holds the job of the run it is serving, so the grader never sends it a job without hidden inputs
after one with them (box.py): a child forked from it could read what its memory still holds.

Protocol on its socket. The supervisor first writes one JSON line {"ready": true} (the grader reads its pid from the
socket's credentials, and puts it in the submission's control group before sending anything). Then, per job, the
grader writes a JSON line {"limit": SECONDS, "deadline": SECONDS, "calls": N, "scratch": BYTES, "results": BYTES,
"job": BYTES, "inputs": BYTES} followed by job.json and inputs.npz; the supervisor answers with the monitor's report
(monitor.py: a JSON line, then the result files' bytes), {"unstarted": WHY} if the run's namespaces or folders could
not be made (the grader's fault: no run of the submission's code began), or {"status": null, "timed_out": true,
"broken": "", "files": []} if no report came by the deadline. It stops at the end of its input.
"""
import json
import os
import select
import tempfile
import time

import isolation
import monitor
import untrusted

_PR_SET_DUMPABLE, _PR_SET_CHILD_SUBREAPER = 4, 36
_HEADER_BYTES = 1 << 16


def _exactly(stream, count):
    data = stream.read(count)
    if len(data) != count:
        raise EOFError("the grader stopped sending")
    return data


def _start_run(run_dir, out_dir, request, job, inputs, report_fd, reading, run):
    """In the run's starter: namespaces and folders of the run's own, the job written, the monitor forked."""
    isolation.die_with_parent()
    isolation.close_descriptors([report_fd] + ([reading] if reading is not None else []))
    try:
        made = isolation.enter()
        if made:  # the folders' tmpfs mounts exist in the run's mount namespace only, and end with it
            isolation.mount_tmpfs(run_dir, request["scratch"])
            isolation.mount_tmpfs(out_dir, request["results"])
        for name, data in (("job.json", job), ("inputs.npz", inputs)):
            with open(os.path.join(run_dir, name), "wb") as handle:
                handle.write(data)
    except OSError as error:  # the grader's fault, not the submission's: said as such, not as a run that timed out
        os.write(report_fd, json.dumps({"unstarted": f"{type(error).__name__}: {error}"[:300]}).encode() + b"\n")
        raise
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            isolation.die_with_parent()
            monitor.monitor(run_dir, out_dir, request, report_fd, reading, run, made)
        except BaseException:  # noqa: B036  (the supervisor sees no report and says the run gave nothing)
            code = 70
        os._exit(code)
    os.close(report_fd)
    os.waitpid(pid, 0)


def _read_report(fd, deadline, calls):
    """(the monitor's report: header line and files' bytes; whether the run had a PID namespace of its own), or
    (None, False) if it broke the protocol or the deadline."""
    data = b""
    limit = _HEADER_BYTES + untrusted.TOTAL_BYTES + 1
    while len(data) < limit:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None, False
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        data += chunk
    line, _, rest = data.partition(b"\n")
    try:
        header = json.loads(line)
        if set(header) == {"unstarted"}:
            return json.dumps({"unstarted": str(header["unstarted"])[:300]}).encode() + b"\n", False
        sizes = [int(size) for _, size in header["files"]]
        names = [str(name) for name, _ in header["files"]]
    except (ValueError, KeyError, TypeError):
        return None, False
    if sum(sizes) != len(rest) or not set(names) <= set(monitor.result_names(calls)) or min(sizes, default=0) < 0:
        return None, False
    return data, header.get("alone") is True


def one_run(request, job, inputs, roots, reading, run):
    """Serve one job: the reply's bytes for the grader."""
    run_dir = tempfile.mkdtemp(prefix="run-", dir=roots[0])
    out_dir = tempfile.mkdtemp(prefix="out-", dir=roots[1])
    report_read, report_write = os.pipe()
    reply, alone = None, False
    try:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _start_run(run_dir, out_dir, request, job, inputs, report_write, reading, run)
            except BaseException:  # noqa: B036
                code = 70
            os._exit(code)
        os.close(report_write)
        deadline = time.monotonic() + float(request["deadline"])
        reply, alone = _read_report(report_read, deadline, int(request["calls"]))
        if reply is None:
            os.kill(pid, 9)  # the starter, and with it (death signals) the monitor and the run's namespaces
        os.waitpid(pid, 0)
    finally:
        os.close(report_read)
        if not alone:
            monitor.end_everything()  # this subreaper's orphans, where the run had no PID namespace of its own
        untrusted.remove_tree(run_dir)
        untrusted.remove_tree(out_dir)
    if reply is None:
        return json.dumps({"status": None, "timed_out": True, "broken": "", "files": []}).encode() + b"\n"
    return reply


def serve(sock, request, reading, run):
    """Answer jobs on `sock` until the grader closes it. `run(run_dir, out_dir, pid_fd, reading, isolated)`: the job
    in a forked child (used when the request says "fork"; otherwise a new interpreter for each run). `request`: the
    zygote's request, with where the folders go."""
    isolation.die_with_parent()
    isolation.prctl(_PR_SET_CHILD_SUBREAPER, 1)
    isolation.prctl(_PR_SET_DUMPABLE, 0)  # no child may ptrace this process or read its memory through /proc
    roots = (request["scratch_root"], request["results_root"])
    run = run if request.get("mode") == "fork" else None
    sock.sendall(b'{"ready": true}\n')
    stream = sock.makefile("rb")
    while True:
        line = stream.readline(_HEADER_BYTES)
        if not line:
            return
        header = json.loads(line)
        job, inputs = _exactly(stream, header["job"]), _exactly(stream, header["inputs"])
        sock.sendall(one_run(header, job, inputs, roots, reading, run))
