"""The grading service as a JupyterHub service: a real `jupyterhub` (6.1, its configurable-http-proxy from the
set-up's npm install, the dummy authenticator) starts `python -m gradlab.grading serve COURSE --hub` as a managed
service, and learners reach it through the hub's proxy with the hub's own API tokens and its OAuth login. The
hub's tokens say who is who (never the body); a member of formgrade-COURSE_ID reads everyone's submissions."""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

from grading_service import GRADE_TIMEOUT, START_TIMEOUT, Learner, sample_notebooks
from gradlab.grading.course.nbgrader_calls import default_db_url
from postgres_server import free_port
from protections import assert_attempts_protected

PROXY = Path(sys.executable).parent / "configurable-http-proxy"
PASSWORD = "learn-gradients"
SAMPLES = {(a, name): (body, total, tests) for a, name, body, total, tests in sample_notebooks(["gradient_checking"])}


@pytest.fixture(scope="module")
def hub(generated_course, tmp_path_factory, nbgrader_env):
    if not PROXY.exists():
        pytest.skip("configurable-http-proxy is not installed (make .venv/.installed installs it with npm)")
    folder = tmp_path_factory.mktemp("hub")
    course = folder / "course"
    shutil.copytree(generated_course, course)
    port, hub_port, api_port, service_port = (free_port() for _ in range(4))
    admin = "tester-" + os.urandom(16).hex()
    keep = {k: v for k, v in nbgrader_env.items() if k.startswith(("JUPYTER", "IPYTHON"))}
    (folder / "jupyterhub_config.py").write_text(f"""
c = get_config()
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]
c.JupyterHub.db_url = "sqlite:///{folder}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{folder}/cookie_secret"
c.JupyterHub.pid_file = "{folder}/jupyterhub.pid"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
c.Authenticator.allow_all = True
c.JupyterHub.load_groups = {{"formgrade-gradient-checking": {{"users": ["prof"]}}}}
c.JupyterHub.services = [
    {{"name": "grading", "url": "http://127.0.0.1:{service_port}", "oauth_no_confirm": True, "cwd": {str(course)!r},
      "timeout": {START_TIMEOUT},
      "command": [{sys.executable!r}, "-m", "gradlab.grading", "serve", {str(course)!r}, "--hub", "--workers", "1"],
      "environment": {keep!r}}},
    {{"name": "tester", "api_token": {admin!r}}},
]
c.JupyterHub.load_roles = [{{"name": "tester", "services": ["tester"], "scopes": ["admin:users", "tokens"]}},
                           # learners' own tokens may reach the grading service (the OAuth login's always may)
                           {{"name": "user", "scopes": ["self", "access:services!service=grading"]}}]
""")
    env = dict(nbgrader_env, PATH=os.pathsep.join([str(Path(sys.executable).parent), nbgrader_env["PATH"]]))
    with open(folder / "hub.log", "wb") as log:
        process = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f",
                                    str(folder / "jupyterhub_config.py")], cwd=folder, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:  # the service answers through the proxy once it is ready
            try:
                if requests.get(f"{base}/services/grading/api/submissions/x", timeout=10).status_code == 401:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the hub or its grading service did not start:\n" +
                                   (folder / "hub.log").read_text(errors="replace")[-5000:])
            time.sleep(2)
        api = requests.Session()
        api.headers["Authorization"] = f"token {admin}"
        tokens = {}
        for name in ("ada", "bob", "prof"):
            made = api.post(f"{base}/hub/api/users/{name}")
            assert made.status_code in (201, 409), made.text  # prof is there already, as a member of a group
            tokens[name] = api.post(f"{base}/hub/api/users/{name}/tokens", json={"note": "grading"}).json()["token"]
        narrow = api.post(f"{base}/hub/api/users/bob/tokens", json={"scopes": ["read:users:name!user"]})
        narrow.raise_for_status()
        tokens["bob without access"] = narrow.json()["token"]
        yield base, tokens, folder, service_port
    finally:
        import psutil

        # the proxy and the service run in sessions of their own: ended here too if the hub ended without them
        started = psutil.Process(process.pid).children(recursive=True) if process.poll() is None else []
        started += [p for p in psutil.process_iter(["cmdline"]) if p.pid != os.getpid() and any(
            mark in " ".join(p.info["cmdline"] or []) for mark in (str(folder), f"--api-port {api_port}"))]
        os.killpg(process.pid, 15)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
        for leftover in started:
            try:
                leftover.kill()
            except psutil.Error:
                pass


def service(base):
    return f"{base}/services/grading/"


def test_the_hub_s_tokens_say_who_submits_and_who_may_read(hub):
    base, tokens, folder, *_ = hub
    ada, bob, prof = (Learner(service(base), tokens[name]) for name in ("ada", "bob", "prof"))
    body, total, tests = SAMPLES["gradient_checking", "ben_course_bugs"]
    sent = ada.submit("gradient_checking", body)
    assert sent.status_code == 202, sent.text
    graded = ada.wait(sent.json()["id"], timeout=GRADE_TIMEOUT)
    assert graded["student"] == "ada" and graded["score"] == total
    assert {t["name"]: t["score"] for t in graded["tests"]} == tests
    assert_attempts_protected(default_db_url(folder / "course"), [graded["id"]])  # every layer this machine offers
    assert bob.submission(graded["id"]).status_code == 404  # another learner's
    seen = prof.submission(graded["id"])  # a grader of the course (the hub group formgrade-gradient-checking)
    assert seen.status_code == 200 and seen.json()["student"] == "ada"
    nobody = Learner(service(base), None).submit("gradient_checking", body)
    assert nobody.status_code == 401 and "not logged in" in nobody.json()["error"]
    forged = Learner(service(base), "not-a-hub-token").submission(graded["id"])
    assert forged.status_code == 401
    narrow = Learner(service(base), tokens["bob without access"]).mine("gradient_checking")
    assert narrow.status_code == 403 and "access:services!service=grading" in narrow.json()["error"]


def test_a_learner_logged_in_through_the_hub_s_oauth_submits_with_the_cookie_and_its_xsrf_token(hub):
    base, tokens, folder, *_ = hub
    browser = requests.Session()
    start = browser.get(service(base), timeout=60)  # -> the hub's login page, by way of its OAuth authorize
    assert "/hub/login" in start.url, start.url
    xsrf = browser.cookies.get("_xsrf") or re.search(r'name="_xsrf" value="([^"]+)"', start.text).group(1)
    landed = browser.post(start.url, data={"username": "ada", "password": PASSWORD, "_xsrf": xsrf}, timeout=60)
    assert landed.status_code == 200 and landed.url.startswith(service(base)), (landed.url, landed.text[:500])
    about = landed.json()
    assert about["student"] == "ada" and about["instructor"] is False and about["xsrf_token"]
    body = SAMPLES["gradient_checking", "ada_correct"][0]
    url = f"{service(base)}api/assignments/gradient_checking/submissions"
    without = browser.post(url, data=body, timeout=60)  # the cookie alone: a cross-site request could do as much
    assert without.status_code == 403 and "xsrf" in without.json()["error"].lower(), without.text
    # The refusal leaves the connection usable: the proxy keeps connections to the service open and reuses them,
    # so one the service closed would turn the learner's next request into the proxy's 503.
    direct = http.client.HTTPConnection("127.0.0.1", hub[3], timeout=60)
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in browser.cookies)
    for expected in (403, 200):
        direct.request("POST" if expected == 403 else "GET", urllib.parse.urlsplit(url).path,
                       body=body if expected == 403 else None, headers={"Cookie": cookies})
        answer = direct.getresponse()
        assert answer.status == expected, answer.read()[:500]
        answer.read()
        assert direct.sock is not None, "the service closed the connection after answering"
        if expected == 403:
            first = direct.sock
    assert direct.sock is first
    direct.close()
    sent = browser.post(url, data=body, headers={"X-XSRFToken": about["xsrf_token"]}, timeout=60)
    assert sent.status_code == 202, sent.text
    graded = Learner(service(base), tokens["ada"]).wait(sent.json()["id"], timeout=GRADE_TIMEOUT)
    assert graded["status"] == "graded" and graded["score"] == SAMPLES["gradient_checking", "ada_correct"][1]
    assert_attempts_protected(default_db_url(folder / "course"), [sent.json()["id"]])
    mine = browser.get(url, timeout=60).json()["submissions"]
    assert sent.json()["id"] in [s["id"] for s in mine] and all(s["student"] == "ada" for s in mine)
    # the same learner through a hub token sees the same submissions: one identity, from the hub
    assert json.dumps(sorted(s["id"] for s in Learner(service(base), tokens["ada"]).mine(
        "gradient_checking").json()["submissions"])) == json.dumps(sorted(s["id"] for s in mine))
