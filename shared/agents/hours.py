"""A queue's business hours: weekly opening intervals in the queue's own time zone.

The form is ``{"time_zone": "America/Bogota", "days": {"mon": [["09:00", "18:00"]], ...}}``.
Intervals include their start and exclude their end ("24:00" ends at midnight); a day
that is missing or has no intervals is closed all day. Firestore cannot hold an array
inside an array, so the stored form writes each interval as "09:00-18:00"
(``storable``); both forms are read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.kernel.errors import InvalidInput
from shared.kernel.limits import MAX_INTERVALS_A_DAY

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()


def _minutes(text: Any, where: str) -> int:
    if isinstance(text, str) and len(text) == 5 and text[2] == ":" and text.replace(":", "").isdigit():
        hours, minutes = int(text[:2]), int(text[3:])
        if (hours < 24 and minutes < 60) or (hours == 24 and minutes == 0):
            return hours * 60 + minutes
    raise InvalidInput(f"{where}: expected a time 'HH:MM' (00:00 to 24:00), got {text!r}")


def _zone(hours: dict[str, Any], where: str) -> ZoneInfo:
    name = hours.get("time_zone")
    try:
        if not isinstance(name, str) or not name:
            raise ZoneInfoNotFoundError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{where}.time_zone: expected an IANA time zone such as 'America/Bogota', "
                           f"got {name!r}") from None


def _intervals(hours: dict[str, Any], day: str, where: str) -> list[tuple[int, int]]:
    spans = []
    listed = hours.get("days", {}).get(day) or []
    if not isinstance(listed, list | tuple):
        raise InvalidInput(f"{where}.days.{day}: expected a list of [\"HH:MM\", \"HH:MM\"], got {listed!r}")
    if len(listed) > MAX_INTERVALS_A_DAY:
        raise InvalidInput(f"{where}.days.{day}: at most {MAX_INTERVALS_A_DAY} intervals")
    for index, span in enumerate(listed):
        at = f"{where}.days.{day}[{index}]"
        if isinstance(span, str) and span.count("-") == 1:
            span = span.split("-")
        if not isinstance(span, list | tuple) or len(span) != 2:
            raise InvalidInput(f"{at}: expected [\"HH:MM\", \"HH:MM\"], got {span!r}")
        start, end = _minutes(span[0], at), _minutes(span[1], at)
        if start >= end:
            raise InvalidInput(f"{at}: the opening {span[0]} must come before the closing {span[1]}")
        spans.append((start, end))
    return spans


def check_business_hours(hours: Any, owner: str = "queue") -> None:
    """Raise InvalidInput naming the field when ``hours`` is not in the form above."""
    where = f"{owner}: business_hours"
    if not isinstance(hours, dict):
        raise InvalidInput(f"{where}: expected an object with time_zone and days, got {hours!r}")
    unknown = sorted(set(hours) - {"time_zone", "days"})
    if unknown:
        raise InvalidInput(f"{where}: unknown field(s) {', '.join(unknown)}")
    _zone(hours, where)
    days = hours.get("days", {})
    if not isinstance(days, dict) or set(days) - set(DAYS):
        raise InvalidInput(f"{where}.days: expected an object keyed by {', '.join(DAYS)}, got {days!r}")
    for day in DAYS:
        _intervals(hours, day, where)


def normalized(hours: dict[str, Any], owner: str = "queue") -> dict[str, Any]:
    """Checked hours with every interval as a ["HH:MM", "HH:MM"] pair and only the days that have some."""
    check_business_hours(hours, owner)
    where = f"{owner}: business_hours"
    days = {day: [[_text(start), _text(end)] for start, end in _intervals(hours, day, where)] for day in DAYS}
    return {"time_zone": hours["time_zone"], "days": {day: spans for day, spans in days.items() if spans}}


def storable(hours: dict[str, Any]) -> dict[str, Any]:
    """The stored form: intervals as "HH:MM-HH:MM" strings."""
    days = {day: [f"{start}-{end}" for start, end in spans] for day, spans in normalized(hours)["days"].items()}
    return {"time_zone": hours["time_zone"], "days": days}


def _text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def is_open(hours: dict[str, Any] | None, now: datetime) -> bool:
    """Whether ``now`` falls inside an opening interval; no hours at all means always open."""
    if hours is None:
        return True
    local = now.astimezone(_zone(hours, "business_hours"))
    minute = local.hour * 60 + local.minute
    day = DAYS[local.weekday()]
    return any(start <= minute < end for start, end in _intervals(hours, day, "business_hours"))


def next_opening(hours: dict[str, Any] | None, now: datetime) -> datetime | None:
    """The first instant (UTC) at or after ``now`` when the queue is open; None if it never opens.

    For scheduling the drain of a queue that collected chats while closed.
    """
    if hours is None or is_open(hours, now):
        return now.astimezone(UTC)
    zone = _zone(hours, "business_hours")
    today = now.astimezone(zone).date()
    for offset in range(8):  # a week on, today's weekday again (its earlier intervals are past)
        day: date = today + timedelta(days=offset)
        for start, _end in sorted(_intervals(hours, DAYS[day.weekday()], "business_hours")):
            opening = datetime.combine(day, time(start // 60, start % 60), tzinfo=zone)
            if opening > now:
                return opening.astimezone(UTC)
    return None
