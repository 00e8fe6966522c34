"""Valid JSON of a shape the code does not expect, in a correctly signed provider request, is never a 500:
well-formed events go through, an identified item whose content is odd is recorded as "unsupported",
a body whose envelope or identities are wrong gets a 4xx naming the field, and nothing is half-written."""

from __future__ import annotations

import json

import pytest

from shared.events import topics
from tests.support import meta_messaging_requests as meta
from tests.support import telegram_requests as tg
from tests.support import twilio_requests as tw
from tests.support import whatsapp_requests as wa
from tests.support.webhook_calls import (
    BOT_ID,
    DEFAULT_SECRETS,
    PAGE_ID,
    TWILIO_SID,
    TWILIO_URL,
    WHATSAPP_ACCOUNT,
    webhook_platform,
)

META_SECRET, WA_SECRET = DEFAULT_SECRETS["META_APP_SECRET"], DEFAULT_SECRETS["WHATSAPP_APP_SECRET"]
NOTHING = {topics.INBOUND: 0, topics.MEDIA: 0, topics.HISTORY: 0}


@pytest.fixture
def hooks(tmp_path):
    with webhook_platform(tmp_path / "data") as hooks:
        yield hooks


def test_an_object_that_is_a_list_gets_400_naming_it(hooks):
    body = {**meta.webhook("messenger", meta.text(PAGE_ID, "77", "hola")), "object": ["page"]}
    response = hooks.post("webhook_messenger", *meta.signed(body, META_SECRET))
    assert response.status_code == 400 and response.get_json()["error"].startswith("object:")
    assert hooks.published() == NOTHING


def test_attachments_that_are_not_a_list_are_recorded_as_unsupported_beside_the_well_formed_message(hooks):
    odd = meta.text(PAGE_ID, "77", "mirá", mid="m_odd")
    odd["message"]["attachments"] = 5
    body = meta.webhook("messenger", meta.text(PAGE_ID, "77", "hola", mid="m_fine"), odd)
    response = hooks.post("webhook_messenger", *meta.signed(body, META_SECRET))
    assert response.status_code == 200 and response.get_json() == {"received": 2, "duplicates": 0}
    kinds = {m.provider_message_id: (m.kind, m.payload.get("raw_type")) for m in hooks.received()}
    assert kinds == {"m_fine": ("text", None), "m_odd": ("unsupported", "attachments")}


def test_a_telegram_photo_whose_sizes_have_no_width_is_still_a_picture(hooks):
    update = tg.photo_update(5, 42, 9, caption="ticket")
    for size in update["message"]["photo"]:
        size["width"] = None
    response = hooks.post("webhook_telegram", json.dumps(update).encode(),
                          tg.webhook_headers(DEFAULT_SECRETS["TELEGRAM_SECRET_TOKEN"]), path=f"/{BOT_ID}")
    assert response.status_code == 200
    (message,) = hooks.received()
    assert message.kind == "image" and message.payload["media"]["id"]


def test_telegram_media_without_a_file_id_is_recorded_as_unsupported(hooks):
    update = tg.voice_update(6, 42, 10)
    del update["message"]["voice"]["file_id"]
    response = hooks.post("webhook_telegram", json.dumps(update).encode(),
                          tg.webhook_headers(DEFAULT_SECRETS["TELEGRAM_SECRET_TOKEN"]), path=f"/{BOT_ID}")
    assert response.status_code == 200
    (message,) = hooks.received()
    assert (message.kind, message.payload["raw_type"]) == ("unsupported", "voice")


def test_whatsapp_contact_cards_with_odd_phone_lists_are_read_as_far_as_they_go(hooks):
    body = wa.contacts_message(WHATSAPP_ACCOUNT, "5491100000001", [wa.contact_card("Marta", ["+54911"])], "wamid.c1")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["contacts"][0]["phones"] = 5
    response = hooks.post("webhook_whatsapp", *wa.signed(body, WA_SECRET))
    assert response.status_code == 200
    (message,) = hooks.received()
    assert message.kind == "contacts" and message.payload["contacts"] == [{"name": "Marta", "phones": [],
                                                                           "emails": []}]


def test_a_location_off_the_globe_is_recorded_as_unsupported(hooks):
    body = wa.location_message(WHATSAPP_ACCOUNT, "5491100000001", 91.0, 10.0, "wamid.l1")
    response = hooks.post("webhook_whatsapp", *wa.signed(body, WA_SECRET))
    assert response.status_code == 200
    (message,) = hooks.received()
    assert (message.kind, message.payload["raw_type"]) == ("unsupported", "location")


def test_an_account_id_no_document_can_have_is_refused_like_an_unknown_account(hooks):
    body = wa.text_message("106540/352242922", "5491100000001", "hola", "wamid.s1")
    response = hooks.post("webhook_whatsapp", *wa.signed(body, WA_SECRET))
    assert response.status_code == 403
    assert hooks.published() == NOTHING


@pytest.mark.parametrize("num_media", ["²", "9" * 5000, "11"])
def test_a_twilio_media_count_that_is_no_count_gets_400(hooks, num_media):
    form = {**tw.mms(tw.BUSINESS_NUMBER, tw.CUSTOMER_NUMBER, "MM" + "1" * 32,
                     [("https://api.twilio.com/x", "image/jpeg")]), "NumMedia": num_media, "AccountSid": TWILIO_SID}
    response = hooks.post("webhook_twilio", *tw.signed(TWILIO_URL, form, DEFAULT_SECRETS["TWILIO_AUTH_TOKEN"]))
    assert response.status_code == 400 and "NumMedia" in response.get_json()["error"]
    assert hooks.published() == NOTHING
