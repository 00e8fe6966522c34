from datetime import date, datetime

import pytest

from shared.bots.templates import format_date, greeting, render


def test_variables_constants_and_dotted_names_are_substituted():
    assert render("Hola ${contact.name}, abrimos ${horario}.", {"contact.name": "Ana", "horario": "9 a 18"}) == (
        "Hola Ana, abrimos 9 a 18.")


def test_a_missing_variable_renders_empty_never_as_a_placeholder():
    assert render("${greeting} ${contact.name}! Soy Sol.", {"greeting": "Buenas tardes"}) == "Buenas tardes! Soy Sol."
    assert render("Hola ${nadie} que tal", {}) == "Hola que tal"


def test_booleans_and_whole_floats_read_naturally():
    assert render("${a} ${b} ${c}", {"a": False, "b": 3.0, "c": 2.5}) == "false 3 2.5"


def test_templates_never_execute_code():
    assert render("${__import__('os').system('x')}", {}) == "${__import__('os').system('x')}"


def test_greeting_follows_the_local_hour_and_language():
    assert greeting("es", datetime(2026, 1, 1, 8)) == "Buenos días"
    assert greeting("es", datetime(2026, 1, 1, 15)) == "Buenas tardes"
    assert greeting("pt", datetime(2026, 1, 1, 22)) == "Boa noite"
    assert greeting("en", datetime(2026, 1, 1, 4)) == "Good evening"


# -- dates in the bot's language (issue 17, point 6) ----------------------------------------------------


@pytest.mark.parametrize(("language", "expected"), [
    ("es", "Llega el 5 de marzo de 2026."), ("en", "Llega el March 5, 2026."), ("pt", "Llega el 5 de março de 2026."),
])
def test_an_iso_day_renders_in_the_bots_language(language, expected):
    assert render("Llega el ${fecha}.", {"fecha": "2026-03-05"}, language) == expected


def test_a_date_value_renders_like_its_iso_text():
    assert render("${d}", {"d": date(2026, 12, 1)}, "es") == "1 de diciembre de 2026"
    assert format_date(date(2027, 1, 31), "en") == "January 31, 2027"


def test_without_a_language_dates_stay_iso_for_the_apis_a_webhook_calls():
    assert render("/orders?since=${fecha}", {"fecha": "2026-03-05"}) == "/orders?since=2026-03-05"


@pytest.mark.parametrize("value", ["2026-02-31", "2026-03-05T10:00:00Z", "pedido 2026-03-05", "20260305", 20260305])
def test_what_is_not_exactly_a_day_is_shown_as_written(value):
    assert render("${v}", {"v": value}, "es") == str(value)


# -- an empty variable takes its space with it (issue 17, point 6) ----------------------------------------


@pytest.mark.parametrize(("template", "expected"), [
    ("¡Hola ${contact.name}!", "¡Hola!"),
    ("¡${greeting} ${contact.name}! Soy Sol.", "¡Buenas tardes! Soy Sol."),
    ("Gracias ${contact.name}.", "Gracias."),
    ("Hola ${contact.name}, ¿cómo estás?", "Hola, ¿cómo estás?"),
    ("${contact.name} te escribimos", "te escribimos"),
    ("Hola ${contact.name}", "Hola"),
])
def test_an_empty_name_leaves_no_space_before_punctuation_nor_a_double_space(template, expected):
    assert render(template, {"greeting": "Buenas tardes", "contact.name": ""}, "es") == expected
    assert render(template, {"greeting": "Buenas tardes"}) == expected
