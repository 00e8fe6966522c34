"""``${name}`` templates: plain substitution, never code execution.

A missing variable renders as empty text (never ``${name}`` to the customer);
the space it would have needed goes with it, so "${greeting} ${contact.name}!"
reads "Buenas tardes!" when the name is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

PLACEHOLDER = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}")
_PUNCTUATION_AFTER = set("!?.,;:)")

GREETINGS = {
    "es": ("Buenos días", "Buenas tardes", "Buenas noches"),
    "en": ("Good morning", "Good afternoon", "Good evening"),
    "pt": ("Bom dia", "Boa tarde", "Boa noite"),
}


def greeting(language: str, local_time: datetime) -> str:
    """Morning 05-12, afternoon 12-20, evening otherwise, in the given local time."""
    morning, afternoon, evening = GREETINGS.get(language, GREETINGS["en"])
    hour = local_time.hour
    if 5 <= hour < 12:
        return morning
    if 12 <= hour < 20:
        return afternoon
    return evening


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(template: str, values: Mapping[str, Any]) -> str:
    pieces: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        pieces.append(template[position : match.start()])
        position = match.end()
        rendered = format_value(values.get(match.group(1)))
        if rendered:
            pieces.append(rendered)
            continue
        # Drop one space the empty value would have needed: before punctuation or at the end, the
        # preceding one; otherwise the following one.
        following = template[position : position + 1]
        if (following == "" or following in _PUNCTUATION_AFTER) and pieces and pieces[-1].endswith(" "):
            pieces[-1] = pieces[-1][:-1]
        elif following == " ":
            position += 1
    pieces.append(template[position:])
    return "".join(pieces)
