"""Request bodies: each route declares its fields once; the same declaration validates requests and
describes them in the OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.errors import InvalidField

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,),
    "object": (dict,),
}


class FieldError(InvalidField):
    """A request field is missing or wrong (by its declaration); ``field`` names it."""


@dataclass(frozen=True)
class Field:
    type: str
    required: bool = False
    description: str = ""
    max_length: int | None = None  # characters of a string, items of an array
    enum: tuple[str, ...] = ()
    items: str = ""  # the type of an array's items
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False  # null is a value (e.g. "no limit"), kept in the body rather than dropped

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": [self.type, "null"] if self.nullable else self.type}
        if self.description:
            schema["description"] = self.description
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.max_length is not None:
            schema["maxLength" if self.type == "string" else "maxItems"] = self.max_length
        if self.items:
            schema["items"] = {"type": self.items}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema

    def check(self, name: str, value: Any) -> None:
        expected = _PYTHON_TYPES[self.type]
        if not isinstance(value, expected) or (self.type in ("integer", "number") and isinstance(value, bool)):
            raise FieldError(name, f"expected {self.type}, got {type(value).__name__}")
        if self.enum and value not in self.enum:
            raise FieldError(name, f"expected one of {', '.join(self.enum)}, got {value!r}")
        if self.max_length is not None and len(value) > self.max_length:
            unit = "characters" if self.type == "string" else "items"
            raise FieldError(name, f"at most {self.max_length} {unit}, got {len(value)}")
        if self.minimum is not None and value < self.minimum:
            raise FieldError(name, f"at least {self.minimum:g}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise FieldError(name, f"at most {self.maximum:g}, got {value!r}")
        if self.items:
            for index, item in enumerate(value):
                wrong_bool = isinstance(item, bool) != (self.items == "boolean")
                if not isinstance(item, _PYTHON_TYPES[self.items]) or wrong_bool:
                    raise FieldError(f"{name}[{index}]", f"expected {self.items}, got {type(item).__name__}")


def object_schema(fields: dict[str, Field]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False,
                              "properties": {name: f.json_schema() for name, f in fields.items()}}
    required = [name for name, f in fields.items() if f.required]
    if required:
        schema["required"] = required
    return schema


def validated(fields: dict[str, Field], body: Any) -> dict[str, Any]:
    """The body, checked: an object with only the declared fields, each of its declared type."""
    if not isinstance(body, dict):
        raise FieldError("body", f"expected a JSON object, got {type(body).__name__}")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise FieldError(unknown[0], f"unknown field; expected {', '.join(fields) or 'none'}")
    for name, spec in fields.items():
        if name not in body or body[name] is None:
            if spec.required:
                raise FieldError(name, "required")
            continue
        spec.check(name, body[name])
    return {name: value for name, value in body.items() if value is not None or fields[name].nullable}
