"""Telegram webhook setup and checks: the bot id in a token, the secret header, setWebhook, and the
method call a webhook may answer with."""

from __future__ import annotations

import hmac
import re
from typing import Any

from shared.channels.provider_events import ApiCall
from shared.channels.telegram.outbound import LIMITS
from shared.kernel.errors import InvalidInput

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# message_reaction is not delivered unless asked for ("By default, all update types except
# chat_member, message_reaction, and message_reaction_count are received"), so registration names
# the update types we handle.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "message_reaction")

_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")


def bot_id_of(token: str) -> str:
    """The bot's id: the digits before ':' in its token (the account a webhook URL names)."""
    match = _TOKEN.match(token or "")
    if match is None:
        raise InvalidInput("bot token: expected '<bot id>:<secret>' as BotFather gives it")
    return match.group(1)


def secret_token_is_valid(header: str | None, expected: str) -> bool:
    """Whether X-Telegram-Bot-Api-Secret-Token matches, compared in constant time.

    An empty expected secret never validates: a webhook without a secret is refused, not open.
    """
    if not header or not expected:
        return False
    return hmac.compare_digest(header.encode(), expected.encode())


def webhook_registration(url: str, secret_token: str) -> ApiCall:
    """The setWebhook call that points the bot at ``url`` with the update types we parse."""
    if not url.startswith("https://"):
        raise InvalidInput("url: Telegram only delivers webhooks to https:// URLs")
    if not (_SECRET_TOKEN.match(secret_token or "") and len(secret_token) <= LIMITS.secret_token_chars):
        raise InvalidInput(f"secret_token: 1-{LIMITS.secret_token_chars} of A-Z a-z 0-9 _ -")
    return ApiCall("setWebhook", json={"url": url, "secret_token": secret_token,
                                       "allowed_updates": list(ALLOWED_UPDATES)})


def webhook_reply(update: Any) -> dict[str, Any] | None:
    """The one method call to answer the webhook with, if any.

    Telegram executes a method given in the webhook's HTTP response body; answering a callback query
    there stops the button's spinner without a request of our own.
    """
    if not isinstance(update, dict):
        return None
    query = update.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("id"), str) and query["id"]:
        return {"method": "answerCallbackQuery", "callback_query_id": query["id"]}
    return None
