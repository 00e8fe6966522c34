"""A local stand-in for Twilio's Messages API (SMS and WhatsApp) and its media downloads.

Serves ``POST /2010-04-01/Accounts/{sid}/Messages.json`` with HTTP basic auth ``sid:auth_token`` and
a form body, answering 201 with the documented Message resource, and Twilio's own validation
errors for the mistakes the renderer must never make (missing To/From, nothing to send, a Body over
1,600 characters, mixed SMS/WhatsApp addresses). Media added with ``add_media`` is served under
``/2010-04-01/Accounts/{sid}/Messages/{MessageSid}/Media/{MediaSid}`` behind the same basic auth (as
when "HTTP Basic Authentication for media" is enforced) and, like Twilio, answers a 307 redirect to
the stored file, so a downloader must follow redirects.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from werkzeug.wrappers import Response

from tests.support.fake_provider_api import FakeProviderApi, RecordedCall

_API = "/2010-04-01/Accounts/"
_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages\.json$")
_MEDIA = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages/(?P<message>[^/]+)/Media/(?P<media>[^/.]+)$")
_CONTENT = re.compile(r"^/media-content/(?P<media>[^/]+)$")
_BODY_LIMIT = 1600  # what Twilio enforces (error 21617), counted in UTF-16 units like the renderer

_ERRORS = {
    400: (21211, "Invalid 'To' Phone Number"),
    401: (20003, "Authenticate"),
    403: (20403, "Forbidden"),
    404: (20404, "The requested resource was not found"),
    429: (20429, "Too Many Requests"),
    500: (20500, "An internal server error has occurred"),
    503: (20503, "Service unavailable"),
}


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


class FakeTwilioApi(FakeProviderApi):
    def __init__(self, account_sid: str, auth_token: str, *, media_auth: bool = True) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.media_auth = media_auth
        self.messages: list[dict[str, Any]] = []  # Message resources created, in order
        self._media: dict[str, tuple[bytes, str]] = {}  # MediaSid → (content, content type)
        self._media_lock = threading.Lock()

    # -- test controls ---------------------------------------------------------------------------
    def sid(self, prefix: str) -> str:
        return f"{prefix}{self.next_id():032x}"

    def add_media(self, base_url: str, content: bytes, mime_type: str, message_sid: str = "") -> str:
        """Store a media file as if a customer had sent it; returns the MediaUrl0 Twilio would post."""
        media_sid = self.sid("ME")
        with self._media_lock:
            self._media[media_sid] = (content, mime_type)
        message_sid = message_sid or self.sid("MM")
        return f"{base_url}{_API}{self.account_sid}/Messages/{message_sid}/Media/{media_sid}"

    def is_send(self, call: RecordedCall) -> bool:
        return call.method == "POST" and bool(_MESSAGES.match(call.path))

    def error_body(self, status: int) -> Any:
        code, message = _ERRORS.get(status, (20500, "An internal server error has occurred"))
        return twilio_error(status, code, message)

    # -- answers ---------------------------------------------------------------------------------
    def answer(self, call: RecordedCall) -> Response:
        if (match := _MESSAGES.match(call.path)) and call.method == "POST":
            return self._guarded(call, match["account"]) or self._create_message(call)
        if (match := _MEDIA.match(call.path)) and call.method == "GET":
            denied = self._guarded(call, match["account"]) if self.media_auth else None
            return denied or self._redirect_to_content(match["media"])
        if (match := _CONTENT.match(call.path)) and call.method == "GET":
            return self._serve_content(match["media"])
        return self._error(404, 20404, f"The requested resource {call.path} was not found")

    def _error(self, status: int, code: int, message: str) -> Response:
        return self.json_response(twilio_error(status, code, message), status)

    def _guarded(self, call: RecordedCall, account: str) -> Response | None:
        if not self._authorised(call.headers.get("Authorization", "")):
            return self._error(401, 20003, "Authenticate")
        if account != self.account_sid:
            return self._error(404, 20404, f"The requested resource {call.path} was not found")
        return None

    def _authorised(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return (hmac.compare_digest(user.encode(), self.account_sid.encode())
                and hmac.compare_digest(password.encode(), self.auth_token.encode()))

    def _create_message(self, call: RecordedCall) -> Response:
        form: dict[str, list[str]] = {}
        for key, value in call.form:
            form.setdefault(key, []).append(value)
        to, sender = _first(form, "To"), _first(form, "From") or _first(form, "MessagingServiceSid")
        body, media, content_sid = _first(form, "Body"), form.get("MediaUrl", []), _first(form, "ContentSid")
        if not to:
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not sender:
            return self._error(400, 21603, "A 'From' phone number is required.")
        if to.startswith("whatsapp:") != sender.startswith("whatsapp:") and sender.startswith(("+", "whatsapp:")):
            return self._error(400, 21910, "Invalid From and To pair. From and To should be of the same channel")
        if not (body or media or content_sid):
            return self._error(400, 21602, "Message body is required.")
        if len(body.encode("utf-16-le")) // 2 > _BODY_LIMIT:
            return self._error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        if len(media) > (1 if to.startswith("whatsapp:") else 10):
            return self._error(400, 21623, "Too many media URLs in the message.")
        return self.json_response(self._message_resource(to, sender, body, len(media)), 201)

    def _message_resource(self, to: str, sender: str, body: str, num_media: int) -> dict[str, Any]:
        sid = self.sid("SM")
        now = format_datetime(datetime.now(UTC))
        uri = f"{_API}{self.account_sid}/Messages/{sid}"
        resource = {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": body,
            "date_created": now, "date_sent": None, "date_updated": now, "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": sender, "messaging_service_sid": None,
            "num_media": str(num_media), "num_segments": "1", "price": None, "price_unit": None,
            "sid": sid, "status": "queued", "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": to, "uri": f"{uri}.json",
        }
        with self._media_lock:
            self.messages.append(resource)
        return resource

    def _redirect_to_content(self, media_sid: str) -> Response:
        with self._media_lock:
            known = media_sid in self._media
        if not known:
            return self._error(404, 20404, f"Media {media_sid} was not found")
        return Response("", 307, headers={"Location": f"/media-content/{media_sid}"})

    def _serve_content(self, media_sid: str) -> Response:
        with self._media_lock:
            stored = self._media.get(media_sid)
        if stored is None:
            return Response("", 404)
        return Response(stored[0], 200, content_type=stored[1])


def _first(form: dict[str, list[str]], key: str) -> str:
    values = form.get(key) or [""]
    return values[0]
