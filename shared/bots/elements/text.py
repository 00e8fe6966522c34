"""``text: template``: one text reply."""

from __future__ import annotations

from typing import Any

from shared.bots.elements.base import Checker, Element, Resume, Turn


def check(check: Checker, value: Any, path: str) -> None:
    check.expect(value, str, path, "text")


def run(turn: Turn, value: str, resume: Resume) -> bool:
    turn.say("text", value)
    return True


ELEMENT = Element("text", check, run, in_actions=True)
