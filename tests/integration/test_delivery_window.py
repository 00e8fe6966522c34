"""The customer-service window is decided by the delivery use case from the conversation it reads; the
channel's sender is only told on which terms a message goes (ReplyWindow) and never sees a refused one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.embedded.sqlite_document_store import SqliteDocumentStore
from shared.adapters.embedded.sqlite_event_bus import SqliteEventBus
from shared.conversations.deliver import deliver_outbound_message
from shared.conversations.store_names import CONVERSATIONS, messages_collection
from shared.events import topics
from shared.messages.wire import OutboundMessage
from shared.ports.channel_sender import ReplyWindow
from shared.ports.clock import ManualClock
from shared.ports.context import PortSet

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class RecordingSender:
    """A ChannelSender that keeps what it was asked to send, and on which terms."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, ReplyWindow]] = []

    def send(self, message: OutboundMessage, window: ReplyWindow = ReplyWindow.OPEN) -> str:
        self.sent.append((message.message_id, window))
        return f"provider-{message.message_id}"

    def delivered(self, message_id: str) -> str | None:
        return f"provider-{message_id}" if any(sent == message_id for sent, _ in self.sent) else None


@pytest.fixture
def ports(tmp_path):
    clock = ManualClock(NOW)
    bus = SqliteEventBus(tmp_path / "bus.sqlite3", clock=clock)
    bus.ensure_topic(topics.HISTORY)
    ports = PortSet(store=SqliteDocumentStore(tmp_path / "state.sqlite3"), clock=clock, bus=bus)
    yield ports
    bus.close()
    ports.store.close()


def customer_wrote(ports: PortSet, ago: timedelta) -> None:
    ports.store.set(CONVERSATIONS, "cv_1", {"last_message_at": (NOW - ago).isoformat()})


def reply(channel: str, sender_type: str = "bot", kind: str = "text") -> OutboundMessage:
    return OutboundMessage(message_id="out_1", workspace_id="ws", conversation_id="cv_1", session_id="ss_1",
                           channel=channel, account="acc", recipient="customer", kind=kind, text="Hola",
                           created_at=NOW.isoformat(), sender_type=sender_type)


@pytest.mark.parametrize("channel", ["whatsapp", "messenger", "instagram", "telegram"])
def test_inside_the_24_hours_the_sender_is_told_the_window_is_open(ports, channel):
    customer_wrote(ports, timedelta(hours=2))
    sender = RecordingSender()
    assert deliver_outbound_message(ports, {channel: sender}, reply(channel)) == "provider-out_1"
    assert sender.sent == [("out_1", ReplyWindow.OPEN)]


@pytest.mark.parametrize("channel", ["messenger", "instagram"])
def test_an_agents_reply_after_a_day_goes_on_the_human_agent_terms(ports, channel):
    customer_wrote(ports, timedelta(hours=30))
    sender = RecordingSender()
    deliver_outbound_message(ports, {channel: sender}, reply(channel, sender_type="agent"))
    assert sender.sent == [("out_1", ReplyWindow.HUMAN_AGENT)]


@pytest.mark.parametrize(("channel", "sender_type"), [("whatsapp", "agent"), ("messenger", "bot")])
def test_a_reply_the_window_refuses_never_reaches_the_sender_and_is_marked_failed(ports, channel, sender_type):
    customer_wrote(ports, timedelta(hours=30))
    ports.store.set(messages_collection("cv_1"), "out_1", {"status": "queued"})
    sender = RecordingSender()
    assert deliver_outbound_message(ports, {channel: sender}, reply(channel, sender_type=sender_type)) == ""
    assert sender.sent == []
    entry = ports.store.get(messages_collection("cv_1"), "out_1")
    assert entry["status"] == "failed"
    assert "24 hours" in entry["failure_reason"] or "24-hour" in entry["failure_reason"]


def test_a_reply_sent_before_the_window_closed_and_redelivered_after_keeps_its_id_and_is_not_failed(ports):
    customer_wrote(ports, timedelta(hours=23, minutes=59))
    ports.store.set(messages_collection("cv_1"), "out_1", {"status": "queued"})
    sender = RecordingSender()
    assert deliver_outbound_message(ports, {"whatsapp": sender}, reply("whatsapp")) == "provider-out_1"
    ports.clock.advance(timedelta(minutes=2))  # Pub/Sub redelivers it once the window has closed
    assert deliver_outbound_message(ports, {"whatsapp": sender}, reply("whatsapp")) == "provider-out_1"
    assert ports.store.get(messages_collection("cv_1"), "out_1")["status"] != "failed"


def test_a_whatsapp_template_goes_even_to_a_contact_who_never_wrote(ports):
    sender = RecordingSender()
    deliver_outbound_message(ports, {"whatsapp": sender}, reply("whatsapp", kind="template"))
    assert sender.sent == [("out_1", ReplyWindow.OPEN)]


def test_a_channel_without_a_window_sends_whatever_the_conversation_says(ports):
    customer_wrote(ports, timedelta(days=400))
    sender = RecordingSender()
    deliver_outbound_message(ports, {"webchat": sender}, reply("webchat"))
    assert sender.sent == [("out_1", ReplyWindow.OPEN)]
