"""console_api's endpoints, one module per area; ``all_routes`` is the table the API serves and documents."""

from __future__ import annotations

from shared.console.api.routing import Route


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

    return [*session.ROUTES, *conversations.ROUTES, *team.ROUTES, *team_chat.ROUTES, *catalogs.ROUTES,
            *contacts.ROUTES, *history.ROUTES, *workspace.ROUTES]
