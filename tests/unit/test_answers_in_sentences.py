"""Answers to `ask` written as sentences (issue 17, point 3): the value is found inside "mi mail es …",
"es el pedido 123456", "el 5 de marzo", in es, en and pt; a sentence holding two different values is asked
again; free text stays the whole message; a value typed wrong stays refused as before."""

from __future__ import annotations

from datetime import date

import pytest

from shared.bots.answer_types import AnswerResult, Entity, parse_answer_type, validate_answer

TODAY = date(2026, 11, 24)  # a Tuesday
ENTITIES = {"provincias": Entity.from_spec("provincias", {
    "values": ["Buenos Aires", "Córdoba", "Santa Fe", "Mendoza"],
    "synonyms": {"Buenos Aires": ["bsas", "caba", "capital"]},
})}


def answer(spec: str, text: str, language: str) -> AnswerResult:
    return validate_answer(parse_answer_type(spec, ENTITIES), text, language, TODAY)


def found(spec: str, text: str, language: str) -> object:
    result = answer(spec, text, language)
    assert result.ok, f"{text!r} ({language}) was refused: {result.reason}"
    return result.value


def asked_again(spec: str, text: str, language: str) -> str:
    result = answer(spec, text, language)
    assert not result.ok, f"{text!r} ({language}) was accepted as {result.value!r}"
    return result.reason


# --- email ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "text", "value"), [
    ("es", "mi mail es ana@example.com", "ana@example.com"),
    ("es", "Mandalo a ana.perez@Tienda.com.ar, gracias!", "ana.perez@tienda.com.ar"),
    ("en", "my email is Ana@Example.COM.", "Ana@example.com"),
    ("en", "sure, it's ana+orders@example.co.uk", "ana+orders@example.co.uk"),
    ("pt", "o meu email é ana@example.com", "ana@example.com"),
    ("pt", "pode mandar pro ana@exemplo.com.br por favor", "ana@exemplo.com.br"),
])
def test_an_email_inside_a_sentence_is_found(language, text, value):
    assert found("email", text, language) == value


@pytest.mark.parametrize(("language", "text"), [
    ("es", "ana@example.com o ana@otro.com"),
    ("en", "either ana@example.com or bob@example.com"),
    ("pt", "o meu é ana@example.com e o do trabalho ana@empresa.com.br"),
])
def test_a_sentence_with_two_emails_is_asked_again(language, text):
    assert asked_again("email", text, language) == "ambiguous"


def test_the_same_email_written_twice_is_one_answer():
    assert found("email", "ana@example.com, repito: ANA@example.com", "es") == "ana@example.com"


# --- phone ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "text", "value"), [
    ("en", "my number is +1 415 555 0100", "+14155550100"),
    ("es", "mi cel es 11 4444-5555, llamame después de las 18", "1144445555"),
    ("es", "Teléfono: (011) 4321-5678.", "01143215678"),
    ("pt", "meu telefone é (11) 98765-4321", "11987654321"),
    ("pt", "o whatsapp é +55 11 98765 4321 obrigado", "+5511987654321"),
])
def test_a_phone_inside_a_sentence_is_found(language, text, value):
    assert found("phone", text, language) == value


@pytest.mark.parametrize(("language", "text"), [
    ("es", "11 4444 5555 o 11 6666 7777"),
    ("en", "home 415 555 0100, work 415 555 0199"),
    ("pt", "(11) 98765-4321 ou (21) 99876-5432"),
])
def test_a_sentence_with_two_phones_is_asked_again(language, text):
    assert asked_again("phone", text, language) == "ambiguous"


def test_a_sentence_whose_only_number_is_too_short_says_so():
    assert asked_again("phone", "mi número es 4444", "es") == "too_few_digits"


def test_a_phone_with_an_extension_is_asked_again_rather_than_stored_without_it():
    assert asked_again("phone", "11 4321 5678 interno 3", "es") == "invalid_phone"


def test_digits_glued_to_letters_are_a_code_not_a_phone():
    assert asked_again("phone", "el código es A1234567", "es") == "invalid_phone"


# --- number ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "text", "value"), [
    ("es", "es el pedido 123456", 123456),
    ("es", "es el pedido 123456.", 123456),
    ("es", "quiero 1.500 unidades", 1500),  # the language's separators, as for a number alone
    ("es", "somos tres", 3),
    ("es", "es un pedido de tres cajas", 3),  # "un" is an article here, not one
    ("en", "order number 98765 please", 98765),
    ("en", "I need two", 2),
    ("en", "about 1,500 units", 1500),
    ("pt", "o pedido é 98765", 98765),
    ("pt", "somos quatro pessoas", 4),
])
def test_a_number_inside_a_sentence_is_found(language, text, value):
    assert found("number", text, language) == value


def test_numbers_written_with_digits_win_over_spelled_words():
    assert found("number", "una mesa para 4", "es") == 4


@pytest.mark.parametrize(("language", "text"), [
    ("es", "2 o 3"), ("es", "tengo 2 hijos y 3 perros"), ("en", "two or three"), ("pt", "entre 10 e 12"),
])
def test_a_sentence_with_two_numbers_is_asked_again(language, text):
    assert asked_again("number", text, language) == "ambiguous"


def test_a_number_glued_to_letters_is_not_a_number():
    assert asked_again("number", "pedido A123", "es") == "not_a_number"


# --- date -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "text", "value"), [
    ("es", "el 5 de marzo", "2027-03-05"),
    ("es", "quiero turno para el 5 de marzo por favor", "2027-03-05"),
    ("es", "¿puede ser mañana a la tarde?", "2026-11-25"),
    ("es", "mañana por la mañana", "2026-11-25"),  # the second "mañana" is the morning
    ("es", "el lunes por la mañana", "2026-11-30"),
    ("es", "el lunes 30 de noviembre", "2026-11-30"),  # a weekday naming the date it precedes
    ("es", "paso el 25/12 a las 10", "2026-12-25"),
    ("en", "could it be March 5?", "2027-03-05"),
    ("en", "tomorrow works for me", "2026-11-25"),
    ("en", "next friday, March 5th 2027", "2027-03-05"),
    ("en", "I can come on monday", "2026-11-30"),
    ("pt", "o dia 5 de março", "2027-03-05"),
    ("pt", "pode ser na segunda?", "2026-11-30"),
    ("pt", "depois de amanhã de manhã", "2026-11-26"),
    ("pt", "chego 2026-12-01 cedo", "2026-12-01"),
])
def test_a_date_inside_a_sentence_is_found(language, text, value):
    assert found("date", text, language) == value


@pytest.mark.parametrize(("language", "text"), [
    ("es", "el lunes o el martes"), ("es", "hoy o mañana"), ("en", "March 5 or March 6"),
    ("pt", "dia 5 de março ou 6 de abril"),
])
def test_a_sentence_with_two_dates_is_asked_again(language, text):
    assert asked_again("date", text, language) == "ambiguous"


def test_an_impossible_date_inside_a_sentence_is_refused_as_impossible():
    assert asked_again("date", "quiero el 31 de febrero", "es") == "impossible_date"


def test_words_that_only_look_like_days_are_not_dates():
    assert asked_again("date", "elijo la segunda opção", "pt") == "unknown_date"  # an ordinal, not Monday
    assert asked_again("date", "I sat in the sun", "en") == "unknown_date"
    assert asked_again("date", "vamos al mar", "es") == "unknown_date"  # a month word needs its day


# --- entity ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "text", "value"), [
    ("es", "vivo en Córdoba", "Córdoba"),
    ("es", "soy de santa fe", "Santa Fe"),
    ("es", "estoy en capital", "Buenos Aires"),
    ("es", "vivo en cordova", "Córdoba"),  # a small typo, as for the value alone
    ("en", "I live in Mendoza", "Mendoza"),
    ("pt", "moro em Buenos Aires", "Buenos Aires"),
])
def test_an_entity_value_inside_a_sentence_is_found(language, text, value):
    assert found("entity:provincias", text, language) == value


def test_inside_a_sentence_a_typo_is_forgiven_only_in_words_without_digits():
    planos = {"planos": Entity.from_spec("planos", {"values": ["Sol 1 Giga"], "synonyms": {"Sol 1 Giga": ["1 giga"]}})}
    typed = parse_answer_type("entity:planos", planos)
    assert validate_answer(typed, "quiero el de 1 giga", "pt", TODAY).value == "Sol 1 Giga"
    assert validate_answer(typed, "o de 10 giga", "pt", TODAY) == AnswerResult(False, None, "not_in_list")


def test_a_sentence_naming_two_values_is_asked_again():
    assert asked_again("entity:provincias", "Córdoba y Mendoza", "es") == "ambiguous"


# --- regex ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "text"), [
    ("es", "es el pedido 123456"), ("en", "my order is #123456"), ("pt", "o pedido é 123456, obrigado"),
])
def test_a_regex_value_inside_a_sentence_is_found_between_word_boundaries(language, text):
    assert found("regex:^[0-9]{6}$", text, language) == "123456"


def test_a_regex_with_its_own_flags_still_finds_the_value():
    assert found("regex:(?i)^[A-Z]{3}-[0-9]{4}$", "mi código es abc-1234", "es") == "abc-1234"


def test_a_sentence_with_two_regex_values_is_asked_again():
    assert asked_again("regex:^[0-9]{6}$", "123456 o 654321", "es") == "ambiguous"


def test_a_longer_run_of_digits_does_not_hold_a_shorter_value():
    assert asked_again("regex:^[0-9]{6}$", "es el pedido 1234567", "es") == "no_match"


# --- free text and values typed wrong -------------------------------------------------------------------


@pytest.mark.parametrize(("language", "text"), [
    ("es", "mi mail es ana@example.com"), ("en", "my number is +1 415 555 0100"), ("pt", "o dia 5 de março"),
])
def test_free_text_keeps_the_whole_message(language, text):
    assert found("text", text, language) == text


@pytest.mark.parametrize(("spec", "text", "reason"), [
    ("number", "12.", "not_a_number"), ("number", "3 4", "not_a_number"),
    ("phone", "54+11 4321 5678", "invalid_phone"),
])
def test_a_value_typed_wrong_without_words_is_not_searched_and_stays_refused(spec, text, reason):
    assert asked_again(spec, text, "es") == reason
