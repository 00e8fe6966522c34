"""``mute_bot: {minutes}``: the bot stays quiet for a while."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.yaml_source import child_path


def check(check: Checker, value: Any, path: str) -> None:
    if check.expect(value, dict, path, "a mapping with minutes"):
        check.unknown_keys(value, {"minutes"}, path)
        minutes = value.get("minutes")
        if check.expect(minutes, (int, float), child_path(path, "minutes"), "a number of minutes") and minutes <= 0:
            check.problem(child_path(path, "minutes"), "expected more than 0 minutes")


def run(turn: Turn, value: dict, resume: Resume) -> bool:
    until = turn.context.now + timedelta(minutes=value["minutes"])
    turn.position.muted_until = until.isoformat()
    turn.event("bot_muted", turn.position.last_intent, minutes=value["minutes"])
    return False


ELEMENT = Element("mute_bot", check, run)
