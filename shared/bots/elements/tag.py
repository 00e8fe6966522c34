"""``tag: label`` (or a list of them): labels the conversation."""

from __future__ import annotations

from typing import Any

from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.yaml_source import child_path


def check(check: Checker, value: Any, path: str) -> None:
    tags = [value] if isinstance(value, str) else value
    if check.expect(tags, list, path, "a tag or a list of tags"):
        for index, tag in enumerate(tags):
            check.expect(tag, str, child_path(path, index) if isinstance(value, list) else path, "a tag")


def run(turn: Turn, value: str | list[str], resume: Resume) -> bool:
    for tag in [value] if isinstance(value, str) else value:
        turn.add_tag(turn.render(tag))
    return True


ELEMENT = Element("tag", check, run, in_actions=True)
