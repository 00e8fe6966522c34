"""The use cases console_api serves, built once per instance from the platform."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from shared.bootstrap import Platform

CONTRACT: dict[str, Any] = json.loads((Path(__file__).parents[2] / "contracts" / "console.json").read_text())
SESSION_KEY_SECRET: str = CONTRACT["session_key_secret"]
TWO_FACTOR_KEY_SECRET: str = CONTRACT["two_factor_key_secret"]
MAX_BODY_BYTES: int = CONTRACT["max_body_bytes"]
MAX_LONG_POLL_S: int = CONTRACT["max_long_poll_s"]


class ConsoleServices:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    @cached_property
    def accounts(self) -> Any:
        from shared.console.accounts import ConsoleAccounts
        from shared.console.sealed_secrets import SecretBox
        from shared.console.session_tokens import SessionTokens

        key = self.platform.secrets.get(SESSION_KEY_SECRET).encode()
        tokens = SessionTokens(key, self.platform.clock, ttl=timedelta(hours=CONTRACT["session_hours"]))
        # Read only when a two-step sign-in key is sealed or opened.
        sealer = SecretBox(lambda: self.platform.secrets.get(TWO_FACTOR_KEY_SECRET))
        return ConsoleAccounts(self.platform.store, self.platform.clock, tokens, sealer)

    @cached_property
    def directory(self) -> Any:
        from shared.agents import AgentDirectory

        return AgentDirectory(self.platform.store, self.platform.clock)

    @cached_property
    def desk(self) -> Any:
        from shared.conversations.handover import agent_desk

        return agent_desk(self.platform)

    @cached_property
    def contacts(self) -> Any:
        from shared.contacts import ContactBook

        return ContactBook(self.platform.store, self.platform.clock)

    @cached_property
    def quick_replies(self) -> Any:
        from shared.workspaces.catalogs import QuickReplies

        return QuickReplies(self.platform.store, self.platform.clock)

    @cached_property
    def pause_reasons(self) -> Any:
        from shared.workspaces.catalogs import PauseReasons

        return PauseReasons(self.platform.store, self.platform.clock)

    @cached_property
    def typifications(self) -> Any:
        from shared.workspaces.catalogs import Typifications

        return Typifications(self.platform.store, self.platform.clock)

    @cached_property
    def templates(self) -> Any:
        from shared.workspaces.catalogs import MessageTemplates

        return MessageTemplates(self.platform.store, self.platform.clock)
