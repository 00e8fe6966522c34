"""The workspace's catalogs: quick replies (agents search them; admins manage), pause reasons, typifications."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from shared.console.api.fields import Field, text
from shared.console.api.routing import ADMIN, AGENT, Call, Route
from shared.kernel.limits import MAX_TEMPLATE_PARAMETERS
from shared.workspaces.catalogs import (
    CATEGORY_MAX,
    ENTRY_ID_PATTERN,
    LABEL_MAX,
    MAX_TEMPLATE_LANGUAGE,
    QUICK_REPLY_TEXT_MAX,
    SHORTCUT_PATTERN,
    TITLE_MAX,
    MessageTemplate,
    PauseReason,
    QuickReply,
    Typification,
)


def _catalog_routes(path: str, service: str, kind: type, fields: dict[str, Field],
                    listing: Callable[[Call], list[Any]], noun: str) -> list[Route]:
    """List (any signed-in user), create, edit and delete (admins) for one catalog."""

    def catalog(call: Call) -> Any:
        return getattr(call.services, service)

    def list_entries(call: Call) -> dict[str, Any]:
        return {"items": [entry.to_dict() for entry in listing(call)]}

    def create_entry(call: Call) -> dict[str, Any]:
        return catalog(call).save(kind(workspace_id=call.workspace_id, **call.body)).to_dict()

    def edit_entry(call: Call) -> dict[str, Any]:
        current = catalog(call).get(call.workspace_id, call.params["entry_id"])
        return catalog(call).save(kind(**{**current.to_dict(), **call.body})).to_dict()

    def delete_entry(call: Call) -> dict[str, Any]:
        catalog(call).delete(call.workspace_id, call.params["entry_id"])
        return {"deleted": call.params["entry_id"]}

    for handler, verb in ((list_entries, "list"), (create_entry, "create"), (edit_entry, "edit"),
                          (delete_entry, "delete")):
        handler.__name__ = f"{verb}_{service}"
    optional = {name: replace(f, required=False) for name, f in fields.items()}
    entry = {"entry_id": Field("string", required=True, pattern=ENTRY_ID_PATTERN)}
    return [
        Route("GET", f"/{path}", AGENT, f"The workspace's {noun}s", list_entries, tag="catalogs",
              query={"search": Field("string"), "category": Field("string")} if service == "quick_replies" else {}),
        Route("POST", f"/{path}", ADMIN, f"Create a {noun}", create_entry, body=fields, tag="catalogs"),
        Route("PUT", f"/{path}/{{entry_id}}", ADMIN, f"Edit a {noun}", edit_entry, body=optional, tag="catalogs",
              params=entry),
        Route("DELETE", f"/{path}/{{entry_id}}", ADMIN, f"Delete a {noun}", delete_entry, tag="catalogs",
              params=entry),
    ]


def _quick_replies(call: Call) -> list[Any]:
    book = call.services.quick_replies
    if call.query.get("search"):
        return book.search(call.workspace_id, call.query["search"])
    return book.list(call.workspace_id, call.query.get("category") or None)


ROUTES = [
    *_catalog_routes("quick_replies", "quick_replies", QuickReply, {
        "shortcut": Field("string", required=True, pattern=SHORTCUT_PATTERN, description="typed after '/' in the"
                                                                                         " reply box"),
        "title": text(TITLE_MAX, required=True), "text": text(QUICK_REPLY_TEXT_MAX, required=True),
        "category": text(CATEGORY_MAX, blank=True),
    }, _quick_replies, "quick reply"),
    *_catalog_routes("pause_reasons", "pause_reasons", PauseReason, {
        "label": text(LABEL_MAX, required=True),
        "counts_as_productive": Field("boolean"), "active": Field("boolean"),
    }, lambda call: call.services.pause_reasons.list(call.workspace_id), "pause reason"),
    *_catalog_routes("typifications", "typifications", Typification, {
        "name": text(LABEL_MAX, required=True), "active": Field("boolean"),
    }, lambda call: call.services.typifications.list(call.workspace_id), "typification"),
    *_catalog_routes("templates", "templates", MessageTemplate, {
        "name": text(LABEL_MAX, required=True, description="as the provider approved it"),
        "language": text(MAX_TEMPLATE_LANGUAGE, required=True), "text": text(QUICK_REPLY_TEXT_MAX, required=True),
        "parameters": Field("integer", minimum=0, maximum=MAX_TEMPLATE_PARAMETERS), "active": Field("boolean"),
    }, lambda call: call.services.templates.list(call.workspace_id), "approved template"),
]
