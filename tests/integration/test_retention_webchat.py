"""Retention reaches the web chat's reply store (``webchat/{conversation}/replies``): a contact's erasure
deletes every reply to them and the purge deletes those sent before the policy's cutoff, on SQLite and
the Firestore emulator, and nothing else's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.channels.webchat import WEBCHAT, replies_collection
from shared.conversations.store_names import CONVERSATIONS
from shared.conversations.webchat_replies import WebchatReplyBox
from shared.events import topics
from shared.messages.ids import conversation_id
from shared.messages.wire import OutboundMessage
from shared.ports.clock import ManualClock
from shared.retention import erase_contact, export_contact, purge_expired
from shared.workspaces.directory import Workspace
from tests.integration.conftest import platform_for
from tests.support.retention_seed import seed_workspace

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
KEEPS_30_DAYS, KEEPS_ALL = Workspace(id="ws-a", personal_data_days=30), Workspace(id="ws-b")
REPLY_AGES_DAYS = {"hello": 40, "order": 2}  # the seed's mario last wrote 2 days ago


@pytest.fixture(params=["sqlite", "firestore"])
def platform(request, tmp_path):
    platform = platform_for(request, tmp_path, clock=ManualClock(NOW))
    platform.bus.ensure_topic(topics.HISTORY)
    platform.warehouse.ensure_tables()
    yield platform
    platform.close()


def reply(platform, workspace_id: str, conversation: str, name: str, age_days: float) -> None:
    """A reply delivered to the visitor's reply box ``age_days`` ago, as send_message delivers it."""
    sent = NOW - timedelta(days=age_days)
    box = WebchatReplyBox(platform.store, ManualClock(sent))
    box.send(OutboundMessage(message_id=f"{workspace_id}-{name}", workspace_id=workspace_id,
                             conversation_id=conversation, session_id="s", channel="webchat", account="site-1",
                             recipient="visitor", kind="text", text=f"Hola Mario, tu pedido A-123 ({name})",
                             created_at=sent.isoformat(), sender_type="agent"))


def replies(platform, conversation: str) -> dict[str, dict]:
    return {d.id: d.data for d in platform.store.query(replies_collection(conversation))}


def seeded_with_replies(platform, workspace: Workspace) -> tuple[dict[str, str], str, str]:
    """The retention seed, with replies in mario's web chat conversation and in another visitor's."""
    seed = seed_workspace(platform, workspace, NOW)
    marios = seed.conversations["mixed"]
    someone_elses = conversation_id(workspace.id, "webchat", "site-1", "visitor-someone")
    last_seen = (NOW - timedelta(days=2)).isoformat()
    platform.store.set(CONVERSATIONS, someone_elses, {
        "workspace_id": workspace.id, "channel": "webchat", "account": "site-1", "contact": "visitor-someone",
        "contact_id": "", "contact_name": "", "bot_id": "demo", "status": "bot", "created_at": last_seen,
        "updated_at": last_seen, "last_message_at": last_seen})
    for name, age in REPLY_AGES_DAYS.items():
        reply(platform, workspace.id, marios, name, age)
        reply(platform, workspace.id, someone_elses, f"other-{name}", age)
    return seed.contacts, marios, someone_elses


def test_contact_erasure_removes_the_web_chat_replies(platform):
    contacts, marios, someone_elses = seeded_with_replies(platform, KEEPS_ALL)
    others_before = replies(platform, someone_elses)
    assert len(replies(platform, marios)) == 2

    report = erase_contact(platform, KEEPS_ALL.id, contacts["mario"])

    assert replies(platform, marios) == {}
    assert WebchatReplyBox(platform.store, platform.clock).replies_after(marios, 0) == []
    assert report.counts.webchat_replies == 2
    assert replies(platform, someone_elses) == others_before, "another visitor's replies are not theirs to erase"
    box = platform.store.get(WEBCHAT, marios)
    assert box is not None and "Mario" not in str(box) and "A-123" not in str(box)


def test_retention_purge_removes_old_web_chat_replies(platform):
    _, kept_all, _ = seeded_with_replies(platform, KEEPS_ALL)
    _, policed, _ = seeded_with_replies(platform, KEEPS_30_DAYS)
    untouched = replies(platform, kept_all)
    recent = {k: v for k, v in replies(platform, policed).items() if k.endswith("-order")}

    report = purge_expired(platform, deadline=NOW + timedelta(minutes=9))

    assert report.finished
    assert replies(platform, policed) == recent, "only the reply sent before the 30-day cutoff goes"
    assert replies(platform, kept_all) == untouched, "a workspace without a policy keeps every reply"
    assert report.workspaces["ws-a"].webchat_replies == 2  # mario's and the other visitor's 40-day-old ones
    assert report.workspaces["ws-b"].webchat_replies == 0
    # The widget keeps its place: the next reply follows the last one it could have seen.
    assert [r["seq"] for r in WebchatReplyBox(platform.store, platform.clock).replies_after(policed, 0)] == [2]
    assert purge_expired(platform, deadline=NOW + timedelta(minutes=9)).workspaces["ws-a"].webchat_replies == 0


def test_an_export_holds_the_web_chat_replies_to_the_contact_and_no_one_elses(platform):
    contacts, marios, _ = seeded_with_replies(platform, KEEPS_ALL)

    exported = export_contact(platform, KEEPS_ALL.id, contacts["mario"])

    assert list(exported["webchat_replies"]) == [marios]
    assert [r["text"] for r in exported["webchat_replies"][marios]] == [
        "Hola Mario, tu pedido A-123 (hello)", "Hola Mario, tu pedido A-123 (order)"]
