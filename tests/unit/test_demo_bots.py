"""The demo workspace in bots/: both bots load cleanly and, together, show every construct of the format."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.adapters.embedded.sqlite_document_store import SqliteDocumentStore
from shared.bots import limits
from shared.bots.answer_types import KINDS as VARIABLE_KINDS
from shared.bots.definition import Bot
from shared.bots.elements import REGISTRY
from shared.bots.engine import BotPosition, TurnContext, take_turn
from shared.bots.loader import load_bot_file
from shared.bots.matching import normalise
from shared.cli.scripts import load_script_file
from shared.ports.clock import ManualClock
from shared.workspaces.directory import WorkspaceDirectory

BOTS = Path(__file__).parent.parent.parent / "bots"
DEMO_BOTS = ("tienda", "servicos")
NOON_IN_BUENOS_AIRES = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def bots() -> dict[str, Bot]:
    return {bot_id: load_bot_file(BOTS / f"{bot_id}.yaml") for bot_id in DEMO_BOTS}


# -- walking a loaded bot -------------------------------------------------------------------------
def _nested_actions(kind: str, value: Any) -> Iterator[dict[str, Any]]:
    """Options, on_fail and on_error inside one element: mappings of actions."""
    if kind == "buttons":
        yield from _options(value["options"])
    elif kind == "carousel":
        for card in value["cards"]:
            yield from _options(card.get("buttons", []))
    elif kind == "ask" and "on_fail" in value:
        yield value["on_fail"]
    elif kind == "webhook" and "on_error" in value:
        yield value["on_error"]


def _options(options: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for option in options:
        yield option
        if "submenu" in option:
            yield from _options(option["submenu"]["options"])


def elements(bot: Bot) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """Every response element of every intent: (kind, value, the element with its when)."""
    for intent in bot.intents.values():
        for element in intent.responses:
            kind = next(k for k in element if k != "when")
            yield kind, element[kind], element


def actions(bot: Bot) -> Iterator[dict[str, Any]]:
    """Every mapping of actions: menu options (all levels), buttons, card buttons, on_fail, on_error."""
    for menu in bot.menus.values():
        yield from _options(list(menu.options))
    pending = [(kind, value) for kind, value, _ in elements(bot)]
    while pending:
        kind, value = pending.pop()
        for action in _nested_actions(kind, value):
            yield action
            pending += [(k, action[k]) for k in REGISTRY.action_names if k in action]


def every_kind(bots: dict[str, Bot]) -> set[str]:
    return {kind for bot in bots.values() for kind, _, _ in elements(bot)}


def menu_depth(options: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> int:
    return 1 + max((menu_depth(o["submenu"]["options"]) for o in options if "submenu" in o), default=0)


# -- the files load, cleanly ----------------------------------------------------------------------
def test_both_demo_bots_load_without_errors_or_warnings(bots):
    assert set(bots) == set(DEMO_BOTS)
    assert {bot_id: bot.warnings for bot_id, bot in bots.items()} == {"tienda": (), "servicos": ()}
    assert (bots["tienda"].language, bots["servicos"].language) == ("es", "pt")


def test_the_demo_folder_publishes_whole_with_a_web_chat_channel_per_bot(tmp_path):
    directory = WorkspaceDirectory(SqliteDocumentStore(tmp_path / "store.sqlite"), ManualClock(NOON_IN_BUENOS_AIRES))
    published = directory.load_folder(BOTS)
    assert sorted(bot.id for bot in published) == sorted(DEMO_BOTS)
    workspace = directory.workspace("demo")
    assert workspace.time_zone == "America/Argentina/Buenos_Aires"
    assert directory.channel("webchat", "demo-site").bot_id == "tienda"
    assert directory.channel("webchat", "demo-site-pt").bot_id == "servicos"
    assert set(directory.workspace_bots("demo")) == set(DEMO_BOTS)


# -- together they show every construct -----------------------------------------------------------
def test_together_they_use_every_response_element_kind(bots):
    assert every_kind(bots) == set(REGISTRY.names)


def test_each_bot_on_its_own_shows_the_everyday_elements(bots):
    everyday = {"text", "buttons", "carousel", "media", "go_to", "ask", "assign", "close", "tag", "send_email",
                "wait", "menu"}
    for bot_id, bot in bots.items():
        assert everyday <= every_kind({bot_id: bot}), bot_id


def test_options_and_fallbacks_run_actions_of_many_kinds(bots):
    used = {kind for bot in bots.values() for action in actions(bot) for kind in REGISTRY.action_names
            if kind in action}
    assert {"text", "media", "set", "tag", "go_to", "menu", "assign", "close"} <= used


def test_hand_offs_go_to_a_queue_an_agent_and_the_other_bot_and_back(bots):
    targets = {
        key for bot in bots.values()
        for assign in [v for k, v, _ in elements(bot) if k == "assign"] + [a["assign"] for a in actions(bot)
                                                                            if "assign" in a]
        for key in ("queue", "agent", "bot") if key in assign
    }
    assert targets == {"queue", "agent", "bot"}
    assert bots["tienda"].handover_bots == ("servicos",)
    assert bots["servicos"].handover_bots == ("tienda",)


def test_media_of_every_kind_is_shown(bots):
    kinds = {value["kind"] for bot in bots.values() for kind, value, _ in elements(bot) if kind == "media"}
    kinds |= {action["media"]["kind"] for bot in bots.values() for action in actions(bot) if "media" in action}
    assert kinds == set(limits.MEDIA_KINDS)


def test_asks_retry_and_fall_back_and_webhooks_save_and_fall_back(bots):
    asks = [value for bot in bots.values() for kind, value, _ in elements(bot) if kind == "ask"]
    assert all("retries" in ask for ask in asks)
    assert any("retry_text" in ask and "on_fail" in ask for ask in asks)
    webhooks = [value for bot in bots.values() for kind, value, _ in elements(bot) if kind == "webhook"]
    assert webhooks and all(hook["save"] and hook["on_error"] for hook in webhooks)
    assert webhooks[0]["url"] == "${local_url}/demo_api/orders/${pedido}"
    assert bots["tienda"].constants["local_url"] == "http://127.0.0.1:8080"


def test_conditions_guard_intents_response_elements_and_options(bots):
    assert any(intent.when for bot in bots.values() for intent in bot.intents.values())
    assert any("when" in element for bot in bots.values() for _, _, element in elements(bot))
    assert any("when" in action for bot in bots.values() for action in actions(bot))


def test_templates_greet_by_time_of_day_and_by_name(bots):
    texts = [value for bot in bots.values() for kind, value, _ in elements(bot) if kind == "text"]
    assert any("${greeting}" in text and "${contact.name}" in text for text in texts)


def test_menus_use_every_menu_setting_and_nest_three_levels(bots):
    menus = [menu for bot in bots.values() for menu in bot.menus.values()]
    assert {menu.numbered_emojis for menu in menus} == {True, False}
    assert all(menu.reminder_after_minutes and menu.reminder_text for menu in menus)
    assert all(menu.resolve_after_minutes and menu.farewell for menu in menus)
    assert any(menu.max_failed_attempts and menu.on_max_failed and menu.invalid_option_text for menu in menus)
    assert all(menu_depth(menu.options) == limits.MAX_MENU_DEPTH for menu in menus)
    assert all(any(o.get("back") for o in _options(list(menu.options))) for menu in menus)


def test_every_variable_type_is_declared_and_entities_have_synonyms(bots):
    kinds = {answer.kind for bot in bots.values() for answer in bot.variables.values()}
    assert kinds == set(VARIABLE_KINDS)
    assert all(entity.synonyms for bot in bots.values() for entity in bot.entities.values())


def test_both_bots_have_a_startup_a_full_not_understood_chain_and_keywords(bots):
    for bot in bots.values():
        assert bot.startup in bot.intents
        assert bot.not_understood in bot.intents
        assert bot.related_topic and bot.related_intents
        assert bot.keywords.pause_bot and bot.keywords.resume_bot and bot.keywords.human
        assert bot.keywords.human_queue != limits.DEFAULT_HUMAN_QUEUE
        assert bot.reply_delay_ms > 0 and bot.expertise


def test_the_flow_manager_routes_between_both_bots_by_expertise():
    flows = yaml.safe_load((BOTS / "flows.yaml").read_text(encoding="utf-8"))
    assert flows == {"route_by_expertise": ["tienda", "servicos"]}


# -- triggers written for people ------------------------------------------------------------------
def test_intents_have_six_to_twelve_triggers_and_no_two_intents_share_one(bots):
    for bot in bots.values():
        owner: dict[str, str] = {}
        for intent in bot.triggered_intents():
            assert 6 <= len(intent.triggers) <= 12, (bot.id, intent.name)
            for trigger in intent.triggers:
                assert owner.setdefault(normalise(trigger), intent.name) == intent.name, (bot.id, trigger)


def test_the_first_trigger_fits_on_a_suggestion_button(bots):
    # The not-understood chain offers intents as buttons titled with their first trigger.
    for bot in bots.values():
        for intent in bot.triggered_intents():
            assert len(intent.triggers[0]) <= limits.MAX_BUTTON_TITLE_CHARS, (bot.id, intent.name)


# -- what the web chat's end-to-end tests rely on -------------------------------------------------
def test_the_web_chat_demo_greets_with_two_replies_and_its_menu_leads_to_payment_methods(bots):
    position = BotPosition()
    context = TurnContext(now=NOON_IN_BUENOS_AIRES, time_zone="America/Argentina/Buenos_Aires", channel="webchat",
                          contact_name="Ana", session_timeout_s=1800, new_session_id="s1")
    greeting = take_turn(bots["tienda"], position, "hola", context)
    assert [r.kind for r in greeting.replies] == ["text", "menu"]
    assert greeting.replies[0].text.endswith("Ana! Soy Sol, la asistente virtual de Tienda Sol.")
    assert greeting.replies[1].options[0] == "Información"
    assert len(take_turn(bots["tienda"], position, "1", context).replies) == 1
    payment = take_turn(bots["tienda"], position, "Medios de pago", context)
    assert [r.text for r in payment.replies] == ["Aceptamos tarjetas, transferencia y efectivo."]


# -- the scripted conversations -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["tienda", "servicos", "handover"])
def test_the_scripted_conversations_are_valid_scripts(name):
    script = load_script_file(BOTS / "conversations" / f"{name}.yaml")
    assert script.conversations
