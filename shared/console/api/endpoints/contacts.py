"""Contacts: agents find, create and edit them; supervisors delete, merge, import, export and blacklist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.console.api.fields import Field, FieldError
from shared.console.api.routing import AGENT, SUPERVISOR, Call, Reply, Route
from shared.contacts import export_csv, import_csv
from shared.conversations.outreach import start_conversation

LAST_MONTH = timedelta(days=30)
MAX_LISTED = 200


def shown(contact: Any) -> dict[str, Any]:
    data = contact.to_dict()
    data.pop("search_terms", None)
    return data


def list_contacts(call: Call) -> dict[str, Any]:
    book = call.services.contacts
    text = call.query.get("search", "")
    found = book.search(call.workspace_id, text) if text else book.list(call.workspace_id)[-MAX_LISTED:]
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
    since = call.platform.clock.now() - LAST_MONTH if period == "last_month" else None
    text = export_csv(call.services.contacts.list(call.workspace_id, since=since), style)
    name = f"contacts-{call.workspace_id}-{period}-{style}.csv"
    return Reply("\ufeff" + text, content_type="text/csv; charset=utf-8",
                 headers={"Content-Disposition": f'attachment; filename="{name}"'})


def import_contacts(call: Call) -> dict[str, Any]:
    """All lines or none: a file with any wrong line writes nothing and names each line and column."""
    report = import_csv(call.services.contacts, call.workspace_id, call.body["csv"])
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
    message = start_conversation(call.platform, call.author(), contact_id=call.params["contact_id"],
                                 channel=b["channel"], account=b["account"], template=b["template"],
                                 parameters=[str(p) for p in b.get("parameters", [])],
                                 client_message_id=b["client_message_id"])
    return {"conversation_id": message.conversation_id, "message_id": message.message_id, "text": message.text}


CONTACT_FIELDS = {
    "name": Field("string", max_length=200),
    "phone": Field("string", max_length=40, description="E.164: +5491155551234"),
    "email": Field("string", max_length=254),
    "addresses": Field("object", description="channel → address, e.g. {\"telegram\": \"123456\"}"),
    "variables": Field("object"), "tags": Field("array", items="string", max_length=50),
    "agent": Field("string", max_length=200, description="the contact's own agent, preferred when assigning"),
}

ROUTES = [
    Route("GET", "/contacts", AGENT, "Search contacts by name or phone, or list the latest", list_contacts,
          query={"search": Field("string")}, tag="contacts"),
    Route("POST", "/contacts", AGENT, "Create a contact", create_contact, body=CONTACT_FIELDS, tag="contacts"),
    Route("GET", "/contacts/export", SUPERVISOR, "Contacts as CSV", export_contacts, tag="contacts",
          query={"period": Field("string", enum=("last_month", "all")),
                 "style": Field("string", enum=("charla", "google"))}, produces="text/csv"),
    Route("POST", "/contacts/import", SUPERVISOR, "Create and update contacts from a CSV file", import_contacts,
          body={"csv": Field("string", required=True, max_length=900_000)}, tag="contacts"),
    Route("POST", "/contacts/merge", SUPERVISOR, "Merge another contact into one kept", merge_contacts,
          body={"keep": Field("string", required=True), "other": Field("string", required=True)}, tag="contacts"),
    Route("GET", "/contacts/{contact_id}", AGENT, "A contact", get_contact, tag="contacts"),
    Route("PATCH", "/contacts/{contact_id}", AGENT, "Edit a contact", edit_contact, body=CONTACT_FIELDS,
          tag="contacts"),
    Route("DELETE", "/contacts/{contact_id}", SUPERVISOR, "Delete a contact", delete_contact, tag="contacts"),
    Route("PUT", "/contacts/{contact_id}/opt_in", AGENT, "Record the contact's consent on a channel", set_opt_in,
          body={"channel": Field("string", required=True, max_length=40), "granted": Field("boolean", required=True),
                "source": Field("string", max_length=200)}, tag="contacts"),
    Route("PUT", "/contacts/{contact_id}/blacklist", SUPERVISOR, "Never send this contact anything (or again)",
          set_blacklist, tag="contacts",
          body={"blacklisted": Field("boolean", required=True), "reason": Field("string", max_length=500)}),
    Route("POST", "/contacts/{contact_id}/conversations", AGENT, "Start a conversation with an approved template;"
          " the chat is yours", start_conversation_with, tag="contacts",
          body={"channel": Field("string", required=True, max_length=40),
                "account": Field("string", required=True, max_length=200),
                "template": Field("string", required=True, max_length=80),
                "parameters": Field("array", items="string", max_length=20),
                "client_message_id": Field("string", required=True, max_length=100)}),
]
