"""The conversation, the central aggregate: its document, the verbs that change it, and its message log.

A ``Conversation`` is read from and written back to the ``conversations/{id}`` document; the use cases
change it only through its verbs (record an inbound message, a bot turn, an agent's reply or note; hold
it for agents and release it to the bot; mark it read; tag it), so each counter and timestamp is kept
in one place. Each verb that adds to the message log returns the typed entry it made; ``log_entry``
writes any of them, so their stored form is decided here too.

The stored format is the one the console, retention, the session rows and the history read: a field the
document does not have stays absent (None here), and fields this module does not know are kept as read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

from shared.conversations.store_names import CONVERSATIONS, messages_collection

if TYPE_CHECKING:
    from datetime import datetime

    from shared.agents.model import Ticket
    from shared.bots.turn_types import BotPosition
    from shared.messages.wire import InboundMessage, OutboundMessage
    from shared.ports.document_store import DocumentStore, Transaction

# The conversation's status: who answers the customer.
BOT, WITH_AGENT, CLOSED = "bot", "with_agent", "closed"


# --- The message log -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LogEntry:
    """One entry of ``conversations/{id}/messages``; its id is the message's. ``None``: not written."""

    direction: ClassVar[str]
    sender_type: ClassVar[str]

    def to_document(self) -> dict[str, Any]:
        """The stored entry: the kind of entry, then every field that is set."""
        written = {f.name: getattr(self, f.name) for f in fields(self)}
        return {"direction": self.direction, "sender_type": self.sender_type,
                **{name: value for name, value in written.items() if value is not None}}


@dataclass(frozen=True, kw_only=True)
class InboundEntry(LogEntry):
    """What the customer sent. ``language`` is recorded when the bot read it; ``ticket_id`` when people held
    the conversation then."""

    direction: ClassVar[str] = "inbound"
    sender_type: ClassVar[str] = "user"
    kind: str
    text: str
    payload: dict[str, Any]
    at: str
    session_id: str
    language: str | None = None
    ticket_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class BotReplyEntry(LogEntry):
    direction: ClassVar[str] = "outbound"
    sender_type: ClassVar[str] = "bot"
    kind: str
    text: str
    options: list[str]
    payload: dict[str, Any]
    at: str
    session_id: str
    intent: str


@dataclass(frozen=True, kw_only=True)
class SystemNoticeEntry(LogEntry):
    """What the platform told the customer about their ticket (place in line, their agent, closed hours)."""

    direction: ClassVar[str] = "outbound"
    sender_type: ClassVar[str] = "system"
    kind: str
    text: str
    payload: dict[str, Any]
    at: str
    session_id: str
    ticket_id: str


@dataclass(frozen=True, kw_only=True)
class AgentReplyEntry(LogEntry):
    direction: ClassVar[str] = "outbound"
    sender_type: ClassVar[str] = "agent"
    agent_id: str
    kind: str
    text: str
    options: list[str]
    payload: dict[str, Any]
    at: str
    session_id: str
    ticket_id: str


@dataclass(frozen=True, kw_only=True)
class NoteEntry(LogEntry):
    """A private note of the team: shown in the console, never sent."""

    direction: ClassVar[str] = "internal"
    sender_type: ClassVar[str] = "note"
    agent_id: str
    kind: str = "text"
    text: str
    at: str


# What the provider reports of an outbound message, in the only order it moves (read before delivered can
# arrive out of order; a later report never moves a message back).
DELIVERY_STATUS_ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


def with_delivery_status(logged: dict[str, Any], status: str, at: str,
                         failure_reason: str = "") -> dict[str, Any] | None:
    """A logged outbound message with a provider's status report (``{status}_at``, and why it failed); None
    when the report would move it back."""
    if DELIVERY_STATUS_ORDER.get(status, 0) <= DELIVERY_STATUS_ORDER.get(logged.get("status", ""), 0):
        return None
    updated = {**logged, "status": status, f"{status}_at": at}
    if failure_reason:
        updated["failure_reason"] = failure_reason
    return updated


def with_failed_delivery(logged: dict[str, Any], reason: str) -> dict[str, Any]:
    """A logged outbound message the channel will never deliver, and why."""
    return {**logged, "status": "failed", "failure_reason": reason}


def log_entry(tx: Transaction, conversation_id: str, message_id: str, entry: LogEntry) -> dict[str, Any]:
    """Write ``entry`` in the conversation's message log; returns the stored document."""
    document = entry.to_document()
    tx.set(messages_collection(conversation_id), message_id, document)
    return document


# --- The conversation ------------------------------------------------------------------------------------


@dataclass
class Conversation:
    """A conversation's document (``id`` is its document id, not a field of it)."""

    id: str
    workspace_id: str | None = None
    channel: str | None = None
    account: str | None = None
    contact: str | None = None  # the customer's address on the channel
    bot_id: str | None = None  # the channel's bot (the one in charge is in ``bot``)
    status: str | None = None  # BOT, WITH_AGENT or CLOSED
    created_at: str | None = None
    updated_at: str | None = None  # inboxes and the retention purge follow changes by it
    message_count: int | None = None
    last_message_at: str | None = None  # the customer's last message (the channels' reply windows)
    last_agent_message_at: str | None = None
    language: str | None = None  # the customer's, as last detected: routes a hand-off
    contact_id: str | None = None
    contact_name: str | None = None
    bot: dict[str, Any] | None = None  # the bot's position (shared.bots.turn_types.BotPosition)
    tags: list[str] | None = None
    session: dict[str, Any] | None = None  # the current session's summary (shared.conversations.sessions)
    ticket_id: str | None = None  # the open ticket people hold it with ("": none); the bot is silent meanwhile
    agent: str | None = None
    queue: str | None = None
    ticket_status: str | None = None
    invited: str | None = None
    unread: int | None = None  # customer messages no agent has read yet
    other: dict[str, Any] = field(default_factory=dict)  # fields this model does not know, kept as read

    # -- the document

    @classmethod
    def from_document(cls, conversation_id: str, data: dict[str, Any]) -> Conversation:
        known = {f.name for f in fields(cls)} - {"id", "other"}
        # A known field stored as null is kept as read too (None here means "not in the document").
        return cls(id=conversation_id, **{k: v for k, v in data.items() if k in known and v is not None},
                   other={k: v for k, v in data.items() if k not in known or v is None})

    def to_document(self) -> dict[str, Any]:
        written = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("id", "other")}
        return {**self.other, **{k: v for k, v in written.items() if v is not None}}

    @classmethod
    def read(cls, tx: Transaction | DocumentStore, conversation_id: str) -> Conversation | None:
        data = tx.get(CONVERSATIONS, conversation_id)
        return None if data is None else cls.from_document(conversation_id, data)

    def save(self, tx: Transaction | DocumentStore) -> None:
        tx.set(CONVERSATIONS, self.id, self.to_document())

    @classmethod
    def start(cls, message: InboundMessage, now: datetime) -> Conversation:
        """The conversation a customer's first message opens, with the channel's bot."""
        return cls(id=message.conversation_id, workspace_id=message.workspace_id, channel=message.channel,
                   account=message.account, contact=message.contact, bot_id=message.bot_id, status=BOT,
                   created_at=now.isoformat(), message_count=0)

    @classmethod
    def start_outreach(cls, conversation_id: str, *, workspace_id: str, channel: str, account: str, contact: str,
                       bot_id: str, contact_id: str, contact_name: str, now: str) -> Conversation:
        """The conversation an agent opens with a known contact (shared.conversations.outreach)."""
        return cls(id=conversation_id, workspace_id=workspace_id, channel=channel, account=account, contact=contact,
                   bot_id=bot_id, status=BOT, created_at=now, message_count=0, contact_id=contact_id,
                   contact_name=contact_name, updated_at=now)

    # -- what it is

    @property
    def held_by_people(self) -> bool:
        """An open ticket holds it: the bot stays silent."""
        return bool(self.ticket_id)

    @property
    def session_id(self) -> str:
        """The bot's current session ("" before the first)."""
        return (self.bot or {}).get("session_id", "")

    # -- verbs

    def _count_message(self, messages: int = 1) -> None:
        self.message_count = (self.message_count or 0) + messages

    def record_inbound(self, message: InboundMessage, *, session_id: str, language: str,
                       contact_id: str) -> InboundEntry:
        """A customer's message the bot reads (its turn is recorded apart, by ``record_bot_turn``)."""
        self.last_message_at = message.received_at
        self.language = language  # routes a hand-off to agents who speak it
        if contact_id:
            self.contact_id = contact_id
        self._count_message()
        if message.contact_name:
            self.contact_name = message.contact_name
        return InboundEntry(kind=message.kind, text=message.text, payload=message.payload, at=message.received_at,
                            session_id=session_id, language=language)

    def record_inbound_for_agents(self, message: InboundMessage, now: datetime) -> InboundEntry:
        """A customer's message while people hold the conversation: logged for them, counted unread until an
        agent reads the conversation."""
        entry = InboundEntry(kind=message.kind, text=message.text, payload=message.payload, at=message.received_at,
                             session_id=self.session_id, ticket_id=self.ticket_id or "")
        self.last_message_at = message.received_at
        self.updated_at = now.isoformat()
        self._count_message()
        self.unread = (self.unread or 0) + 1
        return entry

    def record_unanswered_inbound(self, message: InboundMessage, now: datetime) -> InboundEntry:
        """A reaction or an edit: logged, not counted, answered by nobody."""
        self.updated_at = now.isoformat()  # agents' inboxes and the retention purge follow changes by it
        return InboundEntry(kind=message.kind, text=message.text, payload=message.payload, at=message.received_at,
                            session_id=self.session_id)

    def record_bot_turn(self, position: BotPosition, bot_id: str, replies: list[OutboundMessage],
                        now: datetime) -> list[BotReplyEntry]:
        """The bot's turn: its new position, the tags it keeps, who answers next, and its replies."""
        self.bot = position.to_dict()
        self.bot_id = bot_id
        self.updated_at = now.isoformat()
        self.tags = list(position.tags)
        self.status = WITH_AGENT if position.handoff else CLOSED if position.closed else BOT
        self._count_message(len(replies))
        return [BotReplyEntry(kind=r.kind, text=r.text, options=r.options, payload=r.payload, at=r.created_at,
                              session_id=position.session_id, intent=r.intent) for r in replies]

    def record_agent_reply(self, message: OutboundMessage, *, agent_id: str, ticket_id: str) -> AgentReplyEntry:
        """An agent's message to the customer: the conversation is read, and the session's first response
        time is taken from the first one."""
        now = message.created_at
        if self.session and not self.session.get("first_agent_reply_at"):
            self.session["first_agent_reply_at"] = now
        self.updated_at = now
        self.unread = 0
        self.last_agent_message_at = now
        self._count_message()
        return AgentReplyEntry(agent_id=agent_id, kind=message.kind, text=message.text, options=message.options,
                               payload=message.payload, at=now, session_id=message.session_id, ticket_id=ticket_id)

    def record_note(self, *, agent_id: str, text: str, now: str) -> NoteEntry:
        self.updated_at = now
        return NoteEntry(agent_id=agent_id, text=text, at=now)

    def record_system_notice(self, message: OutboundMessage, ticket_id: str) -> SystemNoticeEntry:
        """What the platform tells the customer about their ticket (not counted: it is not a conversation turn)."""
        return SystemNoticeEntry(kind=message.kind, text=message.text, payload=message.payload, at=message.created_at,
                                 session_id=message.session_id, ticket_id=ticket_id)

    def hold_for_agents(self, ticket: Ticket, now: datetime) -> None:
        """An open ticket holds the conversation: the bot stays silent while it is open."""
        self.updated_at = now.isoformat()
        self.ticket_id, self.status, self.agent = ticket.id, WITH_AGENT, ticket.agent
        self.queue, self.ticket_status, self.invited = ticket.queue, ticket.status, ticket.invited

    def release(self, ticket: Ticket, now: datetime) -> None:
        """A ticket closed: the customer is the bot's again (unless a newer ticket holds the conversation)."""
        self.updated_at = now.isoformat()
        if self.ticket_id not in (ticket.id, "", None):
            return
        self.ticket_id, self.status, self.agent, self.ticket_status = "", BOT, "", ticket.status
        self.unread, self.invited = 0, ""
        self.bot = {**(self.bot or {}), "handoff": None}

    def mark_read(self) -> bool:
        """An agent read the conversation; False when nothing was unread."""
        if not self.unread:
            return False
        self.unread = 0
        return True

    def forget_personal_details(self) -> bool:
        """Retention: the name the channel gave and the bot's variables (answers to its questions) emptied;
        False when there was nothing left to forget, so a second purge changes nothing."""
        changed = False
        if self.contact_name:
            self.contact_name, changed = "", True
        if isinstance(self.bot, dict) and self.bot.get("variables"):
            self.bot, changed = {**self.bot, "variables": {}}, True
        return changed

    def unlink_contact(self, contact_id: str) -> bool:
        """The contact was deleted: the customer's next message makes a new one. False if not linked to it."""
        if not contact_id or self.contact_id != contact_id:
            return False
        self.contact_id = ""
        return True

    def tag(self, tags: list[str], now: str) -> None:
        """The conversation's tags, kept in the bot's position too so that its next turn keeps them."""
        self.tags = list(tags)
        self.bot = {**(self.bot or {}), "tags": list(tags)}
        self.updated_at = now
