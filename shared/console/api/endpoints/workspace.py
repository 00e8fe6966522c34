"""The workspace: its name and logo for everyone, its settings and channel routing for admins, and the
directory of agents, queues and bot menus an agent picks from to transfer a chat."""

from __future__ import annotations

from typing import Any

from shared.console.api.fields import TIME_ZONE, Field, stored_id, text
from shared.console.api.routing import ADMIN, AGENT, Call, Route
from shared.contacts.model import CHANNEL_NAME_PATTERN
from shared.workspaces.console_settings import (
    LANGUAGES,
    LOGO_PATTERN,
    LOGO_TYPES,
    MAX_EXPIRY_HOURS,
    MAX_LOGO_BYTES,
    MAX_LOGO_CHARS,
    MAX_NAME_LENGTH,
)
from shared.workspaces.directory import ChannelRoute, Workspace


def _branding(workspace: Workspace) -> dict[str, Any]:
    return {"id": workspace.id, "name": workspace.name, "language": workspace.language,
            "time_zone": workspace.time_zone, "logo": workspace.logo}


def _settings(workspace: Workspace) -> dict[str, Any]:
    return {**_branding(workspace), "ticket_expiry_hours": workspace.ticket_expiry_hours,
            "personal_data_days": workspace.personal_data_days, "files_days": workspace.files_days,
            "two_factor_required": workspace.two_factor_required,
            "max_online_agents": workspace.max_online_agents, "messages_per_month": workspace.messages_per_month}


def _channel(route: ChannelRoute) -> dict[str, Any]:
    # Secret names stay out: they say where credentials live, which is the operator's business.
    return {"type": route.type, "account": route.account, "bot": route.bot_id, "agents": list(route.agents)}


def branding(call: Call) -> dict[str, Any]:
    return _branding(call.services.workspace.workspace(call.workspace_id))


def settings(call: Call) -> dict[str, Any]:
    return _settings(call.services.workspace.workspace(call.workspace_id))


def change_settings(call: Call) -> dict[str, Any]:
    return _settings(call.services.workspace.change_settings(call.workspace_id, call.body))


def channels(call: Call) -> dict[str, Any]:
    return {"channels": [_channel(r) for r in call.services.workspace.channels(call.workspace_id)]}


def route_channel(call: Call) -> dict[str, Any]:
    route = call.services.workspace.route_channel(
        call.workspace_id, call.params["channel_type"], call.params["account"], bot_id=call.body.get("bot"),
        agents=call.body.get("agents"))
    return _channel(route)


def team_directory(call: Call) -> dict[str, Any]:
    """Whom a chat can go to: enabled agents, queues, and each published bot's menus."""
    agents = [{"id": a.id, "name": a.name, "status": a.status}
              for a in call.services.agents.agents_of(call.workspace_id) if a.enabled]
    queues = [{"name": q.name} for q in call.services.agents.queues_of(call.workspace_id)]
    menus = call.services.workspace.bot_menus(call.workspace_id)
    return {"agents": agents, "queues": queues, "bots": [{"id": bot_id, "menus": m} for bot_id, m in menus.items()]}


_DAYS = "days {} are kept; null keeps them until erased on request"
SETTINGS_FIELDS = {
    "name": text(MAX_NAME_LENGTH),
    "language": Field("string", enum=LANGUAGES, description="the bots' and notices' default language"),
    "time_zone": Field("string", format=TIME_ZONE, description="IANA time zone, e.g. America/Sao_Paulo"),
    "logo": Field("string", max_length=MAX_LOGO_CHARS, pattern=f"(?:{LOGO_PATTERN})?",
                  pattern_checked_by_use_case=True,
                  description=f"a base64 data: URL of {', '.join(LOGO_TYPES)} up to {MAX_LOGO_BYTES // 1024} KiB;"
                              " \"\" removes it"),
    "ticket_expiry_hours": Field("number", minimum=1, maximum=MAX_EXPIRY_HOURS,
                                 description="a ticket still open this long is closed as EXPIRED"),
    "personal_data_days": Field("integer", minimum=1, nullable=True,
                                description=_DAYS.format("names, phones, message texts and variables")),
    "files_days": Field("integer", minimum=1, nullable=True, description=_DAYS.format("images, audio and documents")),
    "two_factor_required": Field("boolean", description="every user signs in with an authenticator app's code"),
}

ROUTES = [
    Route("GET", "/workspace", AGENT, "The workspace's name, language, time zone and logo", branding,
          tag="workspace"),
    Route("GET", "/workspace/settings", ADMIN, "The workspace's settings, retention, security and plan caps",
          settings, tag="workspace"),
    Route("PUT", "/workspace/settings", ADMIN, "Change the workspace's settings, retention and security",
          change_settings, body=SETTINGS_FIELDS, tag="workspace"),
    Route("GET", "/channels", AGENT, "The workspace's channel accounts and where they route", channels,
          tag="workspace"),
    Route("PUT", "/channels/{channel_type}/{account}", ADMIN, "Route a channel account to a bot and its agents",
          route_channel, body={"bot": stored_id("a published bot's id", max_length=100),
                               "agents": Field("array", items=stored_id(), max_length=100,
                                               description="the agents this line's hand-offs go to first")},
          tag="workspace", params={"channel_type": Field("string", required=True, pattern=CHANNEL_NAME_PATTERN),
                                   "account": stored_id()}),
    Route("GET", "/directory", AGENT, "Agents, queues and bot menus a chat can be transferred to", team_directory,
          tag="workspace"),
]
