"""fetch_media: the customer's file is copied into the blob store before the bot sees the message;
files refused for good still let the message through, naming why; provider hiccups are retried."""

from __future__ import annotations

import json

import httpx
import pytest

from shared.adapters.embedded.environment_secrets import EnvironmentSecrets
from shared.bootstrap import Platform, media_downloader
from shared.conversations.inbound_media import MEDIA_LIMITS, forward_with_media, media_blob_key
from shared.events import topics
from shared.kernel.errors import TransientError
from shared.kernel.settings import Settings
from shared.messages.wire import InboundMessage
from shared.ports.event_bus import Subscription
from shared.workspaces.directory import ChannelRoute
from tests.support.fake_whatsapp_api import FakeWhatsAppApi
from tests.support.wsgi_server import serve_wsgi

TOKEN, ACCOUNT = "wa-token", "106540352242922"
INBOUND_PROBE = Subscription(name="test-inbound-probe", topic=topics.INBOUND, ordered=False)


@pytest.fixture
def fake():
    return FakeWhatsAppApi(TOKEN)


@pytest.fixture
def platform(tmp_path, fake):
    with serve_wsgi(fake) as url:
        platform = Platform(Settings(backend="embedded", data_dir=tmp_path / "data",
                                     api_bases={"WHATSAPP_API_BASE": url}, media_local_hosts=(simulator_origin(url),)),
                            overrides={"secrets": lambda p: EnvironmentSecrets({"WHATSAPP_ACCESS_TOKEN": TOKEN},
                                                                               also_bare_names=True)})
        platform.bus.ensure_topic(topics.INBOUND)
        platform.bus.ensure_subscription(INBOUND_PROBE)
        platform.directory.save_channel(ChannelRoute("whatsapp", ACCOUNT, "ws", "tienda"))
        yield platform
        platform.close()


def simulator_origin(url: str) -> str:
    """The "host:port" of a local simulator, allowed for media downloads only through configuration."""
    return url.split("://", 1)[1].rstrip("/")


def image(media_id: str, kind: str = "image", mime_type: str = "image/jpeg") -> InboundMessage:
    return InboundMessage(message_id=f"in_{media_id}", provider_message_id=f"wamid.{media_id}", workspace_id="ws",
                          channel="whatsapp", account=ACCOUNT, contact="549115555", conversation_id="cv_1",
                          bot_id="tienda", kind=kind, text="mi ticket", received_at="2026-11-24T12:00:00+00:00",
                          payload={"media": {"id": media_id, "mime_type": mime_type}})


def forwarded(platform: Platform) -> list[InboundMessage]:
    messages = platform.bus.pull(INBOUND_PROBE.name, max_messages=10, timeout_s=0)
    platform.bus.ack(INBOUND_PROBE.name, [m.ack_id for m in messages])
    return [InboundMessage.from_json(m.data) for m in messages]


def test_the_picture_is_stored_and_the_forwarded_message_points_to_it(platform, fake):
    fake.add_media("m1", b"\xff\xd8jpeg-bytes", "image/jpeg")
    forward_with_media(platform, platform.media, image("m1"))
    (message,) = forwarded(platform)
    media = message.payload["media"]
    assert media["blob"] == media_blob_key(message) and media["size"] == 12 and "error" not in media
    assert platform.blobs.get(media["blob"]) == b"\xff\xd8jpeg-bytes"
    assert message.text == "mi ticket" and message.message_id == "in_m1"
    # The lookup and the download both carried the account's token, as the Cloud API requires.
    assert [c.headers["Authorization"] for c in fake.calls] == [f"Bearer {TOKEN}"] * 2


def test_a_type_we_do_not_keep_goes_on_without_a_copy_naming_the_type(platform, fake):
    fake.add_media("m2", b"<html>", "text/html")
    forward_with_media(platform, platform.media, image("m2", kind="document", mime_type="text/html"))
    (message,) = forwarded(platform)
    assert "text/html" in message.payload["media"]["error"] and "blob" not in message.payload["media"]


def test_a_file_larger_than_the_kinds_limit_is_not_kept(platform, fake):
    too_big = MEDIA_LIMITS["sticker"].max_bytes + 1
    fake.add_media("m3", b"x" * too_big, "image/webp")
    forward_with_media(platform, platform.media, image("m3", kind="sticker", mime_type="image/webp"))
    (message,) = forwarded(platform)
    assert str(MEDIA_LIMITS["sticker"].max_bytes) in message.payload["media"]["error"]
    assert not platform.blobs.exists(media_blob_key(message))


def test_media_gone_at_the_provider_is_recorded_not_retried(platform, fake):
    forward_with_media(platform, platform.media, image("never-uploaded"))
    (message,) = forwarded(platform)
    assert "HTTP 400" in message.payload["media"]["error"]


def test_a_provider_hiccup_raises_so_the_download_is_retried(platform, fake):
    fake.add_media("m4", b"jpeg", "image/jpeg")

    def broken(environ, start_response):
        start_response("503 Service Unavailable", [("Content-Type", "application/json")])
        return [json.dumps({"error": {"code": 2}}).encode()]

    with serve_wsgi(broken) as url:
        from dataclasses import replace

        platform.settings = replace(platform.settings, api_bases={"WHATSAPP_API_BASE": url})
        with pytest.raises(TransientError, match="503"):
            forward_with_media(platform, platform.media, image("m4"))
    assert forwarded(platform) == []


def test_a_contact_shared_as_a_vcard_through_twilio_is_read_into_the_message(tmp_path):
    from tests.support.fake_twilio_api import FakeTwilioApi

    twilio = FakeTwilioApi("AC1", "tt")
    vcard = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Marta Diaz\r\nTEL;type=CELL:+5491155550001\r\nEND:VCARD\r\n"
    with serve_wsgi(twilio) as url:
        platform = Platform(Settings(backend="embedded", data_dir=tmp_path / "d", api_bases={"TWILIO_API_BASE": url},
                                     twilio_account_sid="AC1", media_local_hosts=(simulator_origin(url),)),
                            overrides={"secrets": lambda p: EnvironmentSecrets({"TWILIO_AUTH_TOKEN": "tt"},
                                                                               also_bare_names=True)})
        platform.bus.ensure_topic(topics.INBOUND)
        platform.bus.ensure_subscription(INBOUND_PROBE)
        platform.directory.save_channel(ChannelRoute("twilio_whatsapp", "+14155238886", "ws", "tienda"))
        media_url = twilio.add_media(url, vcard, "text/vcard", "MM1")
        message = InboundMessage(message_id="in_v", provider_message_id="MM1", workspace_id="ws",
                                 channel="twilio_whatsapp", account="+14155238886", contact="+15550001",
                                 conversation_id="cv_2", bot_id="tienda", kind="contacts", text="",
                                 received_at="2026-11-24T12:00:00+00:00",
                                 payload={"contacts": [], "media": {"url": media_url, "mime_type": "text/vcard"}})
        with httpx.Client() as http:
            forward_with_media(platform, media_downloader(platform, http), message)
        (forwarded_message,) = forwarded(platform)
        assert forwarded_message.payload["contacts"][0]["name"] == "Marta Diaz"
        assert forwarded_message.payload["contacts"][0]["phones"] == ["+5491155550001"]
        assert platform.blobs.get(forwarded_message.payload["media"]["blob"]) == vcard
        platform.close()
