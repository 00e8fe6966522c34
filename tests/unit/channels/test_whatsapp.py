"""WhatsApp Cloud API: webhook bodies become ProviderEvents, replies become Messages API requests
within Meta's limits, error answers get a retry decision, and the local simulator behaves like Meta."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.channels.meta_signature import SIGNATURE_HEADER, meta_signature_is_valid
from shared.channels.provider_events import INBOUND_KINDS, ApiCall, ProviderEvent
from shared.channels.whatsapp import LIMITS, error_disposition, parse_webhook, render, sent_message_id
from shared.kernel.errors import InvalidInput, PermanentError
from shared.messages.wire import OutboundMessage
from tests.support import whatsapp_requests as wa
from tests.support.fake_provider_api import SwappableFake
from tests.support.fake_whatsapp_api import FakeWhatsAppApi, send_problem
from tests.support.wsgi_server import serve_wsgi

PHONE_ID = "106540352242922"
CUSTOMER = "16505551234"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "providers" / "whatsapp"


def only(events: list[ProviderEvent]) -> ProviderEvent:
    assert len(events) == 1, events
    return events[0]


def parsed(body: dict[str, Any]) -> ProviderEvent:
    return only(parse_webhook(body))


def outbound(kind: str, text: str = "", options: list[str] | None = None,
             payload: dict[str, Any] | None = None) -> OutboundMessage:
    return OutboundMessage(message_id="m1", workspace_id="ws", conversation_id="c1", session_id="s1",
                           channel="whatsapp", account=PHONE_ID, recipient=CUSTOMER, kind=kind, text=text,
                           created_at="2026-01-01T00:00:00+00:00", options=options or [], payload=payload or {})


def contents(calls: list[ApiCall]) -> list[dict[str, Any]]:
    """What each call sends, after checking the envelope every Messages API request shares."""
    for call in calls:
        assert call.path == "messages"
        assert call.form is None
        assert call.json["messaging_product"] == "whatsapp"
        assert call.json["recipient_type"] == "individual"
        assert call.json["to"] == CUSTOMER
        assert send_problem(call.json) == "", call.json  # Meta would accept it
    return [{**c.json[c.json["type"]], "type": c.json["type"]} for c in calls]


# ------------------------------------------------------------------------------------------------
# Inbound: messages
# ------------------------------------------------------------------------------------------------

def test_a_text_message_becomes_a_text_event_from_the_sender_with_their_profile_name():
    event = parsed(wa.text_message(PHONE_ID, CUSTOMER, "Hola, ¿tienen envío?", "wamid.A1", name="Ana"))

    assert event == ProviderEvent(account=PHONE_ID, contact=CUSTOMER, provider_message_id="wamid.A1", kind="text",
                                  text="Hola, ¿tienen envío?", contact_name="Ana",
                                  occurred_at="2025-06-08T20:59:43+00:00", payload={})


def test_the_event_time_is_the_provider_timestamp_in_utc():
    event = parsed(wa.text_message(PHONE_ID, CUSTOMER, "hi", "wamid.A1", timestamp=1700000000))

    assert event.occurred_at == "2023-11-14T22:13:20+00:00"


def test_the_contact_name_comes_from_the_lone_contact_even_when_its_wa_id_differs_from_the_sender():
    body = wa.text_message(PHONE_ID, CUSTOMER, "hi", "wamid.A1", name="Ana")
    body["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = "5491100000000"

    assert parsed(body).contact_name == "Ana"


def test_a_reply_button_tap_carries_the_id_we_sent_and_the_label_shown():
    event = parsed(wa.button_reply(PHONE_ID, CUSTOMER, "Ver catálogo completo", "Ver catálogo…", "wamid.B1",
                                   context_id="wamid.OURS"))

    assert event.kind == "button"
    assert event.text == "Ver catálogo…"
    assert event.payload == {"id": "Ver catálogo completo", "title": "Ver catálogo…", "source": "button",
                             "reply_to": "wamid.OURS"}


def test_a_list_choice_is_a_button_event_from_a_list():
    event = parsed(wa.list_reply(PHONE_ID, CUSTOMER, "4", "Envío express", "wamid.B2",
                                 description="Envío express a todo el país"))

    assert (event.kind, event.text) == ("button", "Envío express")
    assert event.payload["id"] == "4"
    assert event.payload["source"] == "list"


def test_a_template_quick_reply_is_a_button_event_with_its_payload_as_id():
    event = parsed(wa.template_button(PHONE_ID, CUSTOMER, "STOP_PROMOS", "Stop promotions", "wamid.B3"))

    assert (event.kind, event.text) == ("button", "Stop promotions")
    assert event.payload["id"] == "STOP_PROMOS"
    assert event.payload["source"] == "button"


def test_a_flow_reply_is_unsupported_and_names_its_interactive_type():
    event = parsed(wa.flow_reply(PHONE_ID, CUSTOMER, "wamid.B4"))

    assert event.kind == "unsupported"
    assert event.payload == {"raw_type": "interactive", "subtype": "nfm_reply"}


@pytest.mark.parametrize(("builder", "kind", "mime_type"), [
    (wa.image_message, "image", "image/jpeg"),
    (wa.video_message, "video", "video/mp4"),
    (wa.document_message, "document", "application/pdf"),
    (wa.sticker_message, "sticker", "image/webp"),
    (wa.audio_message, "audio", "audio/mpeg"),
])
def test_media_messages_carry_the_media_id_to_download(builder, kind, mime_type):
    event = parsed(builder(PHONE_ID, CUSTOMER, "1003383421387256", "wamid.M1"))

    assert event.kind == kind
    media = event.payload["media"]
    assert media["id"] == "1003383421387256"
    assert media["mime_type"] == mime_type
    assert media["sha256"]
    assert "url" not in media  # the id is what the downloader resolves, with the token


def test_a_caption_is_the_text_of_a_media_event():
    event = parsed(wa.image_message(PHONE_ID, CUSTOMER, "77", "wamid.M2", caption="¿Lo tienen en azul?"))

    assert event.text == "¿Lo tienen en azul?"


def test_a_document_keeps_its_file_name():
    event = parsed(wa.document_message(PHONE_ID, CUSTOMER, "77", "wamid.M3", filename="factura-0042.pdf"))

    assert event.payload["media"]["filename"] == "factura-0042.pdf"


def test_a_voice_note_is_voice_and_an_audio_file_stays_audio():
    assert parsed(wa.voice_message(PHONE_ID, CUSTOMER, "77", "wamid.V1")).kind == "voice"
    assert parsed(wa.audio_message(PHONE_ID, CUSTOMER, "77", "wamid.V2")).kind == "audio"


def test_a_shared_location_carries_coordinates_and_place():
    event = parsed(wa.location_message(PHONE_ID, CUSTOMER, -34.6037, -58.3816, "wamid.L1",
                                       name="Obelisco", address="Av. 9 de Julio s/n"))

    assert event.kind == "location"
    assert event.payload == {"latitude": -34.6037, "longitude": -58.3816, "name": "Obelisco",
                             "address": "Av. 9 de Julio s/n"}


def test_shared_contacts_keep_names_phones_and_emails():
    cards = [wa.contact_card("Barbara Johnson", ["+1 650 555 1234"], ["b@example.com"]),
             wa.contact_card("Juan Pérez", phone_wa_ids=["5491122334455"])]
    event = parsed(wa.contacts_message(PHONE_ID, CUSTOMER, cards, "wamid.C1"))

    assert event.kind == "contacts"
    assert event.payload == {"contacts": [
        {"name": "Barbara Johnson", "phones": ["+1 650 555 1234"], "emails": ["b@example.com"]},
        {"name": "Juan Pérez", "phones": ["5491122334455"], "emails": []},
    ]}


def test_a_reaction_names_the_message_reacted_to_and_a_removed_reaction_has_no_emoji():
    added = parsed(wa.reaction_message(PHONE_ID, CUSTOMER, "wamid.OURS", "❤️", "wamid.R1"))
    removed = parsed(wa.reaction_message(PHONE_ID, CUSTOMER, "wamid.OURS", None, "wamid.R2"))

    assert (added.kind, added.payload) == ("reaction", {"emoji": "❤️", "reacted_to": "wamid.OURS"})
    assert (removed.kind, removed.payload) == ("reaction", {"emoji": "", "reacted_to": "wamid.OURS"})


def test_a_message_quoting_an_earlier_one_carries_reply_to():
    event = parsed(wa.text_message(PHONE_ID, CUSTOMER, "este", "wamid.Q1", reply_to="wamid.EARLIER"))

    assert event.payload == {"reply_to": "wamid.EARLIER"}


@pytest.mark.parametrize("flag", ["forwarded", "frequently_forwarded"])
def test_a_forwarded_message_is_marked_forwarded(flag):
    event = parsed(wa.text_message(PHONE_ID, CUSTOMER, "mirá esto", "wamid.F1", **{flag: True}))

    assert event.payload == {"forwarded": True}


def test_a_message_from_an_ad_carries_the_whole_referral():
    referral = wa.ad_referral(headline="Suculentas de verano")
    event = parsed(wa.text_message(PHONE_ID, CUSTOMER, "Quiero info", "wamid.AD1", referral=referral))

    assert event.kind == "text"
    assert event.payload["referral"] == referral
    assert event.payload["referral"]["ctwa_clid"].startswith("Aff-")


def test_an_edited_message_is_an_edit_of_the_original_with_the_new_text():
    event = parsed(wa.edit_message(PHONE_ID, CUSTOMER, "wamid.ORIGINAL", "Mañana a las 10, no a las 9", "wamid.E1"))

    assert event.kind == "edit"
    assert event.text == "Mañana a las 10, no a las 9"
    assert event.payload == {"edited_message_id": "wamid.ORIGINAL"}


@pytest.mark.parametrize(("body", "payload"), [
    (wa.unsupported_message(PHONE_ID, CUSTOMER, "wamid.U1", "poll_update"),
     {"raw_type": "unsupported", "subtype": "poll_update"}),
    (wa.system_message(PHONE_ID, CUSTOMER, "12195555358", "wamid.U2"),
     {"raw_type": "system", "subtype": "user_changed_number"}),
    (wa.request_welcome(PHONE_ID, CUSTOMER, "wamid.U3"), {"raw_type": "request_welcome"}),
    (wa._message_body(PHONE_ID, CUSTOMER, "wamid.U4", "order", {"catalog_id": "1", "product_items": []}),
     {"raw_type": "order"}),
    (wa._message_body(PHONE_ID, CUSTOMER, "wamid.U5", "hologram", {"shape": "cube"}), {"raw_type": "hologram"}),
    (wa._message_body(PHONE_ID, CUSTOMER, "wamid.U6", "unknown", None), {"raw_type": "unknown"}),
])
def test_kinds_charla_does_not_handle_are_unsupported_never_an_error(body, payload):
    event = parsed(body)

    assert event.kind == "unsupported"
    assert event.payload == payload
    assert event.contact == CUSTOMER


def test_a_system_message_has_no_contacts_array_and_so_no_name():
    assert parsed(wa.system_message(PHONE_ID, CUSTOMER, "12195555358", "wamid.U2")).contact_name == ""


def test_a_message_written_in_a_group_is_unsupported():
    event = parsed(wa.group_message(PHONE_ID, CUSTOMER, "GROUP123", "hola a todos", "wamid.G1"))

    assert event.kind == "unsupported"
    assert event.payload == {"raw_type": "group", "subtype": "text"}


# ------------------------------------------------------------------------------------------------
# Inbound: statuses, batches, errors, malformed bodies
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["sent", "delivered", "read"])
def test_a_status_reports_on_our_message_with_one_id_per_status(status):
    event = parsed(wa.status(PHONE_ID, CUSTOMER, "wamid.OURS", status, timestamp=1700000000))

    assert event == ProviderEvent(account=PHONE_ID, contact=CUSTOMER, provider_message_id=f"wamid.OURS:{status}",
                                  kind="status", occurred_at="2023-11-14T22:13:20+00:00",
                                  payload={"status": status, "refers_to": "wamid.OURS"})


def test_a_failed_status_says_why():
    event = parsed(wa.failed_status(PHONE_ID, CUSTOMER, "wamid.OURS"))

    assert event.kind == "status"
    assert event.payload["status"] == "failed"
    assert event.payload["error"].startswith("131047 Re-engagement message: ")
    assert "24 hours" in event.payload["error"]


@pytest.mark.parametrize(("body", "subtype"), [
    (wa.status(PHONE_ID, "GROUP123", "wamid.OURS", "sent", group=True), "group"),
    (wa.status(PHONE_ID, CUSTOMER, "wamid.OURS", "deleted"), "deleted"),
    (wa.status(PHONE_ID, CUSTOMER, "wamid.OURS", "played"), "played"),
])
def test_statuses_of_group_messages_or_unknown_names_are_unsupported(body, subtype):
    event = parsed(body)

    assert event.kind == "unsupported"
    assert event.payload == {"raw_type": "status", "subtype": subtype}


def test_webhook_level_errors_are_skipped():
    assert parse_webhook(wa.webhook_errors(PHONE_ID)) == []


def test_a_body_with_several_messages_and_statuses_yields_them_all_in_order():
    body = wa.batched(
        wa.text_message(PHONE_ID, CUSTOMER, "uno", "wamid.1"),
        wa.text_message(PHONE_ID, "5491100000000", "dos", "wamid.2", name="Beto"),
        wa.status(PHONE_ID, CUSTOMER, "wamid.OURS", "read"),
    )

    events = parse_webhook(body)

    assert [(e.provider_message_id, e.kind, e.contact_name) for e in events] == [
        ("wamid.1", "text", "Sheena Nelson"), ("wamid.2", "text", "Beto"), ("wamid.OURS:read", "status", "")]


def test_several_entries_are_read_in_order():
    body = wa.entries(wa.text_message(PHONE_ID, CUSTOMER, "uno", "wamid.1"),
                      wa.text_message("999", CUSTOMER, "dos", "wamid.2"))

    assert [(e.account, e.text) for e in parse_webhook(body)] == [(PHONE_ID, "uno"), ("999", "dos")]


def test_changes_of_other_fields_are_not_conversation_events():
    body = wa.text_message(PHONE_ID, CUSTOMER, "hi", "wamid.1")
    body["entry"][0]["changes"][0]["field"] = "message_template_status_update"

    assert parse_webhook(body) == []


@pytest.mark.parametrize(("body", "field"), [
    ([], "body"),
    ({"object": "page", "entry": []}, "object"),
    ({"object": "whatsapp_business_account", "entry": {}}, "entry"),
    ({"object": "whatsapp_business_account", "entry": [{"changes": None}]}, "entry[0].changes"),
    ({"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": []}]}]},
     "entry[0].changes[0].value"),
])
def test_a_body_that_is_not_a_whatsapp_webhook_is_refused_naming_the_field(body, field):
    with pytest.raises(InvalidInput, match=re.escape(field)):
        parse_webhook(body)


def test_a_message_without_id_or_account_is_refused_naming_the_field():
    no_id = wa.text_message(PHONE_ID, CUSTOMER, "hi", "wamid.1")
    del no_id["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    no_account = wa.text_message(PHONE_ID, CUSTOMER, "hi", "wamid.1")
    del no_account["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"]

    with pytest.raises(InvalidInput, match=r"messages\[0\]\.id"):
        parse_webhook(no_id)
    with pytest.raises(InvalidInput, match=r"metadata\.phone_number_id"):
        parse_webhook(no_account)


def test_signed_requests_carry_a_signature_the_webhook_accepts():
    raw, headers = wa.signed(wa.text_message(PHONE_ID, CUSTOMER, "hola", "wamid.1"), "app-secret")

    assert json.loads(raw)["object"] == "whatsapp_business_account"
    assert meta_signature_is_valid(raw, headers[SIGNATURE_HEADER], "app-secret")
    assert not meta_signature_is_valid(raw, headers[SIGNATURE_HEADER], "another-secret")


# ------------------------------------------------------------------------------------------------
# Inbound: Meta's documented examples
# ------------------------------------------------------------------------------------------------

FIXTURE_KINDS = {
    "text.json": "text", "text_reply.json": "text", "text_forwarded.json": "text",
    "text_frequently_forwarded.json": "text", "text_ad_referral.json": "text",
    "interactive_button_reply.json": "button", "interactive_list_reply.json": "button",
    "template_quick_reply.json": "button", "image.json": "image", "audio_voice.json": "voice",
    "audio_file.json": "audio", "video.json": "video", "document.json": "document", "sticker.json": "sticker",
    "location.json": "location", "contacts.json": "contacts", "reaction.json": "reaction",
    "reaction_removed.json": "reaction", "edit.json": "edit", "unsupported.json": "unsupported",
    "system_user_changed_number.json": "unsupported", "status_sent.json": "status",
    "status_delivered.json": "status", "status_read.json": "status", "status_failed.json": "status",
    "status_group_sent.json": "unsupported", "errors.json": None,
}


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def test_every_documented_example_has_an_expected_kind():
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(FIXTURE_KINDS)


@pytest.mark.parametrize("name", sorted(FIXTURE_KINDS))
def test_each_documented_example_parses_to_its_kind(name):
    events = parse_webhook(fixture(name))

    expected = FIXTURE_KINDS[name]
    assert [e.kind for e in events] == ([expected] if expected else [])
    for event in events:
        assert event.kind in INBOUND_KINDS
        assert event.account == "106540352242922"
        assert event.occurred_at.endswith("+00:00")


def test_documented_examples_keep_their_details():
    assert parsed(fixture("text.json")).contact_name == "Sheena Nelson"
    assert parsed(fixture("text_reply.json")).payload["reply_to"].startswith("wamid.")
    assert parsed(fixture("text_ad_referral.json")).payload["referral"]["source_type"] == "ad"
    assert parsed(fixture("interactive_list_reply.json")).payload == {
        "id": "priority_express", "title": "Priority Mail Express", "source": "list",
        "reply_to": "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA="}
    assert parsed(fixture("document.json")).payload["media"]["filename"] == "lucky-shrub-invoice.pdf"
    assert parsed(fixture("edit.json")).text == "Here is the right photo"
    assert parsed(fixture("contacts.json")).payload["contacts"][0] == {
        "name": "Barbara J. Johnson", "phones": ["+1 (415) 555-0123", "+1 (415) 555-0987"],
        "emails": ["bjohnson@luckyshrub.com", "bjohnson@luckyshrubplants.com"]}
    assert parsed(fixture("status_failed.json")).payload["error"].startswith("131049 ")
    assert parsed(fixture("reaction_removed.json")).payload["emoji"] == ""


# ------------------------------------------------------------------------------------------------
# Outbound: text and its limit
# ------------------------------------------------------------------------------------------------

def test_a_text_reply_is_one_text_message_without_link_preview():
    calls = render(outbound("text", "Hola, ¿en qué te ayudo?"))

    assert [c.json for c in calls] == [{
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER, "type": "text",
        "text": {"preview_url": False, "body": "Hola, ¿en qué te ayudo?"}}]


def test_a_long_text_is_split_at_paragraphs_into_several_messages():
    first, second = "a" * (LIMITS.text_chars - 100), "b" * 200
    bodies = [c["body"] for c in contents(render(outbound("text", f"{first}\n\n{second}")))]

    assert bodies == [first, second]


def test_a_long_paragraph_is_split_at_lines_then_words_never_mid_word():
    words = " ".join(f"palabra{i}" for i in range(1200))  # about 11,000 characters, no line breaks
    bodies = [c["body"] for c in contents(render(outbound("text", words)))]

    assert len(bodies) > 1
    assert all(len(body) <= LIMITS.text_chars for body in bodies)
    assert " ".join(bodies).split() == words.split()
    lines = "\n".join("x" * 100 for _ in range(60))
    assert all(body == "\n".join("x" * 100 for _ in body.split("\n"))
               for body in (c["body"] for c in contents(render(outbound("text", lines)))))


def test_a_single_word_longer_than_the_limit_is_cut_where_it_must():
    bodies = [c["body"] for c in contents(render(outbound("text", "z" * (LIMITS.text_chars + 10))))]

    assert bodies == ["z" * LIMITS.text_chars, "z" * 10]


def test_a_menu_goes_as_plain_text():
    calls = render(outbound("menu", "Elegí:\n1. Ventas\n2. Soporte", ["Ventas", "Soporte"]))

    assert contents(calls) == [{"type": "text", "preview_url": False, "body": "Elegí:\n1. Ventas\n2. Soporte"}]


def test_a_text_without_text_is_a_permanent_error():
    with pytest.raises(PermanentError, match="no text"):
        render(outbound("text", "   "))


# ------------------------------------------------------------------------------------------------
# Outbound: options
# ------------------------------------------------------------------------------------------------

def test_up_to_three_options_become_reply_buttons_whose_ids_are_the_titles():
    calls = render(outbound("buttons", "¿Seguimos?", ["Sí", "No", "Hablar con alguien"]))

    contents(calls)
    assert len(calls) == 1
    assert calls[0].json["interactive"] == {
        "type": "button",
        "body": {"text": "¿Seguimos?"},
        "action": {"buttons": [
            {"type": "reply", "reply": {"id": "Sí", "title": "Sí"}},
            {"type": "reply", "reply": {"id": "No", "title": "No"}},
            {"type": "reply", "reply": {"id": "Hablar con alguien", "title": "Hablar con alguien"}},
        ]},
    }


def test_a_button_title_longer_than_the_label_limit_is_shortened_but_its_id_stays_full():
    title = "Quiero hablar con una persona"
    button = render(outbound("buttons", "¿Cómo seguimos?", [title]))[0].json["interactive"]["action"]["buttons"][0]

    assert button["reply"]["id"] == title
    assert len(button["reply"]["title"]) == LIMITS.button_title_chars
    assert button["reply"]["title"].endswith("…")


def test_a_title_longer_than_the_id_limit_is_answered_by_its_position():
    titles = ["Sí", "x" * (LIMITS.button_id_chars + 1)]
    buttons = render(outbound("buttons", "?", titles))[0].json["interactive"]["action"]["buttons"]

    assert [b["reply"]["id"] for b in buttons] == ["Sí", "2"]


def test_repeated_titles_still_get_unique_ids():
    buttons = render(outbound("buttons", "?", ["Otro", "Otro"]))[0].json["interactive"]["action"]["buttons"]

    assert [b["reply"]["id"] for b in buttons] == ["Otro", "2"]


def test_four_options_become_a_list_of_rows():
    titles = ["Ventas", "Soporte técnico", "Facturación", "Envíos"]
    calls = render(outbound("buttons", "¿Con qué área?", titles))

    contents(calls)
    assert calls[0].json["interactive"] == {
        "type": "list",
        "body": {"text": "¿Con qué área?"},
        "action": {"button": "☰", "sections": [{"title": "☰", "rows": [
            {"id": "Ventas", "title": "Ventas"},
            {"id": "Soporte técnico", "title": "Soporte técnico"},
            {"id": "Facturación", "title": "Facturación"},
            {"id": "Envíos", "title": "Envíos"},
        ]}]},
    }


def test_the_list_button_label_can_be_given_per_language_and_is_kept_within_its_limit():
    message = outbound("buttons", "?", ["a", "b", "c", "d"])

    assert render(message, list_button="Opciones")[0].json["interactive"]["action"]["button"] == "Opciones"
    long_label = render(message, list_button="Ver todas las opciones disponibles")[0].json["interactive"]
    assert len(long_label["action"]["button"]) == LIMITS.list_button_chars


def test_a_cut_row_title_keeps_the_full_title_in_its_description():
    long_title = "Consultar el estado de mi pedido"
    rows = render(outbound("buttons", "?", ["a", "b", "c", long_title]))[0].json["interactive"]["action"][
        "sections"][0]["rows"]

    assert rows[3] == {"id": long_title, "title": long_title[:LIMITS.list_row_title_chars - 1].rstrip() + "…",
                       "description": long_title}
    assert "description" not in rows[0]


def test_a_row_title_longer_than_the_row_id_limit_is_answered_by_its_position():
    rows = render(outbound("buttons", "?", ["a", "b", "c", "y" * (LIMITS.list_row_id_chars + 1)]))[0].json[
        "interactive"]["action"]["sections"][0]["rows"]

    assert rows[3]["id"] == "4"
    assert len(rows[3]["description"]) == LIMITS.list_row_description_chars


def test_ten_options_still_fit_a_list_and_eleven_become_numbered_text():
    ten = render(outbound("buttons", "Elegí", [f"Opción {i}" for i in range(1, 11)]))
    eleven = render(outbound("buttons", "Elegí", [f"Opción {i}" for i in range(1, 12)]))

    assert ten[0].json["interactive"]["type"] == "list"
    assert contents(eleven) == [{"type": "text", "preview_url": False,
                                 "body": "Elegí\n\n" + "\n".join(f"{i}. Opción {i}" for i in range(1, 12))}]


def test_a_button_text_longer_than_the_body_limit_goes_first_as_text():
    intro = "Bienvenido. " * 80  # ~960 characters
    question = "¿Querés seguir con la compra?"
    text = f"{intro.strip()}\n\n{'Detalles. ' * 20}\n\n{question}"
    calls = render(outbound("buttons", text, ["Sí", "No"]))
    sent = contents(calls)

    body = calls[-1].json["interactive"]["body"]["text"]
    assert [c["type"] for c in sent] == ["text", "interactive"]
    assert body.endswith(question)
    assert len(body) <= LIMITS.button_body_chars
    assert sent[0]["body"] + "\n\n" + body == text  # cut at a paragraph, nothing lost


def test_a_list_body_may_be_as_long_as_the_list_limit():
    text = "Lista. " * 300  # ~2,100 characters: too long for buttons, fine for a list
    calls = render(outbound("buttons", text, ["a", "b", "c", "d"]))

    assert len(calls) == 1
    assert calls[0].json["interactive"]["body"]["text"] == text.strip()


def test_options_without_text_get_a_minimal_body_and_no_options_send_just_the_text():
    assert render(outbound("buttons", "", ["Sí"]))[0].json["interactive"]["body"]["text"] == "…"
    assert contents(render(outbound("buttons", "Solo texto", []))) == [
        {"type": "text", "preview_url": False, "body": "Solo texto"}]


# ------------------------------------------------------------------------------------------------
# Outbound: carousel, media, location, template
# ------------------------------------------------------------------------------------------------

CARDS = [
    {"title": "Plan Básico", "subtitle": "$10 por mes", "image": "https://example.com/basico.jpg",
     "buttons": ["Elegir Básico", "Más info"]},
    {"title": "Plan Pro", "subtitle": "$20 por mes", "image": "", "buttons": ["Elegir Pro"]},
]


def test_a_carousel_becomes_one_image_or_text_per_card_followed_by_its_buttons():
    calls = render(outbound("carousel", "Nuestros planes:", ["Elegir Básico", "Más info", "Elegir Pro"],
                            {"cards": CARDS}))
    sent = contents(calls)

    assert [c["type"] for c in sent] == ["text", "image", "interactive", "text", "interactive"]
    assert sent[0]["body"] == "Nuestros planes:"
    assert sent[1] == {"type": "image", "link": "https://example.com/basico.jpg",
                       "caption": "Plan Básico\n$10 por mes"}
    assert calls[2].json["interactive"]["body"]["text"] == "Plan Básico"
    assert sent[3]["body"] == "Plan Pro\n$20 por mes"
    assert [b["reply"]["id"] for c in (calls[2], calls[4]) for b in c.json["interactive"]["action"]["buttons"]] == [
        "Elegir Básico", "Más info", "Elegir Pro"]


def test_carousel_button_positions_count_across_cards():
    cards = [{"title": "A", "subtitle": "", "image": "", "buttons": ["uno"]},
             {"title": "B", "subtitle": "", "image": "", "buttons": ["z" * (LIMITS.button_id_chars + 1)]}]
    calls = render(outbound("carousel", "", ["uno", "z" * (LIMITS.button_id_chars + 1)], {"cards": cards}))

    assert calls[-1].json["interactive"]["action"]["buttons"][0]["reply"]["id"] == "2"


def test_a_card_without_buttons_is_only_its_image_or_text():
    cards = [{"title": "Sucursal Centro", "subtitle": "Abierto de 9 a 18", "image": "", "buttons": []},
             {"title": "Sucursal Norte", "subtitle": "", "image": "https://example.com/n.jpg"}]
    sent = contents(render(outbound("carousel", "", [], {"cards": cards})))

    assert sent == [{"type": "text", "preview_url": False, "body": "Sucursal Centro\nAbierto de 9 a 18"},
                    {"type": "image", "link": "https://example.com/n.jpg", "caption": "Sucursal Norte"}]


def test_a_card_with_more_than_three_buttons_offers_them_as_a_list():
    cards = [{"title": "Menú", "subtitle": "", "image": "", "buttons": ["a", "b", "c", "d"]}]
    calls = render(outbound("carousel", "", ["a", "b", "c", "d"], {"cards": cards}))

    assert calls[-1].json["interactive"]["type"] == "list"


@pytest.mark.parametrize("kind", ["image", "video"])
def test_an_image_or_video_goes_by_link_with_its_caption(kind):
    calls = render(outbound("media", payload={"kind": kind, "url": "https://example.com/f", "caption": "Mirá"}))

    assert contents(calls) == [{"type": kind, "link": "https://example.com/f", "caption": "Mirá"}]


def test_a_document_keeps_its_file_name_and_caption():
    calls = render(outbound("media", payload={"kind": "document", "url": "https://example.com/f.pdf",
                                              "caption": "Tu factura", "filename": "factura.pdf"}))

    assert contents(calls) == [{"type": "document", "link": "https://example.com/f.pdf", "caption": "Tu factura",
                                "filename": "factura.pdf"}]


def test_audio_takes_no_caption_so_the_caption_follows_as_text():
    calls = render(outbound("media", payload={"kind": "audio", "url": "https://example.com/a.ogg",
                                              "caption": "Escuchá esto"}))

    assert contents(calls) == [{"type": "audio", "link": "https://example.com/a.ogg"},
                               {"type": "text", "preview_url": False, "body": "Escuchá esto"}]


def test_a_caption_longer_than_the_caption_limit_follows_as_text():
    caption = "Detalle. " * 200
    sent = contents(render(outbound("media", payload={"kind": "image", "url": "https://example.com/i.jpg",
                                                      "caption": caption})))

    assert sent[0] == {"type": "image", "link": "https://example.com/i.jpg"}
    assert [c["type"] for c in sent[1:]] == ["text"]
    assert sent[1]["body"] == caption.strip()


@pytest.mark.parametrize("payload", [{"kind": "sticker", "url": "https://example.com/s.webp"},
                                     {"kind": "image", "url": ""}])
def test_media_that_cannot_be_sent_is_a_permanent_error(payload):
    with pytest.raises(PermanentError):
        render(outbound("media", payload=payload))


def test_a_location_carries_coordinates_name_and_address():
    calls = render(outbound("location", payload={"latitude": -34.6037, "longitude": -58.3816,
                                                 "name": "Sucursal Centro", "address": "Av. Corrientes 1234"}))

    assert contents(calls) == [{"type": "location", "latitude": -34.6037, "longitude": -58.3816,
                                "name": "Sucursal Centro", "address": "Av. Corrientes 1234"}]


def test_a_template_sends_its_body_parameters_in_order():
    calls = render(outbound("template", "Hola Ana, tu pedido 42 llegó",
                            payload={"name": "pedido_listo", "language": "es_AR", "parameters": ["Ana", "42"]}))

    assert calls[0].json["template"] == {
        "name": "pedido_listo", "language": {"code": "es_AR"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"},
                                                       {"type": "text", "text": "42"}]}]}


def test_a_template_without_parameters_has_no_components():
    calls = render(outbound("template", payload={"name": "hello_world", "language": "en_US", "parameters": []}))

    assert calls[0].json["template"] == {"name": "hello_world", "language": {"code": "en_US"}}


def test_an_unknown_kind_is_a_permanent_error_naming_it():
    with pytest.raises(PermanentError, match="'email'"):
        render(outbound("email", "hola"))


# ------------------------------------------------------------------------------------------------
# API answers
# ------------------------------------------------------------------------------------------------

def test_the_sent_message_id_is_the_wamid_of_the_answer():
    answer = {"messaging_product": "whatsapp", "contacts": [{"input": "+16505551234", "wa_id": "16505551234"}],
              "messages": [{"id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA"}]}

    assert sent_message_id(answer) == "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA"
    with pytest.raises(InvalidInput, match="messages"):
        sent_message_id({"messaging_product": "whatsapp"})


def graph_error(code: int, message: str = "boom", details: str = "") -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Az8"}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


# Meta's "Throttling errors" table: API too many calls, WABA rate limit, throughput, spam rate limit,
# pair rate limit, register/deregister rate limit.
@pytest.mark.parametrize("code", [4, 80007, 130429, 131048, 131056, 133016])
def test_throttling_codes_answered_with_400_are_transient(code):
    disposition = error_disposition(400, graph_error(code, "Rate limit hit"), {})

    assert disposition.transient
    assert str(code) in disposition.reason


@pytest.mark.parametrize(("status", "code"), [(429, None), (500, 131000), (503, 2), (502, None), (400, 1),
                                              (500, 2)])
def test_rate_limits_server_errors_and_unknown_service_errors_are_transient(status, code):
    body = graph_error(code) if code is not None else "<html>Bad gateway</html>"

    assert error_disposition(status, body, {}).transient


def test_retry_after_is_taken_from_the_header_in_seconds_or_as_a_date():
    assert error_disposition(429, {}, {"Retry-After": "7"}).retry_after_s == 7.0
    assert error_disposition(503, {}, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}).retry_after_s == 0.0
    assert error_disposition(429, {}, {}).retry_after_s is None


def test_the_24_hour_window_error_is_permanent_and_says_so():
    disposition = error_disposition(400, graph_error(131047, "(#131047) Re-engagement message",
                                                     "More than 24 hours have passed since the recipient last "
                                                     "replied to the sender number."), {})

    assert not disposition.transient
    assert "24 hours" in disposition.reason
    assert "131047" in disposition.reason


def test_a_refused_token_is_permanent():
    disposition = error_disposition(401, graph_error(190, "Error validating access token"), {})

    assert not disposition.transient
    assert "190" in disposition.reason
    assert "token" in disposition.reason


def test_other_client_errors_are_permanent_and_name_code_message_and_details():
    disposition = error_disposition(400, graph_error(100, "(#100) Invalid parameter", "Parameter 'to' is bad"), {})

    assert not disposition.transient
    assert disposition.reason == "WhatsApp error 100 (HTTP 400): (#100) Invalid parameter; Parameter 'to' is bad"


# ------------------------------------------------------------------------------------------------
# The simulator
# ------------------------------------------------------------------------------------------------

TOKEN = "EAAG-test-token"


@pytest.fixture(scope="module")
def graph_server():
    app = SwappableFake()
    with serve_wsgi(app) as base:
        yield app, base


@pytest.fixture
def graph(graph_server):
    app, base = graph_server
    app.fake = FakeWhatsAppApi(access_token=TOKEN)
    with httpx.Client(base_url=base, timeout=5) as client:
        yield app.fake, client


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_simulator_answers_a_rendered_send_like_the_cloud_api(graph):
    fake, client = graph
    call = render(outbound("text", "hola"))[0]

    answer = client.post(f"/v21.0/{PHONE_ID}/{call.path}", json=call.json, headers=bearer())

    assert answer.status_code == 200
    body = answer.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": CUSTOMER, "wa_id": CUSTOMER}]
    assert sent_message_id(body).startswith("wamid.")
    assert fake.sent_messages() == [call.json]
    assert client.post(f"/{PHONE_ID}/messages", json=call.json, headers=bearer()).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_the_simulator_refuses_a_wrong_token_with_graph_error_190(graph, headers):
    _, client = graph
    answer = client.post(f"/{PHONE_ID}/messages", json=render(outbound("text", "hola"))[0].json, headers=headers)

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == 190
    assert not error_disposition(401, answer.json(), answer.headers).transient


def test_the_simulator_refuses_a_request_beyond_a_documented_limit(graph):
    _, client = graph
    request = render(outbound("buttons", "?", ["Sí", "No"]))[0].json
    request["interactive"]["action"]["buttons"][0]["reply"]["title"] = "t" * (LIMITS.button_title_chars + 1)

    answer = client.post(f"/{PHONE_ID}/messages", json=request, headers=bearer())

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100
    assert "button title" in answer.json()["error"]["error_data"]["details"]


def test_injected_throttling_answers_with_the_documented_body_and_is_transient(graph):
    fake, client = graph
    fake.fail_next(429)

    answer = client.post(f"/{PHONE_ID}/messages", json=render(outbound("text", "hola"))[0].json, headers=bearer())

    assert answer.status_code == 429
    assert answer.json()["error"]["code"] == 130429
    assert error_disposition(answer.status_code, answer.json(), answer.headers).transient


def test_the_simulator_serves_added_media_by_id_then_by_url_with_the_token(graph):
    fake, client = graph
    fake.add_media("1003383421387256", b"\x89PNG fake image", "image/png")

    info = client.get("/v21.0/1003383421387256", headers=bearer())

    assert info.status_code == 200
    meta = info.json()
    assert meta["messaging_product"] == "whatsapp"
    assert meta["id"] == "1003383421387256"
    assert meta["mime_type"] == "image/png"
    assert meta["file_size"] == str(len(b"\x89PNG fake image"))
    assert meta["url"].startswith(str(client.base_url).rstrip("/") + "/media-files/")
    download = httpx.get(meta["url"], headers=bearer(), timeout=5)
    assert download.content == b"\x89PNG fake image"
    assert download.headers["Content-Type"].startswith("image/png")
    assert meta["sha256"] == hashlib.sha256(download.content).hexdigest()
    assert httpx.get(meta["url"], timeout=5).status_code == 401
    assert not fake.sends()  # lookups and downloads are not messages


def test_the_simulator_answers_an_unknown_media_id_like_graph(graph):
    _, client = graph

    answer = client.get("/424242", headers=bearer())

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100
