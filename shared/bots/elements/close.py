"""``close`` (or ``close: {message}``): ends the session."""

from __future__ import annotations

from typing import Any

from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.yaml_source import child_path


def check(check: Checker, value: Any, path: str) -> None:
    if value is None or value is True:
        return
    if check.expect(value, dict, path, "a mapping with an optional message"):
        check.unknown_keys(value, {"message"}, path)
        if "message" in value:
            check.expect(value["message"], str, child_path(path, "message"), "text")


def run(turn: Turn, value: dict | None, resume: Resume) -> bool:
    if isinstance(value, dict) and value.get("message"):
        turn.say("text", value["message"])
    turn.close("bot")
    return False


ELEMENT = Element("close", check, run, in_actions=True)
