"""The web chat channel's codec: what a visitor's message and poll must look like, the visitor message as
an InboundMessage, and how visitors are named.

Replies live in the document store (shared/conversations/webchat_replies.py): ``webchat/{conversation}``
holds the last sequence number and ``webchat/{conversation}/replies/{message id}`` each reply, so
delivering the same outbound message twice shows it once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from shared.kernel.errors import InvalidInput
from shared.messages.ids import conversation_id, inbound_message_id
from shared.messages.wire import InboundMessage
from shared.workspaces.directory import ChannelRoute

CHANNEL = "webchat"
WEBCHAT = "webchat"
MAX_TEXT_CHARS = 4096
MAX_NAME_CHARS = 100
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def replies_collection(conversation: str) -> str:
    return f"{WEBCHAT}/{conversation}/replies"


def new_visitor_id() -> str:
    """A visitor id the server issues: 128 random bits, so that no one can guess another visitor's."""
    return "v_" + secrets.token_hex(16)


def visitor_label(visitor_id: str) -> str:
    """What agents see of a visitor in place of the id, a pseudonymous handle that must not be shown as a
    name: readable, stable per visitor, and four digits of a hash that give the id away to no one."""
    digits = int.from_bytes(hashlib.sha256(visitor_id.encode()).digest()[:4], "big") % 10_000
    return f"Visitante web {digits:04d}"


def shown_address(channel: str, address: str) -> str:
    """A conversation's address as the console shows it: a web chat visitor's is their label."""
    return visitor_label(address) if channel == CHANNEL and address else address


@dataclass(frozen=True)
class VisitorMessage:
    site: str
    visitor_id: str
    text: str
    client_message_id: str
    name: str = ""


def _site(value: Any) -> str:
    if not isinstance(value, str) or not _ACCOUNT.match(value):
        raise InvalidInput("site: expected the web chat site id (1-64 of A-Z a-z 0-9 . _ -)")
    return value


def _visitor(value: Any) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise InvalidInput("visitor_id: expected 8-64 characters of A-Z a-z 0-9 _ -")
    return value


def parse_visitor_query(site: Any, visitor_id: Any) -> tuple[str, str]:
    """Validate a poll's site and visitor_id."""
    return _site(site), _visitor(visitor_id)


def parse_visitor_message(body: Any) -> VisitorMessage:
    """Validate the widget's JSON: {"site", "visitor_id"?, "text", "message_id"?, "name"?}. Without
    visitor_id (a visitor's first message) the result's visitor_id is "": the server issues one."""
    if not isinstance(body, dict):
        raise InvalidInput("expected a JSON object with site, visitor_id and text")
    unknown = sorted(set(body) - {"site", "visitor_id", "text", "message_id", "name"})
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(unknown)}")
    site = _site(body.get("site"))
    visitor = _visitor(body["visitor_id"]) if "visitor_id" in body else ""
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text: expected a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"text: {len(text)} characters, at most {MAX_TEXT_CHARS}")
    client_id = body.get("message_id")
    if client_id is not None and (not isinstance(client_id, str) or not _IDENTIFIER.match(client_id)):
        raise InvalidInput("message_id: expected 8-64 characters of A-Z a-z 0-9 _ -")
    name = body.get("name", "")
    if not isinstance(name, str) or len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"name: expected text of at most {MAX_NAME_CHARS} characters")
    return VisitorMessage(site=site, visitor_id=visitor, text=text.strip(), client_message_id=client_id or "",
                          name=name.strip())


def to_inbound(visitor: VisitorMessage, route: ChannelRoute, provider_message_id: str, received_at: str
               ) -> InboundMessage:
    return InboundMessage(
        message_id=inbound_message_id(CHANNEL, route.account, f"{visitor.visitor_id}:{provider_message_id}"),
        provider_message_id=provider_message_id,
        workspace_id=route.workspace_id,
        channel=CHANNEL,
        account=route.account,
        contact=visitor.visitor_id,
        conversation_id=conversation_id(route.workspace_id, CHANNEL, route.account, visitor.visitor_id),
        bot_id=route.bot_id,
        kind="text",
        text=visitor.text,
        received_at=received_at,
        contact_name=visitor.name,
    )
