"""console_api's endpoints, one module per area; ``all_routes`` is the table the API serves and documents.

The OpenAPI document's own route is declared here, beside the table it documents (declared in an area's
module, it would import this table back).
"""

from __future__ import annotations

from typing import Any

from shared.console.api.routing import PUBLIC, Call, Route


def openapi(call: Call) -> dict[str, Any]:
    from shared.console.api.openapi import openapi_document

    return openapi_document(all_routes())


OPENAPI = Route("GET", "/openapi.json", PUBLIC, "This document", openapi, tag="session")


def all_routes() -> list[Route]:
    from shared.console.api.endpoints import (
        catalogs,
        contacts,
        conversations,
        history,
        session,
        team,
        team_chat,
        workspace,
    )

    return [OPENAPI, *session.ROUTES, *conversations.ROUTES, *team.ROUTES, *team_chat.ROUTES, *catalogs.ROUTES,
            *contacts.ROUTES, *history.ROUTES, *workspace.ROUTES]
