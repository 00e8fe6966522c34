"""Contacts: agents find, create and edit them; supervisors delete, merge, import, export and blacklist."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shared.channels.providers import phone_address_of
from shared.console.api.fields import ONE_LINE_NOT_BLANK, Field, FieldError, stored_id, text
from shared.console.api.routing import AGENT, SUPERVISOR, Call, Reply, Route
from shared.contacts.model import CHANNEL_NAME_PATTERN, PHONE_CHANNELS, query_terms
from shared.kernel.limits import (
    EMAIL_INPUT_PATTERN,
    MAX_TAG_CHARS,
    MAX_TAGS,
    MAX_TEMPLATE_PARAMETER_CHARS,
    MAX_TEMPLATE_PARAMETERS,
    MAX_VARIABLE_NAME_CHARS,
    MAX_VARIABLE_VALUE_CHARS,
    MAX_VARIABLES,
    WHITESPACE,
)

MAX_LISTED = 200


def shown(contact: Any) -> dict[str, Any]:
    data = contact.to_dict()
    data.pop("search_terms", None)
    return data


def list_contacts(call: Call) -> dict[str, Any]:
    book = call.services.contacts
    text = call.query.get("search", "")
    # A text too short to search by (one letter, three digits) lists the latest, as no text does.
    found = book.search(call.workspace_id, text) if query_terms(text) else book.list(call.workspace_id)[-MAX_LISTED:]
    return {"contacts": [shown(c) for c in found]}


def create_contact(call: Call) -> dict[str, Any]:
    return shown(call.services.contacts.create(call.workspace_id, **call.body))


def get_contact(call: Call) -> dict[str, Any]:
    return shown(call.services.contacts.get(call.workspace_id, call.params["contact_id"]))


def edit_contact(call: Call) -> dict[str, Any]:
    return shown(call.services.contacts.update(call.workspace_id, call.params["contact_id"], **call.body))


def delete_contact(call: Call) -> dict[str, Any]:
    call.services.contacts.delete(call.workspace_id, call.params["contact_id"])
    return {"deleted": call.params["contact_id"]}


def export_contacts(call: Call) -> Reply:
    """CSV of the contacts made in the last 30 days or all; "google" is Google Contacts' import layout.
    A byte-order mark first, so spreadsheets read the accents right."""
    period, style = call.query.get("period", "all"), call.query.get("style", "charla")
    text = call.services.contact_files.export(call.workspace_id, period, style)
    name = f"contacts-{call.workspace_id}-{period}-{style}.csv"
    return Reply("\ufeff" + text, content_type="text/csv; charset=utf-8",
                 headers={"Content-Disposition": f'attachment; filename="{name}"'})


def import_contacts(call: Call) -> dict[str, Any]:
    """All lines or none: a file with any wrong line writes nothing and names each line and column."""
    report = call.services.contact_files.import_csv(call.workspace_id, call.body["csv"])
    if not report.ok:
        problems = "; ".join(f"line {line}: {problem}" for line, problem in report.errors[:20])
        raise FieldError("csv", f"nothing imported; {len(report.errors)} wrong line(s): {problems}")
    return {"created": list(report.created), "updated": list(report.updated)}


def merge_contacts(call: Call) -> dict[str, Any]:
    return shown(call.services.contacts.merge(call.workspace_id, call.body["keep"], call.body["other"]))


def set_opt_in(call: Call) -> dict[str, Any]:
    b = call.body
    source = b.get("source") or f"console:{call.principal.agent_id}"
    return shown(call.services.contacts.set_opt_in(call.workspace_id, call.params["contact_id"], b["channel"],
                                                   b["granted"], source))


def set_blacklist(call: Call) -> dict[str, Any]:
    return shown(call.services.contacts.set_blacklisted(call.workspace_id, call.params["contact_id"],
                                                        call.body["blacklisted"], call.body.get("reason", "")))


def start_conversation_with(call: Call) -> dict[str, Any]:
    b = call.body
    message = call.services.chats.start(call.author(), contact_id=call.params["contact_id"], channel=b["channel"],
                                        account=b["account"], template=b["template"],
                                        parameters=[str(p) for p in b.get("parameters", [])],
                                        client_message_id=b["client_message_id"])
    return {"conversation_id": message.conversation_id, "message_id": message.message_id, "text": message.text}


# The contact book's own rules (shared/contacts/model.py), stated for the OpenAPI document: "" clears a field.
_PUNCTUATION = rf"[{WHITESPACE}().\-/]*"
_NUMBER = rf"{_PUNCTUATION}[1-9](?:{_PUNCTUATION}[0-9]){{6,14}}{_PUNCTUATION}"
PHONE_NUMBER_INPUT = rf"(?:[Tt][Ee][Ll]:)?{_PUNCTUATION}(?:\+|00){_NUMBER}"
PHONE_INPUT = rf"(?:{PHONE_NUMBER_INPUT})?"
# WhatsApp's wa_id is the number without "+"; Twilio's addresses carry it ("whatsapp:" prefix or not).
# An address is one line (no control characters) before it is read as a number.
_LINE_PUNCTUATION = _PUNCTUATION.replace(r"\t\n\x0b\x0c\r\x1c-\x20", " ")
_LINE_NUMBER = _NUMBER.replace(_PUNCTUATION, _LINE_PUNCTUATION)


def _writes_plus(channel: str) -> bool:
    written = phone_address_of(channel)
    return written is not None and written.plus


# Surrounding spaces are trimmed; "+" or "00" opens the number right after any "whatsapp:" (addresses of a
# channel that writes numbers without "+", WhatsApp's, may go without: the number is international already).
_PHONE_ADDRESS = {channel: rf"[{WHITESPACE}]*(?:whatsapp:)?(?:\+|00){'' if _writes_plus(channel) else '?'}"
                           rf"{_LINE_NUMBER}[{WHITESPACE}]*" for channel in PHONE_CHANNELS}
ADDRESS = text(200, required=True, one_line=True)
CONTACT_FIELDS = {
    "name": text(200, blank=True, one_line=True),
    "phone": Field("string", max_length=40, pattern=PHONE_INPUT, description="E.164: +5491155551234"),
    "email": Field("string", max_length=254, pattern=f"(?:{EMAIL_INPUT_PATTERN})?"),
    "addresses": Field("object", description="channel → address, e.g. {\"telegram\": \"123456\"}",
                       keys=Field("string", pattern=CHANNEL_NAME_PATTERN), values=ADDRESS,
                       properties={"email": replace(ADDRESS, required=False, pattern=EMAIL_INPUT_PATTERN),
                                   **{channel: replace(ADDRESS, required=False, pattern=pattern)
                                      for channel, pattern in _PHONE_ADDRESS.items()}}),
    "variables": Field("object", max_length=MAX_VARIABLES, keys=text(MAX_VARIABLE_NAME_CHARS),
                       values=Field("string", max_length=MAX_VARIABLE_VALUE_CHARS)),
    "tags": Field("array", items=text(MAX_TAG_CHARS, one_line=True), max_length=MAX_TAGS),
    "agent": text(200, blank=True, one_line=True, description="the contact's own agent, preferred when assigning"),
}
CONTACT = {"contact_id": stored_id()}
# A new contact has a name, a phone, an e-mail or a channel address (shared/contacts/model.py).
# A phone or an e-mail counts as the server reads it: trimmed, its punctuation and spaces dropped.
SOMETHING_TO_KNOW_THEM_BY = {"anyOf": [
    {"required": [name], "properties": {name: {"type": "string", "pattern": f"^(?:{pattern})$"}}}
    for name, pattern in (("name", ONE_LINE_NOT_BLANK), ("phone", PHONE_NUMBER_INPUT),
                          ("email", EMAIL_INPUT_PATTERN))] + [
    {"required": ["addresses"], "properties": {"addresses": {"type": "object", "minProperties": 1}}}]}
CHANNEL = Field("string", required=True, pattern=CHANNEL_NAME_PATTERN)

ROUTES = [
    Route("GET", "/contacts", AGENT, "Search contacts by name or phone, or list the latest", list_contacts,
          query={"search": Field("string", max_length=200)}, tag="contacts"),
    Route("POST", "/contacts", AGENT, "Create a contact", create_contact, body=CONTACT_FIELDS, tag="contacts",
          body_rules=(SOMETHING_TO_KNOW_THEM_BY,), body_required=True),
    Route("GET", "/contacts/export", SUPERVISOR, "Contacts as CSV", export_contacts, tag="contacts",
          query={"period": Field("string", enum=("last_month", "all")),
                 "style": Field("string", enum=("charla", "google"))}, produces="text/csv"),
    Route("POST", "/contacts/import", SUPERVISOR, "Create and update contacts from a CSV file", import_contacts,
          body={"csv": Field("string", required=True, min_length=1, max_length=900_000,
                             description="the file's text; every line is checked before any is written")},
          tag="contacts"),
    Route("POST", "/contacts/merge", SUPERVISOR, "Merge another contact into one kept", merge_contacts,
          body={"keep": stored_id(required=True), "other": stored_id(required=True)}, tag="contacts"),
    Route("GET", "/contacts/{contact_id}", AGENT, "A contact", get_contact, tag="contacts", params=CONTACT),
    Route("PATCH", "/contacts/{contact_id}", AGENT, "Edit a contact", edit_contact, body=CONTACT_FIELDS,
          tag="contacts", params=CONTACT),
    Route("DELETE", "/contacts/{contact_id}", SUPERVISOR, "Delete a contact", delete_contact, tag="contacts",
          params=CONTACT),
    Route("PUT", "/contacts/{contact_id}/opt_in", AGENT, "Record the contact's consent on a channel", set_opt_in,
          body={"channel": CHANNEL, "granted": Field("boolean", required=True),
                "source": Field("string", max_length=100, pattern=f"(?:{ONE_LINE_NOT_BLANK})?",
                                description="where the consent came from; the agent when empty")},
          tag="contacts", params=CONTACT),
    Route("PUT", "/contacts/{contact_id}/blacklist", SUPERVISOR, "Never send this contact anything (or again)",
          set_blacklist, tag="contacts", params=CONTACT,
          body={"blacklisted": Field("boolean", required=True), "reason": text(500, blank=True, one_line=True)}),
    Route("POST", "/contacts/{contact_id}/conversations", AGENT, "Start a conversation with an approved template;"
          " the chat is yours", start_conversation_with, tag="contacts", params=CONTACT,
          body={"channel": CHANNEL, "account": text(200, required=True, one_line=True),
                "template": text(80, required=True),
                "parameters": Field("array", items=Field("string", max_length=MAX_TEMPLATE_PARAMETER_CHARS),
                                    max_length=MAX_TEMPLATE_PARAMETERS),
                "client_message_id": Field("string", required=True, min_length=1, max_length=100)}),
]
