"""The bot model built from a validated definition file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.bots.answer_types import AnswerType, Entity
from shared.bots.expressions import Condition


@dataclass(frozen=True)
class Intent:
    name: str
    topic: str
    triggers: tuple[str, ...]
    responses: tuple[dict[str, Any], ...]
    when: Condition | None = None


@dataclass(frozen=True)
class Menu:
    name: str
    header: str
    options: tuple[dict[str, Any], ...]
    numbered_emojis: bool = False
    reminder_after_minutes: float | None = None
    reminder_text: str = ""
    resolve_after_minutes: float | None = None
    farewell: str = ""
    max_failed_attempts: int | None = None
    on_max_failed: str = ""  # title of the option run when the attempts run out
    invalid_option_text: str = ""


@dataclass(frozen=True)
class Keywords:
    pause_bot: tuple[str, ...] = ()
    resume_bot: tuple[str, ...] = ()
    human: tuple[str, ...] = ()
    human_queue: str = "default"


@dataclass(frozen=True)
class Bot:
    id: str
    name: str
    language: str
    startup: str | None
    not_understood: str | None
    constants: dict[str, Any]
    intents: dict[str, Intent]
    menus: dict[str, Menu]
    source_hash: str
    description: str = ""
    keywords: Keywords = field(default_factory=Keywords)
    variables: dict[str, AnswerType] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    expertise: tuple[str, ...] = ()
    reply_delay_ms: int = 0
    related_topic: bool = True
    related_intents: bool = True
    # Conditions of response elements and options, parsed once: the source text -> Condition.
    conditions: dict[str, Condition] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    handover_bots: tuple[str, ...] = ()  # bots named by assign: {bot: ...}; checked when a folder loads
    uses_webhooks: bool = False

    def intent(self, name: str) -> Intent | None:
        return self.intents.get(name)

    def triggered_intents(self) -> list[Intent]:
        return [i for i in self.intents.values() if i.triggers]
