"""``buttons: {text, options}``: a question with options to choose from, each running an action."""

from __future__ import annotations

from typing import Any

from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.yaml_source import child_path


def check(check: Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with text and options"):
        return
    check.unknown_keys(value, {"text", "options"}, path)
    if "text" in value:
        check.expect(value["text"], str, child_path(path, "text"), "text")
    check.options(value.get("options"), child_path(path, "options"), depth=1)


def run(turn: Turn, value: dict, resume: Resume) -> bool:
    options = [o for o in value["options"] if turn.holds(o.get("when"))]
    turn.position.menu_stack = [{"header": value.get("text", ""), "options": options, "numbered_emojis": False,
                                 "menu": ""}]
    turn.position.failed_attempts = 0
    turn.say("buttons", value.get("text", ""), tuple(o["title"] for o in options))
    return True


ELEMENT = Element("buttons", check, run)
