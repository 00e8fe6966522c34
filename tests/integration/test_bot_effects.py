"""What a bot turn does beyond replies, through the real use cases on the embedded backends:
webhooks called once, emails written through the mail port, hand-offs on the assignment topic,
menu timers scheduled and run."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from shared.bootstrap import Platform
from shared.channels import webchat
from shared.channels.email import MailerSender
from shared.conversations.deliver import deliver_outbound_message
from shared.conversations.resolve import resolve_inbound_message
from shared.conversations.timers import handle_conversation_timer
from shared.events import topics
from shared.kernel.settings import Settings
from shared.messages.wire import AssignmentRequest, OutboundMessage
from shared.ports.clock import ManualClock
from shared.ports.event_bus import Subscription
from shared.ports.task_scheduler import TASK_NAME_ATTRIBUTE
from shared.workspaces.directory import ChannelRoute, Workspace
from tests.support.wsgi_server import serve_wsgi

FIXTURES = Path(__file__).parent.parent / "fixtures"
SITE = "constructs-site"
PROBES = {name: Subscription(name=f"probe-{name}", topic=topic, ordered=False)
          for name, topic in (("outbound", topics.OUTBOUND), ("assignment", topics.ASSIGNMENT),
                              ("timers", topics.TIMERS))}


@pytest.fixture
def orders_api():
    calls: list[str] = []

    @Request.application
    def app(request: Request) -> Response:
        calls.append(request.full_path)
        if request.path == "/orders/123456":
            return Response(json.dumps({"status": "en camino", "items": [{"name": "remera"}]}), 200,
                            mimetype="application/json")
        return Response("{}", 404, mimetype="application/json")

    with serve_wsgi(app) as url:
        yield url, calls


@pytest.fixture
def platform(tmp_path, orders_api):
    clock = ManualClock()
    platform = Platform(Settings(backend="embedded", data_dir=tmp_path / "data"), clock=clock)
    for topic in topics.ALL_TOPICS:
        platform.bus.ensure_topic(topic)
    for probe in PROBES.values():
        platform.bus.ensure_subscription(probe)
    directory = platform.directory
    directory.save_workspace(Workspace(id="ws", time_zone="UTC", constants={"api": orders_api[0]}))
    for name in ("constructs.yaml", "otro.yaml"):
        directory.publish_bot("ws", (FIXTURES / name).read_text(), name)
    directory.save_channel(ChannelRoute(type="webchat", account=SITE, workspace_id="ws", bot_id="constructs"))
    yield platform
    platform.close()


def say(platform: Platform, text: str, provider_id: str):
    route = platform.directory.channel(webchat.CHANNEL, SITE)
    message = webchat.to_inbound(webchat.VisitorMessage(SITE, "visitor-0001", text, provider_id), route,
                                 provider_id, platform.clock.now().isoformat())
    return message, resolve_inbound_message(platform, message)


def drain(platform: Platform, probe: str) -> list:
    received = []
    while batch := platform.bus.pull(PROBES[probe].name, max_messages=100, timeout_s=0.1):
        platform.bus.ack(PROBES[probe].name, [m.ack_id for m in batch])
        received.extend(batch)
    return received


def replies(platform: Platform) -> list[OutboundMessage]:
    return [OutboundMessage.from_json(m.data) for m in drain(platform, "outbound")]


def test_an_authors_webhook_is_called_once_per_message_even_when_the_message_comes_again(platform, orders_api):
    say(platform, "buenas", "m1")
    say(platform, "estado de mi pedido", "m2")
    message, _ = say(platform, "123456", "m3")
    resolve_inbound_message(platform, message)  # a redelivery
    assert [r.text for r in replies(platform)][-1] == "Tu pedido está en camino (remera)."
    assert orders_api[1] == ["/orders/123456?q="]


def test_send_email_writes_one_eml_file_through_the_mail_port(platform):
    say(platform, "buenas", "m1")
    say(platform, "mandame el recibo", "m2")
    say(platform, "ana@example.com", "m3")
    emails = [r for r in replies(platform) if r.channel == "email"]
    assert len(emails) == 1 and emails[0].recipient == "ana@example.com"
    for _ in range(2):  # a redelivered send keeps one file
        deliver_outbound_message(platform, {"email": MailerSender(platform.mailer)}, emails[0])
    files = list((platform.data_dir / "blobs" / "mail").glob("*.eml"))
    assert len(files) == 1
    eml = files[0].read_text()
    assert "To: ana@example.com" in eml and "Subject: Tu recibo de Tienda Sol" in eml


def test_a_handoff_is_published_on_the_assignment_topic(platform):
    say(platform, "buenas", "m1")
    say(platform, "agente", "m2")
    requests = [AssignmentRequest.from_json(m.data) for m in drain(platform, "assignment")]
    assert [(r.queue, r.channel) for r in requests] == [("soporte", "webchat")]


def test_a_menu_reminder_is_scheduled_and_sent_when_due_and_only_then(platform):
    say(platform, "buenas", "m1")
    say(platform, "mostrar el menu", "m2")
    replies(platform)
    scheduler = platform.scheduler
    assert scheduler.run_due() == 0
    platform.clock.advance(timedelta(minutes=5, seconds=1))
    assert scheduler.run_due() == 1
    (timer,) = drain(platform, "timers")
    assert handle_conversation_timer(platform, timer.data, timer.attributes[TASK_NAME_ATTRIBUTE])
    assert not handle_conversation_timer(platform, timer.data, timer.attributes[TASK_NAME_ATTRIBUTE])
    assert [r.text for r in replies(platform)] == ["¿Seguís ahí?"]


def test_choosing_an_option_cancels_the_menus_timers(platform):
    say(platform, "buenas", "m1")
    say(platform, "mostrar el menu", "m2")
    say(platform, "3", "m3")
    platform.clock.advance(timedelta(minutes=30))
    assert platform.scheduler.run_due() == 0
