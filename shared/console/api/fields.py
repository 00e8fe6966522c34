"""Request bodies: each route declares its fields once; the same declaration validates requests and
describes them in the OpenAPI document."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from shared.entrypoints.http_json import INT64_MAX, INT64_MIN
from shared.kernel.errors import InvalidField
from shared.kernel.limits import WHITESPACE

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,),
    "object": (dict,),
}


class FieldError(InvalidField):
    """A request field is missing or wrong (by its declaration); ``field`` names it."""


@dataclass(frozen=True)
class Field:
    """One field's type and bounds: what a request may carry, stated in the OpenAPI document and checked."""

    type: str
    required: bool = False
    description: str = ""
    max_length: int | None = None  # characters of a string, items of an array, entries of an object
    enum: tuple[str, ...] = ()
    items: str | Field = ""  # an array's items: a type name, or a Field with its own bounds
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False  # null is a value (e.g. "no limit"), kept in the body rather than dropped
    min_length: int | None = None  # characters of a string, items of an array
    pattern: str = ""  # a regular expression the whole string matches (written so Python and ECMA agree)
    format: str = ""  # "date-time" (with its offset); checked, not only described
    values: Field | None = None  # an object used as a map: each value's declaration
    keys: Field | None = None  # an object used as a map: its keys' declaration (a string Field)
    properties: dict[str, Field] | None = None  # an object's known fields: the only ones, unless ``values``
    unique_items: bool = False
    pattern_says: str = ""  # the refusal of a string off the pattern, in words (else the pattern is quoted)
    # The use case checks this string itself and words its refusals better (e.g. a logo's image data);
    # the pattern states in the document what it accepts.
    pattern_checked_by_use_case: bool = False
    also: Field | None = None  # a second form the value may take instead (e.g. an interval as "09:00-18:00")

    @property
    def item(self) -> Field | None:
        if not self.items:
            return None
        return self.items if isinstance(self.items, Field) else Field(self.items)

    def json_schema(self, null_allowed: bool = False) -> dict[str, Any]:
        """The JSON Schema of the field; ``null_allowed`` for an optional body field, where null means absent."""
        if self.also is not None:
            return {"anyOf": [replace(self, also=None).json_schema(null_allowed), self.also.json_schema()]}
        with_null = self.nullable or null_allowed
        schema: dict[str, Any] = {"type": [self.type, "null"] if with_null else self.type}
        if self.description:
            schema["description"] = self.description
        if self.enum:
            schema["enum"] = [*self.enum, *([None] if with_null else [])]
        if self.max_length is not None:
            schema[_LENGTH_WORDS[self.type][1]] = self.max_length
        if self.min_length is not None:
            schema[_LENGTH_WORDS[self.type][0]] = self.min_length
        if self.pattern:
            schema["pattern"] = f"^(?:{self.pattern})$"
        if self.format == TIME_ZONE:  # the zones this server knows, listed when the document is built
            schema["enum"] = [*sorted(time_zones()), *([None] if with_null else [])]
        elif self.format:
            schema["format"] = self.format
        if self.item is not None:
            schema["items"] = self.item.json_schema()
        if self.unique_items:
            schema["uniqueItems"] = True
        if self.minimum is not None or self.type == "integer":
            schema["minimum"] = self.minimum if self.minimum is not None else INT64_MIN
        if self.maximum is not None or self.type == "integer":
            schema["maximum"] = self.maximum if self.maximum is not None else INT64_MAX
        if self.type == "object" and self.properties is not None and self.values is None:
            schema.update({k: v for k, v in object_schema(self.properties, False).items() if k != "type"})
        elif self.type == "object":
            if self.properties:
                schema["properties"] = {name: f.json_schema() for name, f in self.properties.items()}
            schema["additionalProperties"] = self.values.json_schema() if self.values is not None else True
            if self.keys is not None:
                schema["propertyNames"] = {k: v for k, v in self.keys.json_schema().items() if k != "type"}
        return schema

    def check(self, name: str, value: Any) -> None:
        if self.also is not None:
            try:
                return replace(self, also=None).check(name, value)
            except FieldError:
                return self.also.check(name, value)
        if self.type == "integer" and isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON Schema's integers include 1.0; validated() stores it as 1
        expected = _PYTHON_TYPES[self.type]
        if not isinstance(value, expected) or (self.type in ("integer", "number") and isinstance(value, bool)):
            raise FieldError(name, f"expected {self.type}, got {type(value).__name__}")
        if self.enum and value not in self.enum:
            raise FieldError(name, f"expected one of {', '.join(self.enum)}, got {value!r}")
        if self.max_length is not None and len(value) > self.max_length:
            raise FieldError(name, f"at most {self.max_length} {_UNITS[self.type]}, got {len(value)}")
        if self.min_length is not None and len(value) < self.min_length:
            raise FieldError(name, f"at least {self.min_length} {_UNITS[self.type]}, got {len(value)}")
        if self.pattern and not self.pattern_checked_by_use_case and re.fullmatch(self.pattern, value) is None:
            raise FieldError(name, self.pattern_says or f"{value[:80]!r} does not match {self.pattern}")
        if self.format == "date-time":
            check_instant(name, value)
        if self.format == TIME_ZONE and value not in time_zones():
            raise FieldError(name, f"{value[:64]!r} is not an IANA time zone (e.g. America/Sao_Paulo)")
        if self.minimum is not None and value < self.minimum:
            raise FieldError(name, f"at least {self.minimum:g}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise FieldError(name, f"at most {self.maximum:g}, got {value!r}")
        if self.item is not None:
            for index, item in enumerate(value):
                if item is None:
                    raise FieldError(f"{name}[{index}]", f"expected {self.item.type}, got null")
                self.item.check(f"{name}[{index}]", item)
        if self.unique_items and len({repr(item) for item in value}) != len(value):
            raise FieldError(name, "repeats an item")
        if self.type == "object" and self.properties is not None and self.values is None:
            validated(self.properties, value, name)
        elif self.type == "object":
            for key, entry in value.items():
                if self.keys is not None:
                    self.keys.check(f"{name}.{key}", key)
                spec = (self.properties or {}).get(key, self.values)
                if spec is not None:
                    if entry is None:
                        raise FieldError(f"{name}.{key}", f"expected {spec.type}, got null")
                    spec.check(f"{name}.{key}", entry)


_LENGTH_WORDS = {"string": ("minLength", "maxLength"), "array": ("minItems", "maxItems"),
                 "object": ("minProperties", "maxProperties")}
_UNITS = {"string": "characters", "array": "items", "object": "entries"}

# An instant with its offset, years 1970 to 2999: every such instant is one the stores and the
# warehouse can hold in UTC (0001-01-01T00:00:00+14:00 is not).
INSTANT_PATTERN = (r"(19[7-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
                   r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])")


TIME_ZONE = "iana-time-zone"


@functools.cache
def time_zones() -> frozenset[str]:
    """The IANA zones this server knows (read once: it takes a third of a second, too slow for import)."""
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def check_instant(name: str, value: str) -> datetime:
    """An instant as ``INSTANT_PATTERN`` writes them, parsed; FieldError naming ``name`` otherwise."""
    try:
        moment = datetime.fromisoformat(value) if re.fullmatch(INSTANT_PATTERN, value) else None
    except ValueError:
        moment = None
    if moment is None:
        raise FieldError(name, f"expected an instant such as 2026-03-01T09:00:00-03:00 (years 1970 to 2999),"
                               f" got {value[:40]!r}")
    return moment


def object_schema(fields: dict[str, Field], null_means_absent: bool = True) -> dict[str, Any]:
    """A closed object; in a request body (not inside one), null for an optional field means it is absent."""
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False,
                              "properties": {name: f.json_schema(null_allowed=null_means_absent and not f.required)
                                             for name, f in fields.items()}}
    required = [name for name, f in fields.items() if f.required]
    if required:
        schema["required"] = required
    return schema


def validated(fields: dict[str, Field], body: Any, where: str = "") -> dict[str, Any]:
    """The body (or the object at ``where``), checked: only the declared fields, each as declared."""
    if not isinstance(body, dict):
        raise FieldError(where or "body", f"expected a JSON object, got {type(body).__name__}")
    prefix = f"{where}." if where else ""
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise FieldError(prefix + unknown[0], f"unknown field; expected {', '.join(fields) or 'none'}")
    for name, spec in fields.items():
        if name in body and body[name] is None and where and not spec.nullable:
            raise FieldError(prefix + name, f"expected {spec.type}, got null")
        if name not in body or body[name] is None:
            if spec.required:
                raise FieldError(prefix + name, "required")
            continue
        spec.check(prefix + name, body[name])
    return {name: _as_declared(fields[name], value) for name, value in body.items()
            if value is not None or fields[name].nullable}


def _as_declared(field: Field, value: Any) -> Any:
    """An integral float given for an integer field, as the integer (checked already)."""
    return int(value) if field.type == "integer" and isinstance(value, float) else value


# Text rules the use cases apply, stated once for the declarations (the patterns are Python's and ECMA's alike).
NOT_BLANK = rf"[\s\S]*[^{WHITESPACE}][\s\S]*"  # something besides spaces (the use cases strip before checking)
ONE_LINE = r"[^\x00-\x1f\x7f]*"  # no control characters
ONE_LINE_NOT_BLANK = rf"[^\x00-\x1f\x7f]*[^{WHITESPACE}\x00-\x1f\x7f][^\x00-\x1f\x7f]*"
# Ids that arrive in paths and bodies and become document ids: Firestore refuses '/', '.', '..' and '__x__'.
STORED_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.:~-]*"
MAX_ID_CHARS = 200


def stored_id(description: str = "", *, required: bool = False, max_length: int = MAX_ID_CHARS) -> Field:
    return Field("string", required=required, description=description, min_length=1, max_length=max_length,
                 pattern=STORED_ID_PATTERN)


def text(max_length: int, *, required: bool = False, blank: bool = False, one_line: bool = False,
         description: str = "") -> Field:
    """A text field: ``blank`` allows an empty or all-space one; ``one_line`` refuses control characters."""
    patterns = {(True, True): ONE_LINE, (True, False): ONE_LINE_NOT_BLANK, (False, True): "", (False, False): NOT_BLANK}
    pattern = patterns[(one_line, blank)]
    says = f"expected {'one line of ' if one_line else ''}at most {max_length} characters" + (
        "" if blank else ", not only spaces")
    return Field("string", required=required, description=description, max_length=max_length,
                 min_length=None if blank else 1, pattern=pattern, pattern_says=says)
