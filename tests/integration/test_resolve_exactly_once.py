"""resolve_intent answers each inbound message exactly once: redeliveries, concurrency and crashes,
on the SQLite store and on the Firestore emulator."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from shared.channels import webchat
from shared.conversations.resolve import CONVERSATIONS, messages_collection, resolve_inbound_message
from shared.events import topics
from shared.events.outbox import OUTBOX, Outbox
from shared.kernel.errors import TransientError
from shared.messages.wire import InboundMessage, OutboundMessage
from shared.ports.context import PortSet
from tests.integration.conftest import OUTBOUND_PROBE, drain


def inbound(platform, text: str, provider_id: str, visitor: str = "visitor-0001") -> InboundMessage:
    route = platform.directory.channel(webchat.CHANNEL, "demo-site")
    visit = webchat.VisitorMessage("demo-site", visitor, text, provider_id)
    return webchat.to_inbound(visit, route, provider_id, platform.clock.now().isoformat())


def test_a_redelivered_inbound_message_gets_no_second_reply(platform):
    message = inbound(platform, "hola", "m-0001")
    first = resolve_inbound_message(platform, message)
    again = resolve_inbound_message(platform, message)
    assert first.handled and first.replies == 2
    assert not again.handled and again.replies == 0
    replies = [OutboundMessage.from_json(d) for d in drain(platform, OUTBOUND_PROBE)]
    assert [r.kind for r in replies] == ["text", "menu"]
    assert len({r.message_id for r in replies}) == 2


def test_concurrent_messages_of_one_conversation_lose_no_state_update(platform):
    messages = [inbound(platform, text, f"m-{i:04d}") for i, text in enumerate(
        ["hola", "horario de atencion", "hacen envios", "muchas gracias"])]
    barrier = threading.Barrier(len(messages))
    errors: list[BaseException] = []

    def handle(message: InboundMessage) -> None:
        barrier.wait()
        try:
            resolve_inbound_message(platform, message)
        except BaseException as exc:  # surfaced below with the others
            errors.append(exc)

    threads = [threading.Thread(target=handle, args=(m,)) for m in messages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    conversation = platform.store.get(CONVERSATIONS, messages[0].conversation_id)
    logged = platform.store.query(messages_collection(messages[0].conversation_id))
    inbound_logged = {d.id for d in logged if d.data["direction"] == "inbound"}
    assert inbound_logged == {m.message_id for m in messages}
    # Every turn's increment survived: the count equals everything logged.
    assert conversation["message_count"] == len(logged)
    replies = drain(platform, OUTBOUND_PROBE)
    assert len(replies) == len(logged) - len(messages)


class PublishFailsOnce:
    """The real bus, except the first outbound publish fails as if the process died right there."""

    def __init__(self, bus) -> None:
        self._bus = bus
        self.failed = False

    def publish(self, topic, data, **kwargs):
        if topic == topics.OUTBOUND and not self.failed:
            self.failed = True
            raise TransientError("simulated crash between commit and publish")
        return self._bus.publish(topic, data, **kwargs)

    def __getattr__(self, name):
        return getattr(self._bus, name)


def test_a_crash_after_the_commit_loses_no_reply_and_the_redelivery_sends_it_once(platform):
    crashing = PortSet.like(platform, bus=PublishFailsOnce(platform.bus))
    message = inbound(platform, "hola", "m-crash")
    with pytest.raises(TransientError):
        resolve_inbound_message(crashing, message)
    staged = platform.store.query(OUTBOX)
    assert staged, "the replies must be committed with the state change"
    redelivered = resolve_inbound_message(platform, message)
    assert not redelivered.handled and redelivered.published == len(staged)
    replies = [OutboundMessage.from_json(d) for d in drain(platform, OUTBOUND_PROBE)]
    assert [r.kind for r in replies] == ["text", "menu"]
    assert platform.store.query(OUTBOX) == []


def test_replies_left_in_the_outbox_by_a_crash_are_published_by_the_sweep(platform):
    crashing = PortSet.like(platform, bus=PublishFailsOnce(platform.bus))
    with pytest.raises(TransientError):
        resolve_inbound_message(crashing, inbound(platform, "hola", "m-sweep"))
    outbox = Outbox(platform.store, platform.bus, platform.clock, platform.scheduler)
    assert outbox.sweep(older_than=timedelta(0)) > 0
    assert len(drain(platform, OUTBOUND_PROBE)) == 2
    assert outbox.sweep(older_than=timedelta(0)) == 0


def test_in_the_cloud_the_scheduled_sweep_message_makes_run_timer_publish_what_a_crash_left(platform):
    import json

    from shared.conversations.timers import handle_conversation_timer
    from shared.events.outbox import SWEEP_ACTION

    crashing = PortSet.like(platform, bus=PublishFailsOnce(platform.bus))
    with pytest.raises(TransientError):
        resolve_inbound_message(crashing, inbound(platform, "hola", "m-cloud-sweep"))
    sweep = json.dumps({"action": SWEEP_ACTION}).encode()
    assert handle_conversation_timer(platform, sweep, "") is False  # staged just now: not yet left behind
    past = [d for d in platform.store.query(OUTBOX)]
    for document in past:  # as if staged a minute ago
        platform.store.set(OUTBOX, document.id, {**document.data, "staged_at": "2000-01-01T00:00:00+00:00"})
    assert handle_conversation_timer(platform, sweep, "") is True
    assert len(drain(platform, OUTBOUND_PROBE)) == 2
