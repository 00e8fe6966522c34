"""fetch_media downloads only from each provider's media hosts, never from loopback, private, link-local
or metadata addresses (checked on the resolved address, after every redirect), sends credentials only
to the provider's own API host, and records a URL that can never work on the message instead of
retrying it."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from shared.adapters.embedded.environment_secrets import EnvironmentSecrets
from shared.adapters.http.media_download import resolve_host
from shared.bootstrap import Platform, media_downloader
from shared.channels.media_hosts import MEDIA_HOSTS, MediaHostRefused, check_media_url
from shared.conversations.inbound_media import forward_with_media
from shared.events import topics
from shared.kernel.settings import Settings
from shared.messages.wire import InboundMessage
from shared.ports.event_bus import Subscription
from shared.workspaces.directory import ChannelRoute
from tests.support.fake_provider_api import FakeProviderApi, RecordedCall
from tests.support.fake_twilio_api import FakeTwilioApi
from tests.support.ports import free_port
from tests.support.wsgi_server import serve_wsgi

SID, TOKEN, NUMBER = "AC" + "1" * 32, "twilio-token", "+14155238886"
PICTURE = b"\xff\xd8\xff\xe0" + b"jpeg" * 50
INBOUND_PROBE = Subscription(name="test-inbound-probe", topic=topics.INBOUND, ordered=False)


class FakeServer(FakeProviderApi):
    """Any other web server: records every request, serves what it is given, redirects where told."""

    def __init__(self) -> None:
        super().__init__()
        self.redirects: dict[str, str] = {}

    def answer(self, call: RecordedCall) -> Response:
        if call.path in self.redirects:
            return Response("", 302, headers={"Location": self.redirects[call.path]})
        return Response("not found", 404)


def host_port(url: str) -> str:
    return url.split("://", 1)[1]


@contextmanager
def media_platform(tmp_path, twilio_url: str, *local_hosts: str, extra_hosts: tuple[str, ...] = ()
                   ) -> Iterator[Platform]:
    settings = Settings(backend="embedded", data_dir=tmp_path / "data",
                        api_bases={"TWILIO_API_BASE": twilio_url, "META_API_BASE": twilio_url}, twilio_account_sid=SID,
                        media_local_hosts=(host_port(twilio_url), *local_hosts), media_extra_hosts=extra_hosts)
    platform = Platform(settings, overrides={"secrets": lambda p: EnvironmentSecrets(
        {"TWILIO_AUTH_TOKEN": TOKEN, "MESSENGER_PAGE_TOKEN": "page-token"}, also_bare_names=True)})
    platform.bus.ensure_topic(topics.INBOUND)
    platform.bus.ensure_subscription(INBOUND_PROBE)
    platform.directory.save_channel(ChannelRoute("twilio_whatsapp", NUMBER, "ws", "tienda"))
    platform.directory.save_channel(ChannelRoute("twilio_sms", NUMBER, "ws", "tienda"))
    platform.directory.save_channel(ChannelRoute("messenger", "1122", "ws", "tienda"))
    try:
        yield platform
    finally:
        platform.close()


def picture_message(channel: str, url: str, message_id: str = "in_1") -> InboundMessage:
    account = NUMBER if channel.startswith("twilio") else "1122"
    return InboundMessage(message_id=message_id, provider_message_id="MM1", workspace_id="ws", channel=channel,
                          account=account, contact="+15550001", conversation_id="cv_1", bot_id="tienda",
                          kind="image", text="", received_at="2026-11-24T12:00:00+00:00",
                          payload={"media": {"url": url, "mime_type": "image/jpeg"}})


def stored_media(platform: Platform, message: InboundMessage) -> dict:
    with httpx.Client() as http:
        forward_with_media(platform, media_downloader(platform, http), message)
    (published,) = platform.bus.pull(INBOUND_PROBE.name, max_messages=10, timeout_s=0)
    platform.bus.ack(INBOUND_PROBE.name, [published.ack_id])
    return InboundMessage.from_json(published.data).payload["media"]


def test_twilio_media_url_on_a_foreign_host_gets_no_credentials(tmp_path):
    twilio, cdn = FakeTwilioApi(SID, TOKEN), FakeServer()
    cdn.serve_file("/picture.jpg", PICTURE, "image/jpeg")
    with serve_wsgi(twilio) as twilio_url, serve_wsgi(cdn) as cdn_url, \
            media_platform(tmp_path, twilio_url, host_port(cdn_url)) as platform:
        foreign = stored_media(platform, picture_message("twilio_whatsapp", f"{cdn_url}/picture.jpg"))
        assert "error" not in foreign and platform.blobs.get(foreign["blob"]) == PICTURE
        # The file came, but the account's basic auth stayed home.
        assert [c.headers.get("Authorization") for c in cdn.calls] == [None]
        # Twilio's own media URL gets them (it refuses without), and its redirect does not carry them away.
        own = stored_media(platform, picture_message(
            "twilio_whatsapp", twilio.add_media(twilio_url, PICTURE, "image/jpeg"), "in_2"))
        assert "error" not in own and platform.blobs.get(own["blob"]) == PICTURE
        media_call = next(c for c in twilio.calls if "/Media/" in c.path)
        assert media_call.headers["Authorization"].startswith("Basic ")


def test_credentials_do_not_follow_a_redirect_to_another_host(tmp_path):
    twilio, cdn = FakeServer(), FakeServer()
    cdn.serve_file("/cdn/picture.jpg", PICTURE, "image/jpeg")
    with serve_wsgi(twilio) as twilio_url, serve_wsgi(cdn) as cdn_url, \
            media_platform(tmp_path, twilio_url, host_port(cdn_url)) as platform:
        twilio.redirects["/2010-04-01/Accounts/media/ME1"] = f"{cdn_url}/cdn/picture.jpg"
        media = stored_media(platform, picture_message("twilio_sms", f"{twilio_url}/2010-04-01/Accounts/media/ME1"))
    assert "error" not in media
    assert twilio.calls[0].headers["Authorization"].startswith("Basic ")
    assert [c.headers.get("Authorization") for c in cdn.calls] == [None]


def test_media_url_resolving_to_loopback_is_refused_after_redirect(tmp_path):
    # "localhost" is allowed as a media host by name (as a provider's CDN would be), but it resolves
    # to loopback: the check on the resolved address refuses it, after the redirect, before connecting.
    redirector, inside = FakeServer(), FakeServer()
    inside.serve_file("/secret", b"internal", "image/jpeg")
    with serve_wsgi(redirector) as redirector_url, serve_wsgi(inside) as inside_url, \
            media_platform(tmp_path, redirector_url, extra_hosts=("localhost",)) as platform:
        port = inside_url.rsplit(":", 1)[1]
        redirector.redirects["/a.jpg"] = f"https://localhost:{port}/secret"
        redirector.redirects["/b.jpg"] = "http://169.254.169.254/computeMetadata/v1/"
        redirector.redirects["/c.jpg"] = "https://metadata.google.internal/computeMetadata/v1/"
        to_loopback = stored_media(platform, picture_message("twilio_sms", f"{redirector_url}/a.jpg", "in_a"))
        to_metadata = stored_media(platform, picture_message("twilio_sms", f"{redirector_url}/b.jpg", "in_b"))
        by_name = stored_media(platform, picture_message("twilio_sms", f"{redirector_url}/c.jpg", "in_c"))
    assert to_loopback["error"] == "localhost resolves to an address that is not public"
    assert "https" in to_metadata["error"] and "metadata.google.internal" in by_name["error"]
    assert "blob" not in to_loopback and inside.calls == []


def test_unreachable_media_url_is_a_permanent_failure_recorded_on_the_message(tmp_path):
    with serve_wsgi(FakeServer()) as url, media_platform(tmp_path, url) as platform:
        no_scheme = stored_media(platform, picture_message(
            "messenger", "scontent.xx.fbcdn.net/v/t1.15752-9/picture.jpg", "in_1"))
        foreign = stored_media(platform, picture_message("messenger", "https://attacker.example/p.jpg", "in_2"))
        plain_http = stored_media(platform, picture_message("messenger", "http://scontent.xx.fbcdn.net/p.jpg", "in_3"))
    assert no_scheme["error"] == "the media URL is not an http(s) URL"
    assert foreign["error"] == "attacker.example is not one of messenger's media hosts"
    assert plain_http["error"] == "media is only downloaded over https, not from scontent.xx.fbcdn.net"


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254",
                                     "fe80::1", "fc00::1", "::ffff:127.0.0.1", "0.0.0.0", "224.0.0.1",
                                     "100.64.0.1", "240.0.0.1"])
def test_no_private_kind_of_address_is_downloaded_from(address):
    settings = Settings(media_extra_hosts=(address,))
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(MediaHostRefused, match="not public"):
        check_media_url("telegram", f"https://{host}/file.jpg", settings, None, resolve_host)


def test_public_addresses_of_a_providers_host_pass_and_only_its_api_hosts_get_credentials():
    settings = Settings(media_extra_hosts=("8.8.8.8",))
    target = check_media_url("whatsapp", "https://8.8.8.8/x.jpg", settings, ("https", "graph.facebook.com", 443),
                             resolve_host)
    assert target.addresses == ("8.8.8.8",) and target.credentials is False
    assert "lookaside.fbsbx.com" in MEDIA_HOSTS["whatsapp"].credentials
    assert MEDIA_HOSTS["messenger"].credentials == () and "api.twilio.com" in MEDIA_HOSTS["twilio_sms"].credentials


# -- the connection goes to the checked address and TLS still checks the host's name ---------------

def _self_signed(tmp_path) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


def test_an_https_download_connects_to_the_checked_address_with_the_hosts_own_name(tmp_path):
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    seen: list[tuple[str, str]] = []

    @Request.application
    def cdn(request: Request) -> Response:
        seen.append((request.host, request.path))
        return Response(PICTURE, 200, content_type="image/jpeg")

    port = free_port()
    server = make_server("127.0.0.1", port, cdn, threaded=True, ssl_context=server_tls)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with serve_wsgi(FakeServer()) as url, media_platform(tmp_path, url, f"localhost:{port}") as platform:
            client_tls = ssl.create_default_context(cafile=cert)
            with httpx.Client(verify=client_tls) as http:
                forward_with_media(platform, media_downloader(platform, http),
                                   picture_message("messenger", f"https://localhost:{port}/p.jpg"))
            (published,) = platform.bus.pull(INBOUND_PROBE.name, max_messages=10, timeout_s=0)
            media = InboundMessage.from_json(published.data).payload["media"]
            assert "error" not in media and platform.blobs.get(media["blob"]) == PICTURE
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert seen == [(f"localhost:{port}", "/p.jpg")]
