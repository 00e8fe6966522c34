"""What an agent does with one conversation in the console: read its whole history, open a customer's stored
file, reply (a template only if approved), write a private note, mark it read, tag it, and start one with a
contact. Who may reach which conversation is shared.conversations.access's rule, applied by each call."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared.agents.model import TICKETS, Ticket
from shared.console.inbox import summary
from shared.conversations.agent_messages import Author, add_private_note, conversation_of, mark_read, reply_as_agent
from shared.conversations.outreach import rendered, start_conversation
from shared.conversations.store_names import media_blob_prefix, messages_collection
from shared.conversations.tags import tag_conversation
from shared.kernel.errors import NotFound
from shared.messages.wire import OutboundMessage
from shared.ports.context import ConsolePorts
from shared.ports.document_store import Filter
from shared.workspaces.catalogs import MessageTemplates


@dataclass(frozen=True)
class StoredFile:
    """A customer's file as fetch_media stored it, with what the message said of it."""

    data: bytes
    mime_type: str  # as the message declared it: lower case, without parameters ("" if none)
    filename: str  # as the message named it ("" if none)


class AgentChats:
    def __init__(self, ports: ConsolePorts, templates: MessageTemplates) -> None:
        self._ports = ports
        self._templates = templates

    def history(self, author: Author, conversation_id: str) -> dict[str, Any]:
        """The whole history: every message (customer, bot, agents, notices, notes) and every ticket's timeline,
        kept across reassignments and closings."""
        data = conversation_of(self._ports, author, conversation_id)
        messages = self._ports.store.query(messages_collection(conversation_id))
        log = sorted(({"message_id": d.id, **d.data} for d in messages),
                     key=lambda m: (m.get("at", ""), m["message_id"]))
        tickets = [{"ticket_id": t.id, "status": t.status, "queue": t.queue, "agent": t.agent,
                    "created_at": t.created_at, "closed_at": t.closed_at, "typification": t.typification,
                    "timeline": list(t.history)}
                   for t in self._tickets_of(author.workspace_id, conversation_id)]
        return {**summary(conversation_id, data), "variables": (data.get("bot") or {}).get("variables") or {},
                "messages": log, "tickets": tickets}

    def stored_file(self, author: Author, conversation_id: str, message_id: str) -> StoredFile:
        """NotFound: the message has no file stored for this conversation, or it is no longer kept."""
        conversation_of(self._ports, author, conversation_id)
        entry = self._ports.store.get(messages_collection(conversation_id), message_id)
        media = ((entry or {}).get("payload") or {}).get("media") or {}
        key = media.get("blob", "") if isinstance(media, dict) else ""
        if not isinstance(key, str) or not key.startswith(media_blob_prefix(author.workspace_id, conversation_id)):
            raise NotFound(f"message {message_id!r} of this conversation has no stored file")
        try:
            data = self._ports.blobs.get(key)
        except NotFound:
            raise NotFound("the file is no longer kept (the retention policy or an erasure removed it)") from None
        declared = str(media.get("mime_type") or "").split(";")[0].strip().lower()
        return StoredFile(data=data, mime_type=declared, filename=str(media.get("filename") or ""))

    def reply(self, author: Author, conversation_id: str, text: str, *, client_message_id: str, kind: str = "text",
              payload: dict[str, Any] | None = None, quote: str = "",
              options: list[str] | None = None) -> OutboundMessage:
        """Send the customer the agent's message; a template only among the workspace's approved ones,
        whatever the client sends, rendered with its parameters."""
        if kind == "template":
            parameters = [str(p) for p in (payload or {}).get("parameters") or []]
            approved = self._templates.require(author.workspace_id, str((payload or {}).get("name", "")))
            text = rendered(approved.text, parameters)
            payload = {"name": approved.name, "language": approved.language, "parameters": parameters}
        return reply_as_agent(self._ports, author, conversation_id, text, client_message_id=client_message_id,
                              kind=kind, payload=payload, quote=quote, options=options)

    def note(self, author: Author, conversation_id: str, text: str, *, client_message_id: str) -> dict[str, Any]:
        return add_private_note(self._ports, author, conversation_id, text, client_message_id=client_message_id)

    def mark_read(self, author: Author, conversation_id: str) -> None:
        mark_read(self._ports, author, conversation_id)

    def tag(self, author: Author, conversation_id: str, tags: Iterable[str]) -> list[str]:
        return tag_conversation(self._ports, author, conversation_id, tags)

    def start(self, author: Author, *, contact_id: str, channel: str, account: str, template: str,
              parameters: list[str], client_message_id: str) -> OutboundMessage:
        """A new conversation with a contact, opened with an approved template; the chat is the author's."""
        return start_conversation(self._ports, author, contact_id=contact_id, channel=channel, account=account,
                                  template=template, parameters=parameters, client_message_id=client_message_id)

    def _tickets_of(self, workspace_id: str, conversation_id: str) -> list[Ticket]:
        docs = self._ports.store.query(TICKETS, [Filter("conversation_id", "==", conversation_id)])
        tickets = [Ticket.from_dict(d.data) for d in docs if d.data.get("workspace_id") == workspace_id]
        return sorted(tickets, key=lambda t: t.created_at)
