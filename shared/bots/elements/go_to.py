"""``go_to: name``: runs an intent or shows a menu, and ends the sequence it is in."""

from __future__ import annotations

from shared.bots.elements.base import Element, Resume, Turn, check_target


def run(turn: Turn, value: str, resume: Resume) -> bool:
    turn.run_target(value, via="go_to")
    return False


ELEMENT = Element("go_to", check_target, run, in_actions=True)
