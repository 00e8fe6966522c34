"""Retention reaches the emails the bots send (send_email, kept as ``mail/<message id>.eml`` in the blob
store): a contact's erasure deletes those of their conversations and the purge those sent before the
policy's cutoff, found by their rows in the warehouse's messages table, and nobody else's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.channels.email import MailerSender
from shared.conversations.store_names import mail_blob_key
from shared.events import topics
from shared.messages.wire import OutboundMessage
from shared.ports.clock import ManualClock
from shared.retention import erase_contact, export_contact, purge_expired
from shared.workspaces.directory import Workspace
from tests.integration.conftest import platform_for
from tests.support.retention_seed import seed_workspace

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
KEEPS_30_DAYS, KEEPS_ALL = Workspace(id="ws-a", personal_data_days=30), Workspace(id="ws-b")


@pytest.fixture(params=["sqlite", "firestore"])
def platform(request, tmp_path):
    platform = platform_for(request, tmp_path, clock=ManualClock(NOW))
    platform.bus.ensure_topic(topics.HISTORY)
    platform.warehouse.ensure_tables()
    yield platform
    platform.close()


def email_sent(platform, workspace_id: str, conversation: str, name: str, age_days: float) -> str:
    """An email a bot sent ``age_days`` ago in ``conversation``: the mailer's file and its history row."""
    sent = NOW - timedelta(days=age_days)
    message = OutboundMessage(message_id=f"mail_{workspace_id}_{name}", workspace_id=workspace_id,
                              conversation_id=conversation, session_id="s", channel="email", account="",
                              recipient="ventas@tiendasol.example", kind="email", created_at=sent.isoformat(),
                              text="Pedido de Mario Gómez, Calle 5 # 10-20, tel. 3001234567",
                              payload={"subject": "Nuevo pedido"})
    MailerSender(platform.mailer).send(message)
    platform.warehouse.insert_rows("messages", [{
        "message_id": message.message_id, "workspace_id": workspace_id, "conversation_id": conversation,
        "session_id": None, "channel": "email", "direction": "outbound", "sender_type": "bot", "kind": "email",
        "text": message.text, "intent": None, "confidence": None, "language": None, "occurred_at": sent}])
    return mail_blob_key(message.message_id)


def test_contact_erasure_removes_the_emails_the_bots_sent_about_them(platform):
    seed = seed_workspace(platform, KEEPS_ALL, NOW)
    marios = email_sent(platform, KEEPS_ALL.id, seed.conversations["mixed"], "mario", 10)
    olgas = email_sent(platform, KEEPS_ALL.id, seed.conversations["old"], "olga", 10)
    assert platform.blobs.exists(marios) and b"Mario" in platform.blobs.get(marios)
    assert export_contact(platform, KEEPS_ALL.id, seed.contacts["mario"])["emails"] == [
        {"key": marios, "stored": True}]

    report = erase_contact(platform, KEEPS_ALL.id, seed.contacts["mario"])

    assert not platform.blobs.exists(marios)
    assert report.counts.emails == 1
    assert platform.blobs.exists(olgas), "another customer's emails are not theirs to erase"


def test_retention_purge_removes_old_emails_the_bots_sent(platform):
    policed, kept_all = seed_workspace(platform, KEEPS_30_DAYS, NOW), seed_workspace(platform, KEEPS_ALL, NOW)
    old = email_sent(platform, KEEPS_30_DAYS.id, policed.conversations["mixed"], "old", 40)
    recent = email_sent(platform, KEEPS_30_DAYS.id, policed.conversations["mixed"], "recent", 2)
    old_kept = email_sent(platform, KEEPS_ALL.id, kept_all.conversations["mixed"], "old", 40)

    report = purge_expired(platform, deadline=NOW + timedelta(minutes=9))

    assert report.finished
    assert not platform.blobs.exists(old)
    assert platform.blobs.exists(recent), "an email younger than the policy stays"
    assert platform.blobs.exists(old_kept), "a workspace without a policy keeps its emails"
    assert report.workspaces["ws-a"].emails == 1 and report.workspaces["ws-b"].emails == 0
    platform.clock.advance(timedelta(minutes=5))
    assert purge_expired(platform, deadline=platform.clock.now() + timedelta(minutes=9)).workspaces["ws-a"].emails == 0
