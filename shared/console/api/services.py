"""The use cases console_api's endpoints call, built once per instance from the ports (console_services).

An endpoint reaches nothing else: no port, no adapter, no store. Building them reads no secret and opens
no connection that a request does not need: the session key is read on the first signed-in request, and
the use cases that work with the bus, the warehouse, the stored files or the published workspaces ask
the ports for them when called (the composition root builds each adapter on first use).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from shared.agents import AgentDirectory
from shared.console.chats import AgentChats
from shared.console.contact_files import ContactFiles
from shared.console.inbox import Inbox
from shared.console.logins import Logins
from shared.console.monitor import SupervisorMonitor
from shared.console.presence import AgentPresence
from shared.console.privacy import ContactPrivacy
from shared.console.reporting import Reporting
from shared.console.sealed_secrets import SecretBox
from shared.console.session_tokens import SessionTokens
from shared.console.sign_in import SignIn
from shared.console.team_chat import TeamChat
from shared.console.tickets import TicketDesk
from shared.console.two_factor_enrolment import TwoFactorEnrolment
from shared.console.workspace_admin import WorkspaceAdmin
from shared.contacts import ContactBook
from shared.ports.context import ConsolePorts
from shared.workspaces.catalogs import MessageTemplates, PauseReasons, QuickReplies, Typifications

CONTRACT: dict[str, Any] = json.loads((Path(__file__).parents[2] / "contracts" / "console.json").read_text())
SESSION_KEY_SECRET: str = CONTRACT["session_key_secret"]
TWO_FACTOR_KEY_SECRET: str = CONTRACT["two_factor_key_secret"]
MAX_BODY_BYTES: int = CONTRACT["max_body_bytes"]
MAX_LONG_POLL_S: int = CONTRACT["max_long_poll_s"]


@dataclass(frozen=True)
class ConsoleServices:
    """console_api's collaborators, one per area of the console."""

    sign_in: SignIn
    two_factor: TwoFactorEnrolment
    logins: Logins
    agents: AgentDirectory
    presence: AgentPresence
    monitor: SupervisorMonitor
    inbox: Inbox
    chats: AgentChats
    tickets: TicketDesk
    team_chat: TeamChat
    contacts: ContactBook
    contact_files: ContactFiles
    privacy: ContactPrivacy
    reporting: Reporting
    workspace: WorkspaceAdmin
    quick_replies: QuickReplies
    pause_reasons: PauseReasons
    typifications: Typifications
    templates: MessageTemplates


def console_services(ports: ConsolePorts) -> ConsoleServices:
    """The console's use cases over ``ports`` (the composition root's platform, or a test's PortSet)."""
    store, clock = ports.store, ports.clock
    tokens = SessionTokens(lambda: ports.secrets.get(SESSION_KEY_SECRET).encode(), clock,
                           ttl=timedelta(hours=CONTRACT["session_hours"]))
    # Read only when a two-step sign-in key is sealed or opened.
    sealer = SecretBox(lambda: ports.secrets.get(TWO_FACTOR_KEY_SECRET))
    agents, contacts = AgentDirectory(store, clock), ContactBook(store, clock)
    pause_reasons, typifications = PauseReasons(store, clock), Typifications(store, clock)
    templates = MessageTemplates(store, clock)
    return ConsoleServices(
        sign_in=SignIn(store, clock, tokens, sealer), two_factor=TwoFactorEnrolment(store, clock, sealer),
        logins=Logins(store, clock), agents=agents, presence=AgentPresence(ports, agents, pause_reasons),
        monitor=SupervisorMonitor(store, clock), inbox=Inbox(store, clock), chats=AgentChats(ports, templates),
        tickets=TicketDesk(ports, typifications), team_chat=TeamChat(store, clock), contacts=contacts,
        contact_files=ContactFiles(contacts, clock), privacy=ContactPrivacy(ports), reporting=Reporting(ports),
        workspace=WorkspaceAdmin(ports, agents), quick_replies=QuickReplies(store, clock),
        pause_reasons=pause_reasons, typifications=typifications, templates=templates)
