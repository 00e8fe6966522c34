"""An agent tags a conversation (shared/conversations/tags.py): the tags are bounded and kept in the bot's
position too, so the bot's next turn keeps them; nobody tags a conversation they cannot reach."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared.conversations.agent_messages import Author
from shared.conversations.store_names import CONVERSATIONS
from shared.conversations.tags import tag_conversation
from shared.kernel.errors import Forbidden, InvalidField, NotFound

WS = "ws-tags"
CONVERSATION = "c-tags"
SUPERVISOR = Author(WS, "sofi", "Sofi", supervises=True)


@pytest.fixture
def conversation(platform):
    platform.store.set(CONVERSATIONS, CONVERSATION, {
        "workspace_id": WS, "channel": "whatsapp", "account": "acc", "contact": "5491100000000", "tags": ["old"],
        "bot": {"bot_id": "tienda", "menu": "main", "tags": ["old"], "variables": {"name": "Ana"}},
        "updated_at": "2026-03-02T09:00:00+00:00"})
    return CONVERSATION


def test_the_tags_replace_the_old_ones_in_the_conversation_and_in_the_bots_position(platform, conversation):
    before = platform.clock.now()
    kept = tag_conversation(platform, SUPERVISOR, conversation, [" factura ", "vip", "vip", ""])
    assert kept == ["factura", "vip"]
    stored = platform.store.get(CONVERSATIONS, conversation)
    assert stored["tags"] == ["factura", "vip"]
    assert stored["bot"] == {"bot_id": "tienda", "menu": "main", "tags": ["factura", "vip"],
                             "variables": {"name": "Ana"}}
    assert datetime.fromisoformat(stored["updated_at"]) >= before
    assert stored["contact"] == "5491100000000"  # the rest of the document is untouched


def test_a_tag_beyond_the_bounds_is_named_and_nothing_is_written(platform, conversation):
    with pytest.raises(InvalidField) as refused:
        tag_conversation(platform, SUPERVISOR, conversation, ["ok", "two\nlines"])
    assert refused.value.field == "tags[1]"
    assert platform.store.get(CONVERSATIONS, conversation)["tags"] == ["old"]


def test_another_workspace_or_an_agent_who_does_not_reach_the_chat_cannot_tag_it(platform, conversation):
    with pytest.raises(NotFound):
        tag_conversation(platform, Author("ws-other", "sofi", "Sofi", supervises=True), conversation, ["x"])
    with pytest.raises(Forbidden):
        tag_conversation(platform, Author(WS, "beto", "Beto"), conversation, ["x"])
    assert platform.store.get(CONVERSATIONS, conversation)["tags"] == ["old"]
