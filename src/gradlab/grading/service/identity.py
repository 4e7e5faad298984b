"""Who is asking, from the request's credentials only (never from its body):

- standalone: `Authorization: token TOKEN`, a token the instructor issued from the roster (tokens.py);
- as a JupyterHub service: the hub's own API tokens (same header) and its OAuth login cookie, checked by
  JupyterHub's HubOAuth (jupyterhub.services.auth), which asks the hub who the token belongs to. Instructors are
  the members of c.GradingService.instructor_groups (default formgrade-COURSE_ID, nbgrader's graders' group).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from .intake import Refused
from .tokens import check_id, lookup


@dataclass(frozen=True)
class Caller:
    student: str
    instructor: bool


def header_token(handler):
    """The token of `Authorization: token TOKEN` (or `Bearer TOKEN`), or None."""
    kind, _, token = handler.request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if kind.lower() in ("token", "bearer") and token.strip() else None


class RosterTokens:
    """Standalone: tokens issued from the roster."""

    hub = False

    def __init__(self, store):
        self.store = store

    def describe(self):
        return "tokens issued from the roster (python -m gradlab.grading tokens)"

    async def caller(self, handler, run):
        token = header_token(handler)
        if token is None:
            raise Refused(401, "no token: send the header 'Authorization: token TOKEN' with the token your "
                               "instructor gave you")
        row = await run(lookup, self.store, token)
        if row is None:
            raise Refused(401, "the token is not one this course issued: check it, or ask your instructor for yours")
        if row.revoked is not None:
            raise Refused(401, "the token was revoked: ask your instructor for a new one")
        return Caller(row.student, row.role == "instructor")


class HubIdentity:
    """As a JupyterHub service: the hub's tokens and OAuth, through JupyterHub's HubOAuth."""

    hub = True

    def __init__(self, instructor_groups):
        missing = [name for name in ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_API_URL", "JUPYTERHUB_SERVICE_NAME")
                   if not os.environ.get(name)]
        if missing:
            raise ValueError(f"--hub: {', '.join(missing)} not set: start the service as a JupyterHub service "
                             "(c.JupyterHub.services = [{'name': ..., 'url': ..., 'command': [...]}]), which sets them")
        from jupyterhub.services.auth import HubOAuth

        self.auth = HubOAuth.instance(cache_max_age=60)  # the one JupyterHub's OAuth callback handler uses too
        self.instructor_groups = set(instructor_groups)

    def describe(self):
        return f"JupyterHub's tokens and OAuth (instructors: the hub groups {', '.join(sorted(self.instructor_groups))})"

    async def caller(self, handler, run):
        from jupyterhub.services.auth import UserNotAllowed

        model = await self.auth.get_user(handler, sync=False)
        if not model:
            raise Refused(401, "not logged in: open the service through JupyterHub, or send the header "
                               "'Authorization: token TOKEN' with a JupyterHub API token")
        try:
            model = handler.check_hub_user(model)
        except UserNotAllowed:
            raise Refused(403, f"{model.get('kind', 'user')} {model.get('name')!r} may not use this service: its "
                               f"token lacks the scope access:services!service={os.environ['JUPYTERHUB_SERVICE_NAME']}"
                          ) from None
        if model.get("kind", "user") != "user":
            raise Refused(403, f"{model.get('kind')} {model.get('name')!r} is not a learner: only users submit")
        try:
            student = check_id(model["name"], "your JupyterHub name")
        except ValueError as error:
            raise Refused(403, str(error)) from None
        return Caller(student, bool(self.instructor_groups & set(model.get("groups") or ())))
