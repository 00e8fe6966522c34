"""People take over a conversation, and give it back to the bot.

The assignment rules (shared/agents) decide; this module makes their outcome
visible, inside the assignment's own transaction: the conversation points at its
open ticket (the bot stays silent meanwhile) and is handed back to the bot when
the ticket closes; the customer is told their place in line, their agent, or that
the queue is closed; every ticket event becomes a history row; the ticket's
expiry is scheduled when it opens and cancelled when it closes.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from shared.agents import DEFAULT_QUEUE, AssignmentOutcome, AssignmentService, CustomerNotice, Queue, TicketEvent
from shared.agents.directory import AgentDirectory
from shared.agents.model import Ticket
from shared.agents.outcomes import ASSIGNED_TO, CLOSED_HOURS, INVITED, OPENED, QUEUE_POSITION, QUEUED
from shared.contacts import ContactBook
from shared.conversations.model import Conversation, log_entry
from shared.conversations.wait_estimate import estimated_wait_minutes
from shared.events import topics
from shared.events.outbox import Outbox, OutboxEntry
from shared.history.records import event_record
from shared.kernel.errors import NotFound
from shared.kernel.logs import log
from shared.messages.ids import stable_hash
from shared.messages.wire import AssignmentRequest, OutboundMessage
from shared.ports.context import ConversationPorts
from shared.ports.document_store import Transaction

FUNCTION = "assign_agent"
# Assignment requests of chats an agent starts (outreach): the customer is told nothing about assignment,
# the agent's template is the first thing they get.
OUTREACH_REQUEST_PREFIX = "outreach_"
CUSTOMER = "customer"  # the "by" of what the customer does to their ticket
TICKET_EXPIRY = "ticket_expiry"  # the timer action that closes a ticket left open too long
INVITATION_EXPIRY = "invitation_expiry"  # invite mode: the invited agent did not answer in time
QUEUE_OVERFLOW = "queue_overflow"  # a chat waiting for a language or skill may now go to anyone
ASSIGNMENT_TIMERS = (TICKET_EXPIRY, INVITATION_EXPIRY, QUEUE_OVERFLOW)

NOTICE_TEXTS: dict[str, dict[str, str]] = {
    "es": {
        QUEUE_POSITION: "Estás en el lugar {position} de la fila{wait}. Te atenderá la próxima persona disponible.",
        ASSIGNED_TO: "{agent_name} te atenderá en un momento.",
        CLOSED_HOURS: "Ahora no hay nadie del equipo disponible. Dejanos tu mensaje por acá: te responderemos apenas"
                      " volvamos a atender.",
        "wait": " (unos {minutes} min de espera)",
    },
    "en": {
        QUEUE_POSITION: "You are number {position} in line{wait}. The next available person will be with you.",
        ASSIGNED_TO: "{agent_name} will be with you in a moment.",
        CLOSED_HOURS: "Nobody from the team is available now. Leave us your message here: we will answer as soon as"
                      " we are back.",
        "wait": " (about {minutes} min to wait)",
    },
    "pt": {
        QUEUE_POSITION: "Você é o número {position} da fila{wait}. A próxima pessoa disponível vai te atender.",
        ASSIGNED_TO: "{agent_name} vai te atender em um momento.",
        CLOSED_HOURS: "Ninguém da equipe está disponível agora. Deixe sua mensagem por aqui: responderemos assim que"
                      " voltarmos.",
        "wait": " (cerca de {minutes} min de espera)",
    },
}


def notice_text(notice: CustomerNotice, language: str, wait_minutes: int | None = None) -> str:
    if notice.kind == CLOSED_HOURS and notice.message:
        return notice.message
    texts = NOTICE_TEXTS.get(language, NOTICE_TEXTS["es"])
    wait = texts["wait"].format(minutes=wait_minutes) if wait_minutes else ""
    return texts[notice.kind].format(position=notice.position, agent_name=notice.agent_name or "", wait=wait)


def expiry_task_name(ticket_id: str) -> str:
    return f"ticket-expiry-{ticket_id}"


def agent_desk(ports: ConversationPorts) -> AssignmentService:
    """The assignment use cases with their outcomes staged and published as described above."""
    outbox = Outbox(ports.store, ports.bus, ports.clock, ports.scheduler)

    def stage(tx: Transaction, outcome: AssignmentOutcome) -> None:
        stage_assignment_outcome(ports, outbox, tx, outcome)

    def after_commit(outcome: AssignmentOutcome) -> None:
        for conversation_id in _conversations_of(outcome):
            outbox.flush(conversation_id)

    return AssignmentService(ports.store, ports.clock, stage=stage, after_commit=after_commit)


def _conversations_of(outcome: AssignmentOutcome) -> list[str]:
    ids = [e.ticket.conversation_id for e in outcome.events] + [n.conversation_id for n in outcome.notices]
    if outcome.ticket is not None:
        ids.append(outcome.ticket.conversation_id)
    return list(dict.fromkeys(ids))


def stage_assignment_outcome(ports: ConversationPorts, outbox: Outbox, tx: Transaction,
                             outcome: AssignmentOutcome) -> None:
    conversations = {cid: Conversation.read(tx, cid) for cid in _conversations_of(outcome)}  # reads first
    now = ports.clock.now()
    for conversation_id, conversation in conversations.items():
        if conversation is None:
            continue  # tickets opened by hand (tests, imports) may have no conversation document
        events = [e for e in outcome.events if e.ticket.conversation_id == conversation_id]
        notices = [n for n in outcome.notices if n.conversation_id == conversation_id and not any(
            e.ticket.id == n.ticket_id and e.ticket.request_id.startswith(OUTREACH_REQUEST_PREFIX) for e in events)]
        entries = _history_entries(conversation, events, now) + _timer_entries(ports, events)
        entries += _notice_entries(ports, tx, conversation_id, conversation, notices, events, now)
        if events:
            # An open ticket mutes the bot; closing it hands the contact back to the bot.
            ticket = events[-1].ticket
            if ticket.is_open:
                conversation.hold_for_agents(ticket, now)
            else:
                conversation.release(ticket, now)
            _summarize(conversation, events[-1])
        conversation.save(tx)
        outbox.stage(tx, conversation_id, entries)


def _summarize(conversation: Conversation, event: TicketEvent) -> None:
    """What people did, in the current session's summary (its row in the sessions table); a session with
    several tickets is summarized by its last."""
    summary = conversation.session
    if not summary or summary.get("recorded"):
        return
    ticket = event.ticket
    if summary.get("ticket_id") != ticket.id:
        summary.update({"ticket_id": ticket.id, "queued_at": ticket.created_at, "agent_id": "", "agent_joined_at": "",
                        "first_agent_reply_at": "", "resolved_by": "", "resolution": "", "typification": ""})
    summary["queue"] = ticket.queue
    if ticket.agent:
        summary["agent_id"] = ticket.agent
        summary["agent_joined_at"] = summary.get("agent_joined_at") or ticket.assigned_at
    if not ticket.is_open:
        summary.update({"resolved_by": event.by, "resolution": ticket.status, "typification": ticket.typification})


def _history_entries(conversation: Conversation, events: list[TicketEvent], now: datetime) -> list[OutboxEntry]:
    entries = []
    session_id = conversation.session_id
    for event in events:
        ticket = event.ticket
        # The ticket's history length at this event identifies it across transaction retries and redeliveries.
        key = f"{ticket.id}:{len(ticket.history)}:{event.type}"
        latest = ticket.history[-1] if ticket.history else {}
        detail = {"ticket_id": ticket.id, "status": ticket.status, "queue": ticket.queue, "agent": ticket.agent,
                  "by": event.by, **{k: v for k, v in latest.items() if k not in ("status", "event", "by", "at")}}
        record = event_record(key=key, type=f"ticket_{event.type}", workspace_id=ticket.workspace_id,
                              occurred_at=event.at, function=FUNCTION, conversation_id=ticket.conversation_id,
                              session_id=session_id, channel=ticket.channel, detail=detail)
        entries.append(OutboxEntry(key=f"{topics.HISTORY}:ticket:{key}", topic=topics.HISTORY, data=record.to_json()))
    return entries


def _timer(action: str, ticket: Ticket, due_at: str, name: str, **extra: Any) -> OutboxEntry:
    payload = {"action": action, "ticket_id": ticket.id, "workspace_id": ticket.workspace_id,
               "conversation_id": ticket.conversation_id, "queue": ticket.queue, **extra}
    return OutboxEntry(key=f"timer:{name}", topic=topics.TIMERS, data=json.dumps(payload).encode(),
                       task_name=name, due_at=due_at)


def _timer_entries(ports: ConversationPorts, events: list[TicketEvent]) -> list[OutboxEntry]:
    """The ticket's expiry when it opens (cancelled when it closes); an invitation's deadline; the moment a
    chat waiting for a language or skill may overflow to anyone."""
    entries = []
    for event in events:
        ticket = event.ticket
        if event.type == OPENED:
            hours = ports.directory.workspace(ticket.workspace_id).ticket_expiry_hours
            due = datetime.fromisoformat(ticket.created_at) + timedelta(hours=hours)
            entries.append(_timer(TICKET_EXPIRY, ticket, due.isoformat(), expiry_task_name(ticket.id),
                                  after_hours=hours))
        elif not ticket.is_open and event.type != "expired":
            entries.append(OutboxEntry(key=f"expiry-cancel:{ticket.id}", topic=topics.TIMERS, data=b"{}",
                                       cancel_task=expiry_task_name(ticket.id)))
        if event.type == INVITED and ticket.invited_until:
            name = f"invitation-{ticket.id}-{len(ticket.history)}"
            entries.append(_timer(INVITATION_EXPIRY, ticket, ticket.invited_until, name))
        if event.type == QUEUED and ticket.overflow_at:
            name = f"overflow-{ticket.id}-{len(ticket.history)}"
            entries.append(_timer(QUEUE_OVERFLOW, ticket, ticket.overflow_at, name))
    return entries


def _notice_entries(ports: ConversationPorts, tx: Transaction, conversation_id: str, conversation: Conversation,
                    notices: list[CustomerNotice], events: list[TicketEvent], now: datetime) -> list[OutboxEntry]:
    if not notices:
        return []
    language = ports.directory.workspace(conversation.workspace_id).language
    history_length = len(events[-1].ticket.history) if events else 0
    session_id = conversation.session_id
    entries = []
    for index, notice in enumerate(notices):
        # An estimate, read outside the transaction: it informs the customer and decides nothing.
        wait = estimated_wait_minutes(ports.store, notice.workspace_id, events[-1].ticket.queue,
                                      notice.position) if notice.kind == QUEUE_POSITION and events else None
        message = OutboundMessage(
            message_id=f"nt_{stable_hash(notice.ticket_id, str(history_length), str(index), notice.kind)}",
            workspace_id=notice.workspace_id, conversation_id=conversation_id, session_id=session_id,
            channel=conversation.channel, account=conversation.account, recipient=conversation.contact,
            kind="text", text=notice_text(notice, language, wait), created_at=now.isoformat(), sender_type="system",
            payload={"notice": notice.kind, "ticket_id": notice.ticket_id})
        log_entry(tx, conversation_id, message.message_id, conversation.record_system_notice(message, notice.ticket_id))
        entries.append(OutboxEntry(key=f"{topics.OUTBOUND}:{message.message_id}", topic=topics.OUTBOUND,
                                   data=message.to_json(), ordering_key=conversation_id))
    return entries


def existing_queue_or_default(ports: ConversationPorts, workspace_id: str, queue: str) -> str:
    """``queue`` if the workspace has it, else its default queue (created empty if need be), so that a
    hand-off is never lost to a typo in a bot file; the fallback is logged."""
    directory = AgentDirectory(ports.store, ports.clock)
    try:
        directory.queue(workspace_id, queue)
        return queue
    except NotFound:
        if queue != DEFAULT_QUEUE:
            log("WARNING", "hand-off to an unknown queue; using the default queue", function=FUNCTION,
                workspace_id=workspace_id, queue=queue)
    try:
        directory.queue(workspace_id, DEFAULT_QUEUE)
    except NotFound:
        directory.save_queue(Queue(workspace_id=workspace_id, name=DEFAULT_QUEUE))
    return DEFAULT_QUEUE


def hand_to_people(ports: ConversationPorts, request: AssignmentRequest) -> AssignmentOutcome:
    """assign_agent's use case: open the request's ticket and assign it or put it in line, preferring the
    contact's own agent, the agents of the channel line (workspace.yaml channels[].agents) and those who
    speak the conversation's language."""
    queue = existing_queue_or_default(ports, request.workspace_id, request.queue or DEFAULT_QUEUE)
    conversation = Conversation.read(ports.store, request.conversation_id) or Conversation(request.conversation_id)
    fixed = AssignmentRequest(**{**request.to_dict(), "queue": queue})
    contact = ContactBook(ports.store, ports.clock).find_by_address(
        request.workspace_id, request.channel if conversation.channel is None else conversation.channel,
        conversation.contact or "")
    try:
        line_agents = ports.directory.channel(request.channel, conversation.account or "").agents
    except NotFound:
        line_agents = ()
    return agent_desk(ports).request_assignment(
        fixed, contact=conversation.contact or "", contact_agent=contact.agent if contact else "",
        agents=line_agents, language=conversation.language or "")


def run_assignment_timer(ports: ConversationPorts, payload: dict[str, Any]) -> AssignmentOutcome:
    """An assignment timer. Each is idempotent by itself: an expired or closed ticket, an answered invitation,
    a chat already assigned are left as they are."""
    desk = agent_desk(ports)
    if payload["action"] == TICKET_EXPIRY:
        return desk.expire_if_open(payload["ticket_id"], after_hours=float(payload["after_hours"]))
    if payload["action"] == INVITATION_EXPIRY:
        return desk.expire_invitation(payload["ticket_id"])
    return desk.drain(payload["workspace_id"], payload["queue"])
