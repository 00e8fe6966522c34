"""Answers to `ask`: each declared type accepts what customers really type and stores a normalised value."""

from __future__ import annotations

from datetime import date

import pytest

from shared.bots.answer_types import (
    AnswerResult,
    AnswerType,
    Entity,
    asks_for_personal_data_without_reason,
    parse_answer_type,
    validate_answer,
)

TODAY = date(2026, 11, 24)  # a Tuesday
PROVINCIAS = Entity.from_spec("provincias", {
    "values": ["Buenos Aires", "Córdoba", "Santa Fe", "Mendoza"],
    "synonyms": {"Buenos Aires": ["bsas", "caba", "capital"]},
})
ENTITIES = {"provincias": PROVINCIAS}


def answer(spec: str, text: str, language: str = "es", today: date = TODAY) -> AnswerResult:
    return validate_answer(parse_answer_type(spec, ENTITIES), text, language, today)


def accepted(spec: str, text: str, language: str = "es") -> object:
    result = answer(spec, text, language)
    assert result.ok, f"{text!r} ({language}) was refused: {result.reason}"
    assert result.reason == ""
    return result.value


def refused(spec: str, text: str, language: str = "es") -> str:
    result = answer(spec, text, language)
    assert not result.ok, f"{text!r} ({language}) was accepted as {result.value!r}"
    assert result.value is None
    return result.reason


# --- type specs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["text", "number", "email", "phone", "date"])
def test_the_simple_types_are_read_by_name(spec):
    assert parse_answer_type(spec, {}) == AnswerType(spec, spec)


def test_an_entity_type_carries_its_entity():
    parsed = parse_answer_type("entity:provincias", ENTITIES)
    assert parsed.kind == "entity"
    assert parsed.entity is PROVINCIAS


def test_a_regex_type_carries_its_compiled_pattern():
    parsed = parse_answer_type("regex:^[0-9]{6}$", {})
    assert parsed.kind == "regex"
    assert parsed.pattern is not None and parsed.pattern.pattern == "^[0-9]{6}$"


@pytest.mark.parametrize("spec", ["texto", "integer", "entity", "regex", "email:strict", ""])
def test_an_unknown_type_is_refused_listing_the_known_ones(spec):
    with pytest.raises(ValueError, match=r"unknown answer type .*expected text, number, email, phone, date"):
        parse_answer_type(spec, ENTITIES)


def test_an_entity_that_is_not_defined_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError) as refused_type:
        parse_answer_type("entity:provincia", ENTITIES)
    assert str(refused_type.value) == "entity 'provincia' is not defined; known: provincias"


def test_an_entity_type_without_any_entities_says_none_are_known():
    with pytest.raises(ValueError, match="known: none"):
        parse_answer_type("entity:provincias", {})


def test_an_invalid_regex_is_refused_with_the_regex_error():
    with pytest.raises(ValueError, match=r"invalid regex '\^\[0-9\{6\}\$': .*unterminated character set"):
        parse_answer_type("regex:^[0-9{6}$", {})


def test_a_regex_type_needs_a_pattern():
    with pytest.raises(ValueError, match="needs a pattern"):
        parse_answer_type("regex:", {})


# --- entity definitions ---------------------------------------------------------------------------------


def test_an_entity_keeps_its_values_and_synonyms_in_order():
    assert PROVINCIAS.values == ("Buenos Aires", "Córdoba", "Santa Fe", "Mendoza")
    assert PROVINCIAS.synonyms == {"Buenos Aires": ("bsas", "caba", "capital")}


def test_synonyms_are_optional():
    assert Entity.from_spec("talles", {"values": ["S", "M", "L"]}).synonyms == {}


@pytest.mark.parametrize(("spec", "message"), [
    (["Buenos Aires"], "expected a mapping with 'values'"),
    ({}, "'values' must be a non-empty list"),
    ({"values": []}, "'values' must be a non-empty list"),
    ({"values": "Buenos Aires"}, "'values' must be a non-empty list"),
    ({"values": ["Buenos Aires", 3]}, r"values\[1\] must be a non-empty text, got 3"),
    ({"values": ["Buenos Aires", "  "]}, r"values\[1\] must be a non-empty text"),
    ({"values": ["Córdoba"], "valores": []}, "unknown key 'valores'"),
    ({"values": ["Córdoba"], "synonyms": ["cba"]}, "'synonyms' must be a mapping"),
    ({"values": ["Córdoba"], "synonyms": {"Cordoba": ["cba"]}}, "synonyms key 'Cordoba' is not among values"),
    ({"values": ["Córdoba"], "synonyms": {"Córdoba": "cba"}}, "synonyms of 'Córdoba' must be a list"),
    ({"values": ["Córdoba", "Capital"], "synonyms": {"Córdoba": ["capital"]}},
     "'Capital' names both 'Córdoba' and 'Capital'"),
    ({"values": ["Córdoba", "cordoba"]}, "'cordoba' names both 'Córdoba' and 'cordoba'"),
])
def test_a_wrongly_shaped_entity_is_refused_saying_what_is_wrong(spec, message):
    with pytest.raises(ValueError, match=message) as refused_entity:
        Entity.from_spec("provincias", spec)
    assert str(refused_entity.value).startswith("entity 'provincias'")


# --- empty answers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["text", "number", "email", "phone", "date", "entity:provincias", "regex:.*"])
def test_an_empty_or_blank_answer_is_refused_as_empty_for_every_type(spec):
    assert refused(spec, "") == "empty"
    assert refused(spec, "   \n") == "empty"


def test_an_unsupported_language_is_a_programming_error():
    with pytest.raises(ValueError, match="language 'fr' is not supported"):
        answer("number", "3", "fr")


def test_regional_language_tags_read_as_their_base_language():
    assert accepted("number", "1.500", "es-AR") == 1500
    assert accepted("number", "1,500", "en_US") == 1500


# --- text -----------------------------------------------------------------------------------------------


def test_text_accepts_any_non_empty_answer_trimmed():
    assert accepted("text", "  Quiero cambiar el talle  ") == "Quiero cambiar el talle"


def test_text_up_to_a_thousand_characters_is_accepted_and_longer_is_refused():
    assert accepted("text", "a" * 1000) == "a" * 1000
    assert refused("text", "a" * 1001) == "too_long"


# --- numbers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "text", "value"), [
    ("es", "1500", 1500),
    ("es", "1.500", 1500),          # dot groups thousands in Spanish
    ("pt", "1.500", 1500),
    ("es", "1.500.000", 1500000),
    ("es", "1,5", 1.5),             # comma is the decimal mark in Spanish
    ("pt", "1,5", 1.5),
    ("es", "1.500,25", 1500.25),
    ("pt", "2.345.678,9", 2345678.9),
    ("en", "1,500.25", 1500.25),
    ("en", "1,500", 1500),          # comma groups thousands in English
    ("en", "1.5", 1.5),
    ("en", "1.500", 1.5),
    ("es", "1,500", 1.5),
    ("es", "-3", -3),
    ("en", "+7", 7),
    ("es", "  42 ", 42),
    ("es", "0,5", 0.5),
    ("es", "1.5", 1.5),             # not groups of three: a decimal mark, as the writer meant
    ("en", "1,5", 1.5),
    ("es", "1,0", 1),               # whole numbers are ints
])
def test_numbers_are_read_as_people_write_them_in_each_language(language, text, value):
    result = accepted("number", text, language)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(("language", "text", "value"), [
    ("es", "uno", 1), ("es", "una", 1), ("es", "dos", 2), ("es", "tres", 3), ("es", "Diez", 10),
    ("es", "dieciséis", 16), ("es", "dieciseis", 16), ("es", "veinte", 20), ("es", "cero", 0),
    ("en", "one", 1), ("en", "two", 2), ("en", "Twelve", 12), ("en", "twenty", 20),
    ("pt", "um", 1), ("pt", "uma", 1), ("pt", "dois", 2), ("pt", "duas", 2), ("pt", "três", 3),
    ("pt", "dezesseis", 16), ("pt", "quatorze", 14), ("pt", "vinte", 20),
    ("es", "¡cinco!", 5),
])
def test_small_numbers_may_be_spelled_out_in_the_bots_language(language, text, value):
    assert accepted("number", text, language) == value


def test_number_words_of_another_language_are_not_numbers():
    assert refused("number", "once", "en") == "not_a_number"  # "once" is eleven only in Spanish
    assert refused("number", "dois", "es") == "not_a_number"
    assert refused("number", "veintiuno") == "not_a_number"  # only one to twenty are spelled out


@pytest.mark.parametrize("text", ["12abc", "abc", "1.50.0", "12.", ",5", "1,2,3", "1.500,25,3", "3 4", "- "])
def test_things_that_are_not_numbers_are_refused(text):
    assert refused("number", text) == "not_a_number"


# --- email ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("ana@example.com", "ana@example.com"),
    ("  Ana.Perez@Example.COM ", "Ana.Perez@example.com"),  # local part kept as typed, domain lower-cased
    ("<ana@tienda.com.ar>", "ana@tienda.com.ar"),
    ("< ana+pedidos@mail.tienda-sol.com >", "ana+pedidos@mail.tienda-sol.com"),
    ("o'brien@example.co.uk", "o'brien@example.co.uk"),
])
def test_a_plausible_email_is_accepted_and_normalised(text, value):
    assert accepted("email", text) == value


@pytest.mark.parametrize("text", [
    "ana", "ana@", "@example.com", "ana@example", "ana@example.c", "ana @example.com", "ana@exa mple.com",
    "ana@@example.com", "ana@example.123", "ana..perez@example.com", ".ana@example.com", "ana@-example.com",
    "ana@example..com", "mi mail es ana@example", "mi mail es ana..perez@example.com",
])
def test_an_implausible_email_is_refused(text):
    assert refused("email", text) == "invalid_email"


# --- phone ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("+54 9 11 1234-5678", "+5491112345678"),
    ("0054 9 11 1234 5678", "+5491112345678"),  # 00 is the international prefix
    ("(011) 4321-5678", "01143215678"),
    ("11.4321.5678", "1143215678"),
    ("1234567", "1234567"),                       # 7 digits: shortest accepted
    ("+123456789012345", "+123456789012345"),     # 15 digits: E.164 maximum
])
def test_a_phone_number_is_accepted_with_its_usual_punctuation_and_stored_as_digits(text, value):
    assert accepted("phone", text) == value


def test_a_phone_with_too_few_or_too_many_digits_is_refused_saying_which():
    assert refused("phone", "123 456") == "too_few_digits"
    assert refused("phone", "+1234567890123456") == "too_many_digits"
    assert refused("phone", "00 123456") == "too_few_digits"  # the 00 prefix does not count


@pytest.mark.parametrize("text", ["11 4321 5678 int 3", "mi cel", "54+11 4321 5678", "+", "()-"])
def test_a_phone_with_other_characters_is_refused(text):
    assert refused("phone", text) == "invalid_phone"


# --- dates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "text", "value"), [
    ("es", "25/12/2026", "2026-12-25"),
    ("es", "25-12-2026", "2026-12-25"),
    ("es", "25.12.2026", "2026-12-25"),
    ("pt", "25/12/2026", "2026-12-25"),
    ("es", "5/1/27", "2027-01-05"),
    ("en", "12/25/2026", "2026-12-25"),       # English writes month first
    ("en", "1/5/2027", "2027-01-05"),
    ("es", "2026-12-25", "2026-12-25"),       # ISO is the same everywhere
    ("en", "2026-12-25", "2026-12-25"),
    ("es", "el 25/12", "2026-12-25"),
])
def test_numeric_dates_follow_the_languages_day_month_order(language, text, value):
    assert accepted("date", text, language) == value


def test_a_numeric_date_without_year_is_its_next_occurrence_on_or_after_today():
    assert accepted("date", "25/12") == "2026-12-25"
    assert accepted("date", "24/11") == "2026-11-24"  # today itself
    assert accepted("date", "23/11") == "2027-11-23"  # already past this year
    assert accepted("date", "11/23", "en") == "2027-11-23"
    assert accepted("date", "29/02") == "2028-02-29"  # the next leap year


@pytest.mark.parametrize(("language", "text", "value"), [
    ("es", "hoy", "2026-11-24"), ("es", "Mañana", "2026-11-25"), ("es", "manana!", "2026-11-25"),
    ("es", "pasado mañana", "2026-11-26"), ("es", "para mañana", "2026-11-25"),
    ("en", "today", "2026-11-24"), ("en", "Tomorrow", "2026-11-25"), ("en", "the day after tomorrow", "2026-11-26"),
    ("en", "day after tomorrow", "2026-11-26"),
    ("pt", "hoje", "2026-11-24"), ("pt", "amanhã", "2026-11-25"), ("pt", "depois de amanhã", "2026-11-26"),
    ("pt", "depois de amanha", "2026-11-26"),
])
def test_today_tomorrow_and_the_day_after_are_understood(language, text, value):
    assert accepted("date", text, language) == value


@pytest.mark.parametrize(("language", "text", "value"), [
    ("es", "el lunes", "2026-11-30"), ("es", "miércoles", "2026-11-25"), ("es", "el próximo viernes", "2026-11-27"),
    ("es", "Sábado", "2026-11-28"), ("es", "domingo", "2026-11-29"),
    ("es", "martes", "2026-12-01"),  # said on a Tuesday: next week's
    ("en", "monday", "2026-11-30"), ("en", "on Friday", "2026-11-27"), ("en", "next tuesday", "2026-12-01"),
    ("en", "thu", "2026-11-26"),
    ("pt", "segunda", "2026-11-30"), ("pt", "segunda-feira", "2026-11-30"), ("pt", "na sexta-feira", "2026-11-27"),
    ("pt", "terça", "2026-12-01"), ("pt", "quarta feira", "2026-11-25"), ("pt", "sábado", "2026-11-28"),
])
def test_a_weekday_is_its_next_occurrence_after_today(language, text, value):
    assert accepted("date", text, language) == value


@pytest.mark.parametrize(("language", "text", "value"), [
    ("es", "25 de diciembre", "2026-12-25"),
    ("es", "25 de diciembre de 2026", "2026-12-25"),
    ("es", "25 de diciembre del 2027", "2027-12-25"),
    ("es", "el 3 de Marzo", "2027-03-03"),
    ("es", "1º de enero", "2027-01-01"),
    ("es", "25 dic", "2026-12-25"),
    ("es", "25 de dic.", "2026-12-25"),
    ("es", "5 de ene", "2027-01-05"),
    ("es", "10 de setiembre de 2027", "2027-09-10"),
    ("es", "diciembre 25", "2026-12-25"),
    ("en", "December 25", "2026-12-25"),
    ("en", "December 25th, 2026", "2026-12-25"),
    ("en", "25 December 2026", "2026-12-25"),
    ("en", "the 25th of December", "2026-12-25"),
    ("en", "dec 25", "2026-12-25"),
    ("en", "Jan 5", "2027-01-05"),
    ("pt", "25 de dezembro", "2026-12-25"),
    ("pt", "25 de dez", "2026-12-25"),
    ("pt", "3 de março de 2027", "2027-03-03"),
    ("pt", "3 de marco", "2027-03-03"),
    ("pt", "7 de janeiro", "2027-01-07"),
])
def test_dates_with_month_names_in_the_bots_language_are_understood(language, text, value):
    assert accepted("date", text, language) == value


@pytest.mark.parametrize(("language", "text"), [
    ("es", "31/02"), ("es", "31/02/2026"), ("es", "29/02/2027"), ("es", "32/12/2026"), ("es", "25/13/2026"),
    ("en", "13/25/2026"), ("es", "2026-02-30"), ("es", "31 de febrero"), ("en", "February 30, 2026"),
    ("pt", "0 de maio"),
])
def test_days_that_do_not_exist_are_refused_as_impossible(language, text):
    assert refused("date", text, language) == "impossible_date"


@pytest.mark.parametrize(("language", "text"), [
    ("es", "algún día"), ("es", "today"), ("en", "mañana"), ("pt", "lunes"), ("en", "25 de diciembre"),
    ("es", "25 December"), ("es", "25"), ("es", "diciembre"), ("es", "25/12/2026/1"), ("es", "el"),
])
def test_what_is_not_a_date_in_the_bots_language_is_refused_as_unknown(language, text):
    assert refused("date", text, language) == "unknown_date"


# --- entities -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("Córdoba", "Córdoba"),
    ("cordoba", "Córdoba"),          # accents are optional
    ("CÓRDOBA", "Córdoba"),
    ("  santa   fe. ", "Santa Fe"),  # extra spaces and punctuation around
    ("¡Mendoza!", "Mendoza"),
    ("caba", "Buenos Aires"),        # synonyms give the canonical value
    ("Capital", "Buenos Aires"),
    ("Bs. As.", "Buenos Aires"),
])
def test_an_entity_answer_is_matched_ignoring_case_accents_and_punctuation(text, value):
    assert accepted("entity:provincias", text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("cordova", "Córdoba"), ("Mendosa", "Mendoza"), ("buenos aries", "Buenos Aires"), ("santa fee", "Santa Fe"),
])
def test_an_entity_answer_with_a_small_typo_is_matched_to_the_closest_value(text, value):
    assert accepted("entity:provincias", text) == value


@pytest.mark.parametrize("text", ["Rosario", "santa", "Buenos", "vivo en Rosario", "men"])
def test_an_answer_that_is_not_in_the_list_is_refused(text):
    assert refused("entity:provincias", text) == "not_in_list"


def test_short_answers_must_match_exactly_because_one_letter_changes_a_short_word():
    assert refused("entity:provincias", "cba") == "not_in_list"  # one letter off "caba"
    assert refused("entity:provincias", "bsa") == "not_in_list"


def test_a_typo_that_fits_two_values_equally_is_refused_rather_than_guessed():
    sucursales = Entity.from_spec("sucursales", {"values": ["Sucursal Norte 1", "Sucursal Norte 2"]})
    typed = parse_answer_type("entity:sucursales", {"sucursales": sucursales})
    assert validate_answer(typed, "sucursal norte", "es", TODAY) == AnswerResult(False, None, "not_in_list")
    assert validate_answer(typed, "sucursal norte 2", "es", TODAY).value == "Sucursal Norte 2"


# --- regex ----------------------------------------------------------------------------------------------


def test_a_regex_answer_must_match_whole_after_trimming():
    assert accepted("regex:[0-9]{6}", " 123456 ") == "123456"
    assert refused("regex:[0-9]{6}", "1234567") == "no_match"  # fullmatch, not search
    assert refused("regex:[0-9]{6}", "pedido 1234567") == "no_match"  # inside a sentence: whole words only
    assert accepted("regex:^[A-Z]{3}-[0-9]{4}$", "ABC-1234") == "ABC-1234"
    assert refused("regex:^[A-Z]{3}-[0-9]{4}$", "abc-1234") == "no_match"


# --- lint: personal data without a reason ---------------------------------------------------------------

EMAIL = parse_answer_type("email", {})
PHONE = parse_answer_type("phone", {})
TEXT = parse_answer_type("text", {})


@pytest.mark.parametrize(("prompt", "answer_type", "language"), [
    ("¿Cuál es tu email?", EMAIL, "es"),
    ("Decime tu número", PHONE, "es"),
    ("Pasame tu correo", TEXT, "es"),
    ("¿Tenés WhatsApp? Pasame el número", TEXT, "es"),
    ("Qual é o seu telefone?", TEXT, "pt"),
    ("Me passa seu celular", TEXT, "pt"),
    ("What's your e-mail?", TEXT, "en"),
    ("Please reply to this message with your phone number", TEXT, "en"),
    ("Send your email to us", EMAIL, "en"),
])
def test_asking_for_an_email_or_phone_without_saying_why_is_flagged(prompt, answer_type, language):
    assert asks_for_personal_data_without_reason(prompt, answer_type, language) is True


@pytest.mark.parametrize(("prompt", "answer_type", "language"), [
    ("¿Cuál es tu email para enviarte la factura?", EMAIL, "es"),
    ("Necesito tu teléfono para que el repartidor te llame", TEXT, "es"),
    ("Pasame tu correo así podemos mandarte el comprobante", TEXT, "es"),
    ("Te pido el celular porque el correo avisa por SMS", PHONE, "es"),
    ("Qual é o seu e-mail para que possamos enviar a nota?", EMAIL, "pt"),
    ("Me passa seu WhatsApp pra gente te avisar", TEXT, "pt"),
    ("What's your email so we can send you the receipt?", EMAIL, "en"),
    ("We need your phone number to arrange the delivery", PHONE, "en"),
    ("To send you the invoice, what is your email?", EMAIL, "en"),
    ("Your phone, please, because the courier calls first", PHONE, "en"),
    ("Your email, in order to confirm the order", EMAIL, "en"),
])
def test_asking_for_an_email_or_phone_with_a_reason_is_fine(prompt, answer_type, language):
    assert asks_for_personal_data_without_reason(prompt, answer_type, language) is False


def test_questions_that_ask_for_no_personal_data_are_never_flagged():
    assert asks_for_personal_data_without_reason("¿Cuál es tu número de pedido?", TEXT, "es") is False
    assert asks_for_personal_data_without_reason("What size do you need?", TEXT, "en") is False
