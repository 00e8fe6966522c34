"""Broken bot files (tests/fixtures/broken/): each holds ONE mistake and is refused with exactly one
message naming the file, the line, the key path and what was expected; fixing that mistake makes it load."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.bots import limits
from shared.bots.loader import load_bot, load_bot_file
from shared.kernel.errors import BotDefinitionError

BROKEN = Path(__file__).parent.parent / "fixtures" / "broken"


@dataclass(frozen=True)
class Broken:
    file: str
    error: str  # the whole message: one line, so nothing else was reported
    fix: tuple[str, str]  # (the mistake, its correction) in the file's text


CASES = [
    Broken("unknown_key.yaml",
           "unknown_key.yaml:14 topics[0].intents[1].respuestas: unknown key; "
           "expected one of name, responses, triggers, when",
           ("respuestas:", "responses:")),
    Broken("wrong_type.yaml",
           "wrong_type.yaml:5 reply_delay_ms: expected a whole number of milliseconds, got text",
           ('reply_delay_ms: "800"', "reply_delay_ms: 800")),
    Broken("missing_go_to.yaml",
           "missing_go_to.yaml:15 topics[0].intents[1].responses[0].go_to: "
           "'despedida' is neither an intent nor a menu of this bot",
           ("go_to: despedida", "go_to: bienvenida")),
    Broken("unknown_entity.yaml",
           "unknown_entity.yaml:6 variables[0].type: entity 'provincias' is not defined; known: ciudades",
           ("entity:provincias", "entity:ciudades")),
    Broken("eleven_buttons.yaml",
           "eleven_buttons.yaml:14 topics[0].intents[0].responses[1].buttons.options: 11 options, expected 1 to 10",
           ('                - {title: Otro talle, text: "Contame cuál."}\n', "")),
    Broken("long_title.yaml",
           "long_title.yaml:17 menus[0].options[0].title: 'Consultar mis pedidos' has 21 characters, at most 20",
           ("Consultar mis pedidos", "Mis pedidos")),
    Broken("one_word_trigger.yaml",
           "one_word_trigger.yaml:13 topics[0].intents[1].triggers[2]: 'precio' has fewer than 2 words",
           ("precio]", "precio del envio]")),
    Broken("too_many_triggers.yaml",
           "too_many_triggers.yaml:13 topics[0].intents[1].triggers: 71 triggers, expected 2 to 70 "
           "(or reach the intent through startup, default, go_to or a menu)",
           ("          - pregunta numero 71\n", "")),
    Broken("four_levels.yaml",
           "four_levels.yaml:28 menus[0].options[0].submenu.options[0].submenu.options[0].submenu.options: "
           "menus nest 4 levels deep, at most 3",
           ('''\
                  - title: Heladeras
                    submenu:
                      header: "Heladeras:"
                      options:
                        - {title: No Frost, text: "Tenemos de 300 y 400 litros."}
                        - {title: Cíclicas, text: "Tenemos de 250 litros."}
''', '''\
                  - {title: Heladeras, text: "Tenemos No Frost de 300 y 400 litros y cíclicas de 250."}
''')),
    Broken("bad_when.yaml",
           "bad_when.yaml:16 topics[0].intents[1].when: column 18: '=' is not an operator; write '==' to compare",
           ("} = false", "} == false")),
    Broken("webhook_url.yaml",
           "webhook_url.yaml:15 topics[0].intents[0].responses[1].webhook.url: "
           "expected an http:// or https:// URL (or one starting with ${constant})",
           ('url: "api.', 'url: "https://api.')),
    Broken("undeclared_ask.yaml",
           "undeclared_ask.yaml:13 topics[0].intents[0].responses[0].ask.variable: "
           "'pedido' is not declared under variables; declare it with its type",
           ("{name: email, type: email}", '{name: pedido, type: "regex:^[0-9]{6}$"}')),
]
IDS = [case.file.removesuffix(".yaml") for case in CASES]


def test_every_broken_fixture_has_its_case():
    assert sorted(path.name for path in BROKEN.glob("*.yaml")) == sorted(case.file for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_broken_bot_is_refused_with_exactly_its_one_error(case):
    with pytest.raises(BotDefinitionError) as refused:
        load_bot_file(BROKEN / case.file)
    assert str(refused.value) == case.error


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fixing_the_one_mistake_makes_the_file_load_cleanly(case):
    text = (BROKEN / case.file).read_text(encoding="utf-8")
    mistake, correction = case.fix
    assert text.count(mistake) == 1, "the fix must name the mistake unambiguously"
    bot = load_bot(text.replace(mistake, correction), case.file)
    assert bot.warnings == ()


def test_the_generated_trigger_list_is_one_over_the_limit():
    text = (BROKEN / "too_many_triggers.yaml").read_text(encoding="utf-8")
    assert text.count("- pregunta numero ") == limits.MAX_TRIGGERS_PER_INTENT + 1
