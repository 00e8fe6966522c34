"""The agents' inbox: conversations people hold or wait for, filtered, searched and followed live.

Views: ``assigned`` (the caller's open chats), ``invited`` (invite mode: chats offered to the caller),
``queued`` (waiting in the caller's queues), ``all``
(supervisors: every conversation of the workspace that ever had a ticket). Filters combine: tag,
variable (name=value), agent, channel, ticket status, and a date range on the last activity; ``search``
matches the contact's address (phone) or name. ``since`` returns only conversations changed after a
cursor (the ``cursor`` of a previous answer) for live updates, and in ``left`` those that changed and
are no longer in the view (resolved, transferred, taken by someone else), so a list drops them at once.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass
from typing import Any

from shared.agents.model import NEW, OPEN_STATUSES, TICKET_STATUSES
from shared.channels.webchat import shown_address
from shared.conversations.access import WAITING, queues_of
from shared.conversations.store_names import CONVERSATIONS, OPEN_TICKET
from shared.kernel.errors import Forbidden, InvalidInput
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter

VIEWS = ("assigned", "invited", "queued", "all")
MAX_PAGE = 200


@dataclass(frozen=True)
class InboxQuery:
    view: str = "assigned"
    tag: str = ""
    variable: str = ""  # "name=value"
    agent: str = ""
    channel: str = ""
    ticket_status: str = ""
    updated_from: str = ""  # ISO instants, inclusive / exclusive
    updated_to: str = ""
    search: str = ""
    since: str = ""  # a cursor
    limit: int = 50

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise InvalidInput(f"view must be one of {', '.join(VIEWS)}, got {self.view!r}")
        if self.ticket_status and self.ticket_status not in TICKET_STATUSES:
            raise InvalidInput(f"ticket_status must be one of {', '.join(TICKET_STATUSES)}")
        if self.variable and "=" not in self.variable:
            raise InvalidInput("variable must be written name=value")
        if not 1 <= self.limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def summary(doc_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """What the inbox shows of a conversation."""
    return {
        "conversation_id": doc_id, "channel": data.get("channel", ""),
        "contact": shown_address(data.get("channel", ""), data.get("contact", "")),
        "contact_name": data.get("contact_name", ""), "status": data.get("status", ""),
        "ticket_id": data.get(OPEN_TICKET, ""), "ticket_status": data.get("ticket_status", ""),
        "agent": data.get("agent", ""), "invited": data.get("invited", ""), "queue": data.get("queue", ""),
        "tags": list(data.get("tags") or []),
        "unread": data.get("unread", 0), "last_message_at": data.get("last_message_at", ""),
        "updated_at": data.get("updated_at", ""),
    }


def _matches(data: dict[str, Any], condition: Filter) -> bool:
    """``condition`` evaluated on a document read already (the view's filters only use these operators)."""
    value = data.get(condition.field)
    if condition.op == "==":
        return value == condition.value
    if condition.op == "in":
        return value in condition.value
    if condition.op == "array_contains":
        return isinstance(value, list) and condition.value in value
    raise ValueError(f"the inbox's views do not use {condition.op!r}")


class Inbox:
    def __init__(self, store: DocumentStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def list(self, workspace_id: str, agent_id: str, supervises: bool, query: InboxQuery) -> dict[str, Any]:
        """``{"conversations": [...], "cursor": ..., "unread": total}``, the most recently changed first."""
        if query.view == "all" and not supervises:
            raise Forbidden("the 'all' view is for supervisors; agents see 'assigned' and 'queued'")
        if query.agent and not supervises and query.agent != agent_id:
            raise Forbidden("agents filter by their own chats only")
        cursor = self._clock.now().isoformat()
        view = self._view_filters(workspace_id, agent_id, query)
        changed: list[Any] = []
        if query.since:
            # Live updates read only what changed; the view's filters are applied here, so a conversation
            # that changed and no longer belongs (resolved, moved to someone else) is reported as left.
            changed = self._store.query(CONVERSATIONS, [Filter("workspace_id", "==", workspace_id),
                                                         Filter("updated_at", ">", query.since)])
            documents = [d for d in changed if all(_matches(d.data, f) for f in view)]
        else:
            documents = self._store.query(CONVERSATIONS, view)
        queues = self._my_queues(workspace_id, agent_id) if query.view == "queued" and not supervises else None
        rows = [(d.id, d.data) for d in documents if self._keeps(d.data, query, queues)]
        left = sorted({d.id for d in changed} - {i for i, _ in rows})[:MAX_PAGE]
        rows.sort(key=lambda row: row[1].get("updated_at", ""), reverse=True)
        return {"conversations": [summary(i, data) for i, data in rows[:query.limit]], "cursor": cursor,
                "unread": sum(data.get("unread", 0) for _, data in rows), "left": left}

    @staticmethod
    def _view_filters(workspace_id: str, agent_id: str, query: InboxQuery) -> list[Filter]:
        filters = [Filter("workspace_id", "==", workspace_id)]
        if query.view == "assigned":
            filters += [Filter("agent", "==", agent_id), Filter("ticket_status", "in", list(OPEN_STATUSES))]
        elif query.view == "invited":
            filters += [Filter("invited", "==", agent_id), Filter("ticket_status", "==", NEW)]
        elif query.view == "queued":
            filters += list(WAITING)  # the same chats an agent reaches as waiting in their queues
        else:
            filters.append(Filter("ticket_status", "in", list(TICKET_STATUSES)))
        if query.channel:
            filters.append(Filter("channel", "==", query.channel))
        if query.tag:
            filters.append(Filter("tags", "array_contains", query.tag))
        if query.agent and query.view == "all":
            filters.append(Filter("agent", "==", query.agent))
        return filters

    def wait_for_changes(self, workspace_id: str, agent_id: str, supervises: bool, query: InboxQuery,
                         wait_s: float, poll_s: float = 0.5) -> dict[str, Any]:
        """A long poll: answer as soon as something changed after ``query.since``, or empty after ``wait_s``."""
        deadline = time.monotonic() + wait_s
        while True:
            answer = self.list(workspace_id, agent_id, supervises, query)
            if answer["conversations"] or answer["left"] or time.monotonic() >= deadline:
                return answer
            time.sleep(poll_s)

    def _my_queues(self, workspace_id: str, agent_id: str) -> set[str]:
        return queues_of(self._store, workspace_id, agent_id)

    @staticmethod
    def _keeps(data: dict[str, Any], query: InboxQuery, queues: set[str] | None) -> bool:
        if queues is not None and data.get("queue") not in queues:
            return False
        if query.ticket_status and data.get("ticket_status") != query.ticket_status:
            return False
        updated = data.get("updated_at", "")
        if query.since and updated <= query.since:
            return False
        if query.updated_from and updated < query.updated_from:
            return False
        if query.updated_to and updated >= query.updated_to:
            return False
        if query.variable:
            name, _, value = query.variable.partition("=")
            variables = (data.get("bot") or {}).get("variables") or {}
            if str(variables.get(name.strip(), "")) != value.strip():
                return False
        if query.search:
            wanted = _folded(query.search.strip())
            digits = "".join(c for c in wanted if c.isdigit())
            address = "".join(c for c in str(data.get("contact", "")) if c.isdigit())
            by_phone = len(digits) >= 4 and digits in address
            if not by_phone and wanted not in _folded(str(data.get("contact_name", ""))):
                return False
        return True
