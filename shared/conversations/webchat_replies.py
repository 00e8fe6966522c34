"""A web chat visitor's reply box: the web chat's ChannelSender, and what the widget's poll reads.

Replies wait in the document store until the widget polls: ``webchat/{conversation}`` holds the last
sequence number and ``webchat/{conversation}/replies/{message id}`` each reply, so delivering the same
outbound message twice shows it once; each reply is visible from its turn's pause on, in order.
"""

from __future__ import annotations

from shared.channels.webchat import CHANNEL, WEBCHAT, replies_collection
from shared.messages.ids import conversation_id
from shared.messages.wire import OutboundMessage
from shared.ports.channel_sender import ReplyWindow
from shared.ports.clock import Clock
from shared.ports.context import StateAndTime
from shared.ports.document_store import DocumentStore, Filter, Transaction
from shared.workspaces.directory import ChannelRoute

MAX_REPLIES_PER_POLL = 100


class WebchatReplyBox:
    """The web chat's ChannelSender: replies wait in the store until the widget polls."""

    def __init__(self, store: DocumentStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def send(self, message: OutboundMessage, window: ReplyWindow = ReplyWindow.OPEN) -> str:
        collection = replies_collection(message.conversation_id)

        def deliver(tx: Transaction) -> None:
            if tx.get(collection, message.message_id) is not None:
                return
            box = tx.get(WEBCHAT, message.conversation_id) or {"last_seq": 0}
            seq = box["last_seq"] + 1
            sent_at = self._clock.now().isoformat()
            tx.set(collection, message.message_id, {
                "seq": seq, "kind": message.kind, "text": message.text, "options": message.options,
                "payload": message.payload, "sender_type": message.sender_type, "sent_at": sent_at,
                # The widget shows a reply only from this instant: the turn's pauses, kept in order.
                "visible_at": max(sent_at, message.not_before or sent_at, box.get("last_visible_at", "")),
            })
            tx.set(WEBCHAT, message.conversation_id, {
                **box, "last_seq": seq,
                "last_visible_at": max(sent_at, message.not_before or sent_at, box.get("last_visible_at", "")),
            })

        self._store.run_transaction(deliver)
        return message.message_id

    def delivered(self, message_id: str) -> str | None:
        return None  # the web chat has no window, so delivery never needs to ask

    def replies_after(self, conversation: str, cursor: int, limit: int = MAX_REPLIES_PER_POLL) -> list[dict]:
        documents = self._store.query(replies_collection(conversation), [Filter("seq", ">", cursor)],
                                      order_by="seq", limit=limit)
        now = self._clock.now().isoformat()
        visible = []
        for document in documents:
            if document.data.get("visible_at", "") > now:
                break  # later replies wait behind this one: order is never broken
            visible.append({"message_id": document.id, **document.data})
        return visible


def visitor_replies(ports: StateAndTime, route: ChannelRoute, visitor_id: str, after: int) -> list[dict]:
    """The replies a visitor of ``route``'s site may see after cursor ``after`` (their seq), in order."""
    conversation = conversation_id(route.workspace_id, CHANNEL, route.account, visitor_id)
    return WebchatReplyBox(ports.store, ports.clock).replies_after(conversation, after)
