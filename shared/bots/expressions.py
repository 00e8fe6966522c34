"""``when:`` conditions: the project's own small, safe condition language.

A hand-written tokenizer and recursive-descent parser turn the text into a tree
of small node objects once, when the bot is loaded; evaluating it afterwards is
plain Python with no ``eval``, ``exec``, ``compile``, Jinja or attribute access.
A variable is only ever a key looked up in the mapping handed to ``evaluate``.

Grammar, lowest to highest precedence (keywords are case-insensitive)::

    condition  := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := postfix [compare_op postfix]      -- never chained: a < b < c is refused
    compare_op := "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in" | "contains"
    postfix    := primary ["exists"]                -- only after a variable
    primary    := ${name} | "text" | 'text' | number | "-" number | true | false | null
                | "[" [item ("," item)*] "]" | "(" or_expr ")"

Semantics, chosen because values collected from chat are text typed by customers:

* A missing variable is ``None``; ``${x} exists`` is true when ``x`` is present, not
  ``None`` and not empty (or only blanks) text.
* ``None`` equals only ``null``; ordering (``<`` ...) with ``None`` or a boolean is false.
* A number and text that reads as a number ("5", " 5.0 ", "-3") compare as numbers,
  both for equality and ordering; so do two texts that both read as numbers. Only
  plain decimal notation counts ("1e3", "nan", "1,5" stay text).
* Text comparisons (``==``, ``!=``, ordering, ``in``, ``contains``) ignore case, accents
  and, for equality and ordering, surrounding blanks: customers type "cordoba" for
  "Córdoba". The ñ is kept distinct from n, as in trigger matching, because it changes
  meaning in Spanish ("año" is not "ano").
* A boolean equals a boolean or the text "true"/"false"; never a number.
* ``in`` / ``contains`` test membership in a list or a substring of text.
* ``and`` / ``or`` short-circuit and give booleans. A bare operand is false when it is
  ``None``, ``false``, zero, an empty list, or text that is empty, "false", "no" or
  reads as the number zero.

Evaluation never raises for any values: a comparison that makes no sense is false.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from shared.bots.templates import format_value
from shared.kernel.errors import BotDefinitionError

MAX_LENGTH = 1000
MAX_DEPTH = 32

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_NUMBER_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_NUMERIC_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_KEYWORDS = frozenset({"and", "or", "not", "in", "contains", "exists"})
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_COMPARISON_SYMBOLS = ("==", "!=", "<=", ">=", "<", ">")
_ESCAPES = {'"': '"', "'": "'", "\\": "\\"}
_FALSE_WORDS = frozenset({"", "false", "no"})
# Hints for characters authors bring from other languages or word processors.
_CHARACTER_HINTS = {
    "&": "; write 'and'",
    "|": "; write 'or'",
    "“": "; use straight quotes \" or '",
    "”": "; use straight quotes \" or '",
    "‘": "; use straight quotes \" or '",
    "’": "; use straight quotes \" or '",
}


class ExpressionError(BotDefinitionError):
    """A condition does not parse.

    ``position`` is the 0-based offset into the condition text, ``column`` the 1-based
    column the message names ("column 12: expected a value after '==', found end of
    condition"). The loader adds the file, line and key around it.
    """

    def __init__(self, message: str, position: int) -> None:
        self.message = message
        self.position = position
        self.column = position + 1
        super().__init__(f"column {self.column}: {message}")


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # var | text | number | literal | keyword | compare | ( ) [ ] , - | end
    value: Any
    start: int
    end: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    length = len(source)
    while position < length:
        char = source[position]
        if char.isspace():
            position += 1
            continue
        start = position
        if char == "$":
            token = _read_variable(source, start)
        elif char in "\"'":
            token = _read_text(source, start)
        elif "0" <= char <= "9":
            token = _read_number(source, start)
        elif char.isalpha() or char == "_":
            token = _read_word(source, start)
        elif source.startswith(_COMPARISON_SYMBOLS, start):
            symbol = next(s for s in _COMPARISON_SYMBOLS if source.startswith(s, start))
            token = _Token("compare", symbol, start, start + len(symbol))
        elif char in "()[],-":
            token = _Token(char, char, start, start + 1)
        elif char == "=":
            raise ExpressionError("'=' is not an operator; write '==' to compare", start)
        elif char == "!":
            raise ExpressionError("'!' is not an operator; write '!=' to compare or 'not' to negate", start)
        else:
            raise ExpressionError(f"unexpected character {char!r}{_CHARACTER_HINTS.get(char, '')}", start)
        tokens.append(token)
        position = token.end
    tokens.append(_Token("end", None, length, length))
    return tokens


def _read_number(source: str, start: int) -> _Token:
    match = _NUMBER_TOKEN.match(source, start)
    end = match.end() if match else start
    if source[end : end + 1] == "." and not source[end + 1 : end + 2].isdigit():
        raise ExpressionError(f"expected digits after '{source[start:end]}.', found {_found(source, end + 1)}",
                              end + 1)
    text = source[start:end]
    return _Token("number", float(text) if "." in text else int(text), start, end)


def _skip_blanks(source: str, position: int) -> int:
    while position < len(source) and source[position].isspace():
        position += 1
    return position


def _found(source: str, position: int) -> str:
    return "end of condition" if position >= len(source) else repr(source[position])


def _read_variable(source: str, start: int) -> _Token:
    if not source.startswith("${", start):
        raise ExpressionError(f"expected '{{' after '$' to write a variable like ${{estado}}, "
                              f"found {_found(source, start + 1)}", start + 1)
    position = _skip_blanks(source, start + 2)
    match = _NAME.match(source, position)
    if match is None:
        raise ExpressionError(f"expected a variable name after '${{', found {_found(source, position)}", position)
    position = _skip_blanks(source, match.end())
    if position >= len(source) or source[position] != "}":
        raise ExpressionError(f"expected '}}' to close '${{{match.group()}', found {_found(source, position)}",
                              position)
    return _Token("var", match.group(), start, position + 1)


def _read_text(source: str, start: int) -> _Token:
    quote = source[start]
    pieces: list[str] = []
    position = start + 1
    while position < len(source):
        char = source[position]
        if char == quote:
            return _Token("text", "".join(pieces), start, position + 1)
        if char == "\\":
            following = source[position + 1 : position + 2]
            if following not in _ESCAPES:
                raise ExpressionError("unknown escape in text; only \\\" \\' and \\\\ are allowed", position)
            pieces.append(_ESCAPES[following])
            position += 2
            continue
        pieces.append(char)
        position += 1
    raise ExpressionError(f"text starting here is not closed; expected a closing {quote}, found end of condition",
                          start)


def _read_word(source: str, start: int) -> _Token:
    position = start
    while position < len(source) and (source[position].isalnum() or source[position] == "_"):
        position += 1
    word = source[start:position]
    lowered = word.lower() if word.isascii() else ""
    if lowered in _KEYWORDS:
        return _Token("keyword", lowered, start, position)
    if lowered in _LITERALS:
        return _Token("literal", _LITERALS[lowered], start, position)
    raise ExpressionError(f"unknown word '{word}'; write a variable as ${{{word}}} and text in quotes, "
                          f"like \"{word}\"", start)


# --------------------------------------------------------------------------- values


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    """Case and accents off, ñ kept (see the module docstring)."""
    lowered = text.casefold().replace("ñ", "\x00")
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\x00", "ñ")


def _key(text: str) -> str:
    return _fold(text).strip()


def _as_number(value: Any) -> int | float | Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return None if value != value else value  # NaN orders with nothing
    if isinstance(value, str):
        text = value.strip()
        if _NUMERIC_TEXT.fullmatch(text):
            return float(text) if "." in text else int(text)
    return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(_key(value))
    return None


def _is_collection(value: Any) -> bool:
    return isinstance(value, list | tuple | set | frozenset)


def _equal(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        left_bool = _as_bool(left)
        return left_bool is not None and left_bool == _as_bool(right)
    left_number, right_number = _as_number(left), _as_number(right)
    if left_number is not None and right_number is not None:
        return left_number == right_number
    if isinstance(left, str) and isinstance(right, str):
        return _key(left) == _key(right)
    if _is_collection(left) and _is_collection(right):
        return len(left) == len(right) and all(_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, str | int | float | Decimal) or isinstance(right, str | int | float | Decimal):
        return False  # a number against text that is not a number, text against a list...
    try:
        return bool(left == right)
    except Exception:
        return False


def _order(left: Any, right: Any) -> int | None:
    """-1, 0 or 1; None when the two cannot be ordered (the comparison is then false)."""
    if left is None or right is None or isinstance(left, bool) or isinstance(right, bool):
        return None
    left_number, right_number = _as_number(left), _as_number(right)
    if left_number is not None and right_number is not None:
        return (left_number > right_number) - (left_number < right_number)
    if isinstance(left, str) and isinstance(right, str):
        left_key, right_key = _key(left), _key(right)
        return (left_key > right_key) - (left_key < right_key)
    if isinstance(left, str | int | float | Decimal) or isinstance(right, str | int | float | Decimal):
        return None
    try:  # two values of another kind (dates from predefined variables): Python's own order
        if left < right:
            return -1
        if left > right:
            return 1
        return 0 if left == right else None
    except Exception:
        return None


def _member(needle: Any, haystack: Any) -> bool:
    if needle is None or haystack is None:
        return False
    if _is_collection(haystack):
        return any(_equal(needle, item) for item in haystack)
    if isinstance(haystack, bool) or isinstance(needle, bool) or _is_collection(needle):
        return False
    if isinstance(haystack, str | int | float | Decimal) and isinstance(needle, str | int | float | Decimal):
        return _fold(format_value(needle)) in _fold(format_value(haystack))
    return False


def _truthy(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return _key(value) not in _FALSE_WORDS and _as_number(value) != 0
    if isinstance(value, int | float | Decimal):
        return value != 0
    if _is_collection(value):
        return len(value) > 0
    return True


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": lambda a, b: (order := _order(a, b)) is not None and order < 0,
    "<=": lambda a, b: (order := _order(a, b)) is not None and order <= 0,
    ">": lambda a, b: (order := _order(a, b)) is not None and order > 0,
    ">=": lambda a, b: (order := _order(a, b)) is not None and order >= 0,
    "in": _member,
    "not in": lambda a, b: not _member(a, b),
    "contains": lambda a, b: _member(b, a),
}


# --------------------------------------------------------------------------- nodes


class _Node:
    __slots__ = ()

    def value(self, values: Mapping[str, Any]) -> Any:
        raise NotImplementedError


class _Constant(_Node):
    __slots__ = ("constant",)

    def __init__(self, constant: Any) -> None:
        self.constant = constant

    def value(self, values: Mapping[str, Any]) -> Any:
        return self.constant


class _Variable(_Node):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def value(self, values: Mapping[str, Any]) -> Any:
        return values.get(self.name)


class _Exists(_Node):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def value(self, values: Mapping[str, Any]) -> Any:
        found = values.get(self.name)
        return found is not None and not (isinstance(found, str) and not found.strip())


class _List(_Node):
    __slots__ = ("items",)

    def __init__(self, items: tuple[_Node, ...]) -> None:
        self.items = items

    def value(self, values: Mapping[str, Any]) -> Any:
        return tuple(item.value(values) for item in self.items)


class _Not(_Node):
    __slots__ = ("operand",)

    def __init__(self, operand: _Node) -> None:
        self.operand = operand

    def value(self, values: Mapping[str, Any]) -> Any:
        return not _truthy(self.operand.value(values))


class _And(_Node):
    __slots__ = ("left", "right")

    def __init__(self, left: _Node, right: _Node) -> None:
        self.left, self.right = left, right

    def value(self, values: Mapping[str, Any]) -> Any:
        return _truthy(self.left.value(values)) and _truthy(self.right.value(values))


class _Or(_Node):
    __slots__ = ("left", "right")

    def __init__(self, left: _Node, right: _Node) -> None:
        self.left, self.right = left, right

    def value(self, values: Mapping[str, Any]) -> Any:
        return _truthy(self.left.value(values)) or _truthy(self.right.value(values))


class _Compare(_Node):
    __slots__ = ("left", "right", "test")

    def __init__(self, test: Callable[[Any, Any], bool], left: _Node, right: _Node) -> None:
        self.test, self.left, self.right = test, left, right

    def value(self, values: Mapping[str, Any]) -> Any:
        return self.test(self.left.value(values), self.right.value(values))


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.index = 0
        self.depth = 0
        self.variables: set[str] = set()

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at_keyword(self, word: str, offset: int = 0) -> bool:
        token = self.tokens[min(self.index + offset, len(self.tokens) - 1)]
        return token.kind == "keyword" and token.value == word

    def text(self, token: _Token) -> str:
        return self.source[token.start : token.end]

    def describe(self, token: _Token) -> str:
        if token.kind == "end":
            return "end of condition"
        shown = self.text(token)
        return f"'{shown[:30]}…'" if len(shown) > 30 else f"'{shown}'"

    def expected(self, what: str, purpose: str = "") -> ExpressionError:
        after = f" after {self.describe(self.tokens[self.index - 1])}" if self.index else ""
        return ExpressionError(f"expected {what}{after}{purpose}, found {self.describe(self.current)}",
                               self.current.start)

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"the condition nests deeper than {MAX_DEPTH} levels; split it", token.start)

    def leave(self) -> None:
        self.depth -= 1

    def parse(self) -> _Node:
        if self.current.kind == "end":
            raise ExpressionError("the condition is empty; expected something like ${estado} == \"listo\"", 0)
        node = self.or_expression()
        if self.current.kind == ")":
            raise ExpressionError("found ')' without a matching '('", self.current.start)
        if self.current.kind != "end":
            raise self.expected("'and', 'or' or end of condition")
        return node

    def or_expression(self) -> _Node:
        node = self.and_expression()
        while self.at_keyword("or"):
            self.advance()
            node = _Or(node, self.and_expression())
        return node

    def and_expression(self) -> _Node:
        node = self.not_expression()
        while self.at_keyword("and"):
            self.advance()
            node = _And(node, self.not_expression())
        return node

    def not_expression(self) -> _Node:
        if not self.at_keyword("not"):
            return self.comparison()
        token = self.advance()
        self.enter(token)
        operand = self.not_expression()
        self.leave()
        return _Not(operand)

    def comparison_operator(self) -> str | None:
        token = self.current
        if token.kind == "compare":
            return str(token.value)
        if token.kind == "keyword" and token.value in ("in", "contains"):
            return str(token.value)
        if self.at_keyword("not") and self.at_keyword("in", offset=1):
            return "not in"
        return None

    def comparison(self) -> _Node:
        left = self.postfix()
        operator = self.comparison_operator()
        if operator is None:
            if self.at_keyword("not"):
                self.advance()
                raise self.expected("'in'")
            return left
        self.advance()
        if operator == "not in":
            self.advance()
        right = self.postfix()
        if self.comparison_operator() is not None:
            raise ExpressionError(
                f"comparisons cannot be chained; found {self.describe(self.current)} after a comparison, "
                "join the two with 'and'", self.current.start)
        return _Compare(_COMPARISONS[operator], left, right)

    def postfix(self) -> _Node:
        node = self.primary()
        if self.at_keyword("exists"):
            if not isinstance(node, _Variable):
                raise ExpressionError("'exists' must follow a variable, like ${estado} exists", self.current.start)
            self.advance()
            return _Exists(node.name)
        return node

    def primary(self) -> _Node:
        token = self.current
        if token.kind == "(":
            self.advance()
            self.enter(token)
            node = self.or_expression()
            if self.current.kind != ")":
                raise self.expected("')'", f" to close the '(' at column {token.start + 1}")
            self.advance()
            self.leave()
            return node
        if token.kind == "[":
            return self.list_literal()
        return self.value()

    def value(self) -> _Node:
        token = self.current
        if token.kind == "var":
            self.advance()
            self.variables.add(token.value)
            return _Variable(token.value)
        if token.kind in ("text", "number", "literal"):
            self.advance()
            return _Constant(token.value)
        if token.kind == "-":
            self.advance()
            if self.current.kind != "number":
                raise self.expected("a number")
            return _Constant(-self.advance().value)
        raise self.expected("a value")

    def list_literal(self) -> _Node:
        opening = self.advance()
        self.enter(opening)
        items: list[_Node] = []
        if self.current.kind == "]":
            self.advance()
        else:
            while True:
                items.append(self.value())
                if self.current.kind == ",":
                    self.advance()
                    continue
                if self.current.kind == "]":
                    self.advance()
                    break
                raise self.expected("',' or ']'", f" to close the '[' at column {opening.start + 1}")
        self.leave()
        constants = [item.constant for item in items if isinstance(item, _Constant)]
        if len(constants) == len(items):  # fold a list of literals once, at parse time
            return _Constant(tuple(constants))
        return _List(tuple(items))


# --------------------------------------------------------------------------- API


class Condition:
    """A parsed condition: build it once with ``parse_condition``, evaluate it per message."""

    __slots__ = ("_root", "source", "variables")

    def __init__(self, source: str, root: _Node, variables: frozenset[str]) -> None:
        self.source = source
        self.variables = variables  # names referenced, so the loader can warn on undeclared ones
        self._root = root

    def evaluate(self, values: Mapping[str, Any]) -> bool:
        return _truthy(self._root.value(values))

    def __repr__(self) -> str:
        return f"Condition({self.source!r})"


def parse_condition(source: str) -> Condition:
    """Parse ``source`` or raise ``ExpressionError`` naming the column and what was expected."""
    if not isinstance(source, str):
        raise ExpressionError(f"a condition must be text, not {type(source).__name__}", 0)
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"the condition is {len(source)} characters long; the limit is {MAX_LENGTH}",
                              MAX_LENGTH)
    parser = _Parser(source)
    root = parser.parse()
    return Condition(source, root, frozenset(parser.variables))


_parse_cached = lru_cache(maxsize=512)(parse_condition)


def evaluate_condition(source: str, values: Mapping[str, Any]) -> bool:
    """Parse (cached) and evaluate in one call, for callers that hold only the text."""
    return _parse_cached(source).evaluate(values)
