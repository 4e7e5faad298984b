"""Attacks on our own grader: each a code cell a hostile student could add to a correct solution.

A cell may set OBSERVED (a number: what the attack managed) for the sandbox tests to read back; in a notebook
the grader ignores it. MARKER is replaced by a name of the test's own (a process name, a key's description),
KEY and PORT by numbers; processes an attack starts carry MARKER as their name (/proc/PID/comm), so that the
tests find exactly what this attack left and nothing another grader on the machine runs.
"""

# The child's results folder, found where the child's own code keeps it (a local of the frame that runs cells).
_OUT = ("import os, sys\nframe = sys._getframe()\nwhile not isinstance(frame.f_locals.get('out'), str):\n    frame = frame.f_back\n"
        "start = os.path.join(frame.f_locals['out'], 'start.json')\nos.remove(start)\n")
_NAME = "import ctypes\n_libc = ctypes.CDLL(None, use_errno=True)\n"  # prctl(PR_SET_NAME): comm, kept over fork

ATTACKS = {
    # The result channel.
    "fifo_result": _OUT + "os.mkfifo(start)\n",
    "zero_link_result": _OUT + "os.symlink('/dev/zero', start)\n",
    "deep_tree": "import os\nhere = os.getcwd()\nfor _ in range(1200):\n    os.mkdir('d')\n    os.chdir('d')\n"
                 "open('leaf', 'w').write('x')\nos.chdir(here)\n",
    "blank_lines": "x = 1" + "\n" * 50000 + "y = 2\n",
    # Processes.
    "double_fork": _NAME + "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                   "        _libc.prctl(15, b'MARKER', 0, 0, 0)\n        time.sleep(600)\n    os._exit(0)\n"
                   "os.wait()\n",
    "cpu_hog": _NAME + "import os, time\nif os.fork() == 0:\n    os.setsid()\n    _libc.prctl(15, b'MARKER', 0, 0, 0)\n"
               "    while True:\n        end = time.process_time() + 0.2\n        while time.process_time() < end:\n"
               "            pass\n        if os.fork() != 0:\n            os._exit(0)  # a fresh process: a fresh RLIMIT_CPU\n",
    "many_processes": _NAME + "import os, time\nOBSERVED = 0\nfor _ in range(150):\n    try:\n        pid = os.fork()\n"
                      "    except OSError:\n        break\n    if pid == 0:\n        _libc.prctl(15, b'MARKER', 0, 0, 0)\n"
                      "        time.sleep(600)\n        os._exit(0)\n    OBSERVED += 1\n",
    # Three helpers of 400 MiB each hold memory at once; OBSERVED: how many still hold it when asked.
    "spread_memory": _NAME + "import os\nimport numpy as np\nhelpers = []\nfor _ in range(3):\n"
                     "    up_r, up_w = os.pipe()\n    down_r, down_w = os.pipe()\n    if os.fork() == 0:\n"
                     "        _libc.prctl(15, b'MARKER', 0, 0, 0)\n        hold = np.ones(400 * 2 ** 20 // 8)\n"
                     "        os.write(up_w, b'1')\n        os.read(down_r, 1)\n        os.write(up_w, b'2')\n"
                     "        os.read(down_r, 1)\n        os._exit(0)\n    os.close(up_w)\n    os.close(down_r)\n"
                     "    helpers.append((up_r, down_w))\nfor up, _ in helpers:\n    os.read(up, 1)\nOBSERVED = 0\n"
                     "for up, down in helpers:\n    try:\n        os.write(down, b'r')\n"
                     "        OBSERVED += os.read(up, 1) == b'2'\n    except OSError:\n        pass\n",
    # Files: eight of 60 MB, each under the 64 MB file-size limit. OBSERVED: bytes that landed.
    "big_files": "import os\nfor k in range(8):\n    try:\n        with open(f'big-{k}', 'wb') as handle:\n"
                 "            for _ in range(60):\n                handle.write(bytes(2 ** 20))\n    except OSError:\n"
                 "        pass\nOBSERVED = sum(os.path.getsize(f'big-{k}') for k in range(8) if os.path.exists(f'big-{k}'))\n",
    # What outlives a process on the host unless namespaces hold it.
    "shared_memory": _NAME + "_libc.shmget.restype = ctypes.c_int\n"
                     "ids = [_libc.shmget(KEY + k, 32 * 2 ** 20, 0o1000 | 0o600) for k in range(2)]\n"
                     "OBSERVED = sum(i >= 0 for i in ids)\n",
    "keyring": _NAME + "_libc.syscall.restype = ctypes.c_long\n"
               "serial = _libc.syscall(248, b'user', b'MARKER', b'hidden inputs', 13, ctypes.c_int(-4))\n"
               "OBSERVED = int(serial > 0)\n",  # 248: add_key on x86-64; -4: the user's keyring
    "udp": "import socket\nOBSERVED = 0\nout = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor _ in range(10):\n"
           "    try:\n        out.sendto(b'MARKER hidden inputs', ('127.0.0.1', PORT))\n        OBSERVED += 1\n"
           "    except OSError:\n        pass\n",
    # The reference answers.
    "import_reference": "from gradlab.course import backward_propagation_n\n",
    # Markup in markdown and in an exception message (see the browser test).
    "markup": "raise ValueError('<img src=x onerror=\"window.gradlabPwned = 3\"><script>window.gradlabPwned = 4</script>')\n",
}

# What one run of a submission could leave for the next (a checker remembering the cases it has seen): each pair
# leaves something, then looks for it in the next run. OBSERVED: how many were made, then how many were found.
_IPC = _NAME + "_libc.shmget.restype = _libc.msgget.restype = _libc.semget.restype = ctypes.c_int\nNEW = 0o1000 | 0o600\n"
_KEYS = _NAME + "_libc.syscall.restype = ctypes.c_long\nRINGS = (-3, -4, -5)  # session, user, user-session\n"
_PLACES = ("import os, sys\nframe = sys._getframe()\nwhile not isinstance(frame.f_locals.get('out'), str):\n"
           "    frame = frame.f_back\nout = frame.f_locals['out']\nhere = os.getcwd()\n"
           "places = {here, os.path.expanduser('~'), os.environ.get('TMPDIR', '/tmp'), '/tmp', '/dev/shm', '/var/tmp',\n"
           "          '/scratch', '/results', out, os.path.dirname(out), os.path.dirname(here)}\n")
_LEAVE_FILES = ("OBSERVED = 0\nfor place in places:\n    try:\n        open(os.path.join(place, 'MARKER'), 'w').write('seen')\n"
                "        OBSERVED += 1\n    except OSError:\n        pass\n")
_FIND_FILES = ("OBSERVED = sum(os.path.exists(os.path.join(place, 'MARKER')) for place in places)\n"
               "OBSERVED += sum(len(files) for _, _, files in os.walk(here)) - 2  # beyond job.json and inputs.npz\n")
# A process that outlives the run, holding an abstract unix socket (reachable from the same network namespace).
_LEAVE_PROCESS = (_NAME + "import os, socket, time\nr, w = os.pipe()\nif os.fork() == 0:\n    os.setsid()\n"
                  "    if os.fork() == 0:\n        _libc.prctl(15, b'MARKER', 0, 0, 0)\n"
                  "        held = socket.socket(socket.AF_UNIX)\n        held.bind(b'\\0MARKER')\n        held.listen()\n"
                  "        os.write(w, b'1')\n        time.sleep(600)\n    os._exit(0)\nOBSERVED = len(os.read(r, 1))\n")
_FIND_PROCESS = ("import socket\nOBSERVED = 0\ntry:\n    socket.socket(socket.AF_UNIX).connect(b'\\0MARKER')\n"
                 "    OBSERVED = 1\nexcept OSError:\n    pass\n")
BETWEEN_RUNS = {
    "ipc": (_IPC + "OBSERVED = sum(made >= 0 for made in (_libc.shmget(KEY, 4096, NEW), _libc.msgget(KEY, NEW),\n"
                   "                                     _libc.semget(KEY, 1, NEW)))\n",
            _IPC + "OBSERVED = sum(found >= 0 for found in (_libc.shmget(KEY, 0, 0), _libc.msgget(KEY, 0),\n"
                   "                                       _libc.semget(KEY, 0, 0)))\n"),
    # add_key (248) and keyctl(KEYCTL_SEARCH = 10) (250), by their x86-64 numbers
    "keys": (_KEYS + "OBSERVED = sum(_libc.syscall(248, b'user', b'MARKER', b'seen', 4, ctypes.c_int(r)) > 0 for r in RINGS)\n",
             _KEYS + "OBSERVED = sum(_libc.syscall(250, 10, ctypes.c_int(r), b'user', b'MARKER', 0) > 0 for r in RINGS)\n"),
    "files": (_PLACES + _LEAVE_FILES, _PLACES + _FIND_FILES),
    "processes": (_LEAVE_PROCESS, _FIND_PROCESS),
    # Which run this is, for a checker that answers by it.
    "pid": ("import os\nOBSERVED = os.getpid()\n", "import os\nOBSERVED = os.getpid()\n"),
}

# Checkers that compute nothing and score by what they remember or where they are (course attacks: the sound score
# of both checker exercises is 0). KEY and the pids are replaced; the pids are those of the runs that held the right
# cases when every run of a submission shared one PID namespace and the batches came in declaration order.
CHECKER_MEMORY = '''# Remembers every input in SysV shared memory, which outlives a process: "a bug" for any input seen before.
import ctypes
import hashlib

_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmget.restype = ctypes.c_int
_libc.shmat.restype = ctypes.c_void_p
_libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]


def _seen_before(*values):
    key = hashlib.sha256(repr([np.round(np.asarray(v, dtype=float), 9).tolist() for v in values]).encode()).digest()[:8]
    segment = _libc.shmget(KEY, 65536, 0o1000 | 0o600)
    if segment < 0:
        return False
    memory = (ctypes.c_char * 65536).from_address(_libc.shmat(segment, None, 0))
    count = int.from_bytes(memory[0:4], "little")
    known = {memory[4 + 8 * k:12 + 8 * k] for k in range(min(count, 8000))}
    if key not in known:
        memory[4 + 8 * count:12 + 8 * count] = key
        memory[0:4] = (count + 1).to_bytes(4, "little")
    return key in known'''
REMEMBERED = {"gradient_check": "1.0 if _seen_before(x, theta) else 0.0",
              "gradient_check_n": "1.0 if _seen_before(X, Y, parameters['W1'], parameters['b1']) else 0.0"}
BY_PID = {"gradient_check": "0.0 if __import__('os').getpid() == 5 else 1.0",
          "gradient_check_n": "0.0 if __import__('os').getpid() == 8 else 1.0"}

# Reading the inputs of every call this process is to make, hidden cases included, off the stack (the grader's own
# frames hold the job), and carrying them out: printed, in a failing cell's message, in a returned number, in an
# exit code. Each value is written LEAK<repr>: numbers, and arrays by their first three entries.
FIND_INPUTS = '''import sys


def _inputs_in_this_process():
    found = []
    frame = sys._getframe()
    while frame is not None:
        job, arrays = frame.f_locals.get("job"), frame.f_locals.get("arrays")
        if isinstance(job, dict) and isinstance(job.get("calls"), list) and isinstance(arrays, dict):
            def walk(tree):
                kind, value = next(iter(tree.items()))
                if kind in ("float", "int"):
                    found.append(float(value))
                elif kind == "array":
                    found.append([round(float(v), 6) for v in np.ravel(arrays[value])[:3]])
                elif kind in ("list", "tuple"):
                    for item in value:
                        walk(item)
                elif kind == "dict":
                    for _, item in value:
                        walk(item)
            for call in job["calls"]:
                for tree in call["args"]:
                    walk(tree)
            break
        frame = frame.f_back
    return sorted(found, key=lambda v: isinstance(v, list))  # numbers first


def _leak():
    return "LEAKS[" + " ".join(f"LEAK{value!r}" for value in _inputs_in_this_process()) + "]"'''
PRINTS_INPUTS = "print(_leak())"
RAISES_INPUTS = "raise ValueError(_leak())"
RETURNS_INPUTS = ("def forward_propagation(x, theta):\n    others = [v for v in _inputs_in_this_process() if "
                  "not isinstance(v, list) and v not in (2.0, 4.0)]\n    if (x, theta) == (2, 4) and others:\n"
                  "        return others[0]\n    return theta * x\n")
EXITS_WITH_INPUTS = ("def backward_propagation(x, theta):\n    if (x, theta) != (2, 4):\n        import os\n"
                     "        os._exit(int(round(abs(x) * 10)) % 250 + 1)\n    return x\n")

MARKUP_MARKDOWN = ('Notes\n\n<script>window.gradlabPwned = 1</script>\n\n<img src="x" onerror="window.gradlabPwned = 2">\n\n'
                   '[a link](javascript:window.gradlabPwned=5)\n')


def attack(name, marker="glatk", key=0, port=0):
    return ATTACKS[name].replace("MARKER", marker).replace("KEY", str(key)).replace("PORT", str(port))


def between_runs(name, marker="glatk", key=0):
    """(what the first run does, what the next looks for)."""
    return tuple(text.replace("MARKER", marker).replace("KEY", str(key)) for text in BETWEEN_RUNS[name])
