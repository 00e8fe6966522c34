"""Stable identifiers: the same input always gives the same id (idempotency)."""

from __future__ import annotations

import hashlib
import re

_SAFE = re.compile(r"[^A-Za-z0-9_.:-]")


def stable_hash(*parts: str, length: int = 24) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:length]


def conversation_id(workspace_id: str, channel: str, account: str, contact: str) -> str:
    """One conversation per contact and channel account (DESIGN.md, conversation model)."""
    return f"cv_{stable_hash(workspace_id, channel, account, contact)}"


def inbound_message_id(channel: str, account: str, provider_message_id: str) -> str:
    return f"in_{stable_hash(channel, account, provider_message_id)}"


def reply_message_id(inbound_id: str, index: int) -> str:
    return f"out_{stable_hash(inbound_id, 'reply')}_{index:02d}"


def safe_document_id(key: str) -> str:
    """A document id from any key: Firestore forbids '/' and reserved '__x__' ids."""
    cleaned = _SAFE.sub("_", key)
    if cleaned != key or len(cleaned) > 200 or cleaned.startswith("__"):
        return f"{cleaned[:60]}~{stable_hash(key, length=16)}"
    return cleaned
