"""The data of one bot turn: where the conversation stands in the bot (``BotPosition``), what the turn
knows of the world (``TurnContext``) and what it gives back (``Reply``, ``EngineEvent``, ``Effect`` in a
``TurnOutcome``). Apart from the engine so that the element modules can speak of them too."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from shared.bots.definition import Bot
from shared.kernel.limits import MAX_BOT_VARIABLES_BYTES, MAX_VARIABLES
from shared.ports.webhook_caller import WebhookCaller

# What a bot's reply may be; each channel renders every one of them (natively or as faithful text).
REPLY_KINDS = ("text", "buttons", "menu", "carousel", "media", "location")
# The values every turn provides to templates and conditions; a bot may not declare or set them.
PREDEFINED_VARIABLES = {"contact.name", "contact.phone", "contact.email", "channel", "language", "greeting", "now",
                        "last_intent", "topic"}


class IntentClassifier(Protocol):
    """The statistical second opinion after triggers (nlu_model); optional."""

    def predict(self, text: str) -> Any:  # -> Prediction(intent, confidence, language, ranking)
        ...


@dataclass
class BotPosition:
    """Where the conversation stands in the bot; persisted with the conversation."""

    session_id: str = ""
    session_started_at: str = ""
    last_activity_at: str = ""
    closed: bool = False
    bot_id: str = ""  # the bot in charge after a hand-over; empty: the channel's bot
    last_intent: str = ""
    topic: str = ""
    turn: int = 0
    # Frames of shown menus/buttons, innermost last: {"header", "options", "numbered_emojis", "menu"}.
    menu_stack: list[dict[str, Any]] = field(default_factory=list)
    menu_token: str = ""
    failed_attempts: int = 0
    pending_ask: dict[str, Any] | None = None
    paused: bool = False
    muted_until: str = ""
    handoff: dict[str, Any] | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> BotPosition:
        data = data or {}
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def keeps_variable(self, name: str, value: Any) -> bool:
        """Set a variable unless the conversation's variables would outgrow their bounds (the position is
        stored in the conversation's document, which must stay far below Firestore's 1 MiB whatever a bot
        saves: a webhook's whole answer, a customer's long text); False when it is not kept."""
        candidate = {**self.variables, name: value}
        if len(candidate) > MAX_VARIABLES or variables_size(candidate) > MAX_BOT_VARIABLES_BYTES:
            return False
        self.variables[name] = value
        return True


def variables_size(variables: Mapping[str, Any]) -> int:
    """The bytes a conversation's variables take in its document (as JSON, near enough to Firestore's count)."""
    return len(json.dumps(variables, ensure_ascii=False, default=str).encode("utf-8", "replace"))


@dataclass(frozen=True)
class Reply:
    kind: str  # one of REPLY_KINDS
    text: str = ""
    options: tuple[str, ...] = ()
    payload: dict[str, Any] = field(default_factory=dict)
    intent: str = ""
    delay_ms: int = 0  # pause before this reply, kept by the sender


@dataclass(frozen=True)
class EngineEvent:
    type: str
    intent: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Effect:
    """Something to do exactly once after the turn commits: handoff, email, schedule, cancel."""

    kind: str
    data: dict[str, Any]


@dataclass(frozen=True)
class TurnContext:
    now: datetime
    time_zone: str
    channel: str
    contact_name: str
    session_timeout_s: int
    new_session_id: str
    contact_phone: str = ""
    contact_email: str = ""
    webhooks: WebhookCaller | None = None
    classifier: IntentClassifier | None = None
    other_bots: Callable[[str], Bot | None] = lambda _bot_id: None
    workspace_constants: Mapping[str, Any] = field(default_factory=dict)
    channel_bot_id: str = ""  # the channel's own bot; another bot starting a session stays for it
    expertise_bots: tuple[Bot, ...] = ()  # bots the flow manager may route to by expertise


@dataclass
class TurnOutcome:
    position: BotPosition
    replies: list[Reply] = field(default_factory=list)
    events: list[EngineEvent] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    bot_id: str = ""  # the bot that answered last (differs after a hand-over)
