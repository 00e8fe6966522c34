"""Answers to ``ask``: the declared variable types and how a customer's answer is checked and normalised.

A variable type (../../shared/BOT_FORMAT.md) is one of
``text | number | email | phone | date | entity:<name> | regex:<pattern>``. ``parse_answer_type``
turns it into an ``AnswerType`` once, when the bot is loaded; ``validate_answer`` checks an answer
and returns the value to store in the variable, or a short reason code from which the engine picks
the retry prompt.

Reason codes: ``empty``, ``too_long`` (text), ``not_a_number``, ``invalid_email``,
``invalid_phone`` (characters a phone number cannot hold), ``too_few_digits``, ``too_many_digits``,
``unknown_date`` (not read as a date), ``impossible_date`` (read, but no such day: 31/02),
``not_in_list`` (entity), ``no_match`` (regex), ``ambiguous`` (a sentence holding two different values).

Customers answer in sentences: "mi mail es ana@example.com", "es el pedido 123456", "el 5 de marzo",
"my number is +1 415 555 0100". The whole message is read first, as the type's rules say; when it is not a
value and holds letters (a sentence, not a mistyped value such as "12." or "54+11 4321 5678"), the value is
looked for inside it: one value found is the answer, two different ones are ``ambiguous`` and the question
is asked again. Free text (``text``) is always the whole message.

Language matters where people write differently: number separators ("1.500" is fifteen hundred in
es/pt, one and a half in en), spelled-out numbers, numeric date order (en month/day, es and pt
day/month) and the words of dates (today, weekdays, month names). Each bot speaks one language, so
only that language's words are read.

Dates without a year ("25/12", "25 de diciembre") mean the next occurrence on or after ``today``;
a weekday ("el lunes", "next monday") means its next occurrence strictly after ``today``, so
"lunes" said on a Monday is a week later.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType
from typing import Any

LANGUAGES = ("es", "en", "pt")
KINDS = ("text", "number", "email", "phone", "date", "entity", "regex")
TEXT_MAX_CHARS = 1000
PHONE_MIN_DIGITS = 7
PHONE_MAX_DIGITS = 15  # E.164
# A typo is forgiven when the answer is this close to one entity value and clearly closer to it
# than to any other value (by FUZZY_MARGIN), so "cordova" is Córdoba but a half-typed name that
# fits two values is asked again.
FUZZY_MIN_RATIO = 0.85
FUZZY_MARGIN = 0.05
# Below this length one wrong letter changes the word ("cba", Córdoba's nickname, is one letter off
# "caba"), so short answers must match exactly.
FUZZY_MIN_CHARS = 5

EMPTY = "empty"
TOO_LONG = "too_long"
NOT_A_NUMBER = "not_a_number"
INVALID_EMAIL = "invalid_email"
INVALID_PHONE = "invalid_phone"
TOO_FEW_DIGITS = "too_few_digits"
TOO_MANY_DIGITS = "too_many_digits"
UNKNOWN_DATE = "unknown_date"
IMPOSSIBLE_DATE = "impossible_date"
NOT_IN_LIST = "not_in_list"
NO_MATCH = "no_match"
AMBIGUOUS = "ambiguous"
# Fuzzy entity matching inside a sentence compares every run of words with every value: bounded so that a
# pasted paragraph costs milliseconds, not seconds.
FUZZY_SENTENCE_MAX_WORDS = 40


def _fold(text: str) -> str:
    """Lower case, accents off (ñ too: customers often type "manana"), anything else than letters
    and digits to single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", stripped).split())


def _language(language: str) -> str:
    # "es-AR" and "pt_BR" read as their base language.
    base = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    if base not in LANGUAGES:
        raise ValueError(f"language {language!r} is not supported; expected one of {', '.join(LANGUAGES)}")
    return base


# --- entities and types -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    """A closed list of values a customer may answer, each with optional synonyms."""

    name: str
    values: tuple[str, ...]
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    @classmethod
    def from_spec(cls, name: str, spec: Any) -> Entity:
        """Build from the YAML shape ``{values: [..], synonyms: {value: [..]}}``; ValueError says what is wrong."""
        where = f"entity {name!r}"
        if not isinstance(spec, Mapping):
            raise ValueError(f"{where}: expected a mapping with 'values' (and optional 'synonyms')")
        unknown = sorted(str(key) for key in spec if key not in ("values", "synonyms"))
        if unknown:
            raise ValueError(f"{where}: unknown key {unknown[0]!r}; expected 'values' and optional 'synonyms'")
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise ValueError(f"{where}: 'values' must be a non-empty list of texts")
        for index, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{where}: values[{index}] must be a non-empty text, got {value!r}")
        raw_synonyms = spec.get("synonyms") or {}
        if not isinstance(raw_synonyms, Mapping):
            raise ValueError(f"{where}: 'synonyms' must be a mapping of value -> list of synonyms")
        synonyms: dict[str, tuple[str, ...]] = {}
        for value, words in raw_synonyms.items():
            if value not in values:
                raise ValueError(f"{where}: synonyms key {value!r} is not among values ({', '.join(values)})")
            if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
                raise ValueError(f"{where}: synonyms of {value!r} must be a list of non-empty texts")
            synonyms[value] = tuple(words)
        entity = cls(name, tuple(values), MappingProxyType(synonyms))
        entity.lookup  # noqa: B018 - builds the table now so ambiguous words fail at load time
        return entity

    @cached_property
    def lookup(self) -> Mapping[str, str]:
        """Folded value or synonym -> canonical value."""
        table: dict[str, str] = {}
        for value in self.values:
            for word in (value, *self.synonyms.get(value, ())):
                key = _fold(word)
                if not key:
                    raise ValueError(f"entity {self.name!r}: {word!r} has no letters or digits")
                if table.setdefault(key, value) != value:
                    raise ValueError(f"entity {self.name!r}: {word!r} names both {table[key]!r} and {value!r}")
        return MappingProxyType(table)

    def match(self, answer: str) -> str | None:
        """The canonical value the answer names, forgiving case, accents, punctuation and small typos."""
        key = _fold(answer)
        if not key:
            return None
        if key in self.lookup:
            return self.lookup[key]
        if len(key) < FUZZY_MIN_CHARS:
            return None
        best: dict[str, float] = {}
        for candidate, value in self.lookup.items():
            ratio = difflib.SequenceMatcher(None, key, candidate).ratio()
            best[value] = max(best.get(value, 0.0), ratio)
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
        value, ratio = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if ratio >= FUZZY_MIN_RATIO and ratio - runner_up >= FUZZY_MARGIN:
            return value
        return None


@dataclass(frozen=True)
class AnswerType:
    """A parsed variable type: ``kind`` is one of KINDS; ``entity``/``pattern`` are set for those kinds."""

    kind: str
    spec: str
    entity: Entity | None = None
    pattern: re.Pattern[str] | None = None
    # The pattern without its ^/$ anchors, between word boundaries: finds the value inside a sentence.
    inner_pattern: re.Pattern[str] | None = field(default=None, compare=False)


def parse_answer_type(spec: str, entities: Mapping[str, Entity]) -> AnswerType:
    """Read a declared type (``email``, ``entity:provincias``, ``regex:^[0-9]{6}$``...); ValueError when wrong."""
    text = spec.strip() if isinstance(spec, str) else ""
    kind, colon, argument = text.partition(":")
    kind = kind.strip().lower()
    if kind == "entity" and colon:
        name = argument.strip()
        if name not in entities:
            known = ", ".join(sorted(entities)) or "none"
            raise ValueError(f"entity {name!r} is not defined; known: {known}")
        return AnswerType("entity", text, entity=entities[name])
    if kind == "regex" and colon:
        if not argument:
            raise ValueError("regex type needs a pattern after 'regex:'")
        try:
            pattern = re.compile(argument)
        except re.error as exc:
            raise ValueError(f"invalid regex {argument!r}: {exc}") from exc
        return AnswerType("regex", text, pattern=pattern, inner_pattern=_unanchored(argument))
    if not colon and kind in KINDS and kind not in ("entity", "regex"):
        return AnswerType(kind, text)
    raise ValueError(
        f"unknown answer type {spec!r}; expected text, number, email, phone, date, entity:<name> or regex:<pattern>")


# --- validation ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerResult:
    ok: bool
    value: Any = None
    reason: str = ""


def _accept(value: Any) -> AnswerResult:
    return AnswerResult(True, value, "")


def _reject(reason: str) -> AnswerResult:
    return AnswerResult(False, None, reason)


def validate_answer(answer_type: AnswerType, text: str, language: str, today: date) -> AnswerResult:
    """Check an answer against its type; on success ``value`` is what the variable stores.

    The whole message first; if it is not a value but a sentence, the one value inside it (module doc)."""
    language = _language(language)
    answer = text.strip()
    if not answer:
        return _reject(EMPTY)
    if answer_type.kind == "text":
        return _accept(answer) if len(answer) <= TEXT_MAX_CHARS else _reject(TOO_LONG)
    whole = _validate_whole(answer_type, answer, language, today)
    if whole.ok or not _is_sentence(answer):
        return whole
    found = _found_in_sentence(answer_type, answer, language, today)
    values = _distinct(found.values)
    if len(values) == 1:
        return _accept(values[0])
    if len(values) > 1:
        return _reject(AMBIGUOUS)
    return _reject(found.reason or whole.reason)


def _validate_whole(answer_type: AnswerType, answer: str, language: str, today: date) -> AnswerResult:
    kind = answer_type.kind
    if kind == "number":
        number = parse_number(answer, language)
        return _reject(NOT_A_NUMBER) if number is None else _accept(number)
    if kind == "email":
        return _validate_email(answer)
    if kind == "phone":
        return _validate_phone(answer)
    if kind == "date":
        return _validate_date(answer, language, today)
    if kind == "entity" and answer_type.entity is not None:
        value = answer_type.entity.match(answer)
        return _reject(NOT_IN_LIST) if value is None else _accept(value)
    if kind == "regex" and answer_type.pattern is not None:
        return _accept(answer) if answer_type.pattern.fullmatch(answer) else _reject(NO_MATCH)
    raise ValueError(f"answer type {answer_type.spec!r} cannot validate answers")


# --- numbers ------------------------------------------------------------------------------------------

_SPELLED = {
    "es": ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once",
           "doce", "trece", "catorce", "quince", "dieciseis", "diecisiete", "dieciocho", "diecinueve", "veinte"],
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
           "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"],
    "pt": ["zero", "um", "dois", "tres", "quatro", "cinco", "seis", "sete", "oito", "nove", "dez", "onze", "doze",
           "treze", "catorze", "quinze", "dezesseis", "dezessete", "dezoito", "dezenove", "vinte"],
}
# Feminine and regional forms ("una persona", "duas", Portugal's "dezasseis").
_SPELLED_EXTRA = {
    "es": {"un": 1, "una": 1, "diez y seis": 16, "diez y siete": 17, "diez y ocho": 18, "diez y nueve": 19},
    "en": {},
    "pt": {"uma": 1, "duas": 2, "quatorze": 14, "dezasseis": 16, "dezassete": 17, "dezanove": 19},
}
NUMBER_WORDS: dict[str, dict[str, int]] = {
    language: {**{word: n for n, word in enumerate(words)}, **_SPELLED_EXTRA[language]}
    for language, words in _SPELLED.items()
}
_NUMERAL = re.compile(r"([+\-\u2212]?)\s*(\d[\d.,]*)")
_GROUPED = re.compile(r"\d{1,3}(?:X\d{3})+")  # X stands for the thousands separator


def _grouped(digits: str, separator: str) -> bool:
    return bool(_GROUPED.fullmatch(digits.replace(separator, "X")))


def parse_number(text: str, language: str) -> int | float | None:
    """A number as people write it in the language: int when whole, float otherwise, None if not a number.

    With both separators ("1.500,25", "1,500.25") the last one is the decimal mark whatever the
    language. With one kind only, the language decides: in es/pt "," is decimal and "." groups
    thousands ("1.500" = 1500); in en the other way round. A thousands mark that is not followed by
    groups of three digits ("1.5" in es) is read as a decimal mark, which is what the writer meant.
    """
    language = _language(language)
    folded = _fold(text)
    if folded in NUMBER_WORDS[language]:
        return NUMBER_WORDS[language][folded]
    match = _NUMERAL.fullmatch(text.strip())
    if not match:
        return None
    sign, body = match.groups()
    if body[-1] in ".,":
        return None
    decimal_mark, thousands = (".", ",") if language == "en" else (",", ".")
    marks = [c for c in body if c in ".,"]
    if len(set(marks)) == 2:
        decimal_mark = marks[-1]
        thousands = "," if decimal_mark == "." else "."
        if body.count(decimal_mark) != 1:
            return None
        whole, fraction = body.split(decimal_mark)
        if not _grouped(whole, thousands):
            return None
        digits = whole.replace(thousands, "") + "." + fraction
    elif len(marks) > 1:
        # One kind, several times: only thousands can repeat ("1.500.000").
        if not _grouped(body, marks[0]):
            return None
        digits = body.replace(marks[0], "")
    elif len(marks) == 1:
        mark = marks[0]
        if mark == thousands and _grouped(body, thousands):
            digits = body.replace(thousands, "")
        else:
            digits = body.replace(mark, ".")
    else:
        digits = body
    number = Decimal(digits)
    if sign in ("-", "\u2212"):
        number = -number
    if number == number.to_integral_value():
        return int(number)
    return float(number)


# --- email and phone ----------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
_PHONE = re.compile(r"\+?[\d\s().\-]+")


def _validate_email(answer: str) -> AnswerResult:
    # People paste addresses from mail clients as "<ana@example.com>".
    address = answer.removeprefix("<").removesuffix(">").strip() if answer.startswith("<") else answer
    match = _EMAIL.fullmatch(address)
    if not match or len(match["local"]) > 64 or len(address) > 254:
        return _reject(INVALID_EMAIL)
    # Domains are case-insensitive; local parts may not be, so they stay as typed.
    return _accept(f"{match['local']}@{match['domain'].lower()}")


def _validate_phone(answer: str) -> AnswerResult:
    if not _PHONE.fullmatch(answer):
        return _reject(INVALID_PHONE)
    digits = re.sub(r"\D", "", answer)
    international = answer.startswith("+")
    if not international and digits.startswith("00"):
        international, digits = True, digits[2:]
    if not digits:
        return _reject(INVALID_PHONE)
    if len(digits) < PHONE_MIN_DIGITS:
        return _reject(TOO_FEW_DIGITS)
    if len(digits) > PHONE_MAX_DIGITS:
        return _reject(TOO_MANY_DIGITS)
    return _accept(f"+{digits}" if international else digits)


# --- dates --------------------------------------------------------------------------------------------

_MONTHS_RAW = {
    "es": ["enero ene", "febrero feb", "marzo mar", "abril abr", "mayo may", "junio jun", "julio jul",
           "agosto ago", "septiembre setiembre sep sept set", "octubre oct", "noviembre nov", "diciembre dic"],
    "en": ["january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul", "august aug",
           "september sep sept", "october oct", "november nov", "december dec"],
    "pt": ["janeiro jan", "fevereiro fev", "marco mar", "abril abr", "maio mai", "junho jun", "julho jul",
           "agosto ago", "setembro set", "outubro out", "novembro nov", "dezembro dez"],
}
MONTHS: dict[str, dict[str, int]] = {
    language: {word: n for n, words in enumerate(names, start=1) for word in words.split()}
    for language, names in _MONTHS_RAW.items()
}
# Monday is 0, as date.weekday(). No short forms in es/pt: "mar" is also March there.
_WEEKDAYS_RAW = {
    "es": ["lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo"],
    "en": ["monday mon", "tuesday tue tues", "wednesday wed", "thursday thu thur thurs", "friday fri",
           "saturday sat", "sunday sun"],
    "pt": ["segunda", "terca", "quarta", "quinta", "sexta", "sabado", "domingo"],
}
WEEKDAYS: dict[str, dict[str, int]] = {
    language: {word: n for n, words in enumerate(names) for word in words.split()}
    for language, names in _WEEKDAYS_RAW.items()
}
# "segunda-feira" folds to "segunda feira".
WEEKDAYS["pt"].update({f"{day} feira": n for n, day in enumerate(_WEEKDAYS_RAW["pt"][:5])})
RELATIVE_DAYS = {
    "es": {"hoy": 0, "manana": 1, "pasado manana": 2},
    "en": {"today": 0, "tomorrow": 1, "day after tomorrow": 2},
    "pt": {"hoje": 0, "amanha": 1, "depois de amanha": 2},
}
# Leading words that do not change the day: "el lunes", "on monday", "next friday", "na segunda".
_FILLERS = {
    "es": {"el", "este", "esta", "proximo", "proxima", "para", "dia"},
    "en": {"on", "next", "this", "the", "coming"},
    "pt": {"na", "no", "a", "o", "proxima", "proximo", "nesta", "neste", "esta", "este", "para", "pra", "dia"},
}
_CONNECTORS = {"de", "del", "of"}
_ISO_DATE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_NUMERIC_DATE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})(?:\2(\d{4}|\d{2}))?")
_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th|o|a|ro|er)?")
_YEAR = re.compile(r"\d{4}")


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_occurrence(month: int, day: int, today: date) -> date | None:
    # Nine years always include a leap year, so 29/02 is found and 31/02 is not.
    for year in range(today.year, today.year + 9):
        candidate = _make_date(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _numeric_date(first: str, second: str, year: str | None, language: str, today: date) -> date | None:
    """"25/12[/2026]" read in the language's order (en month first); None when there is no such day."""
    month, day = (int(first), int(second)) if language == "en" else (int(second), int(first))
    if year is None:
        return _next_occurrence(month, day, today)
    return _make_date(int(year) + (2000 if len(year) == 2 else 0), month, day)


def _dated(candidate: date | None) -> AnswerResult:
    return _accept(candidate.isoformat()) if candidate else _reject(IMPOSSIBLE_DATE)


def _validate_date(answer: str, language: str, today: date) -> AnswerResult:
    words = answer.split()
    while len(words) > 1 and _fold(words[0]) in _FILLERS[language]:
        words = words[1:]
    core = " ".join(words).strip(" .,;!?¡¿")

    if match := _ISO_DATE.fullmatch(core):
        return _dated(_make_date(int(match[1]), int(match[3]), int(match[4])))
    if match := _NUMERIC_DATE.fullmatch(core):
        return _dated(_numeric_date(match[1], match[3], match[4], language, today))

    folded = _fold(core)
    if folded in RELATIVE_DAYS[language]:
        return _accept((today + timedelta(days=RELATIVE_DAYS[language][folded])).isoformat())
    if folded in WEEKDAYS[language]:
        ahead = (WEEKDAYS[language][folded] - today.weekday() - 1) % 7 + 1
        return _accept((today + timedelta(days=ahead)).isoformat())
    return _month_name_date(folded.split(), language, today)


def _month_name_date(tokens: list[str], language: str, today: date) -> AnswerResult:
    """"25 de diciembre [de 2026]", "December 25[, 2026]", "25th of December 2026", "25 dez"."""
    tokens = [t for t in tokens if t not in _CONNECTORS]
    months = MONTHS[language]
    year: int | None = None
    if len(tokens) == 3 and _YEAR.fullmatch(tokens[2]):
        year = int(tokens[2])
        tokens = tokens[:2]
    if len(tokens) != 2:
        return _reject(UNKNOWN_DATE)
    if tokens[1] in months and (day := _DAY.fullmatch(tokens[0])):
        month, day_number = months[tokens[1]], int(day[1])
    elif tokens[0] in months and (day := _DAY.fullmatch(tokens[1])):
        month, day_number = months[tokens[0]], int(day[1])
    else:
        return _reject(UNKNOWN_DATE)
    if year is None:
        return _dated(_next_occurrence(month, day_number, today))
    return _dated(_make_date(year, month, day_number))


# --- values inside a sentence -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """The values a sentence holds (repeats included) or, when none, the reason the closest miss gives."""

    values: tuple[Any, ...] = ()
    reason: str = ""


def _is_sentence(answer: str) -> bool:
    # Only words make a sentence: "12." or "54+11 4321 5678" are values typed wrong, and must stay refused.
    return any(c.isalpha() for c in answer)


def _distinct(values: tuple[Any, ...]) -> list[Any]:
    # The same value twice ("Córdoba, sí, Córdoba") is one answer; emails differ only by their local part's case.
    kept: dict[Any, Any] = {}
    for value in values:
        kept.setdefault(value.lower() if isinstance(value, str) else value, value)
    return list(kept.values())


def _found_in_sentence(answer_type: AnswerType, answer: str, language: str, today: date) -> _Found:
    kind = answer_type.kind
    if kind == "number":
        return _numbers_in(answer, language)
    if kind == "email":
        checked = (_validate_email(match[0]) for match in _EMAIL_IN_SENTENCE.finditer(answer))
        return _Found(tuple(result.value for result in checked if result.ok))
    if kind == "phone":
        return _phones_in(answer)
    if kind == "date":
        return _dates_in(answer, language, today)
    if kind == "entity" and answer_type.entity is not None:
        return _Found(_entity_values_in(answer_type.entity, answer))
    if kind == "regex" and answer_type.inner_pattern is not None:
        return _Found(tuple(m[0] for m in answer_type.inner_pattern.finditer(answer) if m[0]))
    return _Found()


# Digits not glued to letters on either side: "pedido 123456" holds 123456, "A123" and "12abc" hold none.
_NUMERAL_IN_SENTENCE = re.compile(r"(?<![\w.,])[+\-\u2212]?\d[\d.,]*(?!\w)")
# In a sentence "un"/"una"/"um"/"uma" are articles far more often than "one": "es un pedido de tres cajas".
_ARTICLES = {"un", "una", "um", "uma"}


def _numbers_in(answer: str, language: str) -> _Found:
    """Numbers written with digits; spelled-out ones only when there are none ("somos tres")."""
    written = []
    for match in _NUMERAL_IN_SENTENCE.finditer(answer):
        number = parse_number(match[0].rstrip(".,"), language)
        if number is not None:
            written.append(number)
    if written:
        return _Found(tuple(written))
    words = NUMBER_WORDS[language]
    spelled = _phrase_positions(_fold(answer).split(), {w: n for w, n in words.items() if w not in _ARTICLES})
    return _Found(tuple(value for _, value in spelled))


# An address between characters an address cannot continue with: "ana..perez@x.com" holds no address.
_EMAIL_IN_SENTENCE = re.compile(r"(?<![A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-])" + _EMAIL.pattern + r"(?![\w@-])(?!\.\w)")
# Runs of what a phone number is written with; a run glued to letters is a code, not a phone.
_PHONE_RUN = re.compile(r"(?<!\w)[+\d(][\d \t().+\-]*(?!\w)")
# An extension ("int 3", "ext. 12", "x3") has no place in the stored digits: asked again rather than dropped.
_EXTENSION = re.compile(r"\b(?:int|interno|ext|extension|ramal|x)\s*\d")


def _phones_in(answer: str) -> _Found:
    if _EXTENSION.search(_fold(answer)):
        return _Found(reason=INVALID_PHONE)
    phones: list[str] = []
    misses: list[tuple[int, str]] = []
    for match in _PHONE_RUN.finditer(answer):
        run = match[0].rstrip(" \t.-(+")
        if run.endswith(")") and "(" not in run:
            run = run[:-1]
        if not any(c.isdigit() for c in run):
            continue
        result = _validate_phone(run)
        if result.ok:
            phones.append(result.value)
        else:
            misses.append((len(re.sub(r"\D", "", run)), result.reason))
    # No phone: the reason of the longest run of digits ("mi número es 4444": too few digits).
    return _Found(tuple(phones), max(misses)[1] if misses and not phones else "")


# Numeric dates inside a sentence. A "." date needs its year: "1.5" in a sentence is a number, not 1 May.
_ISO_DATE_IN = re.compile(r"(?<![\d/.\-])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d/\-]|\.\d)")
_NUMERIC_DATE_IN = re.compile(r"(?<![\d/.\-])(\d{1,2})([-/])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\d/\-]|\.\d)"
                              r"|(?<![\d/.\-])(\d{1,2})(\.)(\d{1,2})\.(\d{4}|\d{2})(?![\d/\-]|\.\d)")
# Spanish "mañana" is also "morning": "el lunes por la mañana" names one day, not two.
_NOT_TOMORROW_AFTER = {"es": {"la", "las", "esta"}, "en": set(), "pt": set()}
# Inside a sentence short English weekdays are other words ("sun", "sat"), and Portuguese "segunda"..
# "sexta" are also ordinals ("a segunda opção"): they name a day after these words or before "feira".
_WEEKDAY_ORDINALS_PT = {"segunda", "terca", "quarta", "quinta", "sexta"}
_BEFORE_WEEKDAY_PT = {"na", "nesta", "esta", "proxima", "pra", "ate", "toda"}


def _dates_in(answer: str, language: str, today: date) -> _Found:
    """Dates written with digits, month names, today/tomorrow words and weekdays, wherever they are.

    A weekday right before a calendar date ("el lunes 5 de marzo") is that date's name, not a second date.
    """
    found: list[date | None] = []
    for match in _ISO_DATE_IN.finditer(answer):
        found.append(_make_date(int(match[1]), int(match[3]), int(match[4])))
    for match in _NUMERIC_DATE_IN.finditer(answer):
        first, _, second, year = match.groups()[4:] if match[5] else match.groups()[:4]
        found.append(_numeric_date(first, second, year, language, today))
    tokens = _fold(answer).split()
    calendar_starts: set[int] = set()
    for start, value in _month_name_dates_in(tokens, language, today):
        calendar_starts.add(start)
        found.append(value)
    has_calendar_date = bool(found)
    for start, offset in _phrase_positions(tokens, RELATIVE_DAYS[language]):
        if tokens[start] == "manana" and start > 0 and tokens[start - 1] in _NOT_TOMORROW_AFTER[language]:
            continue
        found.append(today + timedelta(days=offset))
    for start, weekday in _phrase_positions(tokens, WEEKDAYS[language]):
        word = tokens[start]
        if language == "en" and word != _WEEKDAYS_RAW["en"][weekday].split()[0]:
            continue
        followed_by_feira = start + 1 < len(tokens) and tokens[start + 1] == "feira"
        after_preposition = start > 0 and tokens[start - 1] in _BEFORE_WEEKDAY_PT
        if language == "pt" and word in _WEEKDAY_ORDINALS_PT and not (followed_by_feira or after_preposition):
            continue
        if has_calendar_date and any(0 < s - start <= 2 for s in calendar_starts):
            continue  # "el lunes 5 de marzo", "monday, march 5"
        found.append(today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1))
    dates = tuple(d.isoformat() for d in found if d is not None)
    return _Found(dates, IMPOSSIBLE_DATE if None in found and not dates else "")


def _phrase_positions(tokens: list[str], table: Mapping[str, Any]) -> list[tuple[int, Any]]:
    """(start, value) of the table's phrases in the tokens, longest first, without overlaps."""
    longest = max((len(key.split()) for key in table), default=0)
    used = [False] * len(tokens)
    found: list[tuple[int, Any]] = []
    for size in range(min(longest, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            phrase = " ".join(tokens[start:start + size])
            if phrase in table and not any(used[start:start + size]):
                found.append((start, table[phrase]))
                used[start:start + size] = [True] * size
    return sorted(found, key=lambda item: item[0])


def _month_name_dates_in(tokens: list[str], language: str, today: date) -> list[tuple[int, date | None]]:
    """(first token, date or None when impossible) of "5 de marzo [de 2027]", "March 5[, 2027]",
    "the 5th of March", "5 março" in the tokens. A month word counts only next to a day number, so
    "el mar" or "you may" are not dates."""
    months = MONTHS[language]
    found: list[tuple[int, date | None]] = []

    def day_at(index: int) -> int | None:
        if 0 <= index < len(tokens) and (day := _DAY.fullmatch(tokens[index])):
            return int(day[1])
        return None

    def year_at(index: int) -> int | None:
        if index < len(tokens) and tokens[index] in _CONNECTORS:
            index += 1
        return int(tokens[index]) if index < len(tokens) and _YEAR.fullmatch(tokens[index]) else None

    for index, token in enumerate(tokens):
        if token not in months:
            continue
        connected = index >= 2 and tokens[index - 1] in _CONNECTORS
        before = day_at(index - 2) if connected else day_at(index - 1)
        after = day_at(index + 1)
        # English writes "March 5" and "5 March"; es/pt "5 de marzo" (and sometimes "marzo 5").
        if after is not None and (language == "en" or before is None):
            start, day_number, year = index, after, year_at(index + 2)
        elif before is not None:
            start, day_number, year = index - (2 if connected else 1), before, year_at(index + 1)
        else:
            continue
        month = months[token]
        value = _next_occurrence(month, day_number, today) if year is None else _make_date(year, month, day_number)
        found.append((start, value))
    return found


def _entity_values_in(entity: Entity, answer: str) -> tuple[str, ...]:
    """Values and synonyms named in the sentence; if none is written exactly, one written with a small typo
    (in words without digits)."""
    tokens = _fold(answer).split()
    exact = tuple(value for _, value in _phrase_positions(tokens, entity.lookup))
    if exact or len(tokens) > FUZZY_SENTENCE_MAX_WORDS:
        return exact
    longest = max(len(key.split()) for key in entity.lookup)
    fuzzy = []
    for size in range(1, longest + 1):
        for start in range(len(tokens) - size + 1):
            words = " ".join(tokens[start:start + size])
            # A digit off is another thing ("10 giga" is not "1 giga"): words with digits must be exact.
            if any(c.isdigit() for c in words):
                continue
            if len(words) >= FUZZY_MIN_CHARS and (value := entity.match(words)) is not None:
                fuzzy.append(value)
    return tuple(fuzzy)


_GLOBAL_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")


def _unanchored(pattern: str) -> re.Pattern[str] | None:
    """The author's pattern made to find its value inside a sentence: ^/$ (\\A, \\Z) dropped, word boundaries
    around, so "^[0-9]{6}$" finds "123456" in "es el pedido 123456" and nothing in "1234567". None when the
    pattern cannot be taken apart that way (then only whole answers match)."""
    flags = _GLOBAL_FLAGS.match(pattern)
    prefix = flags[0] if flags else ""
    body = pattern[len(prefix):]
    for anchor in ("^", "\\A"):
        if body.startswith(anchor):
            body = body[len(anchor):]
    for anchor in ("$", "\\Z", "\\z"):
        escaped = len(body) - len(anchor) - len(body[: len(body) - len(anchor)].rstrip("\\"))
        if body.endswith(anchor) and escaped % 2 == 0:
            body = body[: -len(anchor)]
    try:
        return re.compile(rf"{prefix}(?<!\w)(?:{body})(?!\w)")
    except re.error:
        return None


# --- lint ---------------------------------------------------------------------------------------------

_PERSONAL_WORDS = ("email", "e mail", "mail", "correo", "telefono", "telefone", "celular", "whatsapp", "phone")
# Phrases that introduce why the data is asked. "para" covers "para que", "para poder" and
# "para que possamos"; they are listed to document what authors write.
_REASON_MARKERS = {
    "es": ("para", "para que", "para poder", "porque", "asi podemos", "asi te"),
    "en": ("so that", "so we can", "because", "in order to"),
    "pt": ("para", "pra", "para que", "para que possamos", "porque", "assim podemos"),
}
# In English "to" is a reason only before a verb ("to send you the receipt"), not in "reply to
# this" or "send it to us"; words that follow "to" without giving a purpose are listed here.
_NOT_A_PURPOSE_AFTER_TO = {
    "the", "a", "an", "this", "that", "these", "those", "us", "you", "me", "our", "your", "my", "them",
    "him", "her", "it", "its", "their", "here", "there", "whom", "which", "what",
}


def _has_reason(folded_prompt: str, language: str) -> bool:
    padded = f" {folded_prompt} "
    if any(f" {marker} " in padded for marker in _REASON_MARKERS[language]):
        return True
    if language == "en":
        words = folded_prompt.split()
        return any(w == "to" and i + 1 < len(words) and words[i + 1] not in _NOT_A_PURPOSE_AFTER_TO
                   for i, w in enumerate(words))
    return False


def asks_for_personal_data_without_reason(prompt: str, answer_type: AnswerType, language: str) -> bool:
    """Lint: True when a question asks for an email or phone and does not say what it is for.

    Personal data is asked when the type is ``email`` or ``phone`` or the prompt names one
    (email, e-mail, mail, correo, teléfono, telefone, celular, WhatsApp, phone). A reason is a purpose
    clause in the bot's language: es "para", "porque", "así podemos"; pt "para", "pra", "porque",
    "assim podemos"; en "so that", "so we can", "because", "in order to", or "to" before a verb.
    A word match, not understanding: it nudges authors, it does not prove consent.
    """
    language = _language(language)
    folded = _fold(prompt)
    padded = f" {folded} "
    personal = answer_type.kind in ("email", "phone") or any(f" {word} " in padded for word in _PERSONAL_WORDS)
    return personal and not _has_reason(folded, language)
