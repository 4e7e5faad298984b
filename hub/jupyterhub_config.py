# The demo hub's configuration: `make hub` (python -m gradlab.hub) and the hub's tests start
#     jupyterhub -f hub/jupyterhub_config.py
# with the environment below set by gradlab.hub.launch. The README's "On a JupyterHub" section gives the lines a
# real deployment takes from here (the grading service, its scopes, nbgrader's exchange).
import json
import os
from pathlib import Path

from gradlab.hub import delegation

c = get_config()  # noqa: F821  (JupyterHub provides get_config when it loads this file)

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ["GRADLAB_HUB_ROOT"])  # the classroom's folder: homes, exchange, servers' configuration
INSTRUCTOR = os.environ["GRADLAB_HUB_INSTRUCTOR"]
LEARNERS = json.loads(os.environ["GRADLAB_HUB_LEARNERS"])
COURSE = os.environ["GRADLAB_HUB_COURSE"]  # the course directory, in the instructor's home
SERVICE_PORT = int(os.environ["GRADLAB_HUB_SERVICE_PORT"])
PYTHON = os.environ["GRADLAB_HUB_PYTHON"]  # the Python the users run (gradlab/hub/interpreter.py)
# The instructor's control groups, where the machine's cgroups are root's (gradlab/hub/delegation.py): their server
# and the grading service start in them, so that each submission they grade gets a cgroup of its own beneath.
INSTRUCTOR_GROUPS = json.loads(os.environ.get("GRADLAB_HUB_INSTRUCTOR_GROUPS", "[]"))
PATH = f"{Path(PYTHON).parent}:/usr/local/bin:/usr/bin:/bin"

# The hub, its proxy and everything they start listen on 127.0.0.1 only.
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(os.environ["GRADLAB_HUB_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ["GRADLAB_HUB_API_PORT"])
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['GRADLAB_HUB_PROXY_API_PORT']}"
c.JupyterHub.db_url = f"sqlite:///{ROOT / 'hub' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(ROOT / "hub" / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(ROOT / "hub" / "jupyterhub.pid")

# Who may log in: the demo's learners and instructor, with one password (a real hub names its own authenticator:
# the README has the lines). The instructor is in nbgrader's group of the course's graders, whom the grading
# service lets read every submission.
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ["GRADLAB_HUB_PASSWORD"]
c.Authenticator.allowed_users = set(LEARNERS) | {INSTRUCTOR}
c.JupyterHub.load_groups = {"formgrade-gradient-checking": {"users": [INSTRUCTOR]}}

# Each user's server runs as the system user of the same name, in their home, with JupyterLab.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [PYTHON, "-m", "jupyterhub.singleuser"]


def _in_the_instructors_groups(spawner):
    if spawner.user.name == INSTRUCTOR:
        spawner.cmd = delegation.command(PYTHON, INSTRUCTOR_GROUPS, [PYTHON, "-m", "jupyterhub.singleuser"])


c.Spawner.pre_spawn_hook = _in_the_instructors_groups
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 120  # a loaded machine takes a while to start JupyterLab
c.Spawner.start_timeout = 120
c.Spawner.environment = {
    # nbgrader_config.py (the exchange) and jupyter_server_config.json for every server: see gradlab.hub.classroom.
    "JUPYTER_CONFIG_PATH": str(ROOT / "jupyter"),
    "PATH": PATH,
}

# The grading service, run by the hub as the instructor (who owns the course and its gradebook).
c.JupyterHub.services = [{
    "name": "grading",
    "url": f"http://127.0.0.1:{SERVICE_PORT}",
    "command": delegation.command(PYTHON, INSTRUCTOR_GROUPS, [PYTHON, "-m", "gradlab.grading", "serve", COURSE, "--host",
                                                             "127.0.0.1", "--port", str(SERVICE_PORT), "--hub"]),
    "user": INSTRUCTOR,
    "cwd": COURSE,
    "environment": {"JUPYTER_CONFIG_PATH": str(ROOT / "jupyter"), "PATH": PATH},
    "oauth_no_confirm": True,
    "timeout": 600,  # seconds the hub waits for it to listen: it starts its Dask cluster first (slow on a loaded machine)
}]
# Every user may use the grading service, and a server's token ($JUPYTERHUB_API_TOKEN, which its kernels inherit)
# may find it and submit to it on its user's behalf: that is how the notebook's Submit control reaches it.
SERVICE_SCOPES = ["access:services!service=grading", "read:services!service=grading"]
c.JupyterHub.extra_user_scopes = set(SERVICE_SCOPES)
c.Spawner.server_token_scopes = ["users:activity!user"] + SERVICE_SCOPES
