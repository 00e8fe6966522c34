"""send_message through a provider API (the WhatsApp simulator on 127.0.0.1): exactly the calls the
customer should see, never twice, retried on 429/5xx/timeouts, refused for good on other 4xx."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.embedded.environment_secrets import EnvironmentSecrets
from shared.bootstrap import Platform, channel_senders
from shared.conversations.deliver import deliver_outbound_message
from shared.conversations.store_names import CONVERSATIONS, PROVIDER_MESSAGES, messages_collection
from shared.events import topics
from shared.kernel.errors import TransientError
from shared.kernel.settings import Settings
from shared.messages.wire import OutboundMessage
from shared.ports.clock import ManualClock
from shared.workspaces.directory import ChannelRoute
from tests.integration.conftest import HISTORY_PROBE, drain
from tests.support.fake_whatsapp_api import FakeWhatsAppApi
from tests.support.wsgi_server import serve_wsgi

TOKEN = "wa-token"
ACCOUNT = "106540352242922"
CUSTOMER = "5491155550000"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake():
    return FakeWhatsAppApi(TOKEN)


@pytest.fixture
def setup(tmp_path, fake):
    sleeps: list[float] = []
    with serve_wsgi(fake) as url:
        clock = ManualClock(NOW)
        platform = Platform(
            Settings(backend="embedded", data_dir=tmp_path / "data", api_bases={"WHATSAPP_API_BASE": url}), clock=clock,
            overrides={"secrets": lambda p: EnvironmentSecrets({"WHATSAPP_ACCESS_TOKEN": TOKEN}, also_bare_names=True),
                       "senders": lambda p: channel_senders(p, sleep=sleeps.append)})
        for topic in topics.ALL_TOPICS:
            platform.bus.ensure_topic(topic)
        platform.bus.ensure_subscription(HISTORY_PROBE)
        platform.directory.save_channel(ChannelRoute("whatsapp", ACCOUNT, "ws", "tienda"))
        platform.store.set(CONVERSATIONS, "cv_1", {"last_message_at": (NOW - timedelta(minutes=5)).isoformat()})
        yield platform, sleeps
        platform.close()


def reply(kind: str = "text", text: str = "Hola, soy Sol", message_id: str = "out_1", **extra) -> OutboundMessage:
    return OutboundMessage(message_id=message_id, workspace_id="ws", conversation_id="cv_1", session_id="ss_1",
                           channel="whatsapp", account=ACCOUNT, recipient=CUSTOMER, kind=kind, text=text,
                           created_at=NOW.isoformat(), **extra)


def deliver(platform: Platform, message: OutboundMessage) -> str:
    return deliver_outbound_message(platform, platform.senders, message)


def history_events(platform: Platform) -> list[dict]:
    import json

    rows = [json.loads(data)["row"] for data in drain(platform, HISTORY_PROBE)]
    return [r for r in rows if "event_id" in r]


def test_a_reply_is_posted_in_the_cloud_apis_shape_with_the_accounts_token(setup, fake):
    platform, _ = setup
    provider_id = deliver(platform, reply())
    (call,) = fake.sends()
    assert call.path == f"/{ACCOUNT}/messages" and call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.json["to"] == CUSTOMER and call.json["text"]["body"] == "Hola, soy Sol"
    mapping = platform.store.get(PROVIDER_MESSAGES, f"whatsapp:{provider_id}")
    assert mapping["message_id"] == "out_1" and mapping["conversation_id"] == "cv_1"
    assert [e["type"] for e in history_events(platform)] == ["message_sent"]


def test_a_repeated_delivery_of_the_same_message_sends_nothing_twice(setup, fake):
    platform, _ = setup
    first = deliver(platform, reply(text="a " * 3000))  # two parts: longer than one WhatsApp text
    second = deliver(platform, reply(text="a " * 3000))
    assert first == second and len(fake.sends()) == 2


def test_a_delivery_that_failed_midway_resumes_after_the_last_part_sent(setup, fake):
    platform, _ = setup
    long_text = reply(text="b " * 3000)  # two WhatsApp texts
    fake.pass_next(1)
    fake.fail_next(500, count=3)  # every in-place attempt at the second part
    with pytest.raises(TransientError):
        deliver(platform, long_text)
    deliver(platform, long_text)  # Pub/Sub's redelivery
    bodies = [c.json["text"]["body"] for c in fake.calls]
    assert len(bodies) == 5 and bodies[0] != bodies[1] and bodies[1:] == [bodies[1]] * 4
    assert len({b for b in bodies}) == 2  # each part reached the customer once: the first part was not re-sent
    assert len([c for c in fake.calls if c.json["text"]["body"] == bodies[0]]) == 1


def test_a_500_is_retried_with_backoff_and_the_message_goes_once(setup, fake):
    platform, sleeps = setup
    fake.fail_next(500, count=2)
    deliver(platform, reply())
    assert len(fake.calls) == 3 and len(sleeps) == 2
    assert all(0 <= s <= 8 for s in sleeps)


def test_a_429_waits_as_long_as_retry_after_says(setup, fake):
    platform, sleeps = setup
    fake.fail_next(429, headers={"Retry-After": "3"})
    deliver(platform, reply())
    assert sleeps == [3.0] and len(fake.attempts()) == 2 and len(fake.sends()) == 1


def test_failures_past_the_last_attempt_raise_so_pubsub_redelivers(setup, fake):
    platform, _ = setup
    fake.fail_next(503, count=3)
    with pytest.raises(TransientError, match="whatsapp"):
        deliver(platform, reply())
    deliver(platform, reply())  # the redelivery: the provider is back
    assert len(fake.calls) == 4


def test_a_permanent_refusal_is_recorded_as_a_failed_delivery_and_not_retried(setup, fake):
    platform, _ = setup
    platform.store.set(messages_collection("cv_1"), "out_1", {"direction": "outbound", "text": "Hola"})
    fake.fail_next(400, body={"error": {"message": "(#131026) Message undeliverable", "code": 131026,
                                        "type": "OAuthException", "fbtrace_id": "x"}})
    assert deliver(platform, reply()) == ""
    assert deliver(platform, reply()) == ""  # a redelivery does not try again
    assert len(fake.calls) == 1
    entry = platform.store.get(messages_collection("cv_1"), "out_1")
    assert entry["status"] == "failed" and "131026" in entry["failure_reason"]
    failed = [e for e in history_events(platform) if e["type"] == "message_failed"]
    assert failed and "131026" in failed[0]["detail"]


def test_outside_the_24_hours_a_free_form_reply_fails_without_calling_the_provider(setup, fake):
    platform, _ = setup
    platform.clock.advance(timedelta(hours=25))
    assert deliver(platform, reply()) == ""
    assert fake.calls == []
    failed = [e for e in history_events(platform) if e["type"] == "message_failed"]
    assert "24-hour" in failed[0]["detail"]


def test_outside_the_24_hours_a_template_still_goes(setup, fake):
    platform, _ = setup
    platform.clock.advance(timedelta(days=3))
    deliver(platform, reply(kind="template", text="Tu pedido llegó",
                            payload={"name": "pedido_listo", "language": "es_AR", "parameters": ["123"]}))
    (call,) = fake.sends()
    assert call.json["template"]["name"] == "pedido_listo"


def test_a_concurrent_delivery_of_a_message_being_sent_is_told_to_come_back_later(setup, fake):
    platform, _ = setup
    from shared.adapters.http.provider_http_sender import DELIVERIES

    platform.store.set(DELIVERIES, "out_1", {
        "status": "sending", "parts_sent": 0, "provider_ids": [], "reason": "", "channel": "whatsapp",
        "conversation_id": "cv_1", "claimed_until": (NOW + timedelta(seconds=60)).isoformat()})
    with pytest.raises(TransientError, match="being sent"):
        deliver(platform, reply())
    assert fake.calls == []
    platform.clock.advance(timedelta(seconds=61))  # the other delivery died: its claim lapses
    deliver(platform, reply())
    assert len(fake.sends()) == 1


def test_a_missing_token_is_transient_so_configuring_it_lets_the_message_go(tmp_path, fake):
    with serve_wsgi(fake) as url:
        platform = Platform(Settings(backend="embedded", data_dir=tmp_path / "d", api_bases={"WHATSAPP_API_BASE": url}),
                            clock=ManualClock(NOW),
                            overrides={"secrets": lambda p: EnvironmentSecrets({}),
                                       "senders": lambda p: channel_senders(p, sleep=lambda s: None)})
        platform.directory.save_channel(ChannelRoute("whatsapp", ACCOUNT, "ws", "tienda"))
        platform.store.set(CONVERSATIONS, "cv_1", {"last_message_at": NOW.isoformat()})
        with pytest.raises(TransientError, match="whatsapp-access-token"):
            deliver(platform, reply())
        platform.close()


def test_the_same_pubsub_delivery_twice_through_send_message_sends_once(setup, fake):
    import base64

    from cloudevents.http import CloudEvent

    from functions.send_message.main import send_message
    from shared.bootstrap import use_platform

    platform, _ = setup
    event = CloudEvent({"type": "google.cloud.pubsub.topic.v1.messagePublished",
                        "source": f"//pubsub.googleapis.com/projects/demo/topics/{topics.OUTBOUND}"},
                       {"message": {"data": base64.b64encode(reply().to_json()).decode(), "messageId": "7"},
                        "subscription": "projects/demo/subscriptions/charla-send_message"})
    use_platform(platform)
    try:
        send_message(event)
        send_message(event)
    finally:
        use_platform(None)
    assert len(fake.sends()) == 1


def test_an_agents_reply_on_messenger_after_a_day_carries_the_human_agent_tag(tmp_path):
    from tests.support.fake_meta_messaging_api import FakeMetaMessagingApi

    meta = FakeMetaMessagingApi({"1122": "page-token"})
    with serve_wsgi(meta) as url:
        platform = Platform(
            Settings(backend="embedded", data_dir=tmp_path / "d", api_bases={"META_API_BASE": url}),
            clock=ManualClock(NOW),
            overrides={"secrets": lambda p: EnvironmentSecrets({"MESSENGER_PAGE_TOKEN": "page-token"},
                                                               also_bare_names=True),
                       "senders": lambda p: channel_senders(p, sleep=lambda s: None)})
        platform.bus.ensure_topic(topics.HISTORY)
        platform.directory.save_channel(ChannelRoute("messenger", "1122", "ws", "tienda"))
        platform.store.set(CONVERSATIONS, "cv_1", {"last_message_at": (NOW - timedelta(hours=30)).isoformat()})
        message = OutboundMessage(message_id="out_9", workspace_id="ws", conversation_id="cv_1", session_id="",
                                  channel="messenger", account="1122", recipient="psid-1", kind="text",
                                  text="Hola, soy Marta", created_at=NOW.isoformat(), sender_type="agent")
        deliver(platform, message)
        (body,) = meta.sent("1122")
        assert body["messaging_type"] == "MESSAGE_TAG" and body["tag"] == "HUMAN_AGENT"
        platform.close()


def test_the_sender_sends_on_the_window_terms_it_is_told_and_reads_no_conversation(tmp_path):
    from shared.ports.channel_sender import ReplyWindow
    from tests.support.fake_meta_messaging_api import FakeMetaMessagingApi

    meta = FakeMetaMessagingApi({"1122": "page-token"})
    with serve_wsgi(meta) as url:
        platform = Platform(
            Settings(backend="embedded", data_dir=tmp_path / "d", api_bases={"META_API_BASE": url}),
            clock=ManualClock(NOW),
            overrides={"secrets": lambda p: EnvironmentSecrets({"MESSENGER_PAGE_TOKEN": "page-token"},
                                                               also_bare_names=True),
                       "senders": lambda p: channel_senders(p, sleep=lambda s: None)})
        platform.directory.save_channel(ChannelRoute("messenger", "1122", "ws", "tienda"))
        # No conversation document at all: the window was decided before the sender was called.
        sender = platform.senders.get("messenger")
        for message_id, window in (("out_open", ReplyWindow.OPEN), ("out_tagged", ReplyWindow.HUMAN_AGENT)):
            sender.send(OutboundMessage(message_id=message_id, workspace_id="ws", conversation_id="cv_none",
                                        session_id="", channel="messenger", account="1122", recipient="psid-1",
                                        kind="text", text="Hola", created_at=NOW.isoformat(), sender_type="agent"),
                        window)
        opened, tagged = meta.sent("1122")
        assert opened["messaging_type"] == "RESPONSE" and "tag" not in opened
        assert tagged["messaging_type"] == "MESSAGE_TAG" and tagged["tag"] == "HUMAN_AGENT"
        assert platform.store.get(CONVERSATIONS, "cv_none") is None
        platform.close()
