"""The bot-file vocabulary has one source, the element registry (shared/bots/elements/): every registered
element is accepted by the loader, documented in docs/bot-format.md and run by the engine, and an element
registered beside them is loaded, checked with line-precise errors and run without touching either; each
kind of effect the elements ask for has its stager on the conversation's side."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.bots.elements import REGISTRY, ElementRegistry
from shared.bots.elements.base import Checker, Element, Resume, Turn
from shared.bots.engine import BotPosition, TurnContext, take_turn
from shared.bots.loader import load_bot
from shared.conversations.bot_effects import STAGERS, EffectOrigin, stage_effect
from shared.kernel.errors import BotDefinitionError

DOCS = Path(__file__).parents[2] / "docs" / "bot-format.md"
NOON_IN_BUENOS_AIRES = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ORIGIN = EffectOrigin(key="m1:effect:0", turn_key="m1", workspace_id="w", conversation_id="c", channel="webchat",
                      session_id="s1", now=NOON_IN_BUENOS_AIRES)

# A value of each element that checks clean in the probe bot below (go_to and menu name its intent and menu).
EXAMPLES: dict[str, Any] = {
    "text": "Hola",
    "buttons": {"text": "Elegí", "options": [{"title": "Uno", "text": "uno"}]},
    "carousel": {"cards": [{"title": "Remera", "buttons": [{"title": "Comprar", "text": "ok"}]}]},
    "media": {"kind": "image", "url": "https://example.com/remera.png"},
    "location": {"latitude": -34.6, "longitude": -58.4, "name": "Tienda"},
    "go_to": "otro",
    "menu": "principal",
    "ask": {"variable": "respuesta", "text": "¿Qué talle?"},
    "assign": {"queue": "ventas"},
    "mute_bot": {"minutes": 5},
    "close": None,
    "tag": "vip",
    "set": {"variable": "respuesta", "value": "M"},
    "send_email": {"to": "ventas@example.com", "subject": "Pedido", "body": "Un pedido"},
    "webhook": {"url": "https://example.com/api"},
    "wait": 1,
}


def probe_bot(elements: list[tuple[str, Any]], *, option_action: tuple[str, Any] | None = None,
              registry: ElementRegistry = REGISTRY) -> Any:
    """A bot whose startup intent runs ``elements`` then says "después"; its menu's option runs
    ``option_action`` (or a text)."""
    responses = "".join(f"          - {json.dumps({name: value}, ensure_ascii=False)}\n" for name, value in elements)
    action = dict([option_action]) if option_action else {"text": "uno"}
    return load_bot(f"""\
id: probe
name: Probe
language: es
startup: inicio
variables:
  - {{name: respuesta, type: text}}
topics:
  - name: general
    intents:
      - name: inicio
        responses:
{responses}          - text: "después"
      - name: otro
        triggers: [quiero otra cosa, otra cosa por favor]
        responses:
          - text: "otro"
menus:
  - name: principal
    header: "Elegí"
    options:
      - {json.dumps({"title": "Uno", **action}, ensure_ascii=False)}
""", "probe.yaml", registry)


def first_turn(bot: Any, registry: ElementRegistry = REGISTRY) -> dict[str, Any]:
    """What the startup turn did, comparable as plain data."""
    context = TurnContext(now=NOON_IN_BUENOS_AIRES, time_zone="America/Argentina/Buenos_Aires", channel="webchat",
                          contact_name="Ana", session_timeout_s=1800, new_session_id="s1")
    outcome = take_turn(bot, BotPosition(), "hola", context, registry)
    return {"replies": outcome.replies, "events": [(e.type, e.detail) for e in outcome.events],
            "effects": outcome.effects, "position": outcome.position.to_dict()}


def test_every_registered_element_has_an_example_here():
    assert set(EXAMPLES) == set(REGISTRY.names), "give each registered element an example in EXAMPLES"


@pytest.mark.parametrize("name", REGISTRY.names)
def test_every_registered_element_is_accepted_by_the_loader_as_a_response(name):
    bot = probe_bot([(name, EXAMPLES[name])])
    assert [next(iter(r)) for r in bot.intents["inicio"].responses] == [name, "text"]


@pytest.mark.parametrize("name", REGISTRY.action_names)
def test_every_action_element_is_accepted_in_a_menu_option(name):
    bot = probe_bot([], option_action=(name, EXAMPLES[name]))
    assert name in bot.menus["principal"].options[0]


def test_an_element_that_is_not_an_action_is_refused_in_a_menu_option():
    response_only = next(name for name in REGISTRY.names if name not in REGISTRY.action_names)
    with pytest.raises(BotDefinitionError, match=rf"menus\[0\]\.options\[0\]\.{response_only}: unknown key"):
        probe_bot([], option_action=(response_only, EXAMPLES[response_only]))


@pytest.mark.parametrize("name", REGISTRY.names)
def test_every_registered_element_is_run_by_the_engine_and_changes_the_turn(name):
    without = first_turn(probe_bot([]))
    assert first_turn(probe_bot([(name, EXAMPLES[name])])) != without


def test_the_effects_the_elements_return_are_the_kinds_they_declare():
    returned = {e.kind for name in REGISTRY.names for e in first_turn(probe_bot([(name, EXAMPLES[name])]))["effects"]}
    assert returned == {"handoff", "email"} and returned <= REGISTRY.effect_kinds


def test_every_effect_kind_the_elements_declare_has_one_stager_and_no_stager_is_left_over():
    assert set(STAGERS) == REGISTRY.effect_kinds == {"handoff", "email", "schedule", "cancel"}


def test_staging_an_effect_of_a_kind_nobody_stages_is_refused_loudly():
    with pytest.raises(KeyError, match="no stager for 'confetti' effects"):
        stage_effect("confetti", {}, ORIGIN)


def _documented_elements() -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Responses and actions", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)


def test_the_format_page_documents_exactly_the_registered_elements():
    assert sorted(_documented_elements()) == sorted(REGISTRY.names)


def test_the_format_page_lists_the_actions_in_the_order_they_run():
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    sentence = text.split("A menu option, an `on_fail` or an `on_error` may run ", 1)[1].split(".", 1)[0]
    assert re.findall(r"`([a-z_]+)`", sentence) == list(REGISTRY.action_names)


# -- an element registered in a test ---------------------------------------------------------------
def check_sticker(check: Checker, value: Any, path: str) -> None:
    if check.expect(value, str, path, "a sticker id such as stk_123") and not value.startswith("stk_"):
        check.problem(path, f"{value!r} is not a sticker id; expected one such as stk_123")


def run_sticker(turn: Turn, value: str, resume: Resume) -> bool:
    turn.say("text", f"[{value}]")
    turn.effect("confetti", sticker=value)
    return True


STICKER = Element("sticker", check_sticker, run_sticker, in_actions=True, effects=("confetti",))
WITH_STICKERS = REGISTRY.with_elements(STICKER)


def test_a_new_element_is_unknown_until_registered():
    with pytest.raises(BotDefinitionError) as refused:
        probe_bot([("sticker", "stk_1")])
    assert str(refused.value).startswith("probe.yaml:12 topics[0].intents[0].responses[0].sticker: unknown key")


def test_a_registered_element_is_loaded_and_run_without_touching_the_loader_or_the_engine():
    bot = probe_bot([("sticker", "stk_1")], option_action=("sticker", "stk_2"), registry=WITH_STICKERS)
    turn = first_turn(bot, WITH_STICKERS)
    assert [r.text for r in turn["replies"]] == ["[stk_1]", "después"]
    assert [(e.kind, e.data) for e in turn["effects"]] == [("confetti", {"sticker": "stk_1"})]
    assert WITH_STICKERS.effect_kinds == REGISTRY.effect_kinds | {"confetti"}


def test_a_registered_element_s_own_check_reports_the_file_line_and_path():
    with pytest.raises(BotDefinitionError) as refused:
        probe_bot([("text", "Hola"), ("sticker", 42)], option_action=("sticker", "heart"), registry=WITH_STICKERS)
    assert str(refused.value).splitlines() == [
        "probe.yaml:13 topics[0].intents[0].responses[1].sticker: expected a sticker id such as stk_123, "
        "got a number",
        "probe.yaml:23 menus[0].options[0].sticker: 'heart' is not a sticker id; expected one such as stk_123",
    ]


def test_two_elements_of_one_name_cannot_be_registered():
    with pytest.raises(ValueError, match="registered twice"):
        REGISTRY.with_elements(Element("text", check_sticker, run_sticker))
