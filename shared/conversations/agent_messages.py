"""What agents write in a conversation: replies to the customer and private notes.

Clear ownership: while a ticket is open only its assignee, or a supervisor,
writes to the customer; a NEW ticket becomes IN_PROGRESS when its assignee first
answers. A reply is one transaction writing the message log, the conversation
and the outbox (the outbound topic); the client's own message id makes a retried
request send nothing twice. Notes are logged and never leave the console.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.agents.model import NEW, TICKETS, Ticket
from shared.conversations.access import REFUSAL as ACCESS_REFUSAL
from shared.conversations.access import agent_reaches
from shared.conversations.handover import agent_desk
from shared.conversations.model import Conversation, log_entry
from shared.conversations.store_names import CONVERSATIONS, OPEN_TICKET, messages_collection
from shared.events import topics
from shared.events.outbox import Outbox, OutboxEntry
from shared.kernel.errors import Forbidden, InvalidInput, NotFound
from shared.messages.ids import stable_hash
from shared.messages.wire import OutboundMessage
from shared.ports.context import ConversationPorts, StateAndTime
from shared.ports.document_store import Transaction

MAX_TEXT_CHARS = 4096
REPLY_KINDS = ("text", "media", "buttons", "template")


@dataclass(frozen=True)
class Author:
    """Who writes: an agent of a workspace; supervisors (and admins) may write in any chat of it."""

    workspace_id: str
    agent_id: str
    name: str = ""
    supervises: bool = False


def _of_workspace(ports: StateAndTime, author: Author, conversation_id: str) -> dict[str, Any]:
    conversation = ports.store.get(CONVERSATIONS, conversation_id)
    if conversation is None or conversation.get("workspace_id") != author.workspace_id:
        raise NotFound(f"conversation {conversation_id!r} does not exist")
    return conversation


def conversation_of(ports: StateAndTime, author: Author, conversation_id: str) -> dict[str, Any]:
    """The conversation, if the author reaches it (shared.conversations.access): another workspace's is
    reported as missing (404); one of their own workspace that an agent does not reach is Forbidden (403),
    as every console refusal of a colleague's chat is, with the same words whatever the chat holds."""
    conversation = _of_workspace(ports, author, conversation_id)
    if not author.supervises and not agent_reaches(ports.store, author.workspace_id, author.agent_id,
                                                   conversation_id, conversation):
        raise Forbidden(ACCESS_REFUSAL.format(id=conversation_id))
    return conversation


def held_ticket(ports: StateAndTime, author: Author, conversation_id: str) -> Ticket:
    """The conversation's open ticket, if the author may act on it: its agent, or a supervisor (who both
    reach the conversation, so its holder is what the refusal names)."""
    conversation = _of_workspace(ports, author, conversation_id)
    ticket_id = conversation.get(OPEN_TICKET)
    data = ports.store.get(TICKETS, ticket_id) if ticket_id else None
    ticket = Ticket.from_dict(data) if data else None
    if ticket is None or not ticket.is_open:
        raise InvalidInput(f"conversation {conversation_id!r} has no open ticket: the bot holds it; start a"
                           " conversation with an approved template instead")
    if ticket.agent != author.agent_id and not author.supervises:
        holder = f"is held by agent {ticket.agent!r}" if ticket.agent else "waits in its queue"
        raise Forbidden(f"conversation {conversation_id!r} {holder}; only its agent or a supervisor may reply")
    return ticket


def _check_text(text: str, kind: str, payload: dict[str, Any]) -> None:
    if kind not in REPLY_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(REPLY_KINDS)}, got {kind!r}")
    if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"text must be a string of at most {MAX_TEXT_CHARS} characters")
    if kind == "text" and not text.strip():
        raise InvalidInput("text must not be empty")
    if kind == "media" and not (isinstance(payload.get("url"), str) and payload["url"].startswith("https://")):
        raise InvalidInput("payload.url must be the https:// address of the file to send")
    if kind == "template" and not (payload.get("name") and payload.get("language")):
        raise InvalidInput("payload: a template needs its approved name and language")


def reply_as_agent(ports: ConversationPorts, author: Author, conversation_id: str, text: str, *,
                   client_message_id: str, kind: str = "text", payload: dict[str, Any] | None = None,
                   quote: str = "", options: list[str] | None = None) -> OutboundMessage:
    """Send the customer a message from the agent; returns it (the same one for a retried request)."""
    payload = dict(payload or {})
    _check_text(text, kind, payload)
    if not client_message_id or len(client_message_id) > 100:
        raise InvalidInput("client_message_id must be a non-empty string of at most 100 characters")
    ticket = held_ticket(ports, author, conversation_id)
    conversation = conversation_of(ports, author, conversation_id)
    if quote:
        quoted = ports.store.get(messages_collection(conversation_id), quote)
        if quoted is None:
            raise InvalidInput(f"quote: message {quote!r} is not in this conversation")
        payload["reply_to"] = {"message_id": quote, "provider_message_id": quoted.get("provider_message_id", ""),
                               "text": quoted.get("text", "")[:200]}
    # Taking the ticket is a write: only once the request is known to be good, so a refused one changes nothing.
    if ticket.status == NEW and ticket.agent == author.agent_id:
        agent_desk(ports).take(ticket.id, author.agent_id)
    message_id = f"ag_{stable_hash(author.workspace_id, author.agent_id, client_message_id)}"
    outbox = Outbox(ports.store, ports.bus, ports.clock, ports.scheduler)

    def write(tx: Transaction) -> OutboundMessage:
        existing = tx.get(messages_collection(conversation_id), message_id)
        current = Conversation.read(tx, conversation_id) or Conversation.from_document(conversation_id, conversation)
        if existing is not None:
            return _logged_as_outbound(existing, message_id, current)
        if current.ticket_id != ticket.id:
            raise InvalidInput(f"conversation {conversation_id!r}: its ticket closed meanwhile")
        now = ports.clock.now().isoformat()
        message = OutboundMessage(
            message_id=message_id, workspace_id=author.workspace_id, conversation_id=conversation_id,
            session_id=current.session_id, channel=current.channel, account=current.account,
            recipient=current.contact, kind=kind, text=text, created_at=now, options=list(options or []),
            sender_type="agent", payload={**payload, "agent_id": author.agent_id, "agent_name": author.name})
        log_entry(tx, conversation_id, message_id,
                  current.record_agent_reply(message, agent_id=author.agent_id, ticket_id=ticket.id))
        current.save(tx)
        outbox.stage(tx, conversation_id, [OutboxEntry(key=f"{topics.OUTBOUND}:{message_id}",
                                                       topic=topics.OUTBOUND, data=message.to_json(),
                                                       ordering_key=conversation_id)])
        return message

    message = ports.store.run_transaction(write)
    outbox.flush(conversation_id)
    return message


def _logged_as_outbound(logged: dict[str, Any], message_id: str, conversation: Conversation) -> OutboundMessage:
    return OutboundMessage(
        message_id=message_id, workspace_id=conversation.workspace_id, conversation_id=conversation.id,
        session_id=logged.get("session_id", ""), channel=conversation.channel, account=conversation.account,
        recipient=conversation.contact, kind=logged["kind"], text=logged["text"], created_at=logged["at"],
        options=list(logged.get("options") or []), sender_type="agent", payload=dict(logged.get("payload") or {}))


def add_private_note(ports: StateAndTime, author: Author, conversation_id: str, text: str, *,
                     client_message_id: str) -> dict[str, Any]:
    """A note for the team, shown in the conversation and never sent to the customer."""
    _check_text(text, "text", {})
    conversation_of(ports, author, conversation_id)
    note_id = f"pn_{stable_hash(author.workspace_id, author.agent_id, 'note', client_message_id)}"
    now = ports.clock.now().isoformat()

    def write(tx: Transaction) -> dict[str, Any]:
        existing = tx.get(messages_collection(conversation_id), note_id)
        if existing is not None:
            return {"message_id": note_id, **existing}
        current = Conversation.read(tx, conversation_id) or Conversation(conversation_id)
        entry = current.record_note(agent_id=author.agent_id, text=text, now=now)
        note = log_entry(tx, conversation_id, note_id, entry)
        current.save(tx)
        return {"message_id": note_id, **note}

    return ports.store.run_transaction(write)


def mark_read(ports: StateAndTime, author: Author, conversation_id: str) -> None:
    """The agent has seen the conversation: its unread count goes back to zero."""
    conversation_of(ports, author, conversation_id)

    def write(tx: Transaction) -> None:
        current = Conversation.read(tx, conversation_id) or Conversation(conversation_id)
        if current.mark_read():
            current.save(tx)

    ports.store.run_transaction(write)
