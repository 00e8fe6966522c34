"""A seeded month of history: March 2026 of two workspaces, as rows of the sessions, events and messages
tables, built from the small spec below.

Each chat is a script of steps at minutes after its start, written the way the platform records them
(tests/integration/test_history_reports.py derives every report's numbers from this spec by hand):

  Said(intent)      the customer writes; with an intent, the bot matched it (intent_matched)
  Unclear()         the customer writes and the bot does not understand (not_understood, with the last intent)
  Menu()            the bot shows a menu (an outbound message of kind "menu")
  Bot()             the bot answers with text
  Chose(option)     the customer picks an option of the menu "principal" (option_selected)
  Queued(queue)     the chat is handed to people: ticket_opened and ticket_queued (NEW, no agent)
  Assigned(agent)   ticket_assigned to the agent (NEW until taken)
  Transferred(to)   ticket_transferred by the holder, then ticket_assigned to ``to``, in the same instant
  AgentSays()       the agent holding the ticket writes to the customer
  Closed(status)    ticket_resolved / ticket_cancelled ..., by an agent or the customer, with a typification
  Ends()            the session ends: its sessions row is written (a chat without it is still going)

Every chat starts with a session_started event. Agents change status with ``Status`` rows
(agent_status_changed events). The second workspace mirrors the first one's names (agents, queues,
campaigns, menus) so that any report leaking it into the first's numbers gets them wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

WS = "ws-a"
OTHER_WS = "ws-b"
MONTH_START = datetime(2026, 3, 1, tzinfo=UTC)
MONTH_END = datetime(2026, 4, 1, tzinfo=UTC)
MENU = "principal"


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# --- steps ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    intent: str = ""


@dataclass(frozen=True)
class Unclear:
    pass


@dataclass(frozen=True)
class Menu:
    pass


@dataclass(frozen=True)
class Bot:
    pass


@dataclass(frozen=True)
class Chose:
    option: str


@dataclass(frozen=True)
class Queued:
    queue: str


@dataclass(frozen=True)
class Assigned:
    agent: str


@dataclass(frozen=True)
class Transferred:
    to: str


@dataclass(frozen=True)
class AgentSays:
    pass


@dataclass(frozen=True)
class Closed:
    status: str  # RESOLVED, CANCELLED, NO_ANSWER, EXPIRED
    by: str
    typification: str = ""


@dataclass(frozen=True)
class Ends:
    pass


Step = Said | Unclear | Menu | Bot | Chose | Queued | Assigned | Transferred | AgentSays | Closed | Ends


@dataclass(frozen=True)
class Chat:
    key: str
    workspace: str
    channel: str
    start: datetime
    script: tuple[tuple[int, Step], ...]  # (minutes after start, step)
    campaign: str | None = None
    subcampaign: str | None = None
    csat: int | None = None


@dataclass(frozen=True)
class Status:
    workspace: str
    agent: str
    at: datetime
    status: str  # online, paused, offline
    reason: str = ""


# --- the month ------------------------------------------------------------------------------------

CHATS: tuple[Chat, ...] = (
    # Bot only; the customer picks "Horarios" twice.
    Chat("a01", WS, "whatsapp", at(2, 10), campaign="verano", subcampaign="ad-1", csat=5, script=(
        (0, Said("saludo")), (0, Menu()), (1, Chose("Horarios")), (1, Bot()), (2, Said("horarios")),
        (3, Unclear()), (3, Menu()), (4, Chose("Horarios")), (5, Ends()))),
    # Ventas → ana answers a minute after joining, resolves.
    Chat("a02", WS, "whatsapp", at(3, 9), campaign="verano", subcampaign="ad-1", csat=4, script=(
        (0, Said("saludo")), (0, Menu()), (1, Chose("Ventas")), (1, Queued("ventas")), (2, Assigned("ana")),
        (3, AgentSays()), (4, Said()), (10, AgentSays()), (20, Closed("RESOLVED", "ana", "Compra")), (50, Ends()))),
    # 01:20 UTC: still March 4th in São Paulo. Not understood twice before any intent.
    Chat("a03", WS, "webchat", at(5, 1, 20), script=(
        (0, Unclear()), (0, Menu()), (5, Unclear()), (6, Chose("Soporte")), (10, Queued("soporte")),
        (20, Assigned("beto")), (25, AgentSays()), (30, Said()), (50, Closed("RESOLVED", "beto", "Consulta")),
        (80, Ends()))),
    # Bot only: a menu, but the customer asks about prices instead.
    Chat("a04", WS, "webchat", at(8, 11), campaign="verano", subcampaign="ad-2", script=(
        (0, Said("saludo")), (0, Menu()), (1, Said("precios")), (2, Bot()), (10, Ends()))),
    # Abandoned: the customer leaves the line before any agent.
    Chat("a05", WS, "telegram", at(10, 16), campaign="black", script=(
        (0, Said("saludo")), (0, Menu()), (1, Chose("Ventas")), (1, Queued("ventas")),
        (20, Closed("CANCELLED", "customer")), (50, Ends()))),
    # Asks for a person without a menu; carla answers, transfers to ana, who resolves.
    Chat("a06", WS, "messenger", at(12, 8), csat=2, script=(
        (0, Said()), (0, Queued("soporte")), (5, Assigned("carla")), (6, AgentSays()), (30, Transferred("ana")),
        (35, AgentSays()), (60, Closed("RESOLVED", "ana", "Consulta")), (90, Ends()))),
    Chat("a07", WS, "whatsapp", at(15, 10), campaign="verano", subcampaign="ad-1", csat=3, script=(
        (0, Said("saludo")), (0, Menu()), (1, Chose("Ventas")), (1, Queued("ventas")), (2, Assigned("ana")),
        (5, AgentSays()), (30, Closed("RESOLVED", "ana", "Compra")), (60, Ends()))),
    # Still open: beto answered, then the customer wrote again (pending).
    Chat("a08", WS, "whatsapp", at(20, 12), script=(
        (0, Said("saludo")), (0, Menu()), (1, Chose("Soporte")), (1, Menu()), (2, Chose("Factura")),
        (2, Queued("soporte")), (3, Assigned("beto")), (5, AgentSays()), (10, Said()))),
    # Still open: ana answered last (follow-up).
    Chat("a09", WS, "webchat", at(28, 15), campaign="verano", subcampaign="ad-2", script=(
        (0, Said("saludo")), (0, Menu()), (1, Chose("Ventas")), (1, Queued("ventas")), (2, Assigned("ana")),
        (4, AgentSays()), (6, Said()), (10, AgentSays()))),
    # Still open, in line: nobody took it.
    Chat("a10", WS, "telegram", at(30, 18), script=((0, Said()), (0, Queued("soporte")))),
    # Starts on the last evening, ends after midnight.
    Chat("a11", WS, "whatsapp", at(31, 23, 30), script=((0, Said("saludo")), (0, Menu()), (40, Ends()))),
    # Starts in February, resolved on March 1st.
    Chat("a12", WS, "whatsapp", at(28, 23, month=2), campaign="verano", subcampaign="ad-1", script=(
        (0, Said("saludo")), (0, Menu()), (1, Chose("Ventas")), (1, Queued("ventas")), (5, Assigned("ana")),
        (10, AgentSays()), (90, Closed("RESOLVED", "ana", "Compra")), (120, Ends()))),
    # Starts at the very end of the window: April.
    Chat("a13", WS, "webchat", at(1, 0, month=4), script=(
        (0, Said("saludo")), (0, Menu()), (1, Chose("Horarios")), (5, Ends()))),
    # --- the other workspace, same names ---
    Chat("b01", OTHER_WS, "whatsapp", at(4, 10), campaign="verano", subcampaign="ad-1", csat=1, script=(
        (0, Said("saludo")), (0, Menu()), (1, Chose("Ventas")), (1, Queued("ventas")), (2, Assigned("ana")),
        (3, AgentSays()), (10, Closed("RESOLVED", "ana", "Compra")), (30, Ends()))),
    Chat("b02", OTHER_WS, "webchat", at(29, 10), script=((0, Said()), (0, Queued("soporte")))),
    Chat("b03", OTHER_WS, "telegram", at(30, 10), script=(
        (0, Said("saludo")), (0, Menu()), (1, Chose("Soporte")), (1, Queued("soporte")), (2, Assigned("ana")),
        (3, Said()))),
    Chat("b04", OTHER_WS, "whatsapp", at(6, 9), script=((0, Unclear()), (1, Said("precios")), (5, Ends()))),
)

STATUSES: tuple[Status, ...] = (
    Status(WS, "ana", at(2, 8), "online"),
    Status(WS, "ana", at(2, 12), "paused", "almuerzo"),
    Status(WS, "ana", at(2, 13), "online"),
    Status(WS, "ana", at(16, 15), "paused", "reunión"),
    Status(WS, "ana", at(16, 15, 30), "offline"),
    Status(WS, "beto", at(5, 1), "online"),
    Status(WS, "beto", at(5, 3), "paused", "pausa activa"),
    Status(WS, "beto", at(5, 3, 15), "paused", "almuerzo"),
    Status(WS, "beto", at(5, 4), "online"),
    Status(WS, "beto", at(31, 8), "online"),
    Status(WS, "beto", at(31, 23), "paused", "almuerzo"),  # still paused when the month ends
    Status(WS, "carla", at(28, 22, month=2), "paused", "capacitación"),  # began in February
    Status(WS, "carla", at(1, 1), "online"),
    Status(OTHER_WS, "ana", at(2, 12, 30), "paused", "almuerzo"),
    Status(OTHER_WS, "ana", at(2, 13, 30), "online"),
)


# --- building the rows ----------------------------------------------------------------------------


def seeded_month() -> dict[str, list[dict[str, Any]]]:
    """The rows of the three history tables for CHATS and STATUSES."""
    tables: dict[str, list[dict[str, Any]]] = {"sessions": [], "events": [], "messages": []}
    for chat in CHATS:
        _ChatRows(chat, tables).build()
    tables["events"] += _status_events(STATUSES)
    return tables


@dataclass
class _ChatRows:
    chat: Chat
    tables: dict[str, list[dict[str, Any]]]
    last_intent: str = ""
    matched: int = 0
    unclear: int = 0
    ticket: dict[str, Any] = field(default_factory=dict)

    @property
    def ids(self) -> dict[str, str]:
        return {"workspace_id": self.chat.workspace, "conversation_id": f"conv-{self.chat.key}",
                "session_id": f"ses-{self.chat.key}", "channel": self.chat.channel}

    def build(self) -> None:
        self.event(self.chat.start, "session_started")
        for minutes, step in self.chat.script:
            self.step(self.chat.start + timedelta(minutes=minutes), step)

    def step(self, when: datetime, step: Step) -> None:
        match step:
            case Said(intent=intent):
                self.message(when, "inbound", "user", intent=intent)
                if intent:
                    self.last_intent, self.matched = intent, self.matched + 1
                    self.event(when, "intent_matched", intent=intent, detail={"confidence": 0.9, "how": "model"})
            case Unclear():
                self.message(when, "inbound", "user")
                self.unclear += 1
                self.event(when, "not_understood", intent=self.last_intent)
            case Menu():
                self.message(when, "outbound", "bot", kind="menu")
            case Bot():
                self.message(when, "outbound", "bot")
            case Chose(option=option):
                self.message(when, "inbound", "user")
                self.event(when, "option_selected", intent=self.last_intent, detail={"menu": MENU, "title": option})
            case Queued(queue=queue):
                self.ticket = {"ticket_id": f"tk-{self.chat.key}", "queue": queue, "agent": "", "status": "NEW",
                               "queued_at": when}
                self.ticket_event(when, "opened", "system")
                self.ticket_event(when, "queued", "system")
            case Assigned(agent=agent):
                self.ticket["agent"] = agent
                self.ticket.setdefault("joined_at", when)
                self.ticket_event(when, "assigned", "system")
            case Transferred(to=to):
                self.ticket_event(when, "transferred", self.ticket["agent"])
                self.ticket["agent"] = to
                self.ticket_event(when, "assigned", self.ticket["agent"])
            case AgentSays():
                self.message(when, "outbound", "agent")
                self.ticket.setdefault("first_reply_at", when)
            case Closed(status=status, by=by, typification=typification):
                self.ticket.update(status=status, resolved_by=by, typification=typification)
                self.ticket_event(when, status.lower(), by)
            case Ends():
                self.session_row(when)

    def event(self, when: datetime, type_: str, intent: str = "", detail: dict[str, Any] | None = None) -> None:
        rows = self.tables["events"]
        rows.append({"event_id": f"{self.chat.key}-e{len(rows):03d}", **self.ids, "type": type_,
                     "occurred_at": when, "function": "seeded", "intent": intent or None,
                     "detail": json.dumps(detail, sort_keys=True) if detail else None})

    def ticket_event(self, when: datetime, kind: str, by: str) -> None:
        ticket = self.ticket
        self.event(when, f"ticket_{kind}", detail={"ticket_id": ticket["ticket_id"], "status": ticket["status"],
                                                   "queue": ticket["queue"], "agent": ticket["agent"], "by": by})

    def message(self, when: datetime, direction: str, sender: str, kind: str = "text", intent: str = "") -> None:
        rows = self.tables["messages"]
        rows.append({"message_id": f"{self.chat.key}-m{len(rows):03d}", **self.ids, "direction": direction,
                     "sender_type": sender, "kind": kind, "text": f"{sender} says something",
                     "intent": intent or None, "confidence": 0.9 if intent else None, "language": None,
                     "occurred_at": when})

    def session_row(self, ended: datetime) -> None:
        chat, ticket = self.chat, self.ticket
        queued, joined, reply = ticket.get("queued_at"), ticket.get("joined_at"), ticket.get("first_reply_at")
        handled = "agent" if joined else "abandoned" if ticket else "bot"
        self.tables["sessions"].append({
            **self.ids, "started_at": chat.start, "ended_at": ended,
            "duration_s": (ended - chat.start).total_seconds(), "handled_by": handled,
            "intents_matched": self.matched, "not_understood": self.unclear, "contact_id": f"contact-{chat.key}",
            "language": "es", "campaign": chat.campaign, "subcampaign": chat.subcampaign,
            "ticket_id": ticket.get("ticket_id"), "queue": ticket.get("queue"), "agent_id": ticket.get("agent") or None,
            "queued_at": queued, "agent_joined_at": joined,
            "first_response_from_queue_s": (reply - queued).total_seconds() if reply and queued else None,
            "first_response_from_agent_s": (reply - joined).total_seconds() if reply and joined else None,
            "resolved_by": ticket.get("resolved_by"), "resolution": ticket.get("status") if ticket else None,
            "typification": ticket.get("typification") or None, "csat": chat.csat,
        })


def _status_events(statuses: tuple[Status, ...]) -> list[dict[str, Any]]:
    rows = []
    current: dict[tuple[str, str], tuple[str, datetime | None]] = {}
    for n, change in enumerate(statuses):
        previous, since = current.get((change.workspace, change.agent), ("offline", None))
        rows.append({
            "event_id": f"status-{n:03d}", "workspace_id": change.workspace, "type": "agent_status_changed",
            "occurred_at": change.at, "function": "seeded",
            "detail": json.dumps({"agent": change.agent, "status": change.status, "reason": change.reason,
                                  "previous": previous, "since": since.isoformat() if since else ""},
                                 ensure_ascii=False, sort_keys=True),
        })
        current[(change.workspace, change.agent)] = (change.status, change.at)
    return rows
