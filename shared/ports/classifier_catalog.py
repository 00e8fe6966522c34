"""The statistical intent model of each published bot: trained at publish time, loaded by resolve_intent."""

from __future__ import annotations

from typing import Any, Protocol

from shared.bots.definition import Bot


class ClassifierCatalog(Protocol):
    """The statistical intent model of each published bot, if it has one."""

    def train_and_store(self, workspace_id: str, bot: Bot) -> str | None: ...

    def for_bot(self, workspace_id: str, bot: Bot) -> Any | None: ...


class NoClassifiers:
    """Triggers only: exact, phrase and keyword matching (``overrides={"classifiers": ...}``)."""

    def train_and_store(self, workspace_id: str, bot: Bot) -> None:
        return None

    def for_bot(self, workspace_id: str, bot: Bot) -> None:
        return None
