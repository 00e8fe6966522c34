"""A local Telegram Bot API: ``POST /bot<token>/<method>`` answering the documented bodies.

The token in the path is the credential (a wrong one answers 401 ``Unauthorized`` as Telegram does).
Send methods answer ``{"ok": true, "result": Message}`` with message ids from ``next_id()`` and refuse
what Telegram refuses (empty or too long texts and captions, bad callback data, oversized keyboards,
documents by URL that are not GIF/PDF/ZIP) with its error bodies. Its numbers are Telegram's, written
here on purpose rather than imported from the module under test, so a rendering that breaks a limit
is caught.

Media downloads: ``add_file(file_id, content, mime_type)`` makes ``getFile`` (GET or POST) answer a
File with a ``file_path`` and serves the bytes at ``GET /file/bot<token>/<file_path>``.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import zlib
from posixpath import basename, splitext
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Response

from tests.support.fake_provider_api import FakeProviderApi, RecordedCall

SEND_METHODS = frozenset({
    "sendmessage", "sendphoto", "sendvideo", "sendaudio", "senddocument", "sendlocation", "sendvenue",
    "sendmediagroup", "sendvoice", "sendsticker", "sendcontact", "sendanimation",
})
_MEDIA_FIELDS = {"sendphoto": "photo", "sendvideo": "video", "sendaudio": "audio", "senddocument": "document",
                 "sendvoice": "voice", "sendsticker": "sticker", "sendanimation": "animation"}
_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
_CHAT_ID = re.compile(r"^-?\d+$")
_FOLDERS = {"image/jpeg": ("photos", ".jpg"), "audio/ogg": ("voice", ".oga"), "audio/mpeg": ("music", ".mp3"),
            "video/mp4": ("videos", ".mp4"), "image/webp": ("stickers", ".webp"),
            "application/pdf": ("documents", ".pdf")}
_DESCRIPTIONS = {400: "Bad Request: chat not found", 401: "Unauthorized", 403: "Forbidden: bot was blocked by the user",
                 404: "Not Found", 429: "Too Many Requests: retry after 3", 500: "Internal Server Error",
                 502: "Bad Gateway"}

# Telegram's own limits (core.telegram.org/bots/api; keyboard limits as observed, see tginfo Telegram-Limits).
_TEXT_UNITS, _CAPTION_UNITS, _CALLBACK_BYTES, _BUTTONS, _MARKUP_BYTES = 4096, 1024, 64, 100, 10_240
_DOCUMENT_URL_EXTENSIONS = (".gif", ".pdf", ".zip")


class FakeTelegramApi(FakeProviderApi):
    def __init__(self, token: str, bot_username: str = "charla_test_bot") -> None:
        super().__init__()
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 0
        self.bot_username = bot_username
        self.webhook: dict[str, Any] = {}  # the last setWebhook parameters
        self.answered_callbacks: list[str] = []
        self._blocked: set[int] = set()
        self._file_paths: dict[str, tuple[str, int]] = {}  # file_id → (file_path, size)

    # -- test controls ---------------------------------------------------------------------------
    def add_file(self, file_id: str, content: bytes, mime_type: str) -> str:
        """Make ``file_id`` downloadable; returns its file_path."""
        folder, extension = _FOLDERS.get(mime_type, ("documents", ".bin"))
        file_path = f"{folder}/file_{self.next_id()}{extension}"
        self._file_paths[file_id] = (file_path, len(content))
        self.serve_file(f"/file/bot{self.token}/{file_path}", content, mime_type)
        return file_path

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sends to this chat answer 403 as Telegram does."""
        self._blocked.add(int(chat_id))

    # -- FakeProviderApi -------------------------------------------------------------------------
    def is_send(self, call: RecordedCall) -> bool:
        match = _PATH.match(call.path)
        return bool(match) and match["token"] == self.token and match["method"].lower() in SEND_METHODS

    def error_body(self, status: int) -> Any:
        body: dict[str, Any] = {"ok": False, "error_code": status,
                                "description": _DESCRIPTIONS.get(status, f"Error {status}")}
        if status == 429:
            body["parameters"] = {"retry_after": 3}
        return body

    def answer(self, call: RecordedCall) -> Response:
        match = _PATH.match(call.path)
        if match is None:
            return self._error(404)
        if match["token"] != self.token:
            return self._error(401)
        method = match["method"].lower()  # Bot API method names are case-insensitive
        params = _parameters(call)
        if method in SEND_METHODS:
            return self._send(method, params)
        if method == "getfile":
            return self._get_file(params)
        if method == "answercallbackquery":
            self.answered_callbacks.append(str(params.get("callback_query_id", "")))
            return self.json_response({"ok": True, "result": True})
        if method == "setwebhook":
            self.webhook = params
            return self.json_response({"ok": True, "result": True, "description": "Webhook was set"})
        if method == "getme":
            return self.json_response({"ok": True, "result": {
                "id": self.bot_id, "is_bot": True, "first_name": "Charla", "username": self.bot_username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}})
        return self._error(404)

    # -- methods ---------------------------------------------------------------------------------
    def _send(self, method: str, params: dict[str, Any]) -> Response:
        chat = str(params.get("chat_id", ""))
        if not chat:
            return self._error(400, "Bad Request: chat_id is empty")
        if not _CHAT_ID.match(chat):
            return self._error(400, "Bad Request: chat not found")
        chat_id = int(chat)
        if chat_id in self._blocked:
            return self._error(403)
        refusal = _refusal(method, params)
        if refusal:
            return self._error(400, refusal)
        if method == "sendmediagroup":
            media = params.get("media") if isinstance(params.get("media"), list) else []
            if not 2 <= len(media) <= 10:
                return self._error(400, "Bad Request: wrong number of media in the group")
            result: Any = [self._message(chat_id, {item.get("type", "photo"): _file(item.get("media"))})
                           for item in media]
            return self.json_response({"ok": True, "result": result})
        return self.json_response({"ok": True, "result": self._message(chat_id, _content(method, params))})

    def _get_file(self, params: dict[str, Any]) -> Response:
        file_id = str(params.get("file_id", ""))
        if file_id not in self._file_paths:
            return self._error(400, "Bad Request: invalid file_id")
        file_path, size = self._file_paths[file_id]
        return self.json_response({"ok": True, "result": {
            "file_id": file_id, "file_unique_id": f"AQAD{zlib.crc32(file_id.encode())}", "file_size": size,
            "file_path": file_path}})

    def _message(self, chat_id: int, content: dict[str, Any]) -> dict[str, Any]:
        return {"message_id": self.next_id(),
                "from": {"id": self.bot_id, "is_bot": True, "first_name": "Charla", "username": self.bot_username},
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "date": int(time.time()), **content}

    def _error(self, status: int, description: str | None = None) -> Response:
        body = self.error_body(status)
        if description:
            body["description"] = description
        return self.json_response(body, status)


def _parameters(call: RecordedCall) -> dict[str, Any]:
    """Telegram takes parameters from the query string, a form or a JSON body alike."""
    params: dict[str, Any] = dict(call.query)
    params.update(dict(call.form))
    if isinstance(call.json, dict):
        params.update(call.json)
    for key in ("reply_markup", "media"):  # JSON-serialized when sent as form fields
        if isinstance(params.get(key), str):
            with contextlib.suppress(ValueError):  # left as is: the checks below then refuse it
                params[key] = json.loads(params[key])
    return params


def _refusal(method: str, params: dict[str, Any]) -> str:
    """Telegram's description for a request it would refuse, or ""."""
    if method == "sendmessage":
        text = str(params.get("text") or "")
        if not text.strip():
            return "Bad Request: message text is empty"
        if _units(text) > _TEXT_UNITS:
            return "Bad Request: message is too long"
    if _units(str(params.get("caption") or "")) > _CAPTION_UNITS:
        return "Bad Request: message caption is too long"
    field = _MEDIA_FIELDS.get(method)
    if field and not params.get(field):
        return f"Bad Request: there is no {field} in the request"
    if method == "senddocument" and str(params["document"]).startswith(("http://", "https://")):
        extension = splitext(urlsplit(str(params["document"])).path)[1].lower()
        if extension not in _DOCUMENT_URL_EXTENSIONS:
            return "Bad Request: wrong type of the web page content"
    if method == "sendvenue" and not (params.get("title") and params.get("address")):
        return "Bad Request: venue title and address must be non-empty"
    if method in ("sendlocation", "sendvenue") and not all(
            isinstance(params.get(k), int | float) for k in ("latitude", "longitude")):
        return "Bad Request: latitude and longitude must be numbers"
    return _markup_refusal(params.get("reply_markup"))


def _markup_refusal(markup: Any) -> str:
    if markup is None:
        return ""
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object"
    buttons = [button for row in rows for button in row]
    if len(buttons) > _BUTTONS or len(json.dumps(markup, ensure_ascii=False).encode()) > _MARKUP_BYTES:
        return "Bad Request: reply markup is too long"
    for button in buttons:
        if not isinstance(button, dict) or not str(button.get("text") or "").strip():
            return "Bad Request: can't parse inline keyboard button: Text must be non-empty"
        if not any(key in button for key in ("callback_data", "url", "web_app", "login_url", "pay",
                                             "switch_inline_query", "callback_game", "copy_text")):
            return "Bad Request: text buttons are unallowed in the inline keyboard"
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= _CALLBACK_BYTES:
            return "Bad Request: BUTTON_DATA_INVALID"
    return ""


def _content(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """The content fields of the Message a send method creates."""
    content: dict[str, Any] = {}
    if method == "sendmessage":
        content["text"] = params["text"]
    elif method == "sendlocation":
        content["location"] = {"latitude": params["latitude"], "longitude": params["longitude"]}
    elif method == "sendvenue":
        location = {"latitude": params["latitude"], "longitude": params["longitude"]}
        content.update(location=location, venue={"location": location, "title": params["title"],
                                                 "address": params["address"]})
    elif method == "sendphoto":
        content["photo"] = [{**_file(params["photo"]), "width": 90, "height": 90},
                            {**_file(params["photo"]), "width": 1280, "height": 1280}]
    elif method in _MEDIA_FIELDS:
        field = _MEDIA_FIELDS[method]
        content[field] = _file(params[field])
    if params.get("caption"):
        content["caption"] = params["caption"]
    if isinstance(params.get("reply_markup"), dict) and "inline_keyboard" in params["reply_markup"]:
        content["reply_markup"] = params["reply_markup"]
    return content


def _file(source: Any) -> dict[str, Any]:
    source = str(source or "")
    unique = zlib.crc32(source.encode())
    file: dict[str, Any] = {"file_id": f"AgAC{unique}", "file_unique_id": f"AQAD{unique}"}
    name = basename(urlsplit(source).path) if source.startswith(("http://", "https://")) else ""
    if name:
        file["file_name"] = name
    return file


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
