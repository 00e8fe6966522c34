"""What both warehouses check before running SQL on the history tables: the kind of statement and its
parameters.

The checks run before any request is sent or any file is opened, so a wrong call is refused the same
way by BigQuery and DuckDB, and without sqlglot (the cloud path does not need to parse SQL at all).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from shared.kernel.errors import InvalidInput

QUERY_KEYWORDS = frozenset({"SELECT", "WITH"})
STATEMENT_KEYWORDS = frozenset({"UPDATE", "DELETE"})

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Whitespace, comments (BigQuery has three kinds) and opening parentheses before the first keyword.
_LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|\Z)|#[^\n]*(?:\n|\Z)|/\*.*?\*/|\()*", re.DOTALL)
_WORD = re.compile(r"[A-Za-z]+")


def first_keyword(sql: str) -> str:
    """The statement's first keyword in upper case ("" if there is none), comments and parentheses skipped."""
    if not isinstance(sql, str):
        raise InvalidInput(f"SQL must be text, got {type(sql).__name__}")
    start = _LEADING.match(sql)
    word = _WORD.match(sql, start.end() if start else 0)
    return word.group(0).upper() if word else ""


def require_kind(sql: str, allowed: frozenset[str], method: str) -> str:
    """The first keyword of ``sql``; InvalidInput if it is not one ``method`` runs."""
    keyword = first_keyword(sql)
    if keyword not in allowed:
        found = f"a statement starting with {keyword}" if keyword else "no statement"
        raise InvalidInput(f"{method} runs {' or '.join(sorted(allowed))} statements; got {found}")
    return keyword


def bound_parameters(params: Mapping[str, Any] | None) -> dict[str, tuple[str, Any]]:
    """name → (BigQuery type, value) for each parameter; timestamps as aware UTC datetimes.

    The type comes from the Python value: str STRING, bool BOOL, int INT64, float FLOAT64, aware datetime
    TIMESTAMP, date DATE. Anything else, a None (its type could not be told) or a datetime without a time
    zone is refused with InvalidInput naming the parameter.
    """
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise InvalidInput(f"query parameters must be a mapping of name to value, got {type(params).__name__}")
    bound: dict[str, tuple[str, Any]] = {}
    for name, value in params.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise InvalidInput(f"query parameter name {name!r} is not a SQL identifier")
        bound[name] = _typed(name, value)
    return bound


def _typed(name: str, value: Any) -> tuple[str, Any]:
    where = f"query parameter @{name}"
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "BOOL", value
    if isinstance(value, int):
        return "INT64", value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"{where}: expected a finite number, got {value!r}")
        return "FLOAT64", value
    if isinstance(value, str):
        return "STRING", value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInput(f"{where}: timestamp {value.isoformat()} has no time zone; history is in UTC")
        return "TIMESTAMP", value.astimezone(UTC)
    if isinstance(value, date):
        return "DATE", value
    if value is None:
        raise InvalidInput(f"{where} is None: a NULL parameter has no type; leave the condition out instead")
    raise InvalidInput(f"{where}: values of type {type(value).__name__} are not supported"
                       " (str, int, float, bool, datetime, date)")
