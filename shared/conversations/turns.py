"""What a bot turn writes: the conversation, its message log, and the outbox of replies, history,
hand-offs, emails and timers, all inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.bots.engine import TurnOutcome
from shared.conversations import sessions
from shared.conversations.bot_effects import EffectOrigin, stage_effect
from shared.conversations.model import Conversation, log_entry
from shared.events import topics
from shared.events.outbox import Outbox, OutboxEntry
from shared.history.records import event_record
from shared.messages.ids import reply_message_id
from shared.messages.wire import HistoryRecord, OutboundMessage
from shared.ports.document_store import Transaction


@dataclass(frozen=True)
class TurnOrigin:
    """What caused the turn: an inbound message or a timer, with a stable id for everything it makes."""

    key: str
    function: str
    conversation_id: str
    workspace_id: str
    channel: str
    account: str
    contact: str
    payload: dict[str, Any] = field(default_factory=dict)  # the inbound message's (its referral: a campaign)
    language: str = ""  # the inbound message's


def stage_turn(tx: Transaction, outbox: Outbox, origin: TurnOrigin, conversation: Conversation,
               outcome: TurnOutcome, now: datetime, extra_history: list[HistoryRecord] | None = None, *,
               session_timeout_s: int = 0) -> int:
    """Write the outcome of a turn in ``tx``; returns the number of replies staged.

    With ``session_timeout_s``, a session that starts gets the timer that ends it once idle, and a
    session that ends (timed out, or closed by the bot) gets its row in the sessions table."""
    session_id = outcome.position.session_id
    not_before = now
    replies = []
    for index, reply in enumerate(outcome.replies):
        not_before += timedelta(milliseconds=reply.delay_ms)
        replies.append(OutboundMessage(
            message_id=reply_message_id(origin.key, index), workspace_id=origin.workspace_id,
            conversation_id=origin.conversation_id, session_id=session_id, channel=origin.channel,
            account=origin.account, recipient=origin.contact, kind=reply.kind, text=reply.text,
            options=list(reply.options), intent=reply.intent, in_reply_to=origin.key,
            created_at=now.isoformat(), payload=reply.payload,
            not_before=not_before.isoformat() if not_before > now else "",
        ))
    history = list(extra_history or [])
    history += [
        event_record(key=f"{origin.key}:{index}", type=event.type, workspace_id=origin.workspace_id,
                     occurred_at=now, function=origin.function, conversation_id=origin.conversation_id,
                     session_id=event.detail.get("session_id", session_id), channel=origin.channel,
                     intent=event.intent, detail={k: v for k, v in event.detail.items() if k != "session_id"})
        for index, event in enumerate(outcome.events)
    ]
    entries = [OutboxEntry(key=f"{topics.OUTBOUND}:{r.message_id}", topic=topics.OUTBOUND, data=r.to_json(),
                           ordering_key=origin.conversation_id) for r in replies]
    entries += _effect_entries(origin, outcome, now)
    entries += _session_entries(origin, conversation, outcome, now, session_timeout_s)
    entries += [OutboxEntry(key=f"{topics.HISTORY}:{h.table}:{next(iter(h.row.values()))}", topic=topics.HISTORY,
                            data=h.to_json()) for h in history]

    logged = conversation.record_bot_turn(outcome.position, outcome.bot_id, replies, now)
    conversation.save(tx)
    for reply, entry in zip(replies, logged, strict=True):
        log_entry(tx, origin.conversation_id, reply.message_id, entry)
    outbox.stage(tx, origin.conversation_id, entries)
    return len(replies)


def _session_entries(origin: TurnOrigin, conversation: Conversation, outcome: TurnOutcome, now: datetime,
                     timeout_s: int) -> list[OutboxEntry]:
    """Before the conversation takes the turn's position: the old one still says when the last session was
    last active, and its variables (a CSAT answer) belong to that session's row."""
    types = [event.type for event in outcome.events]
    entries: list[OutboxEntry] = []
    if "session_ended" in types:
        last = (conversation.bot or {}).get("last_activity_at") or now.isoformat()
        entries += sessions.finish(conversation, last)
    if "session_started" in types:
        conversation.session = sessions.started(outcome.position.session_id, now.isoformat(), origin.payload,
                                                origin.language)
        if timeout_s:
            entries.append(sessions.timeout_timer(origin.conversation_id, origin.workspace_id,
                                                  outcome.position.session_id, now + timedelta(seconds=timeout_s + 1)))
    summary = conversation.session
    if summary and summary.get("session_id") == outcome.position.session_id:
        sessions.count_turn(summary, types)
        if "session_closed" in types:
            entries += sessions.finish(conversation, now.isoformat(), position=outcome.position.to_dict())
    return entries


def _effect_entries(origin: TurnOrigin, outcome: TurnOutcome, now: datetime) -> list[OutboxEntry]:
    """Each effect by its kind's stager (shared/conversations/bot_effects.py), keyed by its place in the turn."""
    entries = []
    for index, effect in enumerate(outcome.effects):
        at = EffectOrigin(key=f"{origin.key}:effect:{index}", turn_key=origin.key, workspace_id=origin.workspace_id,
                          conversation_id=origin.conversation_id, channel=origin.channel,
                          session_id=outcome.position.session_id, now=now)
        entries += stage_effect(effect.kind, effect.data, at)
    return entries
