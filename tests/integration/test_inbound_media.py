"""fetch_media's use case on its own, given a downloader (a fake of the MediaDownloader port) and real
embedded blobs and bus: it decides what is kept of each kind, stores the copy under the message's key and
sends the message on pointing to it; a file refused for good goes on without a copy, naming why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from shared.adapters.embedded.local_folder_blob_store import LocalFolderBlobStore
from shared.adapters.embedded.sqlite_event_bus import SqliteEventBus
from shared.conversations.inbound_media import MEDIA_LIMITS, forward_with_media, media_blob_key
from shared.events import topics
from shared.kernel.errors import TransientError
from shared.messages.wire import InboundMessage
from shared.ports.clock import ManualClock
from shared.ports.event_bus import Subscription
from shared.ports.media_download import DownloadedMedia, MediaLimit, MediaRefused

INBOUND_PROBE = Subscription(name="test-inbound-probe", topic=topics.INBOUND, ordered=False)


@dataclass
class Ports:
    blobs: LocalFolderBlobStore
    bus: SqliteEventBus


class FakeDownloader:
    """Answers what it was given (a file, or an exception) and keeps what it was asked for."""

    def __init__(self, answer: DownloadedMedia | Exception) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str, dict[str, Any], MediaLimit]] = []

    def download(self, channel: str, account: str, media: Mapping[str, Any], limit: MediaLimit) -> DownloadedMedia:
        self.asked.append((channel, account, dict(media), limit))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def ports(tmp_path):
    bus = SqliteEventBus(tmp_path / "bus.sqlite3", clock=ManualClock())
    bus.ensure_topic(topics.INBOUND)
    bus.ensure_subscription(INBOUND_PROBE)
    yield Ports(blobs=LocalFolderBlobStore(tmp_path / "blobs"), bus=bus)
    bus.close()


def message(kind: str = "image") -> InboundMessage:
    return InboundMessage(message_id="in_1", provider_message_id="wamid.1", workspace_id="ws", channel="whatsapp",
                          account="106540352242922", contact="549115555", conversation_id="cv_1", bot_id="tienda",
                          kind=kind, text="mi ticket", received_at="2026-11-24T12:00:00+00:00",
                          payload={"media": {"id": "m1", "mime_type": "image/jpeg"}})


def forwarded(ports: Ports) -> list[InboundMessage]:
    batch = ports.bus.pull(INBOUND_PROBE.name, max_messages=10, timeout_s=0)
    ports.bus.ack(INBOUND_PROBE.name, [m.ack_id for m in batch])
    return [InboundMessage.from_json(m.data) for m in batch]


def test_the_copy_is_stored_under_the_messages_key_and_the_message_goes_on_pointing_to_it(ports):
    downloader = FakeDownloader(DownloadedMedia(b"\xff\xd8jpeg", "image/jpeg"))
    forward_with_media(ports, downloader, message())
    (sent_on,) = forwarded(ports)
    media = sent_on.payload["media"]
    assert media == {"id": "m1", "mime_type": "image/jpeg", "blob": media_blob_key(sent_on), "size": 6}
    assert ports.blobs.get(media["blob"]) == b"\xff\xd8jpeg"
    assert downloader.asked == [("whatsapp", "106540352242922", {"id": "m1", "mime_type": "image/jpeg"},
                                 MEDIA_LIMITS["image"])]


@pytest.mark.parametrize(("kind", "limit"), [("sticker", "sticker"), ("voice", "voice"), ("location", "document")])
def test_the_limit_asked_for_is_the_kinds_and_a_kind_without_one_is_kept_as_a_document(ports, kind, limit):
    downloader = FakeDownloader(DownloadedMedia(b"x", "image/webp"))
    forward_with_media(ports, downloader, message(kind))
    assert downloader.asked[0][3] == MEDIA_LIMITS[limit]


def test_a_file_refused_for_good_goes_on_without_a_copy_naming_why(ports):
    forward_with_media(ports, FakeDownloader(MediaRefused("type text/html is not kept")), message())
    (sent_on,) = forwarded(ports)
    assert sent_on.payload["media"] == {"id": "m1", "mime_type": "image/jpeg", "error": "type text/html is not kept"}


def test_a_download_that_may_work_later_sends_nothing_on(ports):
    with pytest.raises(TransientError):
        forward_with_media(ports, FakeDownloader(TransientError("503")), message())
    assert forwarded(ports) == []


def test_a_vcard_is_read_into_the_messages_contacts(ports):
    vcard = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Marta Diaz\r\nTEL;type=CELL:+5491155550001\r\nEND:VCARD\r\n"
    forward_with_media(ports, FakeDownloader(DownloadedMedia(vcard, "text/vcard")), message("contacts"))
    (sent_on,) = forwarded(ports)
    assert sent_on.payload["contacts"] == [{"name": "Marta Diaz", "phones": ["+5491155550001"], "emails": []}]
