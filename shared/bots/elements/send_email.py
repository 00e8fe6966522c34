"""``send_email: {to, subject, body}``: an email through the mail port, sent once the turn commits
(an ``email`` effect)."""

from __future__ import annotations

from typing import Any

from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.yaml_source import child_path

EMAIL = "email"


def check(check: Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with to, subject and body"):
        return
    check.unknown_keys(value, {"to", "subject", "body"}, path)
    for key in ("to", "subject", "body"):
        if not isinstance(value.get(key), str):
            check.problem(child_path(path, key), "expected text")


def run(turn: Turn, value: dict, resume: Resume) -> bool:
    turn.effect(EMAIL, to=turn.render(value["to"]), subject=turn.render(value["subject"]),
                body=turn.render(value["body"]))
    turn.event("email_requested", turn.position.last_intent)
    return True


ELEMENT = Element("send_email", check, run, in_actions=True, effects=(EMAIL,))
