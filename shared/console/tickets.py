"""What agents and supervisors do with a conversation's ticket from the console: transfer it to an agent, a
queue or back to a bot menu, close it with a typification, answer an invitation, and the supervisors' bulk
assignment and closing. The assignment rules themselves are shared.agents'; the conversation's side is
shared.conversations.handover's."""

from __future__ import annotations

from dataclasses import dataclass

from shared.agents.model import TICKETS, Ticket
from shared.agents.outcomes import AssignmentOutcome
from shared.conversations.agent_messages import Author, conversation_of
from shared.conversations.back_to_bot import return_to_bot_menu
from shared.conversations.handover import agent_desk
from shared.conversations.store_names import OPEN_TICKET
from shared.kernel.errors import Forbidden, InvalidInput, NotFound
from shared.ports.context import ConversationPorts
from shared.workspaces.catalogs import Typifications


@dataclass(frozen=True)
class BackToBot:
    """A ticket closed by sending its conversation back to a bot menu; ``replies``: the bot's messages."""

    ticket: Ticket
    menu: str
    replies: int


class TicketDesk:
    def __init__(self, ports: ConversationPorts, typifications: Typifications) -> None:
        self._ports = ports
        self._typifications = typifications

    def ticket(self, workspace_id: str, ticket_id: str) -> Ticket:
        """NotFound for an unknown ticket or another workspace's."""
        data = self._ports.store.get(TICKETS, ticket_id)
        if data is None or data.get("workspace_id") != workspace_id:
            raise NotFound(f"ticket {ticket_id!r} does not exist")
        return Ticket.from_dict(data)

    def held_open_ticket(self, author: Author, conversation_id: str) -> Ticket:
        """The conversation's open ticket, if the author may change it: its agent, or a supervisor."""
        ticket = self._open_ticket_of(author, conversation_id)
        if ticket.agent != author.agent_id and not author.supervises:
            raise Forbidden(f"ticket {ticket.id!r} is not yours; only its agent or a supervisor may change it")
        return ticket

    def transfer(self, author: Author, conversation_id: str, *, agent: str = "", queue: str = "",
                 bot_menu: str = "") -> AssignmentOutcome | BackToBot:
        """To exactly one of an agent, a queue, or a bot menu (which closes the ticket)."""
        ticket = self.held_open_ticket(author, conversation_id)
        if sum(map(bool, (agent, queue, bot_menu))) != 1:
            raise InvalidInput("give one of agent, queue or bot_menu")
        if bot_menu:
            replies = return_to_bot_menu(self._ports, author, conversation_id, bot_menu)
            return BackToBot(ticket, bot_menu, replies)
        desk = agent_desk(self._ports)
        if agent:
            return desk.transfer_to_agent(ticket.id, agent, author.agent_id)
        return desk.transfer_to_queue(ticket.id, queue, author.agent_id)

    def resolve(self, author: Author, ticket: Ticket, status: str, typification: str) -> AssignmentOutcome:
        """Close the ticket; a typification must be one of the workspace's (its name is what is kept)."""
        if typification:
            typification = self._typifications.require(author.workspace_id, typification).name
        return agent_desk(self._ports).resolve(ticket.id, author.agent_id, status, typification)

    def answer_invitation(self, author: Author, conversation_id: str, accept: bool) -> AssignmentOutcome:
        """Invite mode: the invited agent takes the chat, or passes it to the next one."""
        data = conversation_of(self._ports, author, conversation_id)
        ticket = self.ticket(author.workspace_id, data.get(OPEN_TICKET) or "-")
        if ticket.invited != author.agent_id:
            raise InvalidInput(f"ticket {ticket.id!r} has no invitation for you")
        desk = agent_desk(self._ports)
        if accept:
            return desk.accept_invitation(ticket.id, author.agent_id)
        return desk.decline_invitation(ticket.id, author.agent_id)

    def assign(self, author: Author, ticket_id: str, agent: str) -> AssignmentOutcome:
        """A supervisor hands a ticket of their workspace to an agent."""
        ticket = self.ticket(author.workspace_id, ticket_id)
        return agent_desk(self._ports).transfer_to_agent(ticket.id, agent, author.agent_id)

    def _open_ticket_of(self, author: Author, conversation_id: str) -> Ticket:
        data = conversation_of(self._ports, author, conversation_id)
        ticket_id = data.get(OPEN_TICKET)
        if not ticket_id:
            raise InvalidInput(f"conversation {conversation_id!r} has no open ticket")
        return self.ticket(author.workspace_id, ticket_id)
