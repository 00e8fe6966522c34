"""Twilio Programmable Messaging (SMS and WhatsApp): signatures, webhooks in, requests out, error
answers, and the local stand-in of its API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from werkzeug.datastructures import MultiDict

from shared.channels.provider_events import INBOUND_KINDS, MEDIA_KINDS, ApiCall, ProviderEvent
from shared.channels.twilio import (
    LIMITS,
    TWILIO_SMS,
    TWILIO_WHATSAPP,
    contacts_from_vcard,
    error_disposition,
    parse_webhook,
    render,
    sent_message_id,
    twilio_signature,
    twilio_signature_is_valid,
    webhook_response,
)
from shared.kernel.errors import InvalidInput, PermanentError
from shared.messages.wire import OutboundMessage
from tests.support import twilio_requests as tw
from tests.support.fake_twilio_api import FakeTwilioApi
from tests.support.wsgi_server import serve_wsgi

FIXTURES = Path(__file__).parents[2] / "fixtures" / "providers" / "twilio"
OURS, CUSTOMER = tw.BUSINESS_NUMBER, tw.CUSTOMER_NUMBER
TOKEN = "f1e2d3c4b5a6978877665544332211ff"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def only(events: list[ProviderEvent]) -> ProviderEvent:
    assert len(events) == 1, events
    return events[0]


def outbound(kind: str = "text", text: str = "", channel: str = TWILIO_SMS, options: list[str] | None = None,
             payload: dict | None = None) -> OutboundMessage:
    return OutboundMessage(message_id="m1", workspace_id="w1", conversation_id="c1", session_id="s1",
                           channel=channel, account=OURS, recipient=CUSTOMER, kind=kind, text=text,
                           created_at="2026-11-24T10:00:00+00:00", options=options or [], payload=payload or {})


def form(call: ApiCall) -> dict[str, list[str]]:
    assert call.path == "Messages.json" and call.json is None and call.form is not None
    values: dict[str, list[str]] = {}
    for key, value in call.form:
        values.setdefault(key, []).append(value)
    return values


def bodies(calls: list[ApiCall]) -> list[str]:
    return [v for call in calls for v in form(call).get("Body", [])]


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# -- signatures ----------------------------------------------------------------------------------

DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
              "From": "+12349013030", "To": "+18005551212"}
DOC_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="  # Twilio's "Secure webhooks" example, auth token 12345


def test_the_signature_of_twilios_published_example_is_reproduced():
    assert twilio_signature(DOC_URL, DOC_PARAMS, "12345") == DOC_SIGNATURE
    assert twilio_signature_is_valid(DOC_URL, DOC_PARAMS, DOC_SIGNATURE, "12345")


def test_a_tampered_parameter_a_wrong_token_or_no_header_is_refused():
    assert not twilio_signature_is_valid(DOC_URL, {**DOC_PARAMS, "Digits": "9999"}, DOC_SIGNATURE, "12345")
    assert not twilio_signature_is_valid(DOC_URL, DOC_PARAMS, DOC_SIGNATURE, "54321")
    assert not twilio_signature_is_valid(DOC_URL.replace("foo=1", "foo=2"), DOC_PARAMS, DOC_SIGNATURE, "12345")
    assert not twilio_signature_is_valid(DOC_URL, DOC_PARAMS, None, "12345")
    assert not twilio_signature_is_valid(DOC_URL, DOC_PARAMS, DOC_SIGNATURE, "")


def test_the_url_is_accepted_with_or_without_its_default_port():
    with_port = DOC_URL.replace("mycompany.com", "mycompany.com:443")
    assert twilio_signature_is_valid(with_port, DOC_PARAMS, DOC_SIGNATURE, "12345")
    signed_with_port = twilio_signature(with_port, DOC_PARAMS, "12345")
    assert twilio_signature_is_valid(DOC_URL, DOC_PARAMS, signed_with_port, "12345")


def test_repeated_keys_are_signed_in_name_order_with_each_value():
    url = "https://example.com/twilio"
    pairs = [("To", "+1"), ("MediaUrl", "https://b"), ("From", "+2"), ("MediaUrl", "https://a")]
    data = url + "From+2MediaUrlhttps://aMediaUrlhttps://bTo+1"
    expected = base64.b64encode(hmac.new(b"tok", data.encode(), hashlib.sha1).digest()).decode()
    assert twilio_signature(url, pairs, "tok") == expected
    assert twilio_signature(url, MultiDict(pairs), "tok") == expected


def test_a_request_built_by_signed_passes_the_check():
    url = "https://hooks.example.com/webhook_twilio"
    raw, headers = tw.signed(url, tw.sms(OURS, CUSTOMER, "SM1", "hola & adiós"), TOKEN)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    params = parse_qsl(raw.decode(), keep_blank_values=True)
    assert twilio_signature_is_valid(url, params, headers["X-Twilio-Signature"], TOKEN)
    assert not twilio_signature_is_valid(url, params, headers["X-Twilio-Signature"], "other")


def test_empty_parameters_are_signed_too():
    # Twilio posts empty values (ToCity=, FromZip=...): a parser that drops them breaks the check.
    url = "https://hooks.example.com/webhook_twilio"
    raw, headers = tw.signed(url, tw.sms(OURS, CUSTOMER, "SM1", "hola"), TOKEN)
    assert not twilio_signature_is_valid(url, parse_qsl(raw.decode()), headers["X-Twilio-Signature"], TOKEN)


def test_the_webhook_answer_is_empty_twiml():
    assert webhook_response() == (b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>', "text/xml")


# -- inbound messages ----------------------------------------------------------------------------


def test_an_sms_is_a_text_from_the_sender_to_our_number():
    event = only(parse_webhook(tw.sms(OURS, CUSTOMER, "SM11", "Hola")))
    assert event == ProviderEvent(account=OURS, contact=CUSTOMER, provider_message_id="SM11", kind="text",
                                  text="Hola", channel=TWILIO_SMS)


def test_a_whatsapp_text_drops_the_prefixes_and_carries_the_profile_name():
    event = only(parse_webhook(tw.whatsapp_text(OURS, CUSTOMER, "SM12", "Hola", profile_name="Ana")))
    assert (event.channel, event.account, event.contact) == (TWILIO_WHATSAPP, OURS, CUSTOMER)
    assert (event.kind, event.text, event.contact_name) == ("text", "Hola", "Ana")
    assert event.payload == {}
    assert event.occurred_at == ""  # Twilio's webhooks carry no timestamp


def test_a_forwarded_whatsapp_message_says_so():
    event = only(parse_webhook(tw.whatsapp_text(OURS, CUSTOMER, "SM13", "mirá esto", Forwarded="true")))
    assert event.payload["forwarded"] is True
    quiet = only(parse_webhook(tw.whatsapp_text(OURS, CUSTOMER, "SM14", "hola", Forwarded="false")))
    assert "forwarded" not in quiet.payload


@pytest.mark.parametrize(("mime_type", "on_whatsapp", "kind"), [
    ("image/jpeg", True, "image"),
    ("image/png", False, "image"),
    ("image/webp", True, "sticker"),
    ("image/webp", False, "image"),
    ("audio/ogg", True, "voice"),
    ("audio/ogg; codecs=opus", True, "voice"),
    ("audio/mpeg", True, "audio"),
    ("audio/ogg", False, "audio"),
    ("video/mp4", True, "video"),
    ("application/pdf", True, "document"),
    ("text/csv", False, "document"),
])
def test_the_media_kind_follows_the_content_type(mime_type, on_whatsapp, kind):
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    request = (tw.whatsapp_media(OURS, CUSTOMER, "MM1", [(url, mime_type)]) if on_whatsapp
               else tw.mms(OURS, CUSTOMER, "MM1", [(url, mime_type)]))
    event = only(parse_webhook(request))
    assert event.kind == kind and kind in MEDIA_KINDS
    assert event.payload["media"] == {"url": url, "mime_type": mime_type}


def test_a_message_with_several_media_is_one_event_per_item_the_first_with_the_caption():
    media = [(f"https://media/{n}", "image/jpeg") for n in range(3)]
    events = parse_webhook(tw.mms(OURS, CUSTOMER, "MM2", media, body="the damage"))
    assert [e.provider_message_id for e in events] == ["MM2", "MM2:1", "MM2:2"]
    assert [e.text for e in events] == ["the damage", "", ""]
    assert [e.payload["media"]["url"] for e in events] == [url for url, _ in media]


def test_a_shared_contact_arrives_as_a_vcard_file_to_fetch():
    event = only(parse_webhook(tw.whatsapp_contacts(OURS, CUSTOMER, "MM3", "https://media/vcard")))
    assert event.kind == "contacts"
    assert event.payload == {"contacts": [], "media": {"url": "https://media/vcard", "mime_type": "text/vcard"}}


def test_a_fetched_vcard_gives_names_phones_and_emails():
    vcard = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Gómez;Ana;;;\r\nFN:Ana Gómez\r\n"
             "item1.TEL;waid=5491155550000:+54 9 11 5555-0000\r\nitem1.X-ABLabel:Mobile\r\n"
             "EMAIL;type=INTERNET:ana@exam\r\n ple.com\r\nEND:VCARD\r\n"
             "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Pérez;Juan;;;\r\nTEL;type=CELL:+1 415 555 0101\r\nEND:VCARD\r\n")
    assert contacts_from_vcard(vcard) == [
        {"name": "Ana Gómez", "phones": ["+54 9 11 5555-0000"], "emails": ["ana@example.com"]},
        {"name": "Juan Pérez", "phones": ["+1 415 555 0101"], "emails": []},
    ]


def test_a_shared_location_has_its_coordinates_name_and_address():
    event = only(parse_webhook(tw.whatsapp_location(OURS, CUSTOMER, "SM4", -34.6037, -58.3816,
                                                    address="Av. Corrientes 1234", label="Oficina")))
    assert event.kind == "location"
    assert event.payload == {"latitude": -34.6037, "longitude": -58.3816, "name": "Oficina",
                             "address": "Av. Corrientes 1234"}


def test_a_quick_reply_tap_is_a_button_with_the_id_we_sent_and_the_quoted_message():
    event = only(parse_webhook(tw.whatsapp_button_reply(OURS, CUSTOMER, "SM5", "Ver pedidos", "Ver pedidos",
                                                        replied_sid="SM_ours")))
    assert (event.kind, event.text) == ("button", "Ver pedidos")
    assert event.payload["id"] == "Ver pedidos" and event.payload["title"] == "Ver pedidos"
    assert event.payload["source"] == "button"
    assert event.payload["reply_to"] == "SM_ours"


def test_a_list_pick_is_a_button_from_a_list():
    event = only(parse_webhook(tw.whatsapp_list_reply(OURS, CUSTOMER, "SM6", "2", "Envíos")))
    assert (event.kind, event.text) == ("button", "Envíos")
    assert {k: event.payload[k] for k in ("id", "title", "source")} == {"id": "2", "title": "Envíos", "source": "list"}


def test_a_button_text_without_a_payload_uses_the_label_as_id():
    request = tw.whatsapp_of_type(OURS, CUSTOMER, "SM7", "button", body="Sí")
    request["ButtonText"] = "Sí"
    event = only(parse_webhook(request))
    assert (event.kind, event.payload["id"], event.payload["title"]) == ("button", "Sí", "Sí")


def test_a_reply_quoting_an_earlier_message_names_it():
    event = only(parse_webhook(tw.whatsapp_reply(OURS, CUSTOMER, "SM8", "ese", replied_sid="SM_earlier")))
    assert (event.kind, event.payload["reply_to"]) == ("text", "SM_earlier")


def test_a_message_from_an_ad_carries_the_referral():
    event = only(parse_webhook(tw.whatsapp_referral(OURS, CUSTOMER, "SM9", "Hola", source_id="120226305854810726",
                                                    ctwa_clid="ARAclick")))
    assert event.payload["referral"] == {
        "source_id": "120226305854810726", "source_type": "ad", "source_url": "https://fb.me/example-ad",
        "headline": "Chat with us", "body": "Our best offer", "ctwa_clid": "ARAclick"}


@pytest.mark.parametrize("message_type", ["unsupported", "reaction", "order", "interactive"])
def test_a_message_type_without_a_reading_is_unsupported_never_an_error(message_type):
    event = only(parse_webhook(tw.whatsapp_of_type(OURS, CUSTOMER, "SM10", message_type)))
    assert event.kind == "unsupported" and event.payload["raw_type"] == message_type


# -- status callbacks ----------------------------------------------------------------------------


@pytest.mark.parametrize(("twilio_status", "status"), [
    ("queued", "sent"), ("sending", "sent"), ("sent", "sent"), ("delivered", "delivered"), ("read", "read"),
    ("undelivered", "failed"), ("failed", "failed"),
])
def test_a_status_callback_reports_on_our_message(twilio_status, status):
    event = only(parse_webhook(tw.status_callback(OURS, CUSTOMER, "SM_ours", twilio_status)))
    assert event.kind == "status"
    assert (event.account, event.contact, event.channel) == (OURS, CUSTOMER, TWILIO_SMS)
    assert event.provider_message_id == f"SM_ours:{status}"
    assert event.payload["status"] == status and event.payload["refers_to"] == "SM_ours"
    assert ("error" in event.payload) == (status == "failed")


def test_a_failed_delivery_names_twilios_error_code_and_meaning():
    event = only(parse_webhook(tw.status_callback(OURS, CUSTOMER, "SM_ours", "undelivered", error_code="30003")))
    assert event.payload["error"] == "Twilio 30003: unreachable destination handset"
    event = only(parse_webhook(tw.status_callback(OURS, CUSTOMER, "SM_ours", "failed", error_code="12345",
                                                  error_message="Something odd")))
    assert event.payload["error"] == "Twilio 12345: Something odd"


def test_a_whatsapp_read_receipt_is_on_the_whatsapp_channel():
    event = only(parse_webhook(tw.status_callback(OURS, CUSTOMER, "SM_ours", "read", on_whatsapp=True)))
    assert (event.channel, event.account, event.contact, event.kind) == (TWILIO_WHATSAPP, OURS, CUSTOMER, "status")


def test_an_unknown_message_status_is_unsupported():
    event = only(parse_webhook(tw.status_callback(OURS, CUSTOMER, "SM_ours", "teleported")))
    assert event.kind == "unsupported" and event.payload == {"raw_type": "MessageStatus=teleported"}


# -- malformed requests --------------------------------------------------------------------------


@pytest.mark.parametrize(("mangle", "named"), [
    (lambda f: f.pop("MessageSid"), "MessageSid"),
    (lambda f: f.pop("From"), "From"),
    (lambda f: f.pop("To"), "To"),
    (lambda f: f.update(NumMedia="two"), "NumMedia"),
    (lambda f: f.update(NumMedia="1"), "MediaUrl0"),
    (lambda f: f.update(Latitude="north", Longitude="1"), "Latitude"),
    (lambda f: f.update(MessageType="image"), "NumMedia"),
])
def test_a_request_that_is_not_twilios_shape_is_refused_naming_the_parameter(mangle, named):
    request = tw.whatsapp_text(OURS, CUSTOMER, "SM1", "x")
    mangle(request)
    with pytest.raises(InvalidInput, match=named):
        parse_webhook(request)


def test_a_body_that_is_not_form_parameters_is_refused():
    with pytest.raises(InvalidInput, match="form parameters"):
        parse_webhook(["MessageSid", "SM1"])  # type: ignore[arg-type]


# -- documented samples --------------------------------------------------------------------------

SAMPLES = {
    "sms_text": ["text"],
    "mms_two_images": ["image", "image"],
    "whatsapp_text": ["text"],
    "whatsapp_image": ["image"],
    "whatsapp_voice": ["voice"],
    "whatsapp_video": ["video"],
    "whatsapp_document": ["document"],
    "whatsapp_sticker": ["sticker"],
    "whatsapp_location": ["location"],
    "whatsapp_quick_reply": ["button"],
    "whatsapp_list_reply": ["button"],
    "whatsapp_contacts": ["contacts"],
    "whatsapp_reply": ["text"],
    "whatsapp_referral": ["text"],
    "whatsapp_unsupported": ["unsupported"],
    "status_sent_sms": ["status"],
    "status_delivered_sms": ["status"],
    "status_undelivered_sms": ["status"],
    "status_read_whatsapp": ["status"],
    "status_failed_whatsapp": ["status"],
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_documented_sample_is_read(name):
    events = parse_webhook(fixture(name))
    assert [e.kind for e in events] == SAMPLES[name]
    assert all(e.kind in INBOUND_KINDS and e.account and e.contact and e.channel for e in events)
    assert not any(e.account.startswith("whatsapp:") or e.contact.startswith("whatsapp:") for e in events)


def test_the_samples_carry_what_they_show():
    assert only(parse_webhook(fixture("whatsapp_quick_reply"))).payload["id"] == "confirm_order_1042"
    assert only(parse_webhook(fixture("whatsapp_reply"))).payload["reply_to"].startswith("SM")
    assert only(parse_webhook(fixture("whatsapp_referral"))).payload["referral"]["source_type"] == "ad"
    failed = only(parse_webhook(fixture("status_failed_whatsapp"))).payload["error"]
    assert "63016" in failed and "24-hour" in failed
    assert sent_message_id(fixture("message_resource")) == "SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"


def test_every_sample_file_is_covered():
    files = {p.stem for p in FIXTURES.glob("*.json")}
    answers = {"message_resource", "error_authenticate", "error_too_many_requests", "error_unsubscribed"}
    assert files - answers == set(SAMPLES)


# -- outbound: text ------------------------------------------------------------------------------


def test_a_text_is_one_form_post_to_messages():
    assert render(outbound(text="Hola")) == [
        ApiCall("Messages.json", form=[("To", CUSTOMER), ("From", OURS), ("Body", "Hola")])]


def test_on_whatsapp_both_addresses_carry_the_prefix_once():
    message = outbound(text="Hola", channel=TWILIO_WHATSAPP)
    assert form(only_call(render(message)))["To"] == [f"whatsapp:{CUSTOMER}"]
    prefixed = OutboundMessage(**{**message.to_dict(), "recipient": f"whatsapp:{CUSTOMER}"})
    assert form(only_call(render(prefixed)))["To"] == [f"whatsapp:{CUSTOMER}"]
    assert form(only_call(render(message)))["From"] == [f"whatsapp:{OURS}"]


def only_call(calls: list[ApiCall]) -> ApiCall:
    assert len(calls) == 1, calls
    return calls[0]


def test_a_long_text_is_split_at_paragraphs_into_bodies_within_the_limit():
    paragraphs = [f"Paragraph {n}: " + "palabra " * 120 for n in range(6)]
    calls = render(outbound(text="\n\n".join(paragraphs), channel=TWILIO_WHATSAPP))
    assert len(calls) > 1
    assert all(units(b) <= LIMITS.body_chars for b in bodies(calls))
    assert all(b.startswith("Paragraph") for b in bodies(calls))  # every cut fell between paragraphs
    assert " ".join(" ".join(bodies(calls)).split()) == " ".join(" ".join(paragraphs).split())


def test_text_without_paragraphs_is_split_at_lines_then_words_never_mid_word():
    lines = "\n".join(f"line {n} " + "x" * 50 for n in range(60))  # about 3,500 characters
    chunks = bodies(render(outbound(text=lines)))
    assert len(chunks) > 1 and all(chunk.startswith("line") for chunk in chunks)
    assert "\n".join(chunks) == lines
    words = " ".join(f"w{n:04d}" for n in range(1000))  # one 5,999-character line
    chunks = bodies(render(outbound(text=words)))
    assert len(chunks) > 1 and all(units(c) <= LIMITS.body_chars for c in chunks)
    assert " ".join(chunks) == words


def test_a_single_word_longer_than_the_limit_is_cut_where_the_limit_falls():
    chunks = bodies(render(outbound(text="a" * (2 * LIMITS.body_chars + 50))))
    assert chunks == ["a" * LIMITS.body_chars, "a" * LIMITS.body_chars, "a" * 50]


def test_emoji_count_twice_toward_the_limit():
    text = "😀" * LIMITS.body_chars  # fits in characters, twice the limit in UTF-16 units
    chunks = bodies(render(outbound(text=text)))
    assert len(chunks) == 2 and all(units(c) <= LIMITS.body_chars for c in chunks)
    assert "".join(chunks) == text


def test_an_empty_text_is_refused_rather_than_rejected_by_twilio():
    with pytest.raises(PermanentError, match="empty"):
        render(outbound(text="  "))


# -- outbound: buttons, menus, carousels ---------------------------------------------------------


def test_buttons_become_numbered_lines_the_engine_accepts_by_number():
    calls = render(outbound("buttons", "¿Qué querés hacer?", TWILIO_WHATSAPP, options=["Ver pedidos", "Hablar"]))
    assert bodies(calls) == ["¿Qué querés hacer?\n\n1. Ver pedidos\n2. Hablar"]


def test_a_menu_is_sent_as_its_text():
    text = "Elegí:\n1. Pedidos\n2. Envíos"
    assert bodies(render(outbound("menu", text, options=["Pedidos", "Envíos"]))) == [text]


CARDS = {"cards": [
    {"title": "Remera", "subtitle": "$ 10.000", "image": "https://img/1.jpg", "buttons": ["Comprar", "Ver más"]},
    {"title": "Buzo", "subtitle": "", "image": "", "buttons": ["Comprar buzo"]},
]}


def test_a_carousel_is_one_message_per_card_with_its_image_and_numbering_continues():
    calls = render(outbound("carousel", "Mirá esto", TWILIO_WHATSAPP, ["Comprar", "Ver más", "Comprar buzo"], CARDS))
    assert [form(c) for c in calls] == [
        {"To": [f"whatsapp:{CUSTOMER}"], "From": [f"whatsapp:{OURS}"], "Body": ["Mirá esto"]},
        {"To": [f"whatsapp:{CUSTOMER}"], "From": [f"whatsapp:{OURS}"],
         "Body": ["Remera\n$ 10.000\n\n1. Comprar\n2. Ver más"], "MediaUrl": ["https://img/1.jpg"]},
        {"To": [f"whatsapp:{CUSTOMER}"], "From": [f"whatsapp:{OURS}"], "Body": ["Buzo\n\n3. Comprar buzo"]},
    ]


def test_a_card_caption_too_long_for_whatsapp_follows_its_image_as_text():
    card = {"title": "T", "subtitle": "s" * LIMITS.whatsapp_caption_chars, "image": "https://img/1.jpg", "buttons": []}
    calls = render(outbound("carousel", channel=TWILIO_WHATSAPP, payload={"cards": [card]}))
    assert [sorted(form(c)) for c in calls] == [["From", "MediaUrl", "To"], ["Body", "From", "To"]]


# -- outbound: media, location, templates --------------------------------------------------------


def test_media_is_a_media_url_with_the_caption_as_body():
    payload = {"kind": "image", "url": "https://img/a.png", "caption": "El comprobante", "filename": ""}
    assert form(only_call(render(outbound("media", channel=TWILIO_WHATSAPP, payload=payload)))) == {
        "To": [f"whatsapp:{CUSTOMER}"], "From": [f"whatsapp:{OURS}"], "Body": ["El comprobante"],
        "MediaUrl": ["https://img/a.png"]}


def test_media_without_caption_has_no_body_and_sms_still_gets_the_media_url():
    payload = {"kind": "document", "url": "https://files/f.pdf", "caption": "", "filename": "f.pdf"}
    assert form(only_call(render(outbound("media", payload=payload)))) == {
        "To": [CUSTOMER], "From": [OURS], "MediaUrl": ["https://files/f.pdf"]}


def test_a_caption_over_the_body_limit_follows_the_media_as_split_text():
    payload = {"kind": "image", "url": "https://img/a.png", "caption": "palabra " * 400}
    calls = render(outbound("media", payload=payload))
    assert form(calls[0]) == {"To": [CUSTOMER], "From": [OURS], "MediaUrl": ["https://img/a.png"]}
    assert len(calls) == 3 and all(units(b) <= LIMITS.body_chars for b in bodies(calls))


def test_whatsapp_audio_gets_its_caption_as_a_separate_message():
    payload = {"kind": "audio", "url": "https://audio/a.mp3", "caption": "Escuchá"}
    calls = render(outbound("media", channel=TWILIO_WHATSAPP, payload=payload))
    assert [sorted(form(c)) for c in calls] == [["From", "MediaUrl", "To"], ["Body", "From", "To"]]


def test_media_without_a_url_is_refused():
    with pytest.raises(PermanentError, match="url"):
        render(outbound("media", payload={"kind": "image", "url": "", "caption": "x"}))


LOCATION = {"latitude": -34.6037, "longitude": -58.3816, "name": "Sucursal Centro", "address": "Av. Corrientes 1234"}
MAPS = "https://www.google.com/maps/search/?api=1&query=-34.6037,-58.3816"


def test_a_location_over_sms_is_its_name_address_and_a_maps_link():
    assert bodies(render(outbound("location", payload=LOCATION))) == [f"Sucursal Centro\nAv. Corrientes 1234\n{MAPS}"]


def test_a_location_on_whatsapp_adds_the_geo_persistent_action():
    call = only_call(render(outbound("location", channel=TWILIO_WHATSAPP, payload=LOCATION)))
    assert form(call)["PersistentAction"] == ["geo:-34.6037,-58.3816|Sucursal Centro"]
    assert form(call)["Body"] == [f"Sucursal Centro\nAv. Corrientes 1234\n{MAPS}"]


def test_a_location_without_coordinates_is_refused():
    with pytest.raises(PermanentError, match="latitude"):
        render(outbound("location", payload={"name": "x"}))


TEMPLATE = {"name": "order_update", "language": "es", "parameters": ["Ana", "#1042"], "content_sid": "HX0123"}


def test_a_whatsapp_template_with_a_content_sid_sends_content_variables_and_no_body():
    call = only_call(render(outbound("template", "Hola Ana, tu pedido #1042", TWILIO_WHATSAPP, payload=TEMPLATE)))
    assert call.form == [("To", f"whatsapp:{CUSTOMER}"), ("From", f"whatsapp:{OURS}"), ("ContentSid", "HX0123"),
                         ("ContentVariables", '{"1":"Ana","2":"#1042"}')]


@pytest.mark.parametrize(("channel", "payload"), [
    (TWILIO_WHATSAPP, {k: v for k, v in TEMPLATE.items() if k != "content_sid"}),
    (TWILIO_SMS, TEMPLATE),
    (TWILIO_WHATSAPP, {**TEMPLATE, "parameters": ["x" * (LIMITS.content_variable_chars + 1)]}),
])
def test_a_template_falls_back_to_its_rendered_text(channel, payload):
    assert bodies(render(outbound("template", "Hola Ana, tu pedido #1042", channel, payload=payload))) == [
        "Hola Ana, tu pedido #1042"]


def test_an_unknown_kind_is_refused_naming_it():
    with pytest.raises(PermanentError, match="hologram"):
        render(outbound("hologram", "x"))


def test_a_channel_twilio_does_not_serve_is_refused():
    with pytest.raises(PermanentError, match="telegram"):
        render(outbound(text="x", channel="telegram"))


ALL_KINDS = [
    outbound(text="palabra " * 700, channel=TWILIO_WHATSAPP),
    outbound("buttons", "Elegí " * 400, TWILIO_SMS, ["Uno", "Dos"]),
    outbound("carousel", "", TWILIO_WHATSAPP, ["Comprar", "Ver más", "Comprar buzo"], CARDS),
    outbound("media", channel=TWILIO_WHATSAPP,
             payload={"kind": "video", "url": "https://v/1.mp4", "caption": "c" * 3000}),
    outbound("location", channel=TWILIO_WHATSAPP, payload=LOCATION),
    outbound("template", "Hola", TWILIO_WHATSAPP, payload=TEMPLATE),
]


@pytest.mark.parametrize("message", ALL_KINDS, ids=lambda m: m.kind)
def test_no_rendered_request_exceeds_a_limit(message):
    for call in render(message):
        values = form(call)
        assert all(units(b) <= LIMITS.body_chars for b in values.get("Body", []))
        media_limit = LIMITS.whatsapp_media_urls if message.channel == TWILIO_WHATSAPP else LIMITS.mms_media_urls
        assert len(values.get("MediaUrl", [])) <= media_limit
        if message.channel == TWILIO_WHATSAPP and values.get("MediaUrl"):
            assert all(units(b) <= LIMITS.whatsapp_caption_chars for b in values.get("Body", []))


# -- answers -------------------------------------------------------------------------------------


def test_the_sent_message_id_is_the_resources_sid():
    assert sent_message_id({"sid": "SM0001", "status": "queued"}) == "SM0001"
    assert sent_message_id(b'{"sid": "SM0002"}') == "SM0002"
    with pytest.raises(InvalidInput, match="sid"):
        sent_message_id({"status": "queued"})


def test_too_many_requests_is_transient_with_the_retry_after_hint():
    disposition = error_disposition(429, fixture("error_too_many_requests"), {"retry-after": "7"})
    assert disposition.transient and disposition.retry_after_s == 7.0
    assert "20429" in disposition.reason and "Too Many Requests" in disposition.reason


def test_a_retry_after_date_is_turned_into_seconds():
    disposition = error_disposition(429, {}, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    assert disposition.transient and disposition.retry_after_s > 0


@pytest.mark.parametrize(("code", "hint"), [(20429, None), (21611, None), (14107, 30.0), (63018, None)])
def test_throttling_codes_answered_with_400_are_transient(code, hint):
    disposition = error_disposition(400, {"code": code, "message": "slow down", "status": 400}, {})
    assert disposition.transient and disposition.retry_after_s == hint and str(code) in disposition.reason


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(status):
    disposition = error_disposition(status, "<html>Bad gateway</html>", {})
    assert disposition.transient and f"HTTP {status}" in disposition.reason


@pytest.mark.parametrize(("code", "explained"), [
    (21610, "unsubscribed"), (21211, "not a valid phone number"), (63016, "24-hour"),
])
def test_known_refusals_are_permanent_with_a_clear_reason(code, explained):
    disposition = error_disposition(400, json.dumps({"code": code, "message": "m", "status": 400}), {})
    assert not disposition.transient and str(code) in disposition.reason and explained in disposition.reason


def test_other_client_errors_are_permanent_naming_code_and_message():
    disposition = error_disposition(401, fixture("error_authenticate"), {})
    assert not disposition.transient and disposition.reason == "Twilio 20003: Authenticate"
    disposition = error_disposition(400, {"code": 21606, "message": "The 'From' phone number is not valid"}, {})
    assert not disposition.transient
    assert disposition.reason == "Twilio 21606: The 'From' phone number is not valid"


# -- the simulator -------------------------------------------------------------------------------

SID = "AC0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def twilio():
    fake = FakeTwilioApi(SID, TOKEN)
    with serve_wsgi(fake) as base_url:
        yield fake, base_url


def post(base_url: str, call: ApiCall, auth: tuple[str, str] = (SID, TOKEN), account: str = SID) -> httpx.Response:
    # Form-encoded by hand: keys may repeat (MediaUrl), which httpx's data= mapping cannot express.
    return httpx.post(f"{base_url}/2010-04-01/Accounts/{account}/{call.path}", content=urlencode(call.form or []),
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=auth, timeout=5)


def test_the_simulator_creates_a_queued_message_resource(twilio):
    fake, base_url = twilio
    response = post(base_url, only_call(render(outbound(text="Hola", channel=TWILIO_WHATSAPP))))
    assert response.status_code == 201
    resource = response.json()
    assert re.fullmatch(r"SM[0-9a-f]{32}", sent_message_id(resource))
    assert {k: resource[k] for k in ("status", "to", "from", "body", "num_media", "account_sid")} == {
        "status": "queued", "to": f"whatsapp:{CUSTOMER}", "from": f"whatsapp:{OURS}", "body": "Hola",
        "num_media": "0", "account_sid": SID}
    assert fake.sends()[-1].form[:2] == [("To", f"whatsapp:{CUSTOMER}"), ("From", f"whatsapp:{OURS}")]


@pytest.mark.parametrize("message", ALL_KINDS, ids=lambda m: m.kind)
def test_the_simulator_accepts_every_rendered_request(twilio, message):
    _, base_url = twilio
    for call in render(message):
        response = post(base_url, call)
        assert response.status_code == 201, response.text


def test_the_simulator_refuses_wrong_credentials_as_twilio_does(twilio):
    fake, base_url = twilio
    before = len(fake.messages)
    response = post(base_url, only_call(render(outbound(text="x"))), auth=(SID, "wrong"))
    assert response.status_code == 401
    assert response.json() == fixture("error_authenticate")
    assert httpx.post(f"{base_url}/2010-04-01/Accounts/{SID}/Messages.json", data={"To": "+1"}).status_code == 401
    assert post(base_url, only_call(render(outbound(text="x"))), account="AC_other").status_code == 404
    assert len(fake.messages) == before


@pytest.mark.parametrize(("params", "code"), [
    ([("From", OURS), ("Body", "x")], 21604),
    ([("To", CUSTOMER), ("Body", "x")], 21603),
    ([("To", CUSTOMER), ("From", OURS)], 21602),
    ([("To", CUSTOMER), ("From", OURS), ("Body", "x" * 1601)], 21617),
    ([("To", f"whatsapp:{CUSTOMER}"), ("From", OURS), ("Body", "x")], 21910),
])
def test_the_simulator_rejects_what_twilio_rejects(twilio, params, code):
    _, base_url = twilio
    response = post(base_url, ApiCall("Messages.json", form=params))
    assert response.status_code == 400 and response.json()["code"] == code


def test_an_injected_rate_limit_answers_in_twilios_format(twilio):
    fake, base_url = twilio
    fake.fail_next(429, headers={"Retry-After": "2"})
    response = post(base_url, only_call(render(outbound(text="x"))))
    disposition = error_disposition(response.status_code, response.json(), response.headers)
    assert response.json()["code"] == 20429
    assert disposition.transient and disposition.retry_after_s == 2.0


def test_media_downloads_need_basic_auth_and_redirect_to_the_file(twilio):
    fake, base_url = twilio
    url = fake.add_media(base_url, b"\x89PNG fake", "image/png")
    assert re.search(rf"/2010-04-01/Accounts/{SID}/Messages/MM[0-9a-f]{{32}}/Media/ME[0-9a-f]{{32}}$", url)
    assert httpx.get(url, timeout=5).status_code == 401
    assert httpx.get(url, auth=(SID, "wrong"), timeout=5).status_code == 401
    assert httpx.get(url, auth=(SID, TOKEN), timeout=5).status_code == 307  # Twilio redirects to its media store
    download = httpx.get(url, auth=(SID, TOKEN), timeout=5, follow_redirects=True)
    assert download.status_code == 200 and download.content == b"\x89PNG fake"
    assert download.headers["content-type"] == "image/png"
    assert httpx.get(url[:-4] + "0000", auth=(SID, TOKEN), timeout=5).status_code == 404


def test_a_received_media_url_parses_and_downloads_end_to_end(twilio):
    fake, base_url = twilio
    url = fake.add_media(base_url, b"OggS voice", "audio/ogg", message_sid="MM_voice")
    request = tw.whatsapp_media(OURS, CUSTOMER, "MM_voice", [(url, "audio/ogg")], message_type="audio")
    event = only(parse_webhook(request))
    assert event.kind == "voice"
    fetched = httpx.get(event.payload["media"]["url"], auth=(SID, TOKEN), follow_redirects=True, timeout=5)
    assert fetched.content == b"OggS voice"


def test_media_can_be_served_without_auth_when_the_account_does_not_enforce_it():
    fake = FakeTwilioApi(SID, TOKEN, media_auth=False)
    with serve_wsgi(fake) as base_url:
        url = fake.add_media(base_url, b"%PDF", "application/pdf")
        assert httpx.get(url, follow_redirects=True, timeout=5).content == b"%PDF"
