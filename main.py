"""Source file for functions-framework and Cloud Functions: every function by its name.

``functions-framework --target webhook_webchat`` loads this module and asks for the
attribute; it is imported on demand (PEP 562) so a function loads only its own code. The provider
webhooks are the providers table's (shared/channels/providers.py), read only when one is asked for.
"""

from __future__ import annotations

import importlib
from typing import Any

# The functions besides the provider webhooks.
OWN_FUNCTIONS = (
    "webhook_webchat", "fetch_media", "resolve_intent", "send_message", "assign_agent", "export_history",
    "run_timer", "console_api", "retention_purge",
)


def _functions() -> tuple[str, ...]:
    from shared.channels.providers import WEBHOOK_FUNCTIONS

    return (*OWN_FUNCTIONS[:1], *WEBHOOK_FUNCTIONS, *OWN_FUNCTIONS[1:])


def __getattr__(name: str) -> Any:
    if name == "FUNCTIONS":
        return _functions()
    if name not in OWN_FUNCTIONS and name not in (functions := _functions()):
        raise AttributeError(f"module {__name__!r} has no function {name!r}; functions: {', '.join(functions)}")
    return getattr(importlib.import_module(f"functions.{name}.main"), name)


def __dir__() -> list[str]:
    return sorted(_functions())
