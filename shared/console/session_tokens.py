"""Signed, expiring session tokens: base64url(JSON claims) "." base64url(HMAC-SHA256 of the first part).

A token proves who signed in and until when; it cannot be revoked by itself, so sign-in also
checks that the session it names is still the user's current one (shared.console.sign_in).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.kernel.errors import ConfigurationError, Unauthenticated
from shared.ports.clock import Clock

MIN_KEY_BYTES = 32  # the HMAC-SHA256 output size: a shorter key is the weakest link
MAX_TOKEN_CHARS = 2048  # ours are ~250; refuse oversized input before decoding it
VERSION = 1


@dataclass(frozen=True)
class TokenClaims:
    workspace_id: str
    agent_id: str
    session_id: str
    expires_at: datetime


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    # validate=True refuses characters outside the alphabet instead of silently skipping them.
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


class SessionTokens:
    """``key``: the signing key, or how to read it when first needed (console_api reads it from the secrets
    on its first signed-in request, so a request that needs no session never reads it)."""

    def __init__(self, key: bytes | Callable[[], bytes], clock: Clock, ttl: timedelta = timedelta(hours=12)) -> None:
        self._key_source = key if callable(key) else None
        self._key = None if callable(key) else _checked_key(key)
        if ttl <= timedelta(0):
            raise ConfigurationError(f"session lifetime must be positive, got {ttl}")
        self._clock = clock
        self._ttl = ttl

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    def issue(self, workspace_id: str, agent_id: str, session_id: str) -> tuple[str, datetime]:
        """A token for this session and the instant it stops working (whole seconds, UTC)."""
        expires_at = (self._clock.now() + self._ttl).astimezone(UTC).replace(microsecond=0)
        claims = {"v": VERSION, "ws": workspace_id, "agent": agent_id, "sid": session_id,
                  "exp": int(expires_at.timestamp())}
        payload = _encode(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{_encode(self._sign(payload))}", expires_at

    def read(self, token: str) -> TokenClaims:
        """The claims of a token this key signed and that has not expired; Unauthenticated says why not."""
        if (not isinstance(token, str) or not token.isascii() or len(token) > MAX_TOKEN_CHARS
                or token.count(".") != 1):
            raise Unauthenticated("malformed session token")
        payload, signature = token.split(".")
        try:
            given = _decode(signature)
        except (binascii.Error, ValueError):
            raise Unauthenticated("malformed session token") from None
        if not hmac.compare_digest(given, self._sign(payload)):
            raise Unauthenticated("session token has a bad signature")
        claims = _claims(payload)
        if self._clock.now() >= claims.expires_at:
            raise Unauthenticated(f"session expired at {claims.expires_at:%Y-%m-%d %H:%M} UTC; sign in again")
        return claims

    def _sign(self, payload: str) -> bytes:
        if self._key is None and self._key_source is not None:
            self._key = _checked_key(self._key_source())
        return hmac.new(self._key or b"", payload.encode("ascii"), hashlib.sha256).digest()


def _checked_key(key: object) -> bytes:
    if not isinstance(key, bytes | bytearray):
        raise ConfigurationError(f"the session signing key must be bytes, not {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise ConfigurationError(
            f"the session signing key has {len(key)} bytes; it needs at least {MIN_KEY_BYTES} random bytes"
        )
    return bytes(key)


def _claims(payload: str) -> TokenClaims:
    """Signed claims in an unknown shape can only come from another version of this code: refuse them too."""
    try:
        data: Any = json.loads(_decode(payload))
    except (binascii.Error, ValueError):
        raise Unauthenticated("malformed session token") from None
    if (not isinstance(data, dict) or data.get("v") != VERSION
            or not all(isinstance(data.get(k), str) and data.get(k) for k in ("ws", "agent", "sid"))
            or isinstance(data.get("exp"), bool) or not isinstance(data.get("exp"), int)):
        raise Unauthenticated("malformed session token")
    try:
        expires_at = datetime.fromtimestamp(data["exp"], UTC)
    except (OverflowError, OSError, ValueError):
        raise Unauthenticated("malformed session token") from None
    return TokenClaims(workspace_id=data["ws"], agent_id=data["agent"], session_id=data["sid"], expires_at=expires_at)
