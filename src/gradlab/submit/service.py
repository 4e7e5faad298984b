"""The grading service as a learner's kernel reaches it: where it is, and its HTTP API.

On a JupyterHub the kernel's environment holds the hub's API URL and the server's token ($JUPYTERHUB_API_URL,
$JUPYTERHUB_API_TOKEN). The hub says where its service named `grading` (or $GRADLAB_SERVICE) listens, and the same
token identifies the learner to it: the hub's configuration lets servers' tokens read and use that one service
(README, "On a JupyterHub"). $GRADLAB_SERVICE_URL names a service directly (with $GRADLAB_SERVICE_TOKEN, else the
hub's token). Without either, the learner is working offline, and `Offline` says so in words.

The API (python -m gradlab.grading serve): POST /api/assignments/ASSIGNMENT/submissions with the notebook's JSON
-> 202 {"id", "status"}; GET /api/submissions/ID -> {"status": queued|grading|graded|failed, "score",
"max_score", "tests", "feedback_html"}; errors are {"error": "..."} with a fitting status.

Plain urllib: three requests of JSON with a header need no client library in the learner's kernel.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request

SERVICE_NAME = "grading"  # the name the hub's configuration registers the grading service under
TIMEOUT = 30  # seconds for one request: the service answers at once, grading happens after


class Offline(Exception):
    """There is no grading service to submit to; the message says why, for the learner."""


class ServiceError(Exception):
    """The service (or the hub, while looking it up) answered with an error; the message is its own words."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def _request(method, url, token=None, body=None, what="the grading service"):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"token {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            text = response.read()
    except urllib.error.HTTPError as error:
        raise ServiceError(f"{what} answered {error.code}: {_error_text(error)}", error.code) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ServiceError(f"{what} at {url} cannot be reached ({reason})") from None
    try:
        return json.loads(text) if text else {}
    except ValueError:
        raise ServiceError(f"{what} answered with something that is not JSON: {text[:200]!r}") from None


def _error_text(error):
    """The {"error": ...} of an error response, or its status line."""
    try:
        body = error.read()
        found = json.loads(body).get("error") or json.loads(body).get("message")
        if found:
            return str(found)
    except (ValueError, AttributeError, OSError):
        pass
    return error.reason or "an error"


class GradingService:
    """The service at `url`, called with `token` (the learner's, as the hub issued it)."""

    def __init__(self, url, token):
        self.url, self.token = url.rstrip("/") + "/", token

    def __repr__(self):
        return f"GradingService({self.url!r})"

    def submit(self, assignment, notebook_json):
        """Send a notebook (its JSON text or bytes) for grading; return the submission's id."""
        body = notebook_json.encode("utf-8") if isinstance(notebook_json, str) else notebook_json
        path = f"api/assignments/{urllib.parse.quote(assignment, safe='')}/submissions"
        answer = _request("POST", self.url + path, self.token, body)
        if "id" not in answer:
            raise ServiceError(f"the grading service accepted the notebook but gave no submission id: {answer}")
        return str(answer["id"])

    def submission(self, submission_id):
        """The submission as the service has it now: {"status", "score", "max_score", "tests", "feedback_html", ...}."""
        return _request("GET", self.url + f"api/submissions/{urllib.parse.quote(str(submission_id), safe='')}",
                        self.token)

    def submissions(self, assignment):
        """The learner's own submissions of `assignment`, newest first."""
        answer = _request("GET", self.url + f"api/assignments/{urllib.parse.quote(assignment, safe='')}/submissions",
                          self.token)
        return answer.get("submissions", answer) if isinstance(answer, dict) else answer


def find_service(environ=None):
    """The grading service this kernel submits to; raises Offline with the reason when there is none."""
    environ = os.environ if environ is None else environ
    token = environ.get("GRADLAB_SERVICE_TOKEN") or environ.get("JUPYTERHUB_API_TOKEN")
    if environ.get("GRADLAB_SERVICE_URL"):
        return GradingService(environ["GRADLAB_SERVICE_URL"], token)
    hub = environ.get("JUPYTERHUB_API_URL")
    if not hub or not token:
        raise Offline("You are working offline: this notebook is not running on your course's JupyterHub, so there "
                      "is no grading service to submit to. Save your work and hand it in as your course asks.")
    name = environ.get("GRADLAB_SERVICE", SERVICE_NAME)
    try:
        found = _request("GET", f"{hub.rstrip('/')}/services/{urllib.parse.quote(name, safe='')}", token,
                         what="the hub")
    except ServiceError as error:
        if error.status == 404:
            raise Offline(f"This JupyterHub has no grading service (no service named '{name}'): there is nothing to "
                          "submit to here. Save your work and hand it in as your course asks.") from None
        if error.status == 403:
            raise Offline(f"This JupyterHub does not let your server use its grading service '{name}' (its "
                          "configuration must give servers' tokens the scopes read:services!service="
                          f"{name} and access:services!service={name}). Tell your instructor.") from None
        raise
    if not found.get("url"):
        raise Offline(f"The hub's service '{name}' has no URL that this server can reach. Tell your instructor.")
    # A hub's service answers under its prefix (/services/NAME/), as the proxy passes requests on to it.
    return GradingService(found["url"].rstrip("/") + (found.get("prefix") or "/"), token)
