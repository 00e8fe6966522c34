"""Web chat visitor tokens: the credential that lets a browser read and write one visitor's conversation.

The visitor id alone is not a credential (a page may leak it, a client may choose it). The first message
of a visitor is answered with a token, an HMAC over (site, visitor id) under a key only the server holds
(the secret named in shared/contracts/webchat.json); every later message and every poll must carry it.
A token does not expire: it is the visitor's credential for as long as the widget keeps it, as the visitor
id was. Rotating the key signs every visitor out: their widgets start a new conversation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from shared.kernel.errors import ConfigurationError

CONTRACT: dict[str, Any] = json.loads((Path(__file__).parents[1] / "contracts" / "webchat.json").read_text())
VISITOR_KEY_SECRET: str = CONTRACT["visitor_key_secret"]
VISITOR_TOKEN_HEADER: str = CONTRACT["visitor_token_header"]
MIN_KEY_BYTES = 32
MAX_TOKEN_CHARS = 100
_VERSION = "wv1"
_PURPOSE = b"charla-webchat-visitor"


class VisitorTokens:
    """Issues and checks the tokens of one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ConfigurationError(
                f"secret {VISITOR_KEY_SECRET}: {len(key)} bytes; it needs at least {MIN_KEY_BYTES} random bytes")
        self._key = bytes(key)

    def issue(self, site: str, visitor_id: str) -> str:
        """The token of ``visitor_id`` on ``site``; the same pair always gets the same token."""
        message = b"\0".join((_PURPOSE, site.encode(), visitor_id.encode()))
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return f"{_VERSION}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"

    def matches(self, token: str, site: str, visitor_id: str) -> bool:
        """Whether ``token`` is the one issued for this site and visitor (in constant time)."""
        if not isinstance(token, str) or not token.isascii() or len(token) > MAX_TOKEN_CHARS:
            return False
        return hmac.compare_digest(token.encode(), self.issue(site, visitor_id).encode())
