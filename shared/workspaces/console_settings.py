"""The workspace settings an admin may change from the console, and what each accepts.

workspace.yaml publishes a workspace; the console's changes are kept apart from it (the workspace
document's ``console_settings``) and win over it, so republishing the folder (every `make run`, every
deploy) does not undo what an admin decided. The plan's caps (agents online, messages a month) are
not here: they are the operator's, not the customer's.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.kernel.errors import InvalidField

LANGUAGES = ("es", "en", "pt")
MAX_NAME_LENGTH = 80
MAX_EXPIRY_HOURS = 720  # 30 days: a ticket nobody closed in a month is not coming back
MAX_LOGO_BYTES = 256 * 1024
# The console shows the logo as <img src="data:...">: an SVG there cannot run scripts or load anything.
LOGO_TYPES = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",), "image/webp": (b"RIFF",),
              "image/svg+xml": ()}
_DATA_URL = re.compile(r"^data:(?P<type>[a-z+/]+);base64,(?P<data>[A-Za-z0-9+/=\s]*)$")

# A logo the checks below accept for sure, as a pattern (the OpenAPI document states it): each type's data: URL
# whose base64 opens with the type's magic bytes ("<svg" for SVG), padded right, at most MAX_LOGO_BYTES.
_BASE64_GROUPS = r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
_LOGO_STARTS = {"image/png": r"iVBORw0KGg[o-r][A-Za-z0-9+/]", "image/jpeg": "/9j/",
                "image/webp": r"UklGR[g-v][A-Za-z0-9+/]{2}", "image/svg+xml": r"PHN2Z[w-z0-9+/][A-Za-z0-9+/]{2}"}
LOGO_PATTERN = "|".join(rf"data:{re.escape(kind)};base64,{start}{_BASE64_GROUPS}"
                        for kind, start in _LOGO_STARTS.items())
MAX_LOGO_CHARS = len("data:image/png;base64,") + MAX_LOGO_BYTES // 3 * 4

EDITABLE = ("name", "language", "time_zone", "logo", "ticket_expiry_hours", "personal_data_days", "files_days",
            "two_factor_required")
# Settings that may be cleared (None): retention days, where None keeps data until erased on request.
CLEARABLE = ("personal_data_days", "files_days")


def checked_logo(value: Any) -> str:
    """A data: URL of a small PNG, JPEG, WebP or SVG image, or "" (no logo)."""
    if not isinstance(value, str):
        raise InvalidField("logo", f"expected a data: URL, got {type(value).__name__}")
    if value == "":
        return ""
    found = _DATA_URL.match(value)
    if found is None or found["type"] not in LOGO_TYPES:
        raise InvalidField("logo", f"expected a base64 data: URL of {', '.join(LOGO_TYPES)}")
    try:
        data = base64.b64decode(re.sub(r"\s", "", found["data"]), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidField("logo", "the base64 data is malformed") from None
    if not data:
        raise InvalidField("logo", "the image is empty")
    if len(data) > MAX_LOGO_BYTES:
        raise InvalidField("logo", f"{len(data)} bytes; at most {MAX_LOGO_BYTES} ({MAX_LOGO_BYTES // 1024} KiB)")
    magic = LOGO_TYPES[found["type"]]
    if magic and not data.startswith(magic):
        raise InvalidField("logo", f"the data is not a {found['type']} image")
    if not magic and b"<svg" not in data[:4096]:
        raise InvalidField("logo", "the data is not an SVG image")
    return value


def checked_time_zone(value: Any) -> str:
    if not isinstance(value, str) or not value or ".." in value or value.startswith("/"):
        raise InvalidField("time_zone", f"expected an IANA time zone such as America/Sao_Paulo, got {value!r}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidField("time_zone", f"{value!r} is not an IANA time zone (e.g. America/Sao_Paulo)") from None
    return value


def _whole(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"{low} to {high}"
        raise InvalidField(name, f"expected a whole number, {bounds}, got {value!r}")
    return value


def checked_settings(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` validated, each named field's problem raised as InvalidField; nothing partial."""
    checked: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in EDITABLE:
            raise InvalidField(name, f"not a setting the console changes; expected {', '.join(EDITABLE)}")
        if value is None and name not in CLEARABLE:
            raise InvalidField(name, "cannot be cleared")
        if name == "name":
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_LENGTH:
                raise InvalidField(name, f"expected 1 to {MAX_NAME_LENGTH} characters")
            value = value.strip()
        elif name == "language" and value not in LANGUAGES:
            raise InvalidField(name, f"expected one of {', '.join(LANGUAGES)}, got {value!r}")
        elif name == "time_zone":
            value = checked_time_zone(value)
        elif name == "logo":
            value = checked_logo(value)
        elif name == "ticket_expiry_hours":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= MAX_EXPIRY_HOURS:
                raise InvalidField(name, f"expected a number of hours from 1 to {MAX_EXPIRY_HOURS}, got {value!r}")
            value = float(value)
        elif name in CLEARABLE and value is not None:
            value = _whole(name, value, 1)
        elif name == "two_factor_required" and not isinstance(value, bool):
            raise InvalidField(name, f"expected true or false, got {value!r}")
        checked[name] = value
    return checked
