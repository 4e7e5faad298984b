"""A throwaway PostgreSQL server for the tests and the scale benchmark: initdb into a temporary folder as an
unprivileged user, listening on a free port of 127.0.0.1 with a socket directory of its own, stopped and
deleted afterwards.

It uses the system's PostgreSQL (Debian's `postgresql` package: /usr/lib/postgresql/VERSION/bin; .ci/run
installs it), or the folder named by GRADLAB_PG_BIN. As root, the server runs as the `postgres` user that the
package creates (PostgreSQL refuses to run as root); otherwise as the current user.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

USER = "gradlab"  # the server's superuser, trusted on 127.0.0.1 only


def find_bin():
    """The folder of initdb and pg_ctl, or None."""
    override = os.environ.get("GRADLAB_PG_BIN")
    candidates = [override] if override else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0,
        reverse=True)
    if not override and shutil.which("pg_ctl"):
        candidates.append(os.path.dirname(shutil.which("pg_ctl")))
    for folder in candidates:
        if folder and all(os.access(os.path.join(folder, tool), os.X_OK) for tool in ("initdb", "pg_ctl")):
            return folder
    return None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """`with PostgresServer() as server: server.create_database("x")` -> a SQLAlchemy URL."""

    def __init__(self, durable=False):
        self.bin = find_bin()
        if self.bin is None:
            raise FileNotFoundError("PostgreSQL's initdb and pg_ctl were not found (apt-get install -y postgresql, "
                                    "or set GRADLAB_PG_BIN to their folder)")
        self.durable = durable  # fsync on (as a real server) or off (faster tests)
        self.port = None
        self.folder = None
        self.account = None

    def _run(self, *argv, timeout=120):
        done = subprocess.run([os.path.join(self.bin, argv[0]), *argv[1:]], capture_output=True, text=True,
                              timeout=timeout, user=self.account, cwd=self.folder,
                              env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
                               f"\n{self._log_tail()}")
        return done

    def _log_tail(self):
        try:
            with open(os.path.join(self.folder, "server.log")) as handle:
                return handle.read()[-2000:]
        except OSError:
            return ""

    def start(self):
        # Not under pytest's temporary folders: those are private to the user running the tests, and the
        # server's user must be able to reach its data directory.
        self.folder = tempfile.mkdtemp(prefix="gradlab-postgres-")
        if os.geteuid() == 0:
            self.account = "postgres"
            entry = pwd.getpwnam(self.account)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        os.chmod(self.folder, 0o700)
        data, sockets = os.path.join(self.folder, "data"), os.path.join(self.folder, "sockets")
        self._run("initdb", "-D", data, "-U", USER, "--auth=trust", "-E", "UTF8", "--no-instructions",
                  *([] if self.durable else ["--no-sync"]))
        os.makedirs(sockets)
        if self.account:
            os.chown(sockets, entry.pw_uid, entry.pw_gid)
        for _ in range(5):  # a port found free can be taken by someone else before the server binds it
            self.port = free_port()
            options = f"-p {self.port} -k {sockets} -h 127.0.0.1" + ("" if self.durable else " -F")
            try:
                self._run("pg_ctl", "-D", data, "-l", os.path.join(self.folder, "server.log"), "-w", "-t", "60",
                          "-o", options, "start")
                return self
            except RuntimeError:
                if "could not bind" not in self._log_tail():
                    raise
        raise RuntimeError(f"PostgreSQL found no free port:\n{self._log_tail()}")

    def stop(self):
        if self.folder is None:
            return
        try:
            self._run("pg_ctl", "-D", os.path.join(self.folder, "data"), "-m", "fast", "-w", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", os.path.join(self.folder, "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def url(self, database):
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        """A new, empty database; its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, dbname="postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
