"""resolve_intent's use case: answer one inbound message, exactly once.

One transaction reads the conversation and the message's processed marker,
runs the bot engine, and writes the new state, the message log, the marker
and the outbox (replies + history) together. Redelivered messages find the
marker and only flush whatever the outbox still holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared import topics
from shared.bootstrap import Platform
from shared.bots.engine import BotPosition, TurnContext, take_turn
from shared.domain.ids import reply_message_id, safe_document_id, stable_hash
from shared.domain.messages import HistoryRecord, InboundMessage, OutboundMessage
from shared.history.records import event_record, inbound_message_record
from shared.outbox import Outbox, OutboxEntry
from shared.ports.document_store import Transaction

CONVERSATIONS = "conversations"
PROCESSED = "processed"
FUNCTION = "resolve_intent"


def messages_collection(conversation_id: str) -> str:
    return f"{CONVERSATIONS}/{conversation_id}/messages"


@dataclass(frozen=True)
class ResolveResult:
    handled: bool  # False: a redelivery of a message already answered
    replies: int
    published: int


def resolve_inbound_message(platform: Platform, message: InboundMessage) -> ResolveResult:
    directory = platform.directory
    bot = directory.bot(message.workspace_id, message.bot_id)
    workspace = directory.workspace(message.workspace_id)
    outbox = Outbox(platform.store, platform.bus, platform.clock)
    marker_id = safe_document_id(f"{FUNCTION}:{message.message_id}")
    conversation_id = message.conversation_id

    def turn(tx: Transaction) -> int | None:
        if tx.get(PROCESSED, marker_id) is not None:
            return None
        conversation = tx.get(CONVERSATIONS, conversation_id)
        now = platform.clock.now()
        if conversation is None:
            conversation = {
                "workspace_id": message.workspace_id, "channel": message.channel, "account": message.account,
                "contact": message.contact, "bot_id": message.bot_id, "status": "bot",
                "created_at": now.isoformat(), "message_count": 0,
            }
        position = BotPosition.from_dict(conversation.get("bot"))
        outcome = take_turn(bot, position, message.text, TurnContext(
            now=now, time_zone=workspace.time_zone, channel=message.channel,
            contact_name=message.contact_name or conversation.get("contact_name", ""),
            session_timeout_s=platform.settings.session_timeout_s,
            new_session_id=f"ss_{stable_hash(conversation_id, message.message_id)}",
        ))
        session_id = outcome.position.session_id
        matched = next((e for e in outcome.events if e.type == "intent_matched"), None)
        replies = [
            OutboundMessage(
                message_id=reply_message_id(message.message_id, index), workspace_id=message.workspace_id,
                conversation_id=conversation_id, session_id=session_id, channel=message.channel,
                account=message.account, recipient=message.contact, kind=reply.kind, text=reply.text,
                options=list(reply.options), intent=reply.intent, in_reply_to=message.message_id,
                created_at=now.isoformat(),
            )
            for index, reply in enumerate(outcome.replies)
        ]
        history: list[HistoryRecord] = [inbound_message_record(
            message, session_id, matched.intent if matched else "",
            matched.detail.get("confidence") if matched else None,
        )]
        history += [
            event_record(key=f"{message.message_id}:{index}", type=event.type, workspace_id=message.workspace_id,
                         occurred_at=now, function=FUNCTION, conversation_id=conversation_id,
                         session_id=event.detail.get("session_id", session_id), channel=message.channel,
                         intent=event.intent, detail={k: v for k, v in event.detail.items() if k != "session_id"})
            for index, event in enumerate(outcome.events)
        ]

        conversation.update({
            "bot": outcome.position.to_dict(), "updated_at": now.isoformat(),
            "last_message_at": message.received_at,
            "message_count": conversation.get("message_count", 0) + 1 + len(replies),
        })
        if message.contact_name:
            conversation["contact_name"] = message.contact_name
        tx.set(CONVERSATIONS, conversation_id, conversation)
        tx.set(messages_collection(conversation_id), message.message_id, {
            "direction": "inbound", "sender_type": "user", "kind": message.kind, "text": message.text,
            "at": message.received_at, "session_id": session_id,
        })
        for reply in replies:
            tx.set(messages_collection(conversation_id), reply.message_id, {
                "direction": "outbound", "sender_type": "bot", "kind": reply.kind, "text": reply.text,
                "options": reply.options, "at": reply.created_at, "session_id": session_id,
                "intent": reply.intent,
            })
        outbox.stage(tx, conversation_id, [
            *(OutboxEntry(key=f"{topics.OUTBOUND}:{r.message_id}", topic=topics.OUTBOUND, data=r.to_json(),
                          ordering_key=conversation_id) for r in replies),
            *(OutboxEntry(key=f"{topics.HISTORY}:{h.table}:{next(iter(h.row.values()))}", topic=topics.HISTORY,
                          data=h.to_json()) for h in history),
        ])
        tx.set(PROCESSED, marker_id, {"at": now.isoformat(), "conversation_id": conversation_id})
        return len(replies)

    replies = platform.store.run_transaction(turn)
    published = outbox.flush(conversation_id)
    return ResolveResult(handled=replies is not None, replies=replies or 0, published=published)
