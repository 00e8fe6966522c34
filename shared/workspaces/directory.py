"""Workspaces, channel accounts and published bots, kept in the document store."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shared.agents.assignment import DEFAULT_EXPIRY_HOURS
from shared.bots.definition import Bot
from shared.bots.loader import load_bot
from shared.kernel.errors import BotDefinitionError, InvalidField, NotFound
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Transaction
from shared.workspaces.console_settings import checked_settings

WORKSPACES = "workspaces"
CHANNELS = "channels"
BOTS = "bots"
WORKSPACE_FILE = "workspace.yaml"
# The part of a workspace or channel document an admin changed in the console; it wins over what was published.
CONSOLE_SETTINGS = "console_settings"
FLOWS_FILE = "flows.yaml"
MAX_DOCUMENT_ID_BYTES = 1500  # Firestore's limit on a document id


@dataclass(frozen=True)
class Workspace:
    id: str
    language: str = "es"
    time_zone: str = "UTC"
    name: str = ""
    # Flow manager (flows.yaml): bots a conversation may be handed to when their expertise fits.
    expertise_bots: tuple[str, ...] = ()
    # Workspace-wide constants; they override the bots' constants of the same name.
    constants: dict[str, Any] = field(default_factory=dict)
    # A ticket still open this long after it was created is closed as EXPIRED.
    ticket_expiry_hours: float = DEFAULT_EXPIRY_HOURS
    # The plan's cap on agents online at once; None: no cap.
    max_online_agents: int | None = None
    # Retention (GDPR / LGPD): days personal data (names, phones, emails, variables, message text) and files
    # (images, audio, video, documents) are kept; None: kept until deleted on request.
    personal_data_days: int | None = None
    files_days: int | None = None
    # The plan's messages a month (both directions); None: no cap. The dashboard shows what is left.
    messages_per_month: int | None = None
    # Every console user signs in with a one-time code from an authenticator app as a second step.
    two_factor_required: bool = False
    # The logo the console shows: a data: URL of a small image (shared/workspaces/console_settings.py), or "".
    logo: str = ""


@dataclass(frozen=True)
class ChannelRoute:
    """A connected channel account and where its conversations go."""

    type: str
    account: str
    workspace_id: str
    bot_id: str
    # Credential role → secret name, where this account does not use its provider's default secret
    # (shared/contracts/channel_secrets.json), e.g. each WhatsApp number with its own access token.
    secrets: dict[str, str] = field(default_factory=dict)
    # The agents this line's hand-offs go to first (the first free of them, in their queue's round).
    agents: tuple[str, ...] = ()


def _workspace_of(workspace_id: str, stored: dict[str, Any]) -> Workspace:
    data = {**stored, **(stored.get(CONSOLE_SETTINGS) or {})}  # the console's changes win over the published
    return Workspace(id=workspace_id, language=data.get("language", "es"),
                     time_zone=data.get("time_zone", "UTC"), name=data.get("name", ""),
                     expertise_bots=tuple(data.get("expertise_bots", ())),
                     constants=dict(data.get("constants") or {}),
                     ticket_expiry_hours=float(data.get("ticket_expiry_hours", DEFAULT_EXPIRY_HOURS)),
                     max_online_agents=data.get("max_online_agents"),
                     personal_data_days=data.get("personal_data_days"), files_days=data.get("files_days"),
                     messages_per_month=data.get("messages_per_month"),
                     two_factor_required=bool(data.get("two_factor_required", False)), logo=data.get("logo", ""))


def _route_of(stored: dict[str, Any]) -> ChannelRoute:
    data = {**stored, **(stored.get(CONSOLE_SETTINGS) or {})}
    return ChannelRoute(type=data["type"], account=data["account"], workspace_id=data["workspace_id"],
                        bot_id=data["bot_id"], secrets=dict(data.get("secrets") or {}),
                        agents=tuple(data.get("agents") or ()))


def channel_doc_id(channel_type: str, account: str) -> str:
    return f"{channel_type}:{account}"


def bot_doc_id(workspace_id: str, bot_id: str) -> str:
    return f"{workspace_id}:{bot_id}"


class WorkspaceDirectory:
    """Reads and writes workspaces, channel routes and bots; caches parsed bots per version."""

    def __init__(self, store: DocumentStore, clock: Clock, models: Any = None) -> None:
        self._store = store
        self._clock = clock
        self._models = models  # trains each bot version's intent model before the bot is published
        self._bots: dict[tuple[str, str], Bot] = {}
        self._lock = threading.Lock()

    def save_workspace(self, workspace: Workspace) -> None:
        """Publish the workspace's own settings (workspace.yaml); what an admin changed in the console stays."""
        fields = {
            "language": workspace.language, "time_zone": workspace.time_zone, "name": workspace.name,
            "expertise_bots": list(workspace.expertise_bots), "constants": dict(workspace.constants),
            "ticket_expiry_hours": workspace.ticket_expiry_hours, "max_online_agents": workspace.max_online_agents,
            "personal_data_days": workspace.personal_data_days, "files_days": workspace.files_days,
            "messages_per_month": workspace.messages_per_month,
            "two_factor_required": workspace.two_factor_required, "logo": workspace.logo,
        }
        self._store.run_transaction(lambda tx: tx.set(WORKSPACES, workspace.id, {
            **fields, CONSOLE_SETTINGS: dict((tx.get(WORKSPACES, workspace.id) or {}).get(CONSOLE_SETTINGS) or {})}))

    def workspace(self, workspace_id: str) -> Workspace:
        stored = self._store.get(WORKSPACES, workspace_id)
        if stored is None:
            raise NotFound(f"workspace {workspace_id!r} does not exist")
        return _workspace_of(workspace_id, stored)

    def change_settings(self, workspace_id: str, changes: dict[str, Any]) -> Workspace:
        """Apply an admin's changes (shared.workspaces.console_settings.EDITABLE; None clears a retention limit).

        InvalidField names a bad setting and nothing changes; NotFound: no such workspace.
        """
        checked = checked_settings(changes)

        def work(tx: Transaction) -> Workspace:
            stored = tx.get(WORKSPACES, workspace_id)
            if stored is None:
                raise NotFound(f"workspace {workspace_id!r} does not exist")
            settings = {**(stored.get(CONSOLE_SETTINGS) or {}), **checked}
            tx.update(WORKSPACES, workspace_id, {CONSOLE_SETTINGS: settings})
            return _workspace_of(workspace_id, {**stored, CONSOLE_SETTINGS: settings})

        return self._store.run_transaction(work)

    def save_channel(self, route: ChannelRoute) -> None:
        """Publish a channel account's route (workspace.yaml); the console's routing of it stays."""
        key = channel_doc_id(route.type, route.account)
        fields = {"type": route.type, "account": route.account, "workspace_id": route.workspace_id,
                  "bot_id": route.bot_id, "secrets": dict(route.secrets), "agents": list(route.agents)}

        def work(tx: Transaction) -> None:
            stored = tx.get(CHANNELS, key) or {}
            # An account moved to another workspace starts over; its old workspace's routing means nothing there.
            kept = stored.get(CONSOLE_SETTINGS) if stored.get("workspace_id") == route.workspace_id else None
            tx.set(CHANNELS, key, {**fields, CONSOLE_SETTINGS: dict(kept or {})})

        self._store.run_transaction(work)

    def channel(self, channel_type: str, account: str) -> ChannelRoute:
        key = channel_doc_id(channel_type, account)
        # An id no document can have (a provider payload may name anything) is simply not connected.
        storable = "/" not in key and len(key.encode("utf-8", "surrogatepass")) <= MAX_DOCUMENT_ID_BYTES
        data = self._store.get(CHANNELS, key) if storable else None
        if data is None:
            raise NotFound(f"no {channel_type} channel account {account!r} is connected")
        return _route_of(data)

    def channels_of(self, workspace_id: str) -> list[ChannelRoute]:
        """The workspace's channel accounts, by type and account."""
        found = self._store.query(CHANNELS, [Filter("workspace_id", "==", workspace_id)])
        return sorted((_route_of(d.data) for d in found), key=lambda r: (r.type, r.account))

    def route_channel(self, workspace_id: str, channel_type: str, account: str, *, bot_id: str | None = None,
                      agents: tuple[str, ...] | None = None) -> ChannelRoute:
        """Send a channel account's conversations to another bot and/or its hand-offs to other agents.

        NotFound: the account is not connected to this workspace. InvalidField: the bot is not published
        in it (the agents are the caller's to check: the directory of agents is not this module's).
        """
        if bot_id is not None and bot_id not in self.published_bot_ids(workspace_id):
            raise InvalidField("bot", f"{bot_id!r} is not a bot published in this workspace")
        key = channel_doc_id(channel_type, account)
        changes = {**({"bot_id": bot_id} if bot_id is not None else {}),
                   **({"agents": list(agents)} if agents is not None else {})}

        def work(tx: Transaction) -> ChannelRoute:
            stored = tx.get(CHANNELS, key)
            if stored is None or stored.get("workspace_id") != workspace_id:
                raise NotFound(f"no {channel_type} channel account {account!r} is connected to this workspace")
            settings = {**(stored.get(CONSOLE_SETTINGS) or {}), **changes}
            tx.update(CHANNELS, key, {CONSOLE_SETTINGS: settings})
            return _route_of({**stored, CONSOLE_SETTINGS: settings})

        return self._store.run_transaction(work)

    def publish_bot(self, workspace_id: str, text: str, file_name: str) -> Bot:
        """Validate and publish; a bot that fails validation is never stored (the old one keeps running)."""
        bot = load_bot(text, file_name)
        if self._models is not None:
            self._models.train_and_store(workspace_id, bot)
        self._store.set(BOTS, bot_doc_id(workspace_id, bot.id), {
            "workspace_id": workspace_id, "bot_id": bot.id, "file_name": file_name, "source": text,
            "version": bot.source_hash, "published_at": self._clock.now().isoformat(),
        })
        return bot

    def bot(self, workspace_id: str, bot_id: str) -> Bot:
        data = self._store.get(BOTS, bot_doc_id(workspace_id, bot_id))
        if data is None:
            raise NotFound(f"bot {bot_id!r} is not published in workspace {workspace_id!r}")
        key = (workspace_id, bot_id)
        with self._lock:
            cached = self._bots.get(key)
        if cached is not None and cached.source_hash == data["version"]:
            return cached
        bot = load_bot(data["source"], data["file_name"])
        with self._lock:
            self._bots[key] = bot
        return bot

    def published_bot_ids(self, workspace_id: str) -> list[str]:
        published = self._store.query(BOTS, [Filter("workspace_id", "==", workspace_id)])
        return sorted(d.data["bot_id"] for d in published)

    def workspace_bots(self, workspace_id: str) -> dict[str, Bot]:
        """Every published bot of a workspace (for hand-overs and the flow manager)."""
        return {bot_id: self.bot(workspace_id, bot_id) for bot_id in self.published_bot_ids(workspace_id)}

    def first_channel_of_folder(self, folder: Path) -> ChannelRoute | None:
        """The first channel workspace.yaml connects (the local stack routes demo provider accounts like it)."""
        config = yaml.safe_load((folder / WORKSPACE_FILE).read_text(encoding="utf-8")) or {}
        channels = config.get("channels") or []
        if not channels:
            return None
        return self.channel(channels[0]["type"], str(channels[0]["account"]))

    def load_folder(self, folder: Path, constants: dict[str, Any] | None = None) -> list[Bot]:
        """Publish a folder: workspace.yaml (workspace, constants, channels), flows.yaml and one file per bot.

        ``constants`` add to (and override) workspace.yaml's, e.g. where this deployment serves an API.
        """
        workspace_file = folder / WORKSPACE_FILE
        if not workspace_file.exists():
            raise BotDefinitionError(f"{workspace_file}: missing; it names the workspace and its channels")
        config: dict[str, Any] = yaml.safe_load(workspace_file.read_text(encoding="utf-8")) or {}
        unknown = sorted(set(config) - {"workspace", "channels", "constants"})
        if unknown:
            raise BotDefinitionError(f"{WORKSPACE_FILE} {unknown[0]}: unknown key; expected workspace, channels,"
                                     " constants")
        ws = config.get("workspace") or {}
        if not isinstance(ws, dict) or not ws.get("id"):
            raise BotDefinitionError(f"{WORKSPACE_FILE}: workspace.id is required")
        flows_file = folder / FLOWS_FILE
        flows: dict[str, Any] = (yaml.safe_load(flows_file.read_text(encoding="utf-8")) or {}) if (
            flows_file.exists()) else {}
        if not isinstance(flows, dict) or set(flows) - {"route_by_expertise"}:
            raise BotDefinitionError(f"{FLOWS_FILE}: expected a mapping with route_by_expertise (a list of bot ids)")
        expiry = ws.get("ticket_expiry_hours", DEFAULT_EXPIRY_HOURS)
        if isinstance(expiry, bool) or not isinstance(expiry, int | float) or expiry <= 0:
            raise BotDefinitionError(f"{WORKSPACE_FILE} workspace.ticket_expiry_hours: expected a positive number"
                                     f" of hours, got {expiry!r}")
        for key in ("max_online_agents", "messages_per_month"):
            cap = ws.get(key)
            if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
                raise BotDefinitionError(f"{WORKSPACE_FILE} workspace.{key}: expected a whole number, at least 1,"
                                         f" got {cap!r}")
        retention = ws.get("retention") or {}
        if not isinstance(retention, dict) or set(retention) - {"personal_data_days", "files_days"}:
            raise BotDefinitionError(f"{WORKSPACE_FILE} workspace.retention: expected personal_data_days and/or"
                                     " files_days")
        for key, days in retention.items():
            if isinstance(days, bool) or not isinstance(days, int) or days < 1:
                raise BotDefinitionError(f"{WORKSPACE_FILE} workspace.retention.{key}: expected a whole number of"
                                         f" days, at least 1, got {days!r}")
        security = ws.get("security") or {}
        if not isinstance(security, dict) or set(security) - {"two_factor_required"} or not isinstance(
                security.get("two_factor_required", False), bool):
            raise BotDefinitionError(f"{WORKSPACE_FILE} workspace.security: expected two_factor_required: true or"
                                     " false")
        workspace = Workspace(id=ws["id"], language=ws.get("language", "es"),
                              time_zone=ws.get("time_zone", "UTC"), name=ws.get("name", ""),
                              expertise_bots=tuple(flows.get("route_by_expertise") or ()),
                              constants={**(config.get("constants") or {}), **(constants or {})},
                              ticket_expiry_hours=float(expiry), max_online_agents=ws.get("max_online_agents"),
                              messages_per_month=ws.get("messages_per_month"),
                              personal_data_days=retention.get("personal_data_days"),
                              files_days=retention.get("files_days"),
                              two_factor_required=security.get("two_factor_required", False))
        bots = [
            load_bot(path.read_text(encoding="utf-8"), path.name)
            for path in sorted(folder.glob("*.yaml"))
            if path.name not in (WORKSPACE_FILE, FLOWS_FILE)
        ]
        # Validate everything before writing anything: a folder publishes whole or not at all.
        known = {b.id for b in bots}
        for bot in bots:
            for target in bot.handover_bots:
                if target not in known:
                    raise BotDefinitionError(f"{bot.id}: assign.bot {target!r} is not a bot in {folder}")
        for target in workspace.expertise_bots:
            if target not in known:
                raise BotDefinitionError(f"{FLOWS_FILE} route_by_expertise: {target!r} is not a bot in {folder}")
        channels = config.get("channels") or []
        if not isinstance(channels, list):
            raise BotDefinitionError(f"{WORKSPACE_FILE} channels: expected a list of {{type, account, bot}}")
        for index, channel in enumerate(channels):
            if not isinstance(channel, dict) or not {"type", "account", "bot"} <= set(channel) or (
                    set(channel) - {"type", "account", "bot", "secrets", "agents"}):
                raise BotDefinitionError(f"{WORKSPACE_FILE} channels[{index}]: expected type, account, bot and"
                                         " optionally secrets and agents")
            agents = channel.get("agents", [])
            if not isinstance(agents, list) or not all(isinstance(a, str) and a for a in agents):
                raise BotDefinitionError(f"{WORKSPACE_FILE} channels[{index}].agents: expected a list of agent ids")
            if not isinstance(channel.get("secrets", {}), dict):
                raise BotDefinitionError(f"{WORKSPACE_FILE} channels[{index}].secrets: expected a mapping of"
                                         " credential role to secret name")
            if channel.get("bot") not in known:
                raise BotDefinitionError(
                    f"{WORKSPACE_FILE} channels[{index}].bot: {channel.get('bot')!r} is not a bot in {folder}"
                )
        self.save_workspace(workspace)
        for path in sorted(folder.glob("*.yaml")):
            if path.name not in (WORKSPACE_FILE, FLOWS_FILE):
                self.publish_bot(workspace.id, path.read_text(encoding="utf-8"), path.name)
        for channel in config.get("channels") or []:
            self.save_channel(ChannelRoute(type=channel["type"], account=str(channel["account"]),
                                           workspace_id=workspace.id, bot_id=channel["bot"],
                                           secrets={str(k): str(v) for k, v in (channel.get("secrets") or {}).items()},
                                           agents=tuple(channel.get("agents") or ())))
        return bots
