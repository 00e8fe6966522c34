"""Source file for functions-framework and Cloud Functions: every function by its name.

``functions-framework --target webhook_webchat`` loads this module and asks for the
attribute; it is imported on demand (PEP 562) so a function loads only its own code.
"""

from __future__ import annotations

import importlib
from typing import Any

FUNCTIONS = (
    "webhook_webchat", "webhook_whatsapp", "webhook_messenger", "webhook_instagram", "webhook_telegram",
    "webhook_twilio", "fetch_media", "resolve_intent", "send_message", "assign_agent", "export_history",
    "run_timer", "console_api", "retention_purge",
)


def __getattr__(name: str) -> Any:
    if name not in FUNCTIONS:
        raise AttributeError(f"module {__name__!r} has no function {name!r}; functions: {', '.join(FUNCTIONS)}")
    return getattr(importlib.import_module(f"functions.{name}.main"), name)


def __dir__() -> list[str]:
    return sorted(FUNCTIONS)
