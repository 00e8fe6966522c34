"""``set: {variable, value}``: gives a variable a value (a template when it is text)."""

from __future__ import annotations

from typing import Any

from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.turn_types import PREDEFINED_VARIABLES
from shared.bots.yaml_source import child_path


def check(check: Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with variable and value"):
        return
    check.unknown_keys(value, {"variable", "value"}, path)
    if not isinstance(value.get("variable"), str):
        check.problem(child_path(path, "variable"), "expected a variable name")
    elif value["variable"] in PREDEFINED_VARIABLES:
        check.problem(child_path(path, "variable"), f"{value['variable']!r} is predefined and cannot be set")
    if "value" not in value:
        check.problem(child_path(path, "value"), "expected the value to set")


def run(turn: Turn, value: dict, resume: Resume) -> bool:
    raw = value["value"]
    turn.keep_variable(value["variable"], turn.render(raw) if isinstance(raw, str) else raw)
    return True


ELEMENT = Element("set", check, run, in_actions=True)
