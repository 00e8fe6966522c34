"""Structured JSON logs in Cloud Logging's format (severity, message, labels); no personal data."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any


def log(severity: str, message: str, **fields: Any) -> None:
    """One JSON line on stderr; Cloud Logging parses ``severity`` and ``message`` from either stream,
    and stdout stays free for command-line output.

    Callers pass ids and counts, never message text, names, phones or emails.
    """
    entry = {"severity": severity.upper(), "message": message, "time": datetime.now(UTC).isoformat()}
    entry.update({k: v for k, v in fields.items() if v is not None})
    sys.stderr.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
    sys.stderr.flush()
