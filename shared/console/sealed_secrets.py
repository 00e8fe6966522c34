"""Two-step sign-in keys sealed at rest: whoever can read the store (a backup, an export, a leaked
service account) must not be able to compute a user's codes.

AES-256-GCM with a key derived (HKDF-SHA256) from the secret ``console-two-factor-key``
(shared/contracts/console.json), a fresh nonce per value, and the owner ("workspace/agent") as
associated data, so a sealed value copied onto another user's login does not open. The key is its own
secret, not the session-signing key: rotating that one signs everyone out, and must not also wipe
every authenticator app.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
from collections.abc import Callable
from typing import Any

from shared.kernel.errors import ConfigurationError

PREFIX = "v1."
_INFO = b"charla console two-step sign-in keys v1"
_NONCE_BYTES = 12


class SecretBox:
    """Seals and opens short strings; reads its key material (``key_material()``) on first use only."""

    def __init__(self, key_material: Callable[[], str]) -> None:
        self._key_material = key_material
        self._cipher: Any = None
        self._lock = threading.Lock()

    def seal(self, plaintext: str, owner: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead().encrypt(nonce, plaintext.encode(), owner.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, owner: str) -> str:
        """The plaintext; ConfigurationError when this key did not seal it for ``owner`` (the key was
        replaced, or the value was moved): an admin resets that user's two-step sign-in."""
        from cryptography.exceptions import InvalidTag

        try:
            if not sealed.startswith(PREFIX):
                raise ValueError("not a sealed value")
            raw = base64.urlsafe_b64decode(sealed[len(PREFIX):])
            return self._aead().decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], owner.encode()).decode()
        except (InvalidTag, ValueError, binascii.Error):
            raise ConfigurationError("a two-step sign-in key cannot be opened with console-two-factor-key (was"
                                     " the secret replaced?); an admin can reset that user's two-step sign-in"
                                     ) from None

    def _aead(self) -> Any:  # cryptography's AESGCM, imported on first use
        with self._lock:
            if self._cipher is None:
                from cryptography.hazmat.primitives import hashes
                from cryptography.hazmat.primitives.ciphers.aead import AESGCM
                from cryptography.hazmat.primitives.kdf.hkdf import HKDF

                material = self._key_material().encode()
                if len(material) < 32:
                    raise ConfigurationError("console-two-factor-key must hold at least 32 characters of random"
                                             " data (e.g. openssl rand -base64 48)")
                key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(material)
                self._cipher = AESGCM(key)
            return self._cipher


__all__ = ["PREFIX", "SecretBox"]
