"""The bot model built from a validated definition file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Intent:
    name: str
    topic: str
    triggers: tuple[str, ...]
    responses: tuple[dict[str, Any], ...]
    when: str | None = None


@dataclass(frozen=True)
class Menu:
    name: str
    header: str
    options: tuple[dict[str, Any], ...]
    numbered_emojis: bool = False


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
    keywords: dict[str, Any] = field(default_factory=dict)

    def intent(self, name: str) -> Intent | None:
        return self.intents.get(name)

    def triggered_intents(self) -> list[Intent]:
        return [i for i in self.intents.values() if i.triggers]
