"""The HTTP API (Tornado, as Jupyter's servers and JupyterHub's service helpers are), JSON in and out, every error
as {"error": "..."} with its status code:

    POST /api/assignments/ASSIGNMENT/submissions   a notebook -> 202 {"id", "status": "queued"}, once stored
    GET  /api/submissions/ID                       one submission, to its owner and to instructors
    GET  /api/assignments/ASSIGNMENT/submissions   the caller's own submissions, newest first
    GET  /                                         the service: its assignments, the caller (a hub login starts here)

A submission is checked in two steps. Before its body is read: who sends it, the assignment, the due date, the
declared size and the learner's rate. Then its body: a notebook, this assignment's, naming no other learner. A
refused body is read to its end (up to DRAIN times the size limit, then the connection is closed) and dropped, so
that the client reads the refusal rather than a broken pipe; nothing of it is stored.
"""
from __future__ import annotations

import json

from tornado import web
from tornado.ioloop import IOLoop

from . import catalog
from .intake import Refused
from .record import unpack

DRAIN = 4  # a refused body is read and dropped up to this many times the size limit; past it, the connection closes


class Handler(web.RequestHandler):
    """What every handler shares: the service, JSON errors, the caller."""

    def initialize(self, service):
        self.service = service

    def set_default_headers(self):
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")

    async def run(self, function, *args):
        """`function(*args)` on the service's thread pool (database work), awaited."""
        return await IOLoop.current().run_in_executor(self.service.pool, function, *args)

    def refuse(self, refused):
        self.set_status(refused.status)
        if refused.status == 401:
            self.set_header("WWW-Authenticate", "token")
        if getattr(refused, "retry_after", None):
            self.set_header("Retry-After", str(refused.retry_after))
        self.finish({"error": refused.message})

    def write_error(self, status_code, **kwargs):
        error = kwargs.get("exc_info", (None, None))[1]
        message = getattr(error, "log_message", None) or self._reason
        self.finish({"error": message})

    def check_xsrf_cookie(self):
        """Checked in identify(), once the caller is known: a request with a token needs none (JupyterHub's rule),
        one authenticated by the hub's cookie does."""

    async def identify(self):
        caller = await self.service.identity.caller(self, self.run)
        if self.service.identity.hub and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            self.service.identity.auth.check_xsrf_cookie(self)
        return caller

    def assignment(self, name):
        if name not in self.service.assignments:
            raise Refused(404, f"no assignment {name!r} here; the service takes "
                               f"{', '.join(sorted(self.service.assignments))}")
        return self.service.assignments[name]


@web.stream_request_body
class Submissions(Handler):
    """POST a submission; GET the caller's own."""

    async def prepare(self):
        self.parts, self.size, self.refusal = [], 0, None
        if self.request.method != "POST":
            return
        limit = self.service.settings.max_notebook_bytes
        try:
            self.caller = await self.identify()
            assignment = self.assignment(self.path_args[0]).name
            declared = self.request.headers.get("Content-Length")
            if declared is not None and int(declared) > limit:
                raise Refused(413, f"the notebook is {int(declared):,} bytes; the largest accepted is {limit:,} bytes "
                                   "(clear its outputs, or ask your instructor)")
            self.late = await self.run(self.service.check_due, assignment, self.caller.student)
            too_many = await self.run(self.service.store.too_many, assignment, self.caller.student,
                                      self.service.settings.attempts_per_hour)
            if too_many:
                raise self.service.rate_refusal(too_many)
        except Refused as refused:
            self.refusal = refused
        except web.HTTPError as error:
            # The hub's xsrf check: refused, like the rest, once the body is read. Raised from here, Tornado would
            # answer before reading the body and then close the connection, which the hub's proxy may already be
            # reusing for the learner's next request: that one would come back "503 socket hang up".
            self.refusal = Refused(error.status_code, error.log_message or error.reason or "refused")
        except ValueError:  # a Content-Length that is not a number
            self.refusal = Refused(400, "the Content-Length header is not a number")
        # Keep at most the limit (data_received), read and drop up to DRAIN times it, then stop reading (Tornado
        # closes the connection): a body sent without its length is refused only once it has passed the limit.
        self.request.connection.set_max_body_size(limit * DRAIN)

    def data_received(self, chunk):
        self.size += len(chunk)
        if self.refusal is None and self.size > self.service.settings.max_notebook_bytes:
            limit = self.service.settings.max_notebook_bytes
            self.refusal = Refused(413, f"the notebook is over {limit:,} bytes, the largest accepted "
                                        "(clear its outputs, or ask your instructor)")
            self.parts = []
        if self.refusal is None:
            self.parts.append(chunk)

    async def post(self, name):
        if self.refusal is not None:
            return self.refuse(self.refusal)
        body = b"".join(self.parts)
        self.parts = []
        try:
            outcome = await self.run(self.service.accept, name, self.caller.student, body, self.late)
        except Refused as refused:
            return self.refuse(refused)
        self.service.grader.wake()
        self.set_status(202)
        self.finish({"id": outcome, "status": "queued"})

    async def get(self, name):
        try:
            caller = await self.identify()
            self.assignment(name)
        except Refused as refused:
            return self.refuse(refused)
        rows = await self.run(self.service.store.of_learner, name, caller.student)
        self.finish({"submissions": [view(row) for row in rows]})


class Submission(Handler):
    """GET one submission: its owner's, or anyone's for an instructor."""

    async def get(self, attempt_id):
        try:
            caller = await self.identify()
        except Refused as refused:
            return self.refuse(refused)
        row = await self.run(self.service.store.find, attempt_id)
        if row is None or (row["student"] != caller.student and not caller.instructor):
            # the same answer for another learner's submission as for none: ids are not confirmed to strangers
            return self.refuse(Refused(404, f"no submission {attempt_id!r} of yours"))
        notebook = self.service.assignments.get(row["assignment"])
        self.finish(view(row, feedback_page=f"{notebook.notebook[:-len('.ipynb')]}.html" if notebook else None))


class Home(Handler):
    async def get(self):
        try:
            caller = await self.identify()
        except Refused as refused:
            if self.service.identity.hub and refused.status == 401:
                return self.redirect(self.get_login_url())  # a browser: JupyterHub's OAuth login, then back here
            return self.refuse(refused)
        about = {"service": "gradlab grading", "assignments": sorted(self.service.assignments),
                 "student": caller.student, "instructor": caller.instructor}
        if self.service.identity.hub:
            token = self.xsrf_token  # for a POST authenticated by the hub's cookie
            about["xsrf_token"] = token.decode() if isinstance(token, bytes) else token
        self.finish(about)


class NotFound(Handler):
    def prepare(self):
        self.refuse(Refused(404, f"no such endpoint: {self.request.method} {self.request.path}"))


def view(row, feedback_page=None):
    """The API's view of a submission row (with the feedback page when `feedback_page` names it)."""
    tests = json.loads(row["tests"]) if row.get("tests") else []
    found = {"id": row["id"], "assignment": row["assignment"], "student": row["student"], "status": row["status"],
             "score": row["score"], "max_score": row["max_score"], "tests": tests,
             "late_penalty": row["late_penalty"], "received": catalog.iso(row["received"]),
             "graded": catalog.iso(row["graded_at"]), "error": row["error"] if row["status"] == "failed" else None}
    if feedback_page is not None:
        page = unpack(row["files"], "feedback").get(feedback_page) if row["status"] == "graded" else None
        found["feedback_html"] = page.decode("utf-8", "replace") if page is not None else None
    return found


def application(service, base_url="/"):
    """The Tornado application of the API under `base_url` (a JupyterHub service's prefix, or /)."""
    base = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
    routes = [(rf"{base}api/assignments/([^/]+)/submissions/?", Submissions),
              (rf"{base}api/submissions/([^/]+)/?", Submission),
              (rf"{base}?", Home)]
    handlers = [(path, _with_hub(cls) if service.identity.hub else cls, {"service": service}) for path, cls in routes]
    settings = {"default_handler_class": NotFound, "default_handler_args": {"service": service}}
    if service.identity.hub:
        from jupyterhub.services.auth import HubOAuthCallbackHandler

        handlers.append((rf"{base}oauth_callback", HubOAuthCallbackHandler))
        settings.update(cookie_secret=service.cookie_secret, hub_auth=service.identity.auth)
    return web.Application(handlers, **settings)


def _with_hub(cls):
    """The handler with JupyterHub's HubOAuthenticated mixed in (its login URL, OAuth state and xsrf token)."""
    from jupyterhub.services.auth import HubOAuthenticated

    class Hub(HubOAuthenticated, cls):
        @property
        def hub_auth(self):
            return self.service.identity.auth

        def check_xsrf_cookie(self):  # identify() checks it once the caller is known
            pass

    Hub.__name__ = cls.__name__
    return web.stream_request_body(Hub) if cls is Submissions else Hub
