"""Open edX: an external grader that pulls from XQueue, after openedx/xqueue (queue/ext_interface.py: login,
get_submission, put_result) and openedx/xqueue-watcher (xqueue_watcher/client.py and grader.py, whose reply this is),
as read in 2026. It is a watcher of its own rather than a handler for xqueue-watcher: the protocol is three calls,
and a handler would bring xqueue-watcher's own dependencies and its fork per submission.

    POST /xqueue/login/             username, password              -> {"return_code": 0, "content": ...}
    GET  /xqueue/get_submission/    ?queue_name=Q                    -> {"return_code": 0, "content": JSON text of
                                    {"xqueue_header": JSON text, "xqueue_body": JSON text, "xqueue_files": JSON text}}
                                    (return_code 1: the queue is empty)
    POST /xqueue/put_result/        xqueue_header (as received), xqueue_body = JSON text of
                                    {"correct": bool, "score": 0.0 to 1.0, "msg": HTML}

xqueue_body holds the learner's answer: with the problem's <filesubmission/>, the notebook is a file whose URL is in
xqueue_files; with a <textbox/>, student_response is the notebook's text. grader_payload may name the assignment
({"assignment": "gradient_checking"}); a watcher grades the one assignment of its package. edX's CodeResponse
(edx-platform, capa/responsetypes.py, _parse_score_msg) refuses a reply whose msg does not parse as XML (hence one
<div>), shows msg under the problem, and gives the answer `score` points (an answer is worth 1 by default).
"""
from __future__ import annotations

import http.cookiejar
import json
import logging
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from html import escape

from . import grade, payload, summary_html

LOG = logging.getLogger(__name__)
MAX_DOWNLOAD = grade.MAX_NOTEBOOK_BYTES

SETUP_SH = f"""#!/usr/bin/env bash
# Installs the watcher's venv beside this script (run once, as root, on the machine that will grade).
set -euo pipefail
here="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
bash "$here/{payload.FOLDER}/install.sh" "$here/venv"
"""

RUN_WATCHER = f"""#!/usr/bin/env bash
# Pulls submissions from XQueue and answers each one: ./run_watcher xqueue.json
set -euo pipefail
here="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
exec "$here/venv/bin/python" -m gradlab.grading.platforms.run xqueue --package "$here/{payload.FOLDER}" --config "$@"
"""

PROBLEM_XML = """<problem>
  <coderesponse queuename="{queue}">
    <label>Upload your completed {notebook}.</label>
    <filesubmission required_files="{notebook}" allowed_files="{notebook}"/>
    <codeparam>
      <grader_payload>{{"assignment": "{assignment}"}}</grader_payload>
    </codeparam>
  </coderesponse>
</problem>
"""


def files(settings):
    """{path in the package's folder: (text, executable)}."""
    example = {"server": "https://xqueue.example.org", "queue_name": settings.queue_name,
               "username": "grader", "password": "change me", "poll_seconds": 2}
    return {"grader/setup.sh": (SETUP_SH, True), "grader/run_watcher": (RUN_WATCHER, True),
            "grader/xqueue.json.example": (json.dumps(example, indent=2) + "\n", False),
            "grader/problem.xml": (PROBLEM_XML.format(queue=settings.queue_name, notebook=settings.notebook,
                                                      assignment=settings.assignment), False)}


class XQueueError(RuntimeError):
    """XQueue refused a call or answered with something that is not its protocol."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """XQueue answers a call without a session with a redirect to its login page: seen as such, not followed."""

    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """XQueue's three calls over one logged-in session (Django's session cookie)."""

    def __init__(self, server, queue_name, username, password, timeout=30.0):
        self.server, self.queue_name = server.rstrip("/"), queue_name
        self.username, self.password, self.timeout = username, password, timeout
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def _call(self, method, path, fields=None, query=None, again=True):
        url = self.server + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                body = response.read(MAX_DOWNLOAD)
        except urllib.error.HTTPError as error:
            if error.code == 302 and again and path != "/xqueue/login/":  # the session ended: log in again, as
                self.login()                                                # xqueue-watcher's client does
                return self._call(method, path, fields, query, again=False)
            raise XQueueError(f"{path} answered HTTP {error.code}") from None
        try:
            reply = json.loads(body)
            return reply["return_code"] == 0, reply.get("content")
        except (ValueError, KeyError, TypeError):
            raise XQueueError(f"{path} answered with something that is not XQueue's reply: {body[:200]!r}") from None

    def login(self):
        ok, content = self._call("POST", "/xqueue/login/", {"username": self.username, "password": self.password})
        if not ok:
            raise XQueueError(f"XQueue refused the login of {self.username!r}: {content}")

    def get_submission(self):
        """The next submission as {"xqueue_header", "xqueue_body", "xqueue_files"} (texts), or None when the queue
        is empty."""
        ok, content = self._call("GET", "/xqueue/get_submission/", query={"queue_name": self.queue_name})
        if not ok:
            if "empty" in str(content):
                return None
            raise XQueueError(f"get_submission failed: {content}")
        return json.loads(content)

    def put_result(self, header, reply):
        ok, content = self._call("POST", "/xqueue/put_result/",
                                 {"xqueue_header": header, "xqueue_body": json.dumps(reply)})
        if not ok:
            raise XQueueError(f"put_result failed: {content}")


def reply(outcome):
    """The grader's answer for edX: correct only with every point."""
    return {"correct": bool(outcome.points > 0 and outcome.score >= outcome.points), "score": outcome.fraction,
            "msg": summary_html.render(outcome)}


def answer(package, submission, settings, scratch):
    """Grade one submission (as get_submission gave it); the reply for put_result."""
    body, files = _json(submission.get("xqueue_body")), _json(submission.get("xqueue_files")) or {}
    wanted = (_json(body.get("grader_payload")) or {}).get("assignment") if isinstance(body, dict) else None
    path, error = os.path.join(scratch, settings.notebook), ""
    if wanted and wanted != settings.assignment:
        error = f"This grader grades {settings.assignment}, not {wanted}: tell the course staff."
    elif isinstance(files, dict) and files:
        name = settings.notebook if settings.notebook in files else sorted(files)[0]
        error = _download(files[name], path)
    elif isinstance(body, dict) and isinstance(body.get("student_response"), str) and body["student_response"].strip():
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(body["student_response"])
    else:
        error = f"No notebook was submitted: upload {settings.notebook}."
    outcome = grade.grade(package, path, error)
    LOG.info("%s", grade.protections_line(outcome))
    return reply(outcome)


def _json(text):
    if isinstance(text, (dict, list)):
        return text
    try:
        return json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _download(url, path):
    if urllib.parse.urlsplit(str(url)).scheme not in ("http", "https"):
        return "The submitted file could not be fetched."
    try:
        with urllib.request.urlopen(str(url), timeout=60) as response:
            data = response.read(MAX_DOWNLOAD + 1)
    except OSError as error:
        LOG.error("could not fetch %s: %s", url, error)
        return "The submitted file could not be fetched: submit again."
    if len(data) > MAX_DOWNLOAD:
        return f"The notebook is larger than {MAX_DOWNLOAD // 2 ** 20} MB: clear its outputs and submit again."
    with open(path, "wb") as handle:
        handle.write(data)
    return ""


def watch(package, config, until_empty=False):
    """Pull, grade and answer, one submission at a time, until stopped (or, with until_empty, until the queue is
    empty). Returns the number of submissions answered."""
    settings = payload.read_settings(package)
    client = Client(config["server"], config.get("queue_name") or settings.queue_name, config["username"],
                    config["password"], float(config.get("timeout", 30)))
    client.login()
    LOG.info("watching %s on %s for %s; sandbox: %s", client.queue_name, client.server, settings.assignment,
                grade.sandbox_in_use())
    answered = 0
    while True:
        submission = client.get_submission()
        if submission is None:
            if until_empty:
                return answered
            time.sleep(float(config.get("poll_seconds", 2)))
            continue
        try:
            with tempfile.TemporaryDirectory(prefix="gradlab-xqueue-") as scratch:
                result = answer(package, submission, settings, scratch)
        except Exception:  # one submission the grader cannot grade must not stop the queue
            LOG.exception("grading a submission failed")
            result = {"correct": False, "score": 0.0,
                      "msg": f'<div class="gradlab-feedback"><p>{escape(grade.FAILED)}</p></div>'}
        client.put_result(submission["xqueue_header"], result)
        answered += 1
        LOG.info("answered a submission: score %s", result["score"])
