"""An agent starts a conversation with a contact: an approved template on one of the workspace's channel
accounts, in a chat the agent holds from the first message (a ticket assigned to them directly), so the
customer's answer reaches that agent and not the bot."""

from __future__ import annotations

import re
from typing import Any

from shared.agents import AgentDirectory
from shared.agents.model import DEFAULT_QUEUE
from shared.channels.providers import phone_address_of
from shared.contacts import ContactBook
from shared.conversations.agent_messages import Author, reply_as_agent
from shared.conversations.handover import OUTREACH_REQUEST_PREFIX, agent_desk, existing_queue_or_default
from shared.conversations.model import Conversation
from shared.kernel.errors import Forbidden, InvalidInput, NotFound
from shared.messages.ids import conversation_id as conversation_id_of
from shared.messages.ids import stable_hash
from shared.messages.wire import AssignmentRequest, OutboundMessage
from shared.ports.context import ConversationPorts
from shared.ports.document_store import Transaction
from shared.workspaces.catalogs import MessageTemplates


def _address(contact: Any, channel: str) -> str:
    if channel in contact.addresses:
        return contact.addresses[channel]
    written = phone_address_of(channel)
    if written is not None and contact.phone:
        # As the channel's webhooks write a number (WhatsApp Cloud: bare digits; Twilio: with the plus).
        return written.of_phone(contact.phone)
    raise InvalidInput(f"channel: contact {contact.id!r} has no {channel} address")


def rendered(template_text: str, parameters: list[str]) -> str:
    return re.sub(r"\{\{(\d+)\}\}", lambda m: parameters[int(m.group(1)) - 1]
                  if 0 < int(m.group(1)) <= len(parameters) else m.group(0), template_text)


def start_conversation(ports: ConversationPorts, author: Author, *, contact_id: str, channel: str, account: str,
                       template: str, parameters: list[str], client_message_id: str) -> OutboundMessage:
    contact = ContactBook(ports.store, ports.clock).get(author.workspace_id, contact_id)
    if contact.blacklisted:
        raise Forbidden(f"contact {contact_id!r} is blacklisted: nothing may be sent to them")
    try:
        route = ports.directory.channel(channel, account)
    except NotFound:
        route = None
    if route is None or route.workspace_id != author.workspace_id:
        raise NotFound(f"no {channel} account {account!r} in this workspace")
    approved = MessageTemplates(ports.store, ports.clock).require(author.workspace_id, template)
    if len(parameters) != approved.parameters:
        raise InvalidInput(f"parameters: template {approved.name!r} takes {approved.parameters}, got {len(parameters)}")
    address = _address(contact, channel)
    conversation_id = conversation_id_of(author.workspace_id, channel, account, address)
    now = ports.clock.now().isoformat()

    def open_conversation(tx: Transaction) -> Conversation:
        current = Conversation.read(tx, conversation_id)
        if current is None:
            current = Conversation.start_outreach(
                conversation_id, workspace_id=author.workspace_id, channel=channel, account=account, contact=address,
                bot_id=route.bot_id, contact_id=contact.id, contact_name=contact.name, now=now)
            current.save(tx)
        return current

    existing = Conversation.read(ports.store, conversation_id)
    held = existing is not None and existing.held_by_people
    if not held:
        why = AgentDirectory(ports.store, ports.clock).agent(author.workspace_id, author.agent_id) \
            .unavailable_because()
        if why:
            raise InvalidInput(f"you are {why}: go online with a free chat slot to start a conversation")
    ports.store.run_transaction(open_conversation)
    if not held:
        request = AssignmentRequest(
            request_id=OUTREACH_REQUEST_PREFIX + stable_hash(author.workspace_id, author.agent_id, client_message_id),
            workspace_id=author.workspace_id, conversation_id=conversation_id, channel=channel,
            queue=existing_queue_or_default(ports, author.workspace_id, DEFAULT_QUEUE), agent=author.agent_id,
            requested_at=now)
        ticket = agent_desk(ports).request_assignment(request, contact=address).ticket
        if ticket is not None and ticket.agent != author.agent_id:  # lost a race for the agent's last slot
            agent_desk(ports).resolve(ticket.id, author.agent_id, "CANCELLED")
            raise InvalidInput("your last free chat slot was just taken; try again when one frees")
    payload = {"name": approved.name, "language": approved.language, "parameters": list(parameters)}
    return reply_as_agent(ports, author, conversation_id, rendered(approved.text, parameters),
                          client_message_id=client_message_id, kind="template", payload=payload)

