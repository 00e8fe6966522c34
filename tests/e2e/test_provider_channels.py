"""Each provider channel end to end: the provider's signed webhook request into the local stack, the
bot's reply out through the provider's API (a simulator on 127.0.0.1 recording every call).

The stack connects the demo channels exactly as `make run` does, from the README's variables.
The main conversation runs on the embedded backends and again on the Firestore and Pub/Sub
emulators; the finer cases run on the embedded backends.
"""

from __future__ import annotations

import os
import time

import httpx
import pytest

from charla_local.stack import LocalStack
from shared.conversations.store_names import CONVERSATIONS, messages_collection
from shared.kernel.settings import Settings
from tests.support.channel_drivers import CUSTOMERS, VERIFY_TOKEN, ChannelCustomer, provider_simulators
from tests.support.emulators import EMULATOR_PROJECT
from tests.support.ports import free_port, wait_for_http

CHANNELS = list(CUSTOMERS)
GREETING = "Soy Sol, la asistente virtual de Tienda Sol."
PICTURE = b"\xff\xd8\xff\xe0" + b"jpeg" * 200


@pytest.fixture
def simulators():
    with provider_simulators() as running:
        yield running


def _start(tmp_path, simulators, backend: str) -> LocalStack:
    port = free_port()
    environ = simulators.environ(f"http://127.0.0.1:{port}")
    variables = {**environ, "CHARLA_BACKEND": backend, "CHARLA_DATA_DIR": str(tmp_path / "data")}
    if backend == "emulators":
        variables.update(CHARLA_PROJECT=EMULATOR_PROJECT, FIRESTORE_EMULATOR_HOST=os.environ["FIRESTORE_EMULATOR_HOST"],
                         PUBSUB_EMULATOR_HOST=os.environ["PUBSUB_EMULATOR_HOST"])
    stack = LocalStack(Settings.from_env(variables), port=port, environ=environ)
    stack.start()
    wait_for_http(f"http://127.0.0.1:{port}/healthz")
    return stack


@pytest.fixture
def embedded(tmp_path, simulators):
    stack = _start(tmp_path, simulators, "embedded")
    yield stack
    stack.stop()


@pytest.fixture(params=["embedded", "emulators"])
def any_backend(request, tmp_path, simulators):
    if request.param == "emulators":
        request.getfixturevalue("firestore_env")
        request.getfixturevalue("pubsub_env")
    stack = _start(tmp_path, simulators, request.param)
    yield stack
    stack.stop()


def customer(channel: str, stack: LocalStack, simulators) -> ChannelCustomer:
    return CUSTOMERS[channel](f"http://127.0.0.1:{stack.port}", simulators)


def settle(customer: ChannelCustomer, quiet_s: float = 1.0) -> list[str]:
    """What the customer saw once nothing more has arrived for ``quiet_s``."""
    seen = customer.seen()
    while True:
        time.sleep(quiet_s)
        now = customer.seen()
        if now == seen:
            return now
        seen = now


@pytest.mark.parametrize("channel", CHANNELS)
def test_hola_is_answered_through_the_providers_api(channel, any_backend, simulators):
    ana = customer(channel, any_backend, simulators)
    ana.say("hola")
    seen = ana.wait_for(2)
    assert GREETING in seen[0]
    assert "Elegí una opción" in seen[1]


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_redelivered_webhook_sends_no_second_reply(channel, embedded, simulators):
    ana = customer(channel, embedded, simulators)
    request = ana.text_request("hola", "m4242")
    first, second = ana.post(*request), ana.post(*request)
    assert first.status_code == second.status_code == 200
    if first.headers["content-type"].startswith("application/json"):  # Twilio gets TwiML instead
        assert first.json() == {"received": 1, "duplicates": 0}
        assert second.json() == {"received": 0, "duplicates": 1}
    ana.wait_for(2)
    replies = settle(ana)
    assert len(replies) == 2 and GREETING in replies[0]


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_wrong_signature_gets_403_and_nothing_is_published(channel, embedded, simulators):
    ana = customer(channel, embedded, simulators)
    body, headers = ana.text_request("hola", "m777")
    forged = {k: (v[:-4] + "AAAA" if k.lower() in (
        "x-hub-signature-256", "x-twilio-signature", "x-telegram-bot-api-secret-token") else v)
        for k, v in headers.items()}
    refused = ana.post(body, forged)
    assert refused.status_code == 403 and "does not match" in refused.json()["error"]
    unsigned = ana.post(body, {k: v for k, v in headers.items() if k.lower() in ("content-type",)})
    assert unsigned.status_code == 403
    time.sleep(1.0)
    assert ana.seen() == []
    conversation_count = len(embedded.platform.store.query(CONVERSATIONS, []))
    assert conversation_count == 0


@pytest.mark.parametrize("channel", ["whatsapp", "messenger", "instagram", "telegram"])
def test_a_tapped_button_chooses_the_option_it_was_sent_with(channel, embedded, simulators):
    ana = customer(channel, embedded, simulators)
    ana.say("hola")
    ana.wait_for(2)
    (menu_options,) = ana.options()
    option_id, title = next((i, t) for i, t in menu_options if t.startswith("Compras"))
    response = ana.post(*ana.button_request(option_id, title, "m9001"))
    assert response.status_code == 200
    seen = ana.wait_for(3)
    assert "¿Qué necesitás?" in seen[2]


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_customers_picture_is_stored_and_the_message_points_to_the_copy(channel, embedded, simulators):
    ana = customer(channel, embedded, simulators)
    response = ana.post(*ana.image_request(PICTURE, "mi ticket", "m5150"))
    assert response.status_code == 200
    store = embedded.platform.store
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        conversations = store.query(CONVERSATIONS, [])
        logged = [d for c in conversations for d in store.query(messages_collection(c.id), [])
                  if d.data.get("direction") == "inbound"]
        if logged:
            break
        time.sleep(0.1)
    (entry,) = logged
    media = entry.data["payload"]["media"]
    assert entry.data["kind"] == "image" and "error" not in media, media
    assert embedded.platform.blobs.get(media["blob"]) == PICTURE
    assert media["blob"] == f"media/demo/{conversations[0].id}/{entry.id}"
    assert media["mime_type"] == "image/jpeg" and media["size"] == len(PICTURE)
    ana.wait_for(1)  # the bot answers once the picture is stored


@pytest.mark.parametrize("channel", ["whatsapp", "messenger", "instagram", "twilio_sms", "twilio_whatsapp"])
def test_a_delivery_status_marks_the_message_it_refers_to(channel, embedded, simulators):
    ana = customer(channel, embedded, simulators)
    ana.say("hola")
    ana.wait_for(2)
    store = embedded.platform.store
    (conversation,) = store.query(CONVERSATIONS, [])
    from shared.adapters.http.provider_http_sender import DELIVERIES

    outbound = [d for d in store.query(messages_collection(conversation.id), [])
                if d.data["direction"] == "outbound"]
    first = min(outbound, key=lambda d: d.id)
    provider_id = store.get(DELIVERIES, first.id)["provider_ids"][0]
    assert ana.post(*ana.status_request(provider_id, "delivered")).status_code == 200
    deadline = time.monotonic() + 10
    while store.get(messages_collection(conversation.id), first.id).get("status") != "delivered":
        assert time.monotonic() < deadline, "the status never reached the message"
        time.sleep(0.1)


@pytest.mark.parametrize("channel", ["whatsapp", "telegram", "twilio_sms"])
def test_a_provider_failing_with_500_then_429_still_gets_the_reply_once(channel, embedded, simulators):
    ana = customer(channel, embedded, simulators)
    ana.fake.fail_next(500)
    ana.fake.fail_next(429, headers={"Retry-After": "1"})
    ana.say("hola")
    ana.wait_for(2)
    replies = settle(ana)
    assert len(replies) == 2 and GREETING in replies[0]
    assert len(ana.fake.attempts()) == 4  # two refused attempts, then each reply exactly once


def test_metas_verification_handshake_echoes_the_challenge_only_for_our_token(embedded):
    base = f"http://127.0.0.1:{embedded.port}"
    for function in ("webhook_whatsapp", "webhook_messenger", "webhook_instagram"):
        ok = httpx.get(f"{base}/{function}", params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                                     "hub.challenge": "1158201444"})
        assert ok.status_code == 200 and ok.text == "1158201444"
        wrong = httpx.get(f"{base}/{function}", params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                                        "hub.challenge": "1158201444"})
        assert wrong.status_code == 403 and "1158201444" not in wrong.text


def test_an_account_that_is_not_connected_is_refused_like_a_bad_signature(embedded, simulators):
    # Issue 15: the answer must not tell which accounts exist, so it is the bad signature's 403.
    from tests.support import whatsapp_requests as wa
    from tests.support.channel_drivers import WHATSAPP_SECRET

    body, headers = wa.signed(wa.text_message("999000999", "5491100000000", "hola", "wamid.x1",
                                              timestamp=int(time.time())), WHATSAPP_SECRET)
    response = httpx.post(f"http://127.0.0.1:{embedded.port}/webhook_whatsapp", content=body, headers=headers)
    assert response.status_code == 403 and "999000999" not in response.text
    assert response.json()["error"] == "X-Hub-Signature-256 is missing or does not match"
    telegram = httpx.post(f"http://127.0.0.1:{embedded.port}/webhook_telegram/123", content=b"{}",
                          headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
    assert telegram.status_code == 403


def test_malformed_and_oversize_bodies_get_a_4xx_naming_the_problem(embedded, simulators):
    from shared.channels.meta_signature import meta_signature
    from tests.support.channel_drivers import META_SECRET, WHATSAPP_SECRET

    base = f"http://127.0.0.1:{embedded.port}"
    raw = b"{not json"
    bad_json = httpx.post(f"{base}/webhook_whatsapp", content=raw,
                          headers={"X-Hub-Signature-256": meta_signature(raw, WHATSAPP_SECRET)})
    assert bad_json.status_code == 400 and "malformed JSON" in bad_json.json()["error"]
    raw = b'{"object": "page", "entry": []}'
    wrong_object = httpx.post(f"{base}/webhook_instagram", content=raw,
                              headers={"X-Hub-Signature-256": meta_signature(raw, META_SECRET)})
    assert wrong_object.status_code == 400 and "object" in wrong_object.json()["error"]
    huge = httpx.post(f"{base}/webhook_messenger", content=b"x" * (embedded.settings.max_body_bytes + 1))
    assert huge.status_code == 413


def test_a_reply_the_provider_keeps_refusing_goes_to_the_dead_letter_topic_after_the_last_attempt(
        tmp_path, simulators):
    from charla_local.stack import DEAD_LETTER_RETENTION
    from shared.bootstrap import channel_senders
    from shared.events import topics
    from shared.messages.wire import OutboundMessage
    from shared.ports.clock import ManualClock

    clock = ManualClock()
    port = free_port()
    environ = simulators.environ(f"http://127.0.0.1:{port}")
    settings = Settings.from_env({**environ, "CHARLA_DATA_DIR": str(tmp_path / "data")})
    # No real waiting between in-place retries; Pub/Sub's backoff follows the manual clock.
    stack = LocalStack(settings, port=port, clock=clock, environ=environ,
                       overrides={"senders": lambda p: channel_senders(p, sleep=lambda s: None)})
    stack.start()
    try:
        ana = customer("telegram", stack, simulators)
        simulators.telegram.fail_next(502, count=10_000)
        ana.say("hola")
        attempts = (next(fs for fs in topics.function_subscriptions() if fs.function == "send_message")
                    .subscription.max_delivery_attempts)
        dead: list = []
        deadline = time.monotonic() + 60
        while not dead and time.monotonic() < deadline:
            clock.advance(120)  # past the subscription's longest backoff
            time.sleep(0.3)
            dead = stack.platform.bus.pull(DEAD_LETTER_RETENTION.name, max_messages=10, timeout_s=0)
        assert dead, "the reply never reached the dead-letter topic"
        reply = OutboundMessage.from_json(dead[0].data)
        assert reply.channel == "telegram" and reply.recipient == ana.contact
        # Each delivery attempt tried the provider 3 times in place; none reached the customer.
        first_reply_attempts = [c for c in simulators.telegram.attempts()
                                if c.json.get("text", "").startswith(reply.text[:20])]
        assert len(first_reply_attempts) == attempts * 3
        assert ana.seen() == []
    finally:
        stack.stop()


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_first_message_that_greets_and_asks_gets_the_greeting_and_the_answer(channel, embedded, simulators):
    # Issue 17, point 2, on every provider channel: greeting once, then the answer, in the same turn.
    ana = customer(channel, embedded, simulators)
    ana.say("hola, buenas tardes, ¿hacen envíos al interior?")
    ana.wait_for(3)
    replies = settle(ana)
    assert sum(GREETING in reply for reply in replies) == 1
    assert GREETING in replies[0]
    assert "Enviamos a todo el país" in replies[-1]
