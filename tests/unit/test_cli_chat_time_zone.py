"""The terminal chat greets by the workspace's time zone, as the local stack does (issue 17, point 6): a bot file
chats in the time zone of the workspace.yaml beside it, unless --time-zone says otherwise."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from shared.cli.chat import chat_time_zone, run_chat

BOTS = Path(__file__).resolve().parent.parent.parent / "bots"
# 14:00 UTC is 11:00 in Buenos Aires: "Buenas tardes" by UTC, "Buenos días" by the workspace.
TWO_PM_UTC = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
BOT = """id: solo
name: Solo
language: es
startup: hola
topics:
  - name: general
    intents:
      - name: hola
        triggers: [hola que tal]
        responses:
          - text: "¡${greeting}!"
"""


def first_reply(bot: Path, **options) -> str:
    out = io.StringIO()
    assert run_chat(bot, out, io.StringIO("hola\n"), start=TWO_PM_UTC, **options) == 0
    lines = out.getvalue().splitlines()
    return lines[lines.index("> hola") + 1]


def test_a_bot_file_chats_in_the_time_zone_of_the_workspace_beside_it(tmp_path):
    bot = tmp_path / "solo.yaml"
    bot.write_text(BOT, encoding="utf-8")
    (tmp_path / "workspace.yaml").write_text(
        "workspace: {id: w, name: W, language: es, time_zone: America/Argentina/Buenos_Aires}\n", encoding="utf-8")
    assert first_reply(bot) == "¡Buenos días!"


def test_the_demo_bot_files_chat_in_the_demo_workspaces_time_zone():
    assert chat_time_zone(BOTS / "tienda.yaml") == chat_time_zone(BOTS / "servicos.yaml") == (
        "America/Argentina/Buenos_Aires")


def test_the_time_zone_given_wins():
    assert chat_time_zone(BOTS / "tienda.yaml", "Europe/Madrid") == "Europe/Madrid"
    assert chat_time_zone(BOTS / "tienda.yaml", "UTC") == "UTC"


def test_a_bot_file_without_a_workspace_beside_it_chats_in_utc(tmp_path):
    bot = tmp_path / "solo.yaml"
    bot.write_text(BOT, encoding="utf-8")
    assert chat_time_zone(bot) == "UTC"
    assert first_reply(bot) == "¡Buenas tardes!"


def test_a_workspace_folder_chats_in_its_own_time_zone():
    assert chat_time_zone(BOTS) == "America/Argentina/Buenos_Aires"
