"""``wait: seconds`` (or ``{seconds}``): a pause before the next reply, kept by the sender."""

from __future__ import annotations

from typing import Any

from shared.bots import limits
from shared.bots.elements.base import Checker, Element, Resume, Turn


def check(check: Checker, value: Any, path: str) -> None:
    seconds = value.get("seconds") if isinstance(value, dict) else value
    if isinstance(value, dict):
        check.unknown_keys(value, {"seconds"}, path)
    if check.expect(seconds, (int, float), path, "a number of seconds") and not (
            0 < seconds <= limits.MAX_WAIT_SECONDS):
        check.problem(path, f"{seconds} seconds; expected more than 0 and at most {limits.MAX_WAIT_SECONDS}")


def run(turn: Turn, value: Any, resume: Resume) -> bool:
    seconds = value["seconds"] if isinstance(value, dict) else value
    turn.pending_delay_ms += int(seconds * 1000)
    return True


ELEMENT = Element("wait", check, run)
