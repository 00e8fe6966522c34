"""A customer's stored file through console_api, on SQLite and the Firestore emulator: shown inline when
it is a picture, audio, video or PDF; anything else (HTML, SVG, archives) only as a download; never
another conversation's or another workspace's; gone once the retention policy removed it."""

from __future__ import annotations

import dataclasses

import pytest

from shared.conversations.inbound_media import media_blob_key
from shared.conversations.resolve import resolve_inbound_message
from tests.integration.test_console_api import OTHER_WS, WS, console  # noqa: F401 (fixture)
from tests.integration.test_resolve_exactly_once import inbound

JPEG = b"\xff\xd8\xff\xe0jpeg-bytes"
# These files arrive while the bot holds the chat: no agent reaches it yet (only the chats assigned to them,
# waiting in their queues or that they took part in), a supervisor does.
SUPERVISOR = f"sofi@{WS}.example"


def customer_sends_a_file(platform, mime_type: str, data: bytes, provider_id: str = "file-1", **media):
    """What fetch_media hands the bot: the message pointing at its stored copy."""
    message = inbound(platform, "", provider_id)
    key = media_blob_key(message)
    platform.blobs.put(key, data, mime_type)
    message = dataclasses.replace(message, kind="image" if mime_type.startswith("image/") else "document", payload={
        "media": {"blob": key, "mime_type": mime_type, "size": len(data), **media}})
    resolve_inbound_message(platform, message)
    return message


def fetch(console, token, message):  # noqa: F811
    response = console.client.get(f"/conversations/{message.conversation_id}/media/{message.message_id}",
                                   headers={"Authorization": f"Bearer {token}"})
    return response


def test_a_picture_is_served_inline_to_whoever_reaches_the_conversation(platform, console):  # noqa: F811
    message = customer_sends_a_file(platform, "image/jpeg", JPEG)
    response = fetch(console, console.login(SUPERVISOR), message)
    assert response.status_code == 200 and response.data == JPEG
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Content-Disposition"] == "inline"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "private" in response.headers["Cache-Control"]


@pytest.mark.parametrize("mime_type", ["text/html", "image/svg+xml", "application/zip"])
def test_a_file_that_could_run_in_the_browser_is_only_a_download(platform, console, mime_type):  # noqa: F811
    data = b"<svg onload=alert(1)><script>alert(1)</script></svg>"
    message = customer_sends_a_file(platform, mime_type, data, filename='fac"tura\r\n.html')
    response = fetch(console, console.login(SUPERVISOR), message)
    assert response.status_code == 200 and response.data == data
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"] == 'attachment; filename="factura.html"'


def test_another_workspace_never_gets_the_file_and_a_forged_key_is_refused(platform, console):  # noqa: F811
    message = customer_sends_a_file(platform, "image/jpeg", JPEG)
    response = fetch(console, console.login(f"adri@{OTHER_WS}.example"), message)
    assert response.status_code == 404 and JPEG not in response.data

    # A message whose media points at another conversation's file gets nothing.
    forged = inbound(platform, "", "forged-1", visitor="visitor-0002")
    forged = dataclasses.replace(forged, kind="image", payload={"media": {"blob": media_blob_key(message),
                                                                          "mime_type": "image/jpeg"}})
    resolve_inbound_message(platform, forged)
    response = fetch(console, console.login(SUPERVISOR), forged)
    assert response.status_code == 404 and response.get_json()["message"].endswith("has no stored file")


def test_a_file_the_retention_policy_removed_is_said_to_be_gone(platform, console):  # noqa: F811
    message = customer_sends_a_file(platform, "image/jpeg", JPEG)
    platform.blobs.delete(media_blob_key(message))
    response = fetch(console, console.login(SUPERVISOR), message)
    assert response.status_code == 404 and "no longer kept" in response.get_json()["message"]
    text_only = inbound(platform, "hola", "text-1")
    resolve_inbound_message(platform, text_only)
    assert fetch(console, console.login(SUPERVISOR), text_only).status_code == 404
