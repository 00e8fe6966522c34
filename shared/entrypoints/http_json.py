"""The one decoder of what HTTP requests carry: every entry point (the webhooks through
functions/http_responses.py, console_api's bodies and query strings) reads JSON and numbers here.

Python's json module accepts more than the stores and the code behind it can hold, so a decoded
body is also walked (without recursion) and refused, naming the field's path, when it has:
- nesting deeper than ``MAX_JSON_DEPTH`` (json.loads itself dies of RecursionError on '[' * 50000);
- a lone surrogate ("\\ud800") in any string, keys included: no store can encode it;
- an integer outside the signed 64-bit range (Firestore's and SQLite's integers);
- NaN or ±Infinity, which Python writes and reads but JSON does not have.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from shared.kernel.errors import InvalidField

MAX_JSON_DEPTH = 32  # objects and arrays inside each other; no request of Charla needs more than a few
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+", re.ASCII)
BODY = "body"  # the field a problem of the whole body is named by


class JsonInputError(InvalidField):
    """A request's JSON (or a query value) that Charla refuses; ``field`` is the path of the culprit
    ("body", "tags[2]", "payload.parameters")."""


def _refuse_constant(name: str) -> Any:
    raise JsonInputError(BODY, f"{name} is not a JSON number")


def _child_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]" if path != BODY else f"[{key}]"
    key = key.encode("utf-8", "backslashreplace").decode()  # a key's lone surrogate named as \ud800, not sent
    return key if path == BODY else f"{path}.{key}"


def check_text(path: str, text: str) -> str:
    """``text`` unless it holds a lone surrogate (which UTF-8, and so every store, cannot encode)."""
    found = _LONE_SURROGATE.search(text)
    if found is not None:
        raise JsonInputError(path, f"holds a lone surrogate (U+{ord(found.group()):04X}) at character "
                                   f"{found.start()}; send valid Unicode text")
    return text


def _check_value(path: str, value: Any) -> None:
    if isinstance(value, str):
        check_text(path, value)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise JsonInputError(path, "integer beyond the signed 64-bit range")
    elif isinstance(value, float) and not math.isfinite(value):
        raise JsonInputError(path, "number too large to hold")


def checked_json_value(value: Any, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``value`` (as json.loads makes them) after the checks above; iterative, so any depth is safe."""
    pending: list[tuple[Any, str, int]] = [(value, BODY, 0)]
    while pending:
        current, path, depth = pending.pop()
        if isinstance(current, dict | list):
            if depth >= max_depth:
                raise JsonInputError(path, f"nested deeper than {max_depth} levels")
            items = current.items() if isinstance(current, dict) else enumerate(current)
            for key, child in items:
                if isinstance(key, str):
                    check_text(_child_path(path, key), key)
                pending.append((child, _child_path(path, key), depth + 1))
        else:
            _check_value(path, current)
    return value


def decode_json(raw: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value of a request body, or JsonInputError naming the field at fault."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise JsonInputError(BODY, f"nested deeper than {max_depth} levels") from None
    except UnicodeDecodeError:
        raise JsonInputError(BODY, "not UTF-8 text") from None
    except JsonInputError:
        raise
    except ValueError as exc:
        raise JsonInputError(BODY, f"malformed JSON ({exc})") from None
    return checked_json_value(value, max_depth)


def query_integer(name: str, text: str) -> int:
    """A query string's integer: ASCII digits with an optional sign, within the signed 64-bit range."""
    if not _INTEGER_TEXT.fullmatch(text):
        raise JsonInputError(name, f"expected an integer, got {text!r}")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise JsonInputError(name, "integer beyond the signed 64-bit range")
    return value
