"""Meta's webhook security (WhatsApp Cloud API, Messenger, Instagram): the GET verification handshake
and X-Hub-Signature-256, an HMAC-SHA256 of the raw body as received (never re-serialised JSON)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def meta_signature(raw_body: bytes, app_secret: str) -> str:
    """The header value Meta sends for ``raw_body`` (tests and simulators sign with it)."""
    return _PREFIX + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def meta_signature_is_valid(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    if not header or not app_secret or not header.startswith(_PREFIX):
        return False
    return hmac.compare_digest(meta_signature(raw_body, app_secret), header.strip())


def verification_challenge(args: Mapping[str, str], verify_token: str) -> str | None:
    """The challenge to echo when Meta's subscription handshake names our verify token; else None."""
    if args.get("hub.mode") != "subscribe" or not verify_token:
        return None
    if not hmac.compare_digest(args.get("hub.verify_token", "").encode(), verify_token.encode()):
        return None
    return args.get("hub.challenge")
