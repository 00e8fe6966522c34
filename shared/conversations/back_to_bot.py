"""An agent gives the customer back to the bot at one of its menus: the ticket closes and the bot shows the menu."""

from __future__ import annotations

from shared.bots.engine import BotPosition, TurnContext, back_from_people
from shared.conversations.agent_messages import Author, held_ticket
from shared.conversations.handover import agent_desk
from shared.conversations.model import Conversation
from shared.conversations.processed import already_processed, mark_processed, marker_id
from shared.conversations.turns import TurnOrigin, stage_turn
from shared.events.outbox import Outbox
from shared.kernel.errors import InvalidInput
from shared.messages.ids import stable_hash
from shared.ports.context import ConversationPorts
from shared.ports.document_store import Transaction

FUNCTION = "console_api"
BACK_TO_BOT = "bot"  # the typification of a ticket closed by handing the customer back to the bot


def return_to_bot_menu(ports: ConversationPorts, author: Author, conversation_id: str, menu: str) -> int:
    """Close the conversation's ticket and show ``menu`` of the bot in charge; returns the replies staged."""
    ticket = held_ticket(ports, author, conversation_id)
    conversation = Conversation.read(ports.store, conversation_id) or Conversation(conversation_id)
    position = BotPosition.from_dict(conversation.bot)
    bot = ports.directory.bot(author.workspace_id, position.bot_id or conversation.bot_id)
    if menu not in bot.menus:
        raise InvalidInput(f"menu: bot {bot.id!r} has no menu {menu!r}; its menus: {', '.join(sorted(bot.menus))}")
    agent_desk(ports).resolve(ticket.id, author.agent_id, typification=BACK_TO_BOT)
    workspace = ports.directory.workspace(author.workspace_id)
    outbox = Outbox(ports.store, ports.bus, ports.clock, ports.scheduler)
    key = f"back_to_bot:{ticket.id}"
    marker = marker_id(FUNCTION, key)

    def turn(tx: Transaction) -> int:
        if already_processed(tx, marker):
            return 0
        current = Conversation.read(tx, conversation_id) or conversation
        now = ports.clock.now()
        context = TurnContext(now=now, time_zone=workspace.time_zone, channel=current.channel,
                              contact_name=current.contact_name or "",
                              session_timeout_s=ports.settings.session_timeout_s,
                              new_session_id=f"ss_{stable_hash(conversation_id, key)}",
                              workspace_constants=workspace.constants)
        outcome = back_from_people(bot, BotPosition.from_dict(current.bot), menu, context)
        origin = TurnOrigin(key=key, function=FUNCTION, conversation_id=conversation_id,
                            workspace_id=author.workspace_id, channel=current.channel, account=current.account,
                            contact=current.contact)
        replies = stage_turn(tx, outbox, origin, current, outcome, now,
                             session_timeout_s=ports.settings.session_timeout_s)
        mark_processed(tx, marker, conversation_id, now)
        return replies

    replies = ports.store.run_transaction(turn)
    outbox.flush(conversation_id)
    return replies
