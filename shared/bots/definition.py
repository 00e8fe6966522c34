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


# What every bot understands without writing it (shared/bots/platform_intents.py); the model predicts each as
# PLATFORM_PREFIX + name ("platform.human"), and a bot file sets each under platform_intents.
PLATFORM_PREFIX = "platform."
PLATFORM_INTENTS = ("human", "greeting", "thanks", "goodbye", "yes", "no", "opt_out")


@dataclass(frozen=True)
class PlatformIntentSetting:
    """How the bot file changed one platform intent (shared/bots/platform_intents.py): switched off, or its
    own actions instead of the platform's (``{go_to: name}`` when the file names an intent or a menu)."""

    enabled: bool = True
    action: dict[str, Any] | None = None  # None: the platform's default


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
    # Platform intent name (human, greeting, ...) -> the file's setting; a name not here keeps the default.
    platform_intents: dict[str, PlatformIntentSetting] = field(default_factory=dict)

    def platform_intent(self, name: str) -> PlatformIntentSetting:
        return self.platform_intents.get(name) or PlatformIntentSetting()

    def kept_platform_intents(self) -> tuple[str, ...]:
        """The model labels of the platform intents this bot keeps ("platform.human", ...): all but those its
        file switches off. One it points elsewhere is kept: the engine runs the bot's choice when it is predicted."""
        return tuple(PLATFORM_PREFIX + name for name in PLATFORM_INTENTS if self.platform_intent(name).enabled)

    def intent(self, name: str) -> Intent | None:
        return self.intents.get(name)

    def triggered_intents(self) -> list[Intent]:
        return [i for i in self.intents.values() if i.triggers]
