"""Which conversations of a workspace a person of the console reaches.

Supervisors and admins reach all of their workspace's. An agent reaches a conversation assigned or
offered to them, waiting in one of their queues (the inbox's "queued" view), or one they took part in:
they wrote in it (a reply or a note), or one of its tickets names them (held, invited, passed on, or
any step of its timeline done by or for them). Everything else is refused with the same words whatever
it holds, so an agent learns nothing of their colleagues' conversations but that they exist (a reply
refused is the exception: it says who holds the chat, as it always did).
"""

from __future__ import annotations

from typing import Any

from shared.agents.model import AGENTS, NEW, TICKETS, Agent, agent_doc_id
from shared.conversations.store_names import messages_collection
from shared.ports.document_store import DocumentStore, Filter

# The inbox's "queued" view: a chat people will take, not held by anyone yet (the queue is checked apart,
# against the caller's queues).
WAITING = (Filter("agent", "==", ""), Filter("ticket_status", "==", NEW))
# The keys of a ticket's timeline entries that name an agent (who did the step, and who it was for).
_TIMELINE_AGENT_KEYS = ("by", "agent")

REFUSAL = ("conversation {id!r} is not one of yours: agents reach the conversations assigned to them, waiting"
           " in their queues, or that they took part in")


def waits_in(conversation: dict[str, Any], queues: set[str] | frozenset[str]) -> bool:
    """Whether the conversation waits, unheld, in one of ``queues``."""
    return all(conversation.get(f.field) == f.value for f in WAITING) and conversation.get("queue") in queues


def queues_of(store: DocumentStore, workspace_id: str, agent_id: str) -> set[str]:
    data = store.get(AGENTS, agent_doc_id(workspace_id, agent_id))
    return set(Agent.from_dict(data).queues) if data else set()


def agent_reaches(store: DocumentStore, workspace_id: str, agent_id: str, conversation_id: str,
                  conversation: dict[str, Any]) -> bool:
    """Whether an agent (not a supervisor) reaches this conversation of their workspace; cheapest checks first."""
    if agent_id in (conversation.get("agent"), conversation.get("invited")):
        return True
    if waits_in(conversation, queues_of(store, workspace_id, agent_id)):
        return True
    tickets = store.query(TICKETS, [Filter("conversation_id", "==", conversation_id)])
    for doc in tickets:
        ticket = doc.data
        if ticket.get("workspace_id") != workspace_id:
            continue
        if agent_id in (ticket.get("agent"), ticket.get("invited"), ticket.get("reserved_for")) or (
                agent_id in (ticket.get("passed") or ())):
            return True
        if any(entry.get(key) == agent_id for entry in ticket.get("history") or () for key in _TIMELINE_AGENT_KEYS):
            return True
    written = store.query(messages_collection(conversation_id), [Filter("agent_id", "==", agent_id)], limit=1)
    return bool(written)
