"""Telegram Bot API: webhook Updates in, Bot API method calls out, error answers classified.

Pure functions only: the lead's webhook function checks the secret header, routes by the bot id in
its URL (an Update never says which bot it is for) and answers; the sender owns the HTTP client and
the token (calls go to ``{base}/bot{token}/{method}``).

Telegram reports no delivery, read or failed statuses to bots, so no "status" event is ever
produced: a send either succeeds (the Bot API answers the sent Message) or fails synchronously.

Provider message ids (dedupe keys and quote/reaction targets):
  messages        "<chat id>:<message_id>" (message ids are only unique within a chat); what
                  ``sent_message_id`` returns for our own messages, so quotes and reactions line up
  edited messages "<chat id>:<message_id>:edit:<edit_date>" (each edit is its own event)
  callback query  "callback:<callback_query.id>" (globally unique, stable across redeliveries)
  reactions and other non-message updates  "update:<update_id>" (the Bot API's own redelivery key)

Lengths are counted in UTF-16 code units, the unit the Bot API measures entities in: never fewer
than code points, so a text that fits by this count is never refused as too long.

- webhook: bot tokens, the secret header, setWebhook and the in-response webhook reply;
- inbound: webhook Updates → ProviderEvents;
- outbound: LIMITS and OutboundMessage → Bot API method calls;
- answers: the id of a sent message, getFile, and how to treat an error answer.
"""

from __future__ import annotations

from shared.channels.telegram.inbound import CHANNEL, parse_update
from shared.channels.telegram.outbound import KEYBOARD_ONLY_TEXT, LIMITS, TelegramLimits, render
from shared.channels.telegram.provider import PROVIDER
from shared.channels.telegram.send_results import error_disposition, file_path_of, get_file, sent_message_id
from shared.channels.telegram.webhook import (
    ALLOWED_UPDATES,
    SECRET_HEADER,
    bot_id_of,
    secret_token_is_valid,
    webhook_registration,
    webhook_reply,
)

__all__ = [
    "ALLOWED_UPDATES", "CHANNEL", "KEYBOARD_ONLY_TEXT", "LIMITS", "PROVIDER", "SECRET_HEADER", "TelegramLimits",
    "bot_id_of", "error_disposition", "file_path_of", "get_file", "parse_update", "render", "secret_token_is_valid",
    "sent_message_id", "webhook_registration", "webhook_reply",
]
