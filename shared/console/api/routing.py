"""Routes: method, path template, the least role allowed, the body's fields, and the handler."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.console.api.fields import Field
from shared.console.sign_in import Principal
from shared.conversations.agent_messages import Author

if TYPE_CHECKING:  # services.py builds every use case; routes only name its type
    from shared.console.api.services import ConsoleServices

PUBLIC, AGENT, SUPERVISOR, ADMIN = "public", "agent", "supervisor", "admin"
ROLE_RANK = {AGENT: 1, SUPERVISOR: 2, ADMIN: 3}  # each role can do what the ones below it can
# A path parameter: one segment of printable text (the framework routes no path with control characters).
PATH_SEGMENT = Field("string", required=True, min_length=1, pattern=r"[^/\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Reply:
    """A handler's answer other than plain JSON with 200 (a status, or a file such as a CSV)."""

    body: Any = None
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One request, as a handler sees it: who calls, the path's parameters, the query and the body."""

    services: ConsoleServices
    principal: Principal  # None on public routes (which never read it)
    params: dict[str, str]
    query: dict[str, str]
    body: dict[str, Any]
    client_address: str = ""  # the caller's address, as console_api's entry point trusts it

    def author(self) -> Author:
        """The caller as the conversation use cases know them: supervisors reach every chat of their workspace."""
        p = self.principal
        return Author(p.workspace_id, p.agent_id, p.name, supervises=ROLE_RANK[p.role] >= ROLE_RANK[SUPERVISOR])

    @property
    def workspace_id(self) -> str:
        return self.principal.workspace_id


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # "/conversations/{conversation_id}/replies"
    role: str
    summary: str
    handler: Handler
    body: dict[str, Field] = field(default_factory=dict)
    query: dict[str, Field] = field(default_factory=dict)
    tag: str = ""
    produces: str = "application/json"
    also_produces: tuple[str, ...] = ()  # other content types of its 200 (a report as CSV when asked)
    params: dict[str, Field] = field(default_factory=dict)  # path parameters with more than PATH_SEGMENT's rule
    statuses: tuple[int, ...] = ()  # statuses beyond those every route of its kind answers (e.g. 429)
    # Rules between body fields that single declarations cannot say, as JSON Schema (if/then, anyOf);
    # stated in the OpenAPI document, enforced by the use case behind the route.
    body_rules: tuple[dict[str, Any], ...] = ()
    body_required: bool = False  # a body must be sent although no single field is required (see body_rules)

    def param(self, name: str) -> Field:
        return self.params.get(name, PATH_SEGMENT)

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path) + "$")

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


def find_route(routes: list[Route], method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
    """The route for ``method path`` and its path parameters; else the methods that path allows."""
    allowed = []
    for route in routes:
        found = route.pattern.match(path)
        if found is None:
            continue
        if route.method == method:
            return route, found.groupdict(), []
        allowed.append(route.method)
    return None, {}, allowed
