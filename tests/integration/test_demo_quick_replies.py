"""The demo team's quick replies say what the demo bot says (issue 17, point 6): an agent's "/envios" and the bot's
shipping answer tell the customer the same thing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from charla_local.demo_team import seed_demo_team
from shared.adapters.embedded.sqlite_document_store import SqliteDocumentStore
from shared.bots.loader import load_bot_file
from shared.bots.templates import render
from shared.ports.clock import ManualClock
from shared.ports.context import PortSet
from shared.workspaces.catalogs import QuickReplies

TIENDA = load_bot_file(Path(__file__).resolve().parent.parent.parent / "bots" / "tienda.yaml")


def bot_says(intent: str) -> str:
    """The text of the intent's first reply, with the bot's constants; emojis aside."""
    text = render(TIENDA.intents[intent].responses[0]["text"], TIENDA.constants, TIENDA.language)
    return text.rstrip(" 🚚")


def test_the_envios_quick_reply_says_what_the_bot_answers_about_shipping(tmp_path):
    ports = PortSet(store=SqliteDocumentStore(tmp_path / "state.sqlite3"), clock=ManualClock(datetime(2026, 3, 2,
                                                                                                       tzinfo=UTC)))
    seed_demo_team(ports, "demo", {})
    envios = next(r for r in QuickReplies(ports.store, ports.clock).list("demo") if r.shortcut == "envios")
    assert envios.text == bot_says("envios")
