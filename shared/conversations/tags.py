"""An agent sets a conversation's tags (the console's tag editor).

The tags are kept in the bot's position too (Conversation.tag), so the bot's next turn, which writes its
position back, keeps them rather than restoring the ones it had.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.conversations.agent_messages import Author, conversation_of
from shared.conversations.model import Conversation
from shared.kernel.limits import bounded_tags
from shared.ports.context import StateAndTime
from shared.ports.document_store import Transaction


def tag_conversation(ports: StateAndTime, author: Author, conversation_id: str, tags: Iterable[str]) -> list[str]:
    """Replace the conversation's tags (blank ones dropped, repeated ones kept once, within the limits);
    the tags kept. NotFound for a conversation of another workspace or one the agent cannot reach."""
    kept = bounded_tags(tags)
    conversation_of(ports, author, conversation_id)
    now = ports.clock.now().isoformat()

    def write(tx: Transaction) -> None:
        conversation = Conversation.read(tx, conversation_id) or Conversation(conversation_id)
        conversation.tag(kept, now)
        conversation.save(tx)

    ports.store.run_transaction(write)
    return kept
