"""Bounds on what a conversation or a contact keeps, one home for the use cases that store them, the
console_api declarations that state them, and the tests (a Firestore document must stay far below 1 MiB)."""

from __future__ import annotations

from collections.abc import Iterable

from shared.kernel.errors import InvalidField

# Patterns are read by Python's re and by ECMA-262 engines (OpenAPI's); their \s differ, so whitespace is
# spelt out: exactly what Python's str.strip() removes.
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# An e-mail address as contacts and console users keep it: no whitespace (any that str.strip() removes, such
# as U+0085) or control characters.
_NOT_IN_EMAIL = rf"@\x00-\x20\x7f<>(),;:\"{WHITESPACE}"
EMAIL_PATTERN = rf"[^{_NOT_IN_EMAIL}]{{1,64}}@[^{_NOT_IN_EMAIL}.]+(\.[^{_NOT_IN_EMAIL}.]+)+"
# An address as sent: the server trims the whitespace around it before reading it.
EMAIL_INPUT_PATTERN = rf"[{WHITESPACE}]*(?:{EMAIL_PATTERN})[{WHITESPACE}]*"
MAX_TAGS = 50  # on a conversation or a contact
MAX_TAG_CHARS = 50
MAX_TEMPLATE_PARAMETERS = 20  # an approved template's {{1}}..{{20}}
MAX_TEMPLATE_PARAMETER_CHARS = 1000
MAX_VARIABLES = 100  # a contact's, or a conversation's bot variables
MAX_VARIABLE_NAME_CHARS = 64
MAX_VARIABLE_VALUE_CHARS = 1000
# A conversation's bot variables in all (a webhook's answer, a customer's text), as JSON bytes: with the tags
# and the bot's own bounded state, the conversation's document stays far below Firestore's 1 MiB.
MAX_BOT_VARIABLES_BYTES = 64 * 1024


def bounded_tags(values: Iterable[object], field: str = "tags") -> list[str]:
    """Tags as stored: stripped, blank ones dropped, each once, sorted; InvalidField beyond the bounds."""
    tags: set[str] = set()
    for index, value in enumerate(values):
        if not isinstance(value, str) or len(value) > MAX_TAG_CHARS or any(ord(c) < 32 or c == "\x7f" for c in value):
            raise InvalidField(f"{field}[{index}]", f"a tag is one line of at most {MAX_TAG_CHARS} characters")
        if value.strip():
            tags.add(value.strip())
    if len(tags) > MAX_TAGS:
        raise InvalidField(field, f"at most {MAX_TAGS} tags, got {len(tags)}")
    return sorted(tags)

# Console users: the password policy's lengths (shared/console/passwords.py, which loads argon2, reads them from
# here so the route declarations can state them without loading it), names, capacity and their lists.
PASSWORD_MIN_CHARS = 10
PASSWORD_MAX_CHARS = 256  # argon2 takes any length; the cap keeps a request from making us hash megabytes
MAX_AGENT_NAME_CHARS = 100
MAX_AGENT_LIST_ITEM_CHARS = 64  # a queue, language or skill named in a user's lists
MAX_CAPACITY = 100  # chats one agent holds at once
MAX_QUEUE_PRIORITY = 1000  # either way
MAX_QUEUE_WAIT_S = 86_400  # a queue's overflow and invitation timeouts: a day at most
MAX_INTERVALS_A_DAY = 10  # a queue's business hours
MAX_TICKET_TIMELINE = 200  # entries a ticket's document keeps: the opening and the latest (about 40 KiB)
