"""Media types against a list that may hold families ("image/*"): one rule for what fetch_media accepts
and what the console shows inline."""

from __future__ import annotations


def type_is_accepted(mime_type: str, accepted: tuple[str, ...]) -> bool:
    mime_type = mime_type.split(";")[0].strip().lower()
    return any(mime_type == t or (t.endswith("*") and mime_type.startswith(t[:-1])) for t in accepted)
