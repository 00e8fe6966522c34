"""``${name}`` templates: plain substitution, never code execution.

A missing variable renders as empty text (never ``${name}`` to the customer);
the space it would have needed goes with it, so "${greeting} ${contact.name}!"
reads "Buenas tardes!" when the name is unknown.

Dates speak the bot's language: given a ``language``, a value that is a date — a ``date`` or text
that is exactly an ISO day, "2026-03-05", as ``ask`` stores a date answer and APIs send one —
renders "5 de marzo de 2026", "March 5, 2026" or "5 de março de 2026". Without a language (webhook
URLs and headers) a date stays ISO, as the APIs it goes to expect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

PLACEHOLDER = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}")
_PUNCTUATION_AFTER = set("!?.,;:)")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

MONTHS = {
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
           "novembro", "dezembro"),
}

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


def format_date(day: date, language: str) -> str:
    """The long date of ``language``: "5 de marzo de 2026", "March 5, 2026", "5 de março de 2026"."""
    month = MONTHS.get(language, MONTHS["en"])[day.month - 1]
    if language in ("es", "pt"):
        return f"{day.day} de {month} de {day.year}"
    return f"{month} {day.day}, {day.year}"


def as_date(value: Any) -> date | None:
    """``value`` as a day when it is one (a date, or text that is exactly an ISO day), else None."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:  # 2026-02-31 is not a day: shown as written
            return None
    return None


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(template: str, values: Mapping[str, Any], language: str | None = None) -> str:
    """``template`` with its ``${name}`` filled from ``values``; dates in ``language``'s words when given."""
    pieces: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        pieces.append(template[position : match.start()])
        position = match.end()
        value = values.get(match.group(1))
        day = as_date(value) if language else None
        rendered = format_date(day, language) if day and language else format_value(value)
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
