"""Bot files: the format page's example loads; wrong files are refused with file, line, path and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.bots import limits
from shared.bots.loader import load_bot, load_bot_file
from shared.kernel.errors import BotDefinitionError

FIXTURES = Path(__file__).parent.parent / "fixtures"
REPO = Path(__file__).parent.parent.parent

MINIMAL = """\
id: mini
name: Mini
language: es
startup: hola
topics:
  - name: general
    intents:
      - name: hola
        responses:
          - text: "Hola"
"""


def refused(text: str, file_name: str = "bot.yaml") -> str:
    with pytest.raises(BotDefinitionError) as caught:
        load_bot(text, file_name)
    return str(caught.value)


def test_the_format_pages_example_loads_with_all_its_intents_and_menus():
    bot = load_bot_file(FIXTURES / "bot_format_example.yaml")
    assert bot.id == "tienda"
    assert set(bot.intents) == {"bienvenida", "no_entendido", "horario_atencion", "estado_pedido"}
    assert set(bot.menus) == {"menu"}
    assert bot.startup == "bienvenida" and bot.not_understood == "no_entendido"
    assert bot.intents["horario_atencion"].topic == "horarios"


def test_the_demo_bot_shipped_in_the_repo_loads():
    bot = load_bot_file(REPO / "bots" / "tienda.yaml")
    assert bot.startup == "bienvenida"


def test_an_unknown_key_is_reported_with_its_line_and_path():
    message = refused(MINIMAL.replace("startup: hola", "startup: hola\ncolour: blue"))
    assert "bot.yaml:5 colour: unknown key" in message


def test_too_many_button_options_are_reported_like_the_format_page_says():
    options = "\n".join(f"                - {{title: Opcion {i}, go_to: hola}}" for i in range(11))
    text = MINIMAL + f"""\
          - buttons:
              text: "Elegí"
              options:
{options}
"""
    message = refused(text, "tienda.yaml")
    assert "tienda.yaml:13 topics[0].intents[0].responses[1].buttons.options: 11 options, expected 1 to 10" in message


def test_a_button_title_longer_than_the_limit_is_refused():
    long_title = "x" * (limits.MAX_BUTTON_TITLE_CHARS + 1)
    text = MINIMAL + f"""\
          - buttons:
              text: "Elegí"
              options:
                - {{title: {long_title}, go_to: hola}}
"""
    assert f"has {limits.MAX_BUTTON_TITLE_CHARS + 1} characters, at most {limits.MAX_BUTTON_TITLE_CHARS}" in refused(
        text)


def test_a_go_to_to_a_missing_intent_is_a_broken_reference():
    message = refused(MINIMAL + "          - go_to: despedida\n")
    assert "responses[1].go_to: 'despedida' is neither an intent nor a menu" in message


def test_an_intent_reached_by_nothing_needs_two_to_seventy_triggers():
    text = MINIMAL + """\
      - name: suelta
        triggers: [hola amigo]
        responses:
          - text: "x"
"""
    assert "topics[0].intents[1].triggers: 1 triggers, expected 2 to 70" in refused(text)


def test_a_one_word_trigger_is_refused():
    text = MINIMAL + """\
      - name: precio
        triggers: [precio, cuanto cuesta]
        responses:
          - text: "x"
"""
    assert "triggers[0]: 'precio' has fewer than 2 words" in refused(text)


def test_menus_deeper_than_three_levels_are_refused():
    text = MINIMAL + """\
menus:
  - name: menu
    header: uno
    options:
      - title: a
        submenu:
          options:
            - title: b
              submenu:
                options:
                  - title: c
                    submenu:
                      options:
                        - {title: d, go_to: hola}
"""
    assert "nest 4 levels deep, at most 3" in refused(text)


def test_an_unsupported_language_and_a_bad_id_are_both_reported_at_once():
    message = refused(MINIMAL.replace("id: mini", "id: Mini Bot").replace("language: es", "language: fr"))
    assert "bot.yaml:1 id: 'Mini Bot' may only use" in message
    assert "bot.yaml:3 language: 'fr' is not supported" in message


def test_yaml_syntax_errors_name_the_file_and_line():
    assert refused("id: x\nname: [unclosed\n", "roto.yaml").startswith("roto.yaml:")
