"""The workspace as the console sees it: its branding and settings, its channel accounts and where they
route, and whom a chat can be transferred to (agents, queues, each published bot's menus)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.agents import AgentDirectory
from shared.kernel.errors import InvalidField
from shared.ports.context import ConversationPorts
from shared.workspaces.directory import ChannelRoute, Workspace


class WorkspaceAdmin:
    def __init__(self, ports: ConversationPorts, agents: AgentDirectory) -> None:
        self._ports = ports  # its directory (the published workspaces and bots) is built on first use
        self._agents = agents

    def workspace(self, workspace_id: str) -> Workspace:
        return self._ports.directory.workspace(workspace_id)

    def change_settings(self, workspace_id: str, changes: dict[str, Any]) -> Workspace:
        return self._ports.directory.change_settings(workspace_id, changes)

    def channels(self, workspace_id: str) -> list[ChannelRoute]:
        return self._ports.directory.channels_of(workspace_id)

    def route_channel(self, workspace_id: str, channel_type: str, account: str, *, bot_id: str | None = None,
                      agents: Sequence[str] | None = None) -> ChannelRoute:
        """Send a channel account's conversations to a bot and/or its hand-offs to agents of the workspace
        (InvalidField names one that is not)."""
        if agents is not None:
            known = {a.id for a in self._agents.agents_of(workspace_id)}
            for index, agent_id in enumerate(agents):
                if agent_id not in known:
                    raise InvalidField(f"agents[{index}]", f"{agent_id!r} is not a user of this workspace")
        return self._ports.directory.route_channel(
            workspace_id, channel_type, account, bot_id=bot_id,
            agents=None if agents is None else tuple(dict.fromkeys(agents)))

    def bot_menus(self, workspace_id: str) -> dict[str, list[str]]:
        """Each published bot's menus, by bot id (a chat can go back to one)."""
        bots = self._ports.directory.workspace_bots(workspace_id)
        return {bot_id: sorted(bot.menus) for bot_id, bot in sorted(bots.items())}
