"""``media: {kind, url, caption, filename}``: an image, video, audio or document."""

from __future__ import annotations

from typing import Any

from shared.bots import limits
from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.yaml_source import child_path


def check(check: Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with kind, url and caption"):
        return
    check.unknown_keys(value, {"kind", "url", "caption", "filename"}, path)
    if value.get("kind") not in limits.MEDIA_KINDS:
        check.problem(child_path(path, "kind"), f"{value.get('kind')!r}; expected one of "
                                                f"{', '.join(limits.MEDIA_KINDS)}")
    if not isinstance(value.get("url"), str) or not value["url"]:
        check.problem(child_path(path, "url"), "expected the media's URL")
    for key in ("caption", "filename"):
        if key in value:
            check.expect(value[key], str, child_path(path, key), "text")


def run(turn: Turn, value: dict, resume: Resume) -> bool:
    turn.say("media", payload={"kind": value["kind"], "url": turn.render(value["url"]),
                               "caption": turn.render(value.get("caption", "")),
                               "filename": value.get("filename", "")})
    return True


ELEMENT = Element("media", check, run, in_actions=True)
