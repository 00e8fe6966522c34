"""``send_email: {to, subject, body}``: an email through the mail port, sent once the turn commits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.bots.elements.base import Checker, EffectOrigin, Element, Resume, Turn
from shared.bots.yaml_source import child_path
from shared.channels.email import CHANNEL as EMAIL_CHANNEL
from shared.events import topics
from shared.events.outbox import OutboxEntry
from shared.messages.ids import stable_hash
from shared.messages.wire import OutboundMessage

EMAIL = "email"


def check(check: Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with to, subject and body"):
        return
    check.unknown_keys(value, {"to", "subject", "body"}, path)
    for key in ("to", "subject", "body"):
        if not isinstance(value.get(key), str):
            check.problem(child_path(path, key), "expected text")


def run(turn: Turn, value: dict, resume: Resume) -> bool:
    turn.effect(EMAIL, to=turn.render(value["to"]), subject=turn.render(value["subject"]),
                body=turn.render(value["body"]))
    turn.event("email_requested", turn.position.last_intent)
    return True


def stage_email(data: Mapping[str, Any], origin: EffectOrigin) -> list[OutboxEntry]:
    email = OutboundMessage(
        message_id=f"mail_{stable_hash(origin.key)}", workspace_id=origin.workspace_id,
        conversation_id=origin.conversation_id, session_id=origin.session_id,
        channel=EMAIL_CHANNEL, account="", recipient=data["to"], kind="email",
        text=data["body"], created_at=origin.now.isoformat(), payload={"subject": data["subject"]},
        in_reply_to=origin.turn_key)
    return [OutboxEntry(key=origin.key, topic=topics.OUTBOUND, data=email.to_json())]


ELEMENT = Element("send_email", check, run, in_actions=True, effects={EMAIL: stage_email})
