"""A web chat visitor's first message: the one message that may come without a visitor token, since its
answer is what gives the visitor one (functions/webhook_webchat)."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.channels.webchat import WEBCHAT
from shared.conversations.store_names import CONVERSATIONS
from shared.ports.document_store import DocumentStore, Transaction

# How long the answer to a visitor's first message (and its token) may be asked for again by sending the
# same message: a widget retries a lost answer within seconds.
FIRST_MESSAGE_RETRY = timedelta(minutes=10)


def claim_new_visitor(store: DocumentStore, conversation: str, first_message_id: str, now: datetime) -> bool:
    """Whether a message without a token may start the visitor's conversation, claiming it if so.

    Only a new visitor's first message comes without a token (and its answer gives one). The claim is the
    reply box's document: written in a transaction, so two first messages for one visitor id cannot both
    get a token. A conversation that exists without a box (an agent wrote first, or it predates boxes) is
    not new. The same first message sent again (same non-empty message_id, its answer lost on the way)
    within FIRST_MESSAGE_RETRY is answered again, token included."""

    def claim(tx: Transaction) -> bool:
        box = tx.get(WEBCHAT, conversation)
        if box is None:
            if tx.get(CONVERSATIONS, conversation) is not None:
                return False
            tx.set(WEBCHAT, conversation, {"last_seq": 0, "claimed_at": now.isoformat(),
                                           "first_message_id": first_message_id})
            return True
        claimed_at = box.get("claimed_at")
        return bool(first_message_id) and box.get("first_message_id") == first_message_id \
            and isinstance(claimed_at, str) and claimed_at >= (now - FIRST_MESSAGE_RETRY).isoformat()

    return store.run_transaction(claim)
