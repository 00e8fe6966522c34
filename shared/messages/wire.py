"""Messages that cross a boundary (topics, the outbox), with their JSON form."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Self

from shared.kernel.errors import InvalidInput


class JsonDataclass:
    """JSON round trip for the dataclasses below; unknown keys are refused."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        if not isinstance(data, dict):
            raise InvalidInput(f"{cls.__name__}: expected a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInput(f"{cls.__name__}: unknown field(s) {', '.join(unknown)}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise InvalidInput(f"{cls.__name__}: {exc}") from None

    @classmethod
    def from_json(cls, raw: bytes | str) -> Self:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{cls.__name__}: malformed JSON ({exc})") from None
        return cls.from_dict(data)


@dataclass(frozen=True)
class InboundMessage(JsonDataclass):
    """A customer's message, normalised from any channel (the inbound topic)."""

    message_id: str
    provider_message_id: str
    workspace_id: str
    channel: str
    account: str
    contact: str
    conversation_id: str
    bot_id: str
    kind: str
    text: str
    received_at: str
    contact_name: str = ""
    # Kind-specific content (shared/channels/provider_events.py): the button's id, media, location,
    # the quoted or reacted-to message, an ad referral; media also get their stored copy here.
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboundMessage(JsonDataclass):
    """A reply to deliver through a channel (the outbound topic)."""

    message_id: str
    workspace_id: str
    conversation_id: str
    session_id: str
    channel: str
    account: str
    recipient: str
    kind: str
    text: str
    created_at: str
    options: list[str] = field(default_factory=list)
    sender_type: str = "bot"
    intent: str = ""
    in_reply_to: str = ""
    # Rich content of the kind: cards, media, location, an email's subject.
    payload: dict[str, Any] = field(default_factory=dict)
    # Replies of one turn keep their pauses (reply_delay_ms, wait): not shown before this instant.
    not_before: str = ""


@dataclass(frozen=True)
class HistoryRecord(JsonDataclass):
    """One history row for the warehouse (the history topic)."""

    table: str
    row: dict[str, Any]


@dataclass(frozen=True)
class AssignmentRequest(JsonDataclass):
    """A conversation handed to people (the assignment topic)."""

    request_id: str
    workspace_id: str
    conversation_id: str
    channel: str
    queue: str = ""
    agent: str = ""
    requested_at: str = ""
