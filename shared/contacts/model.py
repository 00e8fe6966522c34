"""Contacts as stored documents: one customer of one workspace, reachable on several channels.

Documents
- ``contacts/{"<workspace>:<contact id>"}``: the contact (``Contact.to_dict``).
- ``contact_keys/{"<workspace>:<key>"}``: who owns a phone number or channel address, so that
  duplicates are refused and the sender's blacklist check is one read. A key is
  ``phone:+E164`` for the contact's phone *and* for its addresses on phone channels
  (WhatsApp and Twilio address customers by their number, so one number is one key
  whichever channel it came from), and ``<channel>:<address>`` for every other channel.
Both ids go through ``safe_document_id`` and every read checks the stored workspace,
so one workspace can never reach another's contacts.

Search terms (``search_terms``, kept in the document so that a search is ONE
``array_contains`` query on it):
- every word of the name, lower-cased and accent-free, and each of its prefixes of
  2 characters or more (at most 20 characters): "María José" → ma, mar, mari, maria, jo, jos, jose;
- every run of 4 or more consecutive digits of the contact's numbers (its phone and its
  phone-channel addresses): the full international number, the national number
  without country code, its last digits, the first digits someone dictates;
- the e-mail address, lower-cased, whole.
A query is turned into the same terms (``query_terms``): a phone-like text becomes its
digits; anything else becomes its name words, each already a stored prefix.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.channels.providers import PHONE_CHANNELS, phone_address_of
from shared.kernel.errors import AlreadyExists, InvalidField, InvalidInput
from shared.kernel.limits import (
    EMAIL_PATTERN,
    MAX_TAG_CHARS,
    MAX_TAGS,
    MAX_VARIABLE_NAME_CHARS,
    MAX_VARIABLE_VALUE_CHARS,
    MAX_VARIABLES,
)
from shared.messages.ids import safe_document_id, stable_hash
from shared.messages.wire import JsonDataclass

CONTACTS = "contacts"
CONTACT_KEYS = "contact_keys"

# PHONE_CHANNELS (channels whose addresses are phone numbers) and the form each writes a number in
# (WhatsApp Cloud's wa_id is digits without "+", Twilio's, prefix stripped, is "+E164") are facts of
# their providers' descriptors: shared/channels/providers.py, phone_address_of.

# The fields a caller may set (create, update, import); the rest are the book's to keep.
EDITABLE = ("name", "phone", "email", "addresses", "variables", "tags", "opt_in", "blacklisted",
            "blacklist_reason", "agent")

MIN_WORD_TERM = 2
MAX_WORD_TERM = 20
MIN_DIGIT_TERM = 4
_MAX_NAME_WORDS = 10
_MAX_NAME = 200
_MAX_TEXT = 500
_MAX_TAGS = MAX_TAGS
_MAX_TAG = MAX_TAG_CHARS
_MAX_VARIABLES = MAX_VARIABLES
_MAX_VARIABLE_NAME = MAX_VARIABLE_NAME_CHARS
_MAX_VARIABLE_VALUE = MAX_VARIABLE_VALUE_CHARS
_MAX_ADDRESS = 200

CHANNEL_NAME_PATTERN = r"[a-z][a-z0-9_]{0,31}"
_CHANNEL_NAME = re.compile(CHANNEL_NAME_PATTERN)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Lone surrogates: Python strings hold them, UTF-8 (and so every store) cannot.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")
_E164_DIGITS = re.compile(r"[1-9][0-9]{6,14}")
_EMAIL = re.compile(EMAIL_PATTERN)
_PHONE_LIKE_QUERY = re.compile(r"[+0-9\s().\-/]+")
_WORD = re.compile(r"[^\W_]+")


class InvalidContactField(InvalidField):
    """A contact field is malformed; ``field`` names it ("phone", "addresses.whatsapp", ...)."""


class DuplicateContact(AlreadyExists):
    """A phone number or channel address already belongs to another contact of the workspace."""

    def __init__(self, field: str, value: str, existing_id: str) -> None:
        super().__init__(f"{field}: {value} already belongs to contact {existing_id}")
        self.field = field
        self.value = value
        self.existing_id = existing_id


# -- ids and keys --------------------------------------------------------------


def new_contact_id() -> str:
    return f"ct_{stable_hash(secrets.token_hex(16))}"


def contact_doc_id(workspace_id: str, contact_id: str) -> str:
    return safe_document_id(f"{workspace_id}:{contact_id}")


def key_doc_id(workspace_id: str, key: str) -> str:
    return safe_document_id(f"{workspace_id}:{key}")


def phone_key(phone: str) -> str:
    return f"phone:{phone}"


def address_key(channel: str, address: str) -> str:
    """The index key of a channel address; an address that is no valid one gets the plain form,
    so a lookup of junk simply finds nothing."""
    check_channel(channel)
    try:
        normalized = normalize_address(channel, address)
    except InvalidInput:
        return f"{channel}:{address.strip() if isinstance(address, str) else address}"
    if channel in PHONE_CHANNELS:
        return phone_key(phone_of_address(normalized))
    return f"{channel}:{normalized}"


def instant(moment: datetime) -> str:
    """Stored instants: UTC ISO-8601 with microseconds, so that they sort as text."""
    if moment.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# -- normalisation -------------------------------------------------------------


def normalize_phone(raw: Any, field: str = "phone") -> str:
    """An international number as E.164 ("+" and 7 to 15 digits).

    The country code is required (a leading "+" or "00"): a national number would be
    stored under the wrong country without anyone noticing.
    """
    if not isinstance(raw, str):
        raise InvalidContactField(field, f"must be a string, got {raw!r}")
    compact = _PHONE_PUNCTUATION.sub("", raw.strip())
    if compact.lower().startswith("tel:"):
        compact = compact[4:]
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact.startswith("+") or not _E164_DIGITS.fullmatch(compact[1:]):
        raise InvalidContactField(
            field, f"{raw!r} is not an international phone number: write + and the country code, "
                   "then the number (7 to 15 digits in all), e.g. +57 300 123 4567")
    return compact


def _storable(field: str, value: str) -> str:
    if _LONE_SURROGATE.search(value):
        raise InvalidContactField(field, "holds a lone surrogate, which is not text; send valid Unicode")
    return value


def normalize_email(raw: Any, field: str = "email") -> str:
    if not isinstance(raw, str):
        raise InvalidContactField(field, f"must be a string, got {raw!r}")
    _storable(field, raw)
    email = raw.strip()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise InvalidContactField(field, f"{raw!r} is not an e-mail address like name@example.com")
    local, domain = email.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def check_channel(channel: Any, field: str = "channel") -> str:
    if not isinstance(channel, str) or not _CHANNEL_NAME.fullmatch(channel):
        raise InvalidContactField(field, f"{channel!r} is not a channel name (lower-case letters, digits, _)")
    return channel


def normalize_address(channel: str, raw: Any, field: str | None = None) -> str:
    """A channel address in the form that channel's inbound messages carry it, so that it
    matches the conversations' ``contact`` (and the conversation ids derived from it)."""
    field = field or f"addresses.{channel}"
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidContactField(field, f"must be a non-empty string, got {raw!r}")
    address = _storable(field, raw.strip())
    if len(address) > _MAX_ADDRESS or _CONTROL.search(address):
        raise InvalidContactField(field, f"must be at most {_MAX_ADDRESS} printable characters")
    if channel == "email":
        return normalize_email(address, field)
    written = phone_address_of(channel)
    if written is None:
        return address
    if address.startswith("whatsapp:"):
        address = address[len("whatsapp:"):]
    # Bare digits are international already: a channel that drops the "+" (WhatsApp) never drops the
    # country code.
    candidate = address if address.startswith(("+", "00")) or written.plus else f"+{address}"
    return written.of_phone(normalize_phone(candidate, field))


def phone_of_address(normalized_address: str) -> str:
    """The E.164 number of a normalised phone-channel address."""
    return normalized_address if normalized_address.startswith("+") else f"+{normalized_address}"


def display_name(raw: Any) -> str:
    """A name a channel reported, made storable: one line, at most the name's length limit."""
    if not isinstance(raw, str):
        return ""
    return " ".join(_CONTROL.sub(" ", raw).split())[:_MAX_NAME]


def fold(text: str) -> str:
    """Lower-case and accent-free ("Muñoz" → "munoz"), so searches ignore both."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def search_terms_for(name: str, phones: Iterable[str], email: str) -> tuple[str, ...]:
    terms: set[str] = set()
    for word in name_words(name)[:_MAX_NAME_WORDS]:
        word = word[:MAX_WORD_TERM]
        terms.update(word[:end] for end in range(MIN_WORD_TERM, len(word) + 1))
    for phone in phones:
        digits = phone.lstrip("+")
        terms.update(digits[start:end] for start in range(len(digits))
                     for end in range(start + MIN_DIGIT_TERM, len(digits) + 1))
    if email:
        terms.add(email.casefold())
    return tuple(sorted(terms))


def query_terms(text: str) -> list[str]:
    """The stored terms a search text must all match; empty when the text holds none."""
    stripped = text.strip()
    if "@" in stripped:
        return [stripped.casefold()]
    if _PHONE_LIKE_QUERY.fullmatch(stripped):
        digits = re.sub(r"\D", "", stripped)
        return [digits] if len(digits) >= MIN_DIGIT_TERM else []
    words = [w[:MAX_WORD_TERM] for w in name_words(stripped) if len(w) >= MIN_WORD_TERM]
    return list(dict.fromkeys(words))


# -- field checks --------------------------------------------------------------


def _text(field: str, value: Any, limit: int = _MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise InvalidContactField(field, f"must be a string, got {value!r}")
    value = _storable(field, value.strip())
    if len(value) > limit or _CONTROL.search(value):
        raise InvalidContactField(field, f"must be at most {limit} characters, on one line")
    return value


def _instant_text(field: str, value: Any, *, required: bool = False) -> str:
    if value == "" and not required:
        return ""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidContactField(field, f"must be an ISO-8601 instant with its offset, got {value!r}")
    return instant(moment)


def _addresses(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InvalidContactField("addresses", f"must be an object of channel → address, got {value!r}")
    return {check_channel(channel, f"addresses.{channel}"): normalize_address(channel, address)
            for channel, address in sorted(value.items(), key=lambda item: str(item[0]))}


def _variables(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InvalidContactField("variables", f"must be an object of name → text, got {value!r}")
    if len(value) > _MAX_VARIABLES:
        raise InvalidContactField("variables", f"at most {_MAX_VARIABLES} variables, got {len(value)}")
    checked = {}
    for name, text in value.items():
        if not isinstance(name, str) or not name.strip() or len(name) > _MAX_VARIABLE_NAME:
            raise InvalidContactField("variables", f"a variable name must be 1 to {_MAX_VARIABLE_NAME} characters, "
                                                   f"got {name!r}")
        _storable("variables", name)
        if not isinstance(text, str) or len(text) > _MAX_VARIABLE_VALUE:
            raise InvalidContactField(f"variables.{name}", f"must be text of at most {_MAX_VARIABLE_VALUE} "
                                                           f"characters, got {text!r}")
        _storable(f"variables.{name}", text)
        checked[name.strip()] = text
    return checked


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise InvalidContactField("tags", f"must be a list of strings, got {value!r}")
    tags = [_text("tags", tag, _MAX_TAG) for tag in value]
    if any(not tag for tag in tags):
        raise InvalidContactField("tags", "a tag cannot be empty")
    unique = tuple(dict.fromkeys(tags))
    if len(unique) > _MAX_TAGS:
        raise InvalidContactField("tags", f"at most {_MAX_TAGS} tags, got {len(unique)}")
    return unique


def opt_in_entry(granted: Any, at: str, source: Any, field: str) -> dict[str, Any]:
    if not isinstance(granted, bool):
        raise InvalidContactField(f"{field}.granted", f"must be true or false, got {granted!r}")
    source = _text(f"{field}.source", source, 100)
    if not source:
        raise InvalidContactField(f"{field}.source", "say where the consent came from (a form, a keyword, an agent)")
    return {"granted": granted, "at": _instant_text(f"{field}.at", at, required=True), "source": source}


def _opt_in(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        raise InvalidContactField("opt_in", f"must be an object of channel → consent, got {value!r}")
    checked = {}
    for channel, entry in sorted(value.items(), key=lambda item: str(item[0])):
        where = f"opt_in.{channel}"
        check_channel(channel, where)
        if not isinstance(entry, dict) or set(entry) != {"granted", "at", "source"}:
            raise InvalidContactField(where, f"must be {{granted, at, source}}, got {entry!r}")
        checked[channel] = opt_in_entry(entry["granted"], entry["at"], entry["source"], where)
    return checked


# -- the contact ---------------------------------------------------------------


@dataclass(frozen=True)
class Contact(JsonDataclass):
    id: str
    workspace_id: str
    name: str = ""
    phone: str = ""  # E.164, "" when unknown
    email: str = ""
    addresses: dict[str, str] = field(default_factory=dict)  # channel → address, as that channel writes it
    variables: dict[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    opt_in: dict[str, dict[str, Any]] = field(default_factory=dict)  # channel → {granted, at, source}
    blacklisted: bool = False  # never send this contact anything, on any channel
    blacklist_reason: str = ""
    agent: str = ""  # the contact's own agent, preferred by assignment
    created_at: str = ""
    updated_at: str = ""
    search_terms: tuple[str, ...] = ()  # derived on construction; stored only for queries

    def __post_init__(self) -> None:
        for name in ("id", "workspace_id"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise InvalidContactField(name, f"must be a non-empty string, got {getattr(self, name)!r}")
        normalized: dict[str, Any] = {
            "name": _text("name", self.name, _MAX_NAME),
            "phone": normalize_phone(self.phone) if self.phone != "" else "",
            "email": normalize_email(self.email) if self.email != "" else "",
            "addresses": _addresses(self.addresses),
            "variables": _variables(self.variables),
            "tags": _tags(self.tags),
            "opt_in": _opt_in(self.opt_in),
            "blacklist_reason": _text("blacklist_reason", self.blacklist_reason),
            "agent": _text("agent", self.agent, 200),
            "created_at": _instant_text("created_at", self.created_at),
            "updated_at": _instant_text("updated_at", self.updated_at),
        }
        if not isinstance(self.blacklisted, bool):
            raise InvalidContactField("blacklisted", f"must be true or false, got {self.blacklisted!r}")
        if not self.blacklisted:
            normalized["blacklist_reason"] = ""
        for name, value in normalized.items():
            object.__setattr__(self, name, value)
        if not (self.name or self.phone or self.email or self.addresses):
            raise InvalidContactField("contact", "give at least a name, a phone, an e-mail or a channel address")
        object.__setattr__(self, "search_terms", search_terms_for(self.name, self.phones(), self.email))

    def phones(self) -> tuple[str, ...]:
        """Every E.164 number of the contact: its phone and its phone-channel addresses."""
        numbers = [self.phone] if self.phone else []
        numbers += [phone_of_address(a) for c, a in self.addresses.items() if c in PHONE_CHANNELS]
        return tuple(dict.fromkeys(numbers))

    def index_keys(self) -> dict[str, str]:
        """Index key → the field that claims it ("phone" wins over an address with the same number)."""
        claimed = {phone_key(self.phone): "phone"} if self.phone else {}
        for channel, address in self.addresses.items():
            claimed.setdefault(address_key(channel, address), f"addresses.{channel}")
        return claimed

    def value_of(self, field_name: str) -> str:
        """The text of a key-claiming field, for messages."""
        if field_name == "phone":
            return self.phone
        return self.addresses[field_name.split(".", 1)[1]]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        data["search_terms"] = list(self.search_terms)
        return data


def merged(keep: Contact, other: Contact, now: str) -> Contact:
    """``other`` folded into ``keep``: keep's values win where both have one.

    Addresses on channels keep lacks, variables keep lacks, and every tag come over; for
    each channel's opt-in the most recent decision wins; blacklisted if either is (a merge
    must never make someone reachable who asked not to be). What keep already has on a
    channel, or as phone, stays, and other's value there is dropped (its key released).
    """
    opt_in = dict(keep.opt_in)
    for channel, entry in other.opt_in.items():
        if channel not in opt_in or entry["at"] > opt_in[channel]["at"]:
            opt_in[channel] = entry
    blacklisted = keep.blacklisted or other.blacklisted
    reasons = [c.blacklist_reason for c in (keep, other) if c.blacklisted and c.blacklist_reason]
    return Contact(
        id=keep.id,
        workspace_id=keep.workspace_id,
        name=keep.name or other.name,
        phone=keep.phone or other.phone,
        email=keep.email or other.email,
        addresses={**other.addresses, **keep.addresses},
        variables={**other.variables, **keep.variables},
        tags=tuple(dict.fromkeys((*keep.tags, *other.tags)))[:_MAX_TAGS],
        opt_in=opt_in,
        blacklisted=blacklisted,
        blacklist_reason="; ".join(dict.fromkeys(reasons))[:_MAX_TEXT],
        agent=keep.agent or other.agent,
        created_at=min(filter(None, (keep.created_at, other.created_at)), default=""),
        updated_at=now,
    )
