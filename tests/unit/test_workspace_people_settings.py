"""workspace.yaml's settings for people: ticket expiry, the plan's cap on agents online, and each channel
line's own agents; wrong values are refused naming the key, and nothing is published."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shared.bootstrap import Platform
from shared.kernel.errors import BotDefinitionError, NotFound
from shared.kernel.settings import Settings

BOTS = Path(__file__).resolve().parents[2] / "bots"


def folder(tmp_path: Path, workspace: str, channel: str = "") -> Path:
    target = tmp_path / "bots"
    target.mkdir()
    for bot in ("tienda.yaml", "servicos.yaml"):
        shutil.copy(BOTS / bot, target / bot)
    (target / "workspace.yaml").write_text(
        f"workspace: {{id: ws1, {workspace}}}\nchannels:\n  - {{type: webchat, account: site, bot: tienda{channel}}}\n")
    return target


@pytest.fixture
def platform(tmp_path):
    platform = Platform(Settings(backend="embedded", data_dir=tmp_path / "data"))
    yield platform
    platform.close()


def test_the_settings_are_published_with_the_workspace_and_its_lines(platform, tmp_path):
    platform.directory.load_folder(folder(
        tmp_path, "ticket_expiry_hours: 24, max_online_agents: 5, retention: {personal_data_days: 365, files_days: 90},"
                  " security: {two_factor_required: true}",
        ", agents: [ana, beto]"))
    workspace = platform.directory.workspace("ws1")
    assert (workspace.ticket_expiry_hours, workspace.max_online_agents) == (24.0, 5)
    assert (workspace.personal_data_days, workspace.files_days) == (365, 90)
    assert workspace.two_factor_required is True
    assert platform.directory.channel("webchat", "site").agents == ("ana", "beto")


@pytest.mark.parametrize(("workspace", "channel", "message"), [
    ("ticket_expiry_hours: 0", "", "workspace.ticket_expiry_hours: expected a positive number"),
    ("ticket_expiry_hours: soon", "", "workspace.ticket_expiry_hours"),
    ("max_online_agents: 0", "", "workspace.max_online_agents: expected a whole number"),
    ("max_online_agents: 2.5", "", "workspace.max_online_agents"),
    ("language: es", ", agents: ana", "channels[0].agents: expected a list of agent ids"),
    ("retention: {personal_data_days: 0}", "", "workspace.retention.personal_data_days: expected a whole number"),
    ("retention: {keep: 3}", "", "workspace.retention: expected personal_data_days"),
    ("security: {two_factor_required: sometimes}", "", "workspace.security: expected two_factor_required"),
    ("security: {passwords: strong}", "", "workspace.security: expected two_factor_required"),
])
def test_wrong_values_are_refused_naming_the_key_and_nothing_is_published(platform, tmp_path, workspace, channel,
                                                                          message):
    with pytest.raises(BotDefinitionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        platform.directory.load_folder(folder(tmp_path, workspace, channel))
    with pytest.raises(NotFound):
        platform.directory.workspace("ws1")
