"""The inbox and one conversation: history, replies, notes, tags, transfer and resolve; bulk for supervisors."""

from __future__ import annotations

from typing import Any

from shared.agents.model import TICKET_STATUSES, Ticket
from shared.agents.tickets import CLOSING_STATUSES
from shared.bots.limits import MAX_BUTTON_OPTIONS, MAX_BUTTON_TITLE_CHARS
from shared.console.api.fields import MAX_ID_CHARS, NOT_BLANK, ONE_LINE, Field, stored_id, text
from shared.console.api.routing import AGENT, SUPERVISOR, Call, Reply, Route
from shared.console.api.services import MAX_LONG_POLL_S
from shared.console.inbox import MAX_PAGE, VIEWS, InboxQuery
from shared.console.tickets import BackToBot
from shared.conversations.agent_messages import MAX_TEXT_CHARS, REPLY_KINDS
from shared.kernel.errors import InvalidInput, NotFound
from shared.kernel.limits import MAX_TAG_CHARS, MAX_TAGS, MAX_TEMPLATE_PARAMETER_CHARS, MAX_TEMPLATE_PARAMETERS
from shared.messages.media_types import type_is_accepted


def inbox(call: Call) -> dict[str, Any]:
    q = call.query
    query = InboxQuery(view=q.get("view", "assigned"), tag=q.get("tag", ""), variable=q.get("variable", ""),
                       agent=q.get("agent", ""), channel=q.get("channel", ""), ticket_status=q.get("ticket_status", ""),
                       updated_from=q.get("from", ""), updated_to=q.get("to", ""), search=q.get("search", ""),
                       since=q.get("since", ""), limit=q.get("limit", 50))
    box = call.services.inbox
    author = call.author()
    wait = min(float(q.get("wait", 0)), MAX_LONG_POLL_S)
    if wait > 0 and query.since:
        return box.wait_for_changes(call.workspace_id, author.agent_id, author.supervises, query, wait)
    return box.list(call.workspace_id, author.agent_id, author.supervises, query)


# Served for the console to show inline; anything else is a download, so a customer's HTML or SVG never
# runs as a page of the console's origin.
PREVIEWABLE = ("image/png", "image/jpeg", "image/gif", "image/webp", "audio/*", "video/*", "application/pdf")


def stored_media(call: Call) -> Reply:
    """A customer's file as fetch_media stored it (the provider's own link expires or needs its credentials)."""
    message_id = call.params["message_id"]
    file = call.services.chats.stored_file(call.author(), call.params["conversation_id"], message_id)
    inline = type_is_accepted(file.mime_type, PREVIEWABLE)
    filename = "".join(c for c in (file.filename or message_id) if c.isalnum() or c in "._- ")[:100]
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": "sandbox; default-src 'none'",
               "Content-Disposition": "inline" if inline else f'attachment; filename="{filename or "file"}"'}
    return Reply(body=file.data, content_type=file.mime_type if inline else "application/octet-stream",
                 headers=headers)


def conversation(call: Call) -> dict[str, Any]:
    """The whole history: every message (customer, bot, agents, notices, notes) and every ticket's timeline,
    kept across reassignments and closings."""
    return call.services.chats.history(call.author(), call.params["conversation_id"])


def reply(call: Call) -> dict[str, Any]:
    b = call.body
    message = call.services.chats.reply(call.author(), call.params["conversation_id"], b.get("text", ""),
                                        client_message_id=b["client_message_id"], kind=b.get("kind", "text"),
                                        payload=b.get("payload"), quote=b.get("quote", ""),
                                        options=b.get("options"))
    return {"message_id": message.message_id, "created_at": message.created_at, "kind": message.kind,
            "text": message.text}


def note(call: Call) -> dict[str, Any]:
    return call.services.chats.note(call.author(), call.params["conversation_id"], call.body["text"],
                                    client_message_id=call.body["client_message_id"])


def read(call: Call) -> dict[str, Any]:
    call.services.chats.mark_read(call.author(), call.params["conversation_id"])
    return {"unread": 0}


def set_tags(call: Call) -> dict[str, Any]:
    """The conversation's tags, kept in the bot's position too, so the next bot turn keeps them."""
    return {"tags": call.services.chats.tag(call.author(), call.params["conversation_id"], call.body["tags"])}


def transfer(call: Call) -> dict[str, Any]:
    b = call.body
    outcome = call.services.tickets.transfer(call.author(), call.params["conversation_id"], agent=b.get("agent", ""),
                                             queue=b.get("queue", ""), bot_menu=b.get("bot_menu", ""))
    if isinstance(outcome, BackToBot):
        return {"ticket_id": outcome.ticket.id, "agent": "", "queue": "", "status": "RESOLVED",
                "bot_menu": outcome.menu, "replies": outcome.replies}
    return {"ticket_id": outcome.ticket.id, "agent": outcome.ticket.agent, "queue": outcome.ticket.queue,
            "status": outcome.ticket.status}


def _resolve(call: Call, ticket: Ticket, status: str, typification: str) -> dict[str, Any]:
    outcome = call.services.tickets.resolve(call.author(), ticket, status, typification)
    return {"ticket_id": ticket.id, "status": outcome.ticket.status, "typification": outcome.ticket.typification}


def resolve(call: Call) -> dict[str, Any]:
    ticket = call.services.tickets.held_open_ticket(call.author(), call.params["conversation_id"])
    return _resolve(call, ticket, call.body.get("status", "RESOLVED"), call.body.get("typification", ""))


def answer_invitation(call: Call) -> dict[str, Any]:
    """Invite mode: the invited agent takes the chat, or passes it to the next one."""
    outcome = call.services.tickets.answer_invitation(call.author(), call.params["conversation_id"],
                                                      call.body["accept"])
    return {"ticket_id": outcome.ticket.id, "agent": outcome.ticket.agent, "invited": outcome.ticket.invited}


def bulk_assign(call: Call) -> dict[str, Any]:
    results = []
    for ticket_id in call.body["ticket_ids"]:
        try:
            outcome = call.services.tickets.assign(call.author(), ticket_id, call.body["agent"])
            results.append({"ticket_id": ticket_id, "assigned": True, "agent": outcome.ticket.agent})
        except (InvalidInput, NotFound) as exc:
            results.append({"ticket_id": ticket_id, "assigned": False, "reason": str(exc)})
    return {"results": results}


def bulk_resolve(call: Call) -> dict[str, Any]:
    results = []
    for ticket_id in call.body["ticket_ids"]:
        try:
            ticket = call.services.tickets.ticket(call.workspace_id, ticket_id)
            results.append({**_resolve(call, ticket, call.body.get("status", "RESOLVED"),
                                       call.body.get("typification", "")), "resolved": True})
        except (InvalidInput, NotFound) as exc:
            results.append({"ticket_id": ticket_id, "resolved": False, "reason": str(exc)})
    return {"results": results}


CLIENT_ID = Field("string", required=True, min_length=1, max_length=100,
                  description="the client's own id for this message: a retried request sends nothing twice")
CLOSING = {"status": Field("string", enum=CLOSING_STATUSES, description="RESOLVED unless said otherwise"),
           "typification": text(100, description="one of the workspace's typifications")}
TICKET_IDS = Field("array", required=True, items=stored_id(), min_length=1, max_length=100)
CONVERSATION = {"conversation_id": stored_id()}
# A transfer names exactly one of an agent, a queue or a bot menu ("" or null: not named).
ONE_TARGET = {"oneOf": [{"required": [name], "properties": {name: {"type": "string", "minLength": 1}}}
                        for name in ("agent", "queue", "bot_menu")]}
# What each kind of reply needs (shared/conversations/agent_messages.py): text its words, media an https file,
# a template its approved name and language.
_KIND = {"kind": {"enum": ["media", "buttons", "template"]}}
REPLY_RULES = (
    {"if": {"required": ["kind"], "properties": _KIND},
     "else": {"required": ["text"], "properties": {"text": {"type": "string", "pattern": f"^(?:{NOT_BLANK})$"}}}},
    {"if": {"required": ["kind"], "properties": {"kind": {"const": "media"}}},
     "then": {"required": ["payload"], "properties": {"payload": {"type": "object", "required": ["url"]}}}},
    {"if": {"required": ["kind"], "properties": {"kind": {"const": "template"}}},
     "then": {"required": ["payload"], "properties": {"payload": {
         "type": "object", "required": ["name", "language"],
         "properties": {"name": {"type": "string", "minLength": 1}, "language": {"type": "string", "minLength": 1}}}}}},
)
TAGS = Field("array", required=True, items=Field("string", max_length=MAX_TAG_CHARS, pattern=ONE_LINE),
             max_length=MAX_TAGS, description="blank ones are dropped, repeated ones kept once")
REPLY_PAYLOAD = Field("object", description="media: {url, media_type, caption, filename}; template: {name,"
                                            " parameters}", properties={
    "url": Field("string", max_length=2048, pattern=r"https://\S+", description="the file to send (https)"),
    "media_type": Field("string", max_length=100), "caption": Field("string", max_length=1024),
    "filename": Field("string", max_length=200), "name": Field("string", max_length=80),
    "language": Field("string", max_length=20),
    "parameters": Field("array", items=Field("string", max_length=MAX_TEMPLATE_PARAMETER_CHARS),
                        max_length=MAX_TEMPLATE_PARAMETERS, description="the template's {{1}}, {{2}}... in order")})

ROUTES = [
    Route("GET", "/inbox", AGENT, "Conversations assigned, queued or (supervisors) all, filtered; long-poll with"
          " since and wait", inbox, tag="inbox",
          query={"view": Field("string", enum=VIEWS), "tag": Field("string"),
                 "variable": Field("string", pattern=r"[^=]*=[\s\S]*", pattern_says="written name=value"),
                 "agent": Field("string"), "channel": Field("string"),
                 "ticket_status": Field("string", enum=TICKET_STATUSES),
                 "from": Field("string"), "to": Field("string"), "search": Field("string"),
                 "since": Field("string", description="the cursor of a previous answer"),
                 "wait": Field("integer", minimum=0, maximum=MAX_LONG_POLL_S,
                               description="seconds to wait for a change"),
                 "limit": Field("integer", minimum=1, maximum=MAX_PAGE)}),
    Route("GET", "/conversations/{conversation_id}", AGENT, "A conversation's whole history", conversation,
          tag="conversations", params=CONVERSATION),
    Route("GET", "/conversations/{conversation_id}/media/{message_id}", AGENT, "A customer's file, as stored",
          stored_media, tag="conversations", produces="application/octet-stream",
          params={**CONVERSATION, "message_id": stored_id()}),
    Route("POST", "/conversations/{conversation_id}/replies", AGENT, "Reply to the customer", reply,
          body={"text": Field("string", max_length=MAX_TEXT_CHARS), "kind": Field("string", enum=REPLY_KINDS),
                "payload": REPLY_PAYLOAD,
                "options": Field("array", items=Field("string", max_length=MAX_BUTTON_TITLE_CHARS),
                                 max_length=MAX_BUTTON_OPTIONS, description="buttons: their titles"),
                "quote": Field("string", max_length=MAX_ID_CHARS,
                               description="the id of the customer message answered"),
                "client_message_id": CLIENT_ID}, tag="conversations", params=CONVERSATION, body_rules=REPLY_RULES),
    Route("POST", "/conversations/{conversation_id}/notes", AGENT, "A private note, never sent to the customer", note,
          body={"text": text(MAX_TEXT_CHARS, required=True), "client_message_id": CLIENT_ID},
          tag="conversations", params=CONVERSATION),
    Route("POST", "/conversations/{conversation_id}/read", AGENT, "Mark the conversation read", read,
          tag="conversations", params=CONVERSATION),
    Route("PUT", "/conversations/{conversation_id}/tags", AGENT, "Set the conversation's tags", set_tags,
          body={"tags": TAGS}, tag="conversations", params=CONVERSATION),
    Route("POST", "/conversations/{conversation_id}/transfer", AGENT, "Transfer to an agent or a queue", transfer,
          body={"agent": Field("string", max_length=100), "queue": Field("string", max_length=100),
                "bot_menu": Field("string", max_length=100, description="close the ticket; the bot shows this menu")},
          tag="conversations", params=CONVERSATION, body_rules=(ONE_TARGET,), body_required=True),
    Route("POST", "/conversations/{conversation_id}/resolve", AGENT, "Close the ticket; the bot takes over again",
          resolve, body=CLOSING, tag="conversations", params=CONVERSATION),
    Route("POST", "/conversations/{conversation_id}/invitation", AGENT, "Accept or decline the chat offered to you",
          answer_invitation, body={"accept": Field("boolean", required=True)}, tag="conversations",
          params=CONVERSATION),
    Route("POST", "/tickets/bulk_assign", SUPERVISOR, "Assign several tickets to one agent", bulk_assign,
          body={"ticket_ids": TICKET_IDS, "agent": stored_id(required=True)}, tag="conversations"),
    Route("POST", "/tickets/bulk_resolve", SUPERVISOR, "Close several tickets", bulk_resolve,
          body={"ticket_ids": TICKET_IDS, **CLOSING}, tag="conversations"),
]
