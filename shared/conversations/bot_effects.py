"""How the effects a bot turn returns are committed: one stager per effect kind, each turning the effect
into the outbox entries that do it exactly once (a hand-off on the assignment topic, an email on the
outbound topic, a menu's timers scheduled or cancelled).

The bot elements (shared/bots/elements/) name the effect kinds they ask for; their staging lives here, on
the conversation's side, because it names topics: a webhook loads bot files, and must not reach the topic
names only the resolver publishes to. tests/unit/test_bot_elements.py checks that the two agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.bots.elements import assign, menu, send_email
from shared.channels.email import CHANNEL as EMAIL_CHANNEL
from shared.events import topics
from shared.events.outbox import OutboxEntry
from shared.messages.ids import stable_hash
from shared.messages.wire import AssignmentRequest, OutboundMessage


@dataclass(frozen=True)
class EffectOrigin:
    """What an effect's outbox entries are made from: the turn that asked for it."""

    key: str  # unique to this effect of this turn: the entries' idempotency key
    turn_key: str  # the inbound message or timer that caused the turn
    workspace_id: str
    conversation_id: str
    channel: str
    session_id: str
    now: datetime


# An effect's data -> the outbox entries that do it exactly once.
EffectStager = Callable[[Mapping[str, Any], EffectOrigin], list[OutboxEntry]]


def timer_task_name(conversation_id: str, token: str, action: str) -> str:
    return f"timer-{conversation_id}-{stable_hash(token)}-{action}"


def stage_handoff(data: Mapping[str, Any], origin: EffectOrigin) -> list[OutboxEntry]:
    request = AssignmentRequest(request_id=f"as_{stable_hash(origin.key)}", workspace_id=origin.workspace_id,
                                conversation_id=origin.conversation_id, channel=origin.channel,
                                queue=data.get("queue", ""), agent=data.get("agent", ""),
                                requested_at=origin.now.isoformat())
    return [OutboxEntry(key=origin.key, topic=topics.ASSIGNMENT, data=request.to_json(),
                        ordering_key=origin.conversation_id)]


def stage_email(data: Mapping[str, Any], origin: EffectOrigin) -> list[OutboxEntry]:
    email = OutboundMessage(
        message_id=f"mail_{stable_hash(origin.key)}", workspace_id=origin.workspace_id,
        conversation_id=origin.conversation_id, session_id=origin.session_id,
        channel=EMAIL_CHANNEL, account="", recipient=data["to"], kind="email",
        text=data["body"], created_at=origin.now.isoformat(), payload={"subject": data["subject"]},
        in_reply_to=origin.turn_key)
    return [OutboxEntry(key=origin.key, topic=topics.OUTBOUND, data=email.to_json())]


def stage_schedule(data: Mapping[str, Any], origin: EffectOrigin) -> list[OutboxEntry]:
    payload = {"conversation_id": origin.conversation_id, "workspace_id": origin.workspace_id,
               "action": data["action"], "token": data["token"]}
    return [OutboxEntry(
        key=origin.key, topic=topics.TIMERS, data=json.dumps(payload).encode(),
        task_name=timer_task_name(origin.conversation_id, data["token"], data["action"]),
        due_at=(origin.now + timedelta(seconds=data["after_s"])).isoformat())]


def stage_cancel(data: Mapping[str, Any], origin: EffectOrigin) -> list[OutboxEntry]:
    return [OutboxEntry(key=f"{origin.key}:{action}", topic=topics.TIMERS, data=b"{}",
                        cancel_task=timer_task_name(origin.conversation_id, data["token"], action))
            for action in menu.TIMER_ACTIONS]


STAGERS: Mapping[str, EffectStager] = {
    assign.HANDOFF: stage_handoff,
    send_email.EMAIL: stage_email,
    menu.SCHEDULE: stage_schedule,
    menu.CANCEL: stage_cancel,
}


def stage_effect(kind: str, data: Mapping[str, Any], origin: EffectOrigin) -> list[OutboxEntry]:
    try:
        stager = STAGERS[kind]
    except KeyError:
        raise KeyError(f"no stager for {kind!r} effects; add one to shared/conversations/bot_effects.py") from None
    return stager(data, origin)
