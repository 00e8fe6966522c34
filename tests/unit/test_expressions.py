"""``when:`` conditions: a small safe language, parsed once, evaluated per message, never executed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from shared.bots import expressions
from shared.bots.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    Condition,
    ExpressionError,
    evaluate_condition,
    parse_condition,
)
from shared.kernel.errors import BotDefinitionError


def holds(source: str, **values: Any) -> bool:
    return parse_condition(source).evaluate(values)


def refused(source: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        parse_condition(source)
    return caught.value


# --------------------------------------------------------------------------- the format page


def test_the_format_pages_maintenance_condition_is_true_when_the_constant_is_false():
    condition = parse_condition("${mantenimiento} == false")
    assert condition.evaluate({"mantenimiento": False}) is True
    assert condition.evaluate({"mantenimiento": True}) is False


def test_the_format_pages_exists_condition_needs_a_saved_value():
    condition = parse_condition("${estado} exists")
    assert condition.evaluate({"estado": "en camino"}) is True
    assert condition.evaluate({}) is False


def test_a_parsed_condition_names_the_variables_it_reads():
    condition = parse_condition('${contact.name} exists and (${estado} in ["a", ${otro}] or ${last_intent} == "x")')
    assert condition.variables == frozenset({"contact.name", "estado", "otro", "last_intent"})
    assert parse_condition('"a" == "a"').variables == frozenset()


def test_a_parsed_condition_keeps_its_source_for_messages():
    condition = parse_condition("${a} == 1")
    assert isinstance(condition, Condition)
    assert condition.source == "${a} == 1"
    assert repr(condition) == "Condition('${a} == 1')"


# --------------------------------------------------------------------------- precedence


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        (False, True, False, True),  # (not a) and b
        (True, True, False, False),
        (True, True, True, True),  # ... or c
        (False, False, False, False),
    ],
)
def test_not_binds_tighter_than_and_which_binds_tighter_than_or(a, b, c, expected):
    assert holds("not ${a} and ${b} or ${c}", a=a, b=b, c=c) is expected


def test_parentheses_override_precedence():
    assert holds("${a} or ${b} and ${c}", a=True, b=False, c=False) is True
    assert holds("(${a} or ${b}) and ${c}", a=True, b=False, c=False) is False
    assert holds("not (${a} and ${b})", a=True, b=False) is True
    assert holds("not ${a} and ${b}", a=True, b=False) is False


def test_not_applies_to_a_whole_comparison():
    assert holds("not ${estado} == 'listo'", estado="pendiente") is True
    assert holds("not ${estado} == 'listo'", estado="listo") is False


def test_not_applies_to_exists():
    assert holds("not ${x} exists") is True
    assert holds("not ${x} exists", x="algo") is False


def test_not_can_be_repeated():
    assert holds("not not ${a}", a=True) is True


def test_and_or_short_circuit_and_give_booleans():
    calls: list[str] = []

    class Recording(dict):
        def get(self, key, default=None):
            calls.append(key)
            return super().get(key, default)

    assert parse_condition("${a} or ${b}").evaluate(Recording(a="sí", b=1)) is True
    assert calls == ["a"]
    calls.clear()
    assert parse_condition("${a} and ${b}").evaluate(Recording(a="no", b=1)) is False
    assert calls == ["a"]


# --------------------------------------------------------------------------- operators


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("${n} == 5", True),
        ("${n} != 5", False),
        ("${n} < 6", True),
        ("${n} < 5", False),
        ("${n} <= 5", True),
        ("${n} > 4", True),
        ("${n} > 5", False),
        ("${n} >= 5", True),
        ("${n} >= 5.5", False),
        ("${n} in [1, 5, 9]", True),
        ("${n} not in [1, 5, 9]", False),
        ("${n} > -1", True),
        ("${n} < - 1", False),
    ],
)
def test_every_comparison_operator_on_numbers(source, expected):
    assert holds(source, n=5) is expected


def test_contains_finds_text_inside_text_and_items_inside_lists():
    assert holds("${mensaje} contains 'factura'", mensaje="quiero mi FACTURA de marzo") is True
    assert holds("${mensaje} contains 'recibo'", mensaje="quiero mi factura") is False
    assert holds("${etiquetas} contains 'vip'", etiquetas=["nuevo", "VIP"]) is True
    assert holds("${etiquetas} contains 'vip'", etiquetas=["nuevo"]) is False


def test_in_finds_a_value_in_a_list_or_inside_text():
    assert holds("${canal} in ['whatsapp', 'telegram']", canal="WhatsApp") is True
    assert holds("${canal} in ['whatsapp', 'telegram']", canal="email") is False
    assert holds("'mar' in ${mes}", mes="Marzo") is True
    assert holds("${canal} in ${permitidos}", canal="web", permitidos=["web", "email"]) is True


def test_lists_may_mix_literals_and_variables():
    assert holds("${a} in [${b}, 'x', 3, true, null]", a="z", b="Z") is True
    assert holds("${a} in []", a="z") is False


def test_keywords_and_literals_are_case_insensitive():
    assert holds("NOT ${a} AND ${b} Or ${c} == NULL", a=False, b=True) is True
    assert holds("${x} Exists And ${x} CONTAINS 'a' and ${x} Not In ['b'] and ${f} == FALSE", x="a", f=False) is True
    assert holds("${t} == True", t=True) is True


# --------------------------------------------------------------------------- types


def test_numbers_and_numeric_text_compare_as_numbers():
    assert holds("${edad} == 18", edad="18") is True
    assert holds("${edad} == 18", edad=" 18.0 ") is True
    assert holds("${edad} >= 18", edad="9") is False  # as text "9" > "18"
    assert holds("${monto} > 100.5", monto="1000") is True
    assert holds("${edad} == '18'", edad=18) is True
    assert holds("${n} == -3", n="-3") is True


def test_two_numeric_texts_order_as_numbers_other_texts_alphabetically():
    assert holds("${a} < ${b}", a="9", b="10") is True
    assert holds("${a} < ${b}", a="abeja", b="Zorro") is True
    assert holds("${a} < ${b}", a="b", b="A") is False


def test_a_number_never_equals_or_orders_with_text_that_is_not_a_number():
    assert holds("${n} == 'cinco'", n=5) is False
    assert holds("${n} != 'cinco'", n=5) is True
    assert holds("${n} < 'cinco'", n=5) is False
    assert holds("${n} > 'cinco'", n=5) is False
    assert holds("${n} == 1000", n="1e3") is False  # only plain decimal notation reads as a number
    assert holds("${n} == 0", n="nan") is False


def test_decimal_and_float_values_compare_with_number_literals():
    assert holds("${precio} == 10.5", precio=Decimal("10.5")) is True
    assert holds("${precio} < 11", precio=10.5) is True


def test_booleans_equal_booleans_or_their_text_never_numbers():
    assert holds("${activo} == true", activo=True) is True
    assert holds("${activo} == true", activo="TRUE") is True
    assert holds("${activo} == false", activo="false") is True
    assert holds("${activo} == 1", activo=True) is False
    assert holds("${activo} != 1", activo=True) is True


def test_ordering_with_a_boolean_is_false_and_never_raises():
    for operator in ("<", "<=", ">", ">="):
        assert holds(f"${{activo}} {operator} 1", activo=True) is False
        assert holds(f"${{activo}} {operator} true", activo=True) is False


def test_null_equals_only_a_missing_or_null_value():
    assert holds("${x} == null") is True
    assert holds("${x} == null", x=None) is True
    assert holds("${x} == null", x="") is False
    assert holds("${x} != null", x=0) is True
    assert holds("null == null") is True


def test_ordering_with_null_is_false_and_never_raises():
    for operator in ("<", "<=", ">", ">="):
        assert holds(f"${{x}} {operator} 1") is False
        assert holds(f"1 {operator} ${{x}}") is False
        assert holds(f"${{x}} {operator} null") is False


def test_lists_equal_lists_item_by_item():
    assert holds("${x} == ['a', 1]", x=["A", "1"]) is True
    assert holds("${x} == ['a', 1]", x=["A"]) is False


def test_values_of_other_kinds_never_make_evaluation_raise():
    weird = {"d": {"k": 1}, "o": object(), "lst": [1]}
    for source in ("${d} == 1", "${d} < 1", "${o} > ${o}", "${lst} < 2", "'k' in ${d}", "${o} contains 'x'",
                   "${lst} in 'abc'", "true in 'true'"):
        assert isinstance(parse_condition(source).evaluate(weird), bool)


# --------------------------------------------------------------------------- missing variables and exists


def test_a_missing_variable_is_null_and_compares_false_to_text_and_numbers():
    assert holds("${nadie} == 'x'") is False
    assert holds("${nadie} != 'x'") is True
    assert holds("${nadie} == 0") is False
    assert holds("${nadie} in ['a']") is False
    assert holds("${nadie} not in ['a']") is True
    assert holds("${nadie} contains 'a'") is False
    assert holds("'a' in ${nadie}") is False
    assert holds("${nadie}") is False


@pytest.mark.parametrize(
    ("value", "exists"),
    [("listo", True), (0, True), (False, True), ([], True), ("", False), ("   ", False), (None, False)],
)
def test_exists_means_present_not_null_and_not_empty_text(value, exists):
    assert holds("${estado} exists", estado=value) is exists


def test_exists_only_follows_a_variable():
    assert "'exists' must follow a variable" in str(refused("'x' exists"))


# --------------------------------------------------------------------------- text folding


def test_text_equality_ignores_case_accents_and_surrounding_blanks():
    # Customers type "cordoba" for "Córdoba"; conditions should still match.
    assert holds("${ciudad} == 'Córdoba'", ciudad="cordoba") is True
    assert holds("${ciudad} == 'cordoba'", ciudad=" CÓRDOBA ") is True
    assert holds("${ciudad} != 'Córdoba'", ciudad="CORDOBA") is False
    assert holds("${ciudad} in ['Córdoba', 'Rosario']", ciudad="cordoba") is True
    assert holds("${ciudad} contains 'cord'", ciudad="Córdoba Capital") is True


def test_the_enye_stays_distinct_from_n_because_it_changes_meaning():
    assert holds("${palabra} == 'año'", palabra="AÑO") is True
    assert holds("${palabra} == 'año'", palabra="ano") is False


def test_text_ordering_ignores_case_and_accents_consistently_with_equality():
    assert holds("${a} <= 'cordoba'", a="Córdoba") is True
    assert holds("${a} >= 'cordoba'", a="Córdoba") is True
    assert holds("${a} < 'cordoba'", a="Córdoba") is False


def test_quotes_and_backslashes_can_be_escaped_in_text():
    assert holds(r'${t} == "dijo \"hola\""', t='dijo "hola"') is True
    assert holds(r"${t} == 'it\'s'", t="it's") is True
    assert holds(r"${t} == 'a\\b'", t="a\\b") is True
    assert holds("${t} == 'say \"hi\"'", t='say "hi"') is True


# --------------------------------------------------------------------------- truthiness of bare operands


@pytest.mark.parametrize("value", [None, False, 0, 0.0, "", "  ", "false", "FALSE", "no", "No", "0", "0.0", []])
def test_a_bare_operand_is_false_for_empty_zero_and_negative_words(value):
    assert holds("${mantenimiento}", mantenimiento=value) is False


@pytest.mark.parametrize("value", [True, 1, -2, 0.5, "sí", "true", "yes", "cualquier cosa", ["a"]])
def test_a_bare_operand_is_true_otherwise(value):
    assert holds("${mantenimiento}", mantenimiento=value) is True


def test_bare_literals_follow_the_same_truthiness():
    assert holds("true") is True
    assert holds("false") is False
    assert holds("'no'") is False
    assert holds("1") is True
    assert holds("null") is False


# --------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("source", "column", "fragment"),
    [
        ("${nombre} == 'Ana", 14, "not closed; expected a closing '"),
        ("${estado} ==", 13, "expected a value after '==', found end of condition"),
        ("${a} and", 9, "expected a value after 'and', found end of condition"),
        ("${a} == 1 @ 2", 11, "unexpected character '@'"),
        ("${a} < 1 < 2", 10, "comparisons cannot be chained"),
        ("", 1, "the condition is empty"),
        ("   ", 1, "the condition is empty"),
        ("(${a} == 1", 11, "expected ')' after '1' to close the '(' at column 1, found end of condition"),
        ("${a} == 1)", 10, "')' without a matching '('"),
        ("${estado == 1", 10, "expected '}' to close '${estado', found '='"),
        ("${", 3, "expected a variable name after '${', found end of condition"),
        ("${} == 1", 3, "expected a variable name after '${', found '}'"),
        ("estado == 'listo'", 1, "unknown word 'estado'; write a variable as ${estado}"),
        ("${a} = 1", 6, "write '==' to compare"),
        ("${a} ! 1", 6, "write '!=' to compare or 'not' to negate"),
        ("${a} && ${b}", 6, "write 'and'"),
        ("${a} == “x”", 9, "use straight quotes"),
        ("${a} ${b}", 6, "expected 'and', 'or' or end of condition after '${a}', found '${b}'"),
        ("${a} not == 1", 10, "expected 'in' after 'not', found '=='"),
        ("${a} in [1, 2", 14, "expected ',' or ']' after '2' to close the '[' at column 9"),
        ("${a} in [1,]", 12, "expected a value after ','"),
        ("${a} == -${b}", 10, "expected a number after '-'"),
        ("${a} == 1.", 11, "expected digits after '1.'"),
        ("${a} == 'x\\n'", 11, "unknown escape"),
        ("== 1", 1, "expected a value, found '=='"),
        ("$a", 2, "expected '{' after '$'"),
        ("() ", 2, "expected a value after '(', found ')'"),
    ],
)
def test_syntax_errors_name_the_column_and_what_was_expected(source, column, fragment):
    error = refused(source)
    assert error.column == column
    assert error.position == column - 1
    assert str(error).startswith(f"column {column}: ")
    assert fragment in str(error)


def test_expression_errors_are_bot_definition_errors_so_the_loader_reports_them():
    with pytest.raises(BotDefinitionError):
        parse_condition("${a} ==")


def test_a_condition_longer_than_the_limit_is_refused():
    error = refused("${a} or " * (MAX_LENGTH // 8) + "${b}")
    assert f"the limit is {MAX_LENGTH}" in str(error)


def test_nesting_deeper_than_the_limit_is_refused_with_a_clear_message():
    deep = "(" * (MAX_DEPTH + 1) + "${a}" + ")" * (MAX_DEPTH + 1)
    assert f"nests deeper than {MAX_DEPTH} levels" in str(refused(deep))
    assert f"nests deeper than {MAX_DEPTH} levels" in str(refused("not " * (MAX_DEPTH + 1) + "${a}"))
    fine = "(" * MAX_DEPTH + "${a}" + ")" * MAX_DEPTH
    assert parse_condition(fine).evaluate({"a": True}) is True


def test_a_condition_that_is_not_text_is_refused():
    assert "must be text" in str(refused(True))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- safety


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "__import__('os').system('touch /tmp/pwned')",
        "1; import os",
        "${a}; import os",
        "open('/etc/passwd')",
        "${a}.__class__",
        "lambda: 1",
        "{{ 7*7 }}",
        "[x for x in ()]",
        "${a} == `id`",
    ],
)
def test_attempts_at_code_execution_are_syntax_errors(source):
    refused(source)


def test_dunder_names_inside_a_variable_are_only_missing_variables():
    condition = parse_condition("${a.__class__} exists or ${__builtins__} == 'x'")
    assert condition.variables == frozenset({"a.__class__", "__builtins__"})
    assert condition.evaluate({"a": "texto"}) is False


def test_a_variable_is_a_plain_key_lookup_never_attribute_access():
    class Secret:
        name = "leak"

    assert holds("${contact.name} == 'leak'", contact=Secret()) is False
    assert holds("${contact.name} == 'Ana'", **{"contact.name": "Ana"}) is True


# --------------------------------------------------------------------------- convenience


def test_evaluate_condition_parses_once_and_reuses_the_parsed_condition():
    expressions._parse_cached.cache_clear()
    assert evaluate_condition("${n} > 1", {"n": 2}) is True
    assert evaluate_condition("${n} > 1", {"n": 0}) is False
    info = expressions._parse_cached.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_evaluate_condition_reports_syntax_errors_too():
    with pytest.raises(ExpressionError):
        evaluate_condition("${n} >", {"n": 2})
