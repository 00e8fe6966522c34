"""``location: {latitude, longitude, name, address}``: a place to show."""

from __future__ import annotations

from typing import Any

from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.yaml_source import child_path


def check(check: Checker, value: Any, path: str) -> None:
    if not check.expect(value, dict, path, "a mapping with latitude and longitude"):
        return
    check.unknown_keys(value, {"latitude", "longitude", "name", "address"}, path)
    for key, bound in (("latitude", 90), ("longitude", 180)):
        coordinate = value.get(key)
        if check.expect(coordinate, (int, float), child_path(path, key), "a number") and abs(coordinate) > bound:
            check.problem(child_path(path, key), f"{coordinate} is out of range -{bound}..{bound}")
    for key in ("name", "address"):
        if key in value:
            check.expect(value[key], str, child_path(path, key), "text")


def run(turn: Turn, value: dict, resume: Resume) -> bool:
    turn.say("location", payload={"latitude": value["latitude"], "longitude": value["longitude"],
                                  "name": turn.render(value.get("name", "")),
                                  "address": turn.render(value.get("address", ""))})
    return True


ELEMENT = Element("location", check, run)
