from datetime import datetime

from shared.bots.templates import greeting, render


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
