"""Messenger and Instagram messaging: webhook bodies in, Send API requests out, error answers, and the
local Graph API simulator.

The JSON files under tests/fixtures/providers/{messenger,instagram}/ are Meta's documented examples;
where the docs show a single messaging item, it is wrapped in the documented
``{"object", "entry": [{"id", "time", "messaging": [...]}]}`` envelope.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from shared.channels.meta_messaging import (
    INSTAGRAM,
    LIMITS,
    MESSENGER,
    channel_of,
    error_disposition,
    parse_webhook,
    render,
    sent_message_id,
)
from shared.channels.meta_signature import SIGNATURE_HEADER, meta_signature_is_valid
from shared.channels.provider_events import INBOUND_KINDS
from shared.kernel.errors import InvalidInput, PermanentError
from shared.messages.wire import OutboundMessage
from tests.support import meta_messaging_requests as req
from tests.support.fake_meta_messaging_api import FakeMetaMessagingApi
from tests.support.fake_provider_api import SwappableFake
from tests.support.wsgi_server import serve_wsgi

PAGE, PSID = "104857600000001", "7001002003004005"
IG_ACCOUNT, IGSID = "17841400000000001", "6001002003004005"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "providers"
TS_ISO = "2023-11-14T22:13:20+00:00"  # req.TS


def parse_one(channel: str, item: dict) -> object:
    events = parse_webhook(req.webhook(channel, item))
    assert len(events) == 1, events
    return events[0]


def outbound(kind: str = "text", text: str = "", *, channel: str = MESSENGER, options: list[str] | None = None,
             payload: dict | None = None) -> OutboundMessage:
    return OutboundMessage(message_id="out-1", workspace_id="ws", conversation_id="conv", session_id="s",
                           channel=channel, account=IG_ACCOUNT if channel == INSTAGRAM else PAGE,
                           recipient=IGSID if channel == INSTAGRAM else PSID, kind=kind, text=text,
                           created_at=TS_ISO, options=options or [], payload=payload or {})


def contents(calls) -> list[dict]:
    return [call.json["message"] for call in calls]


def text_fits(channel: str, text: str) -> bool:
    if channel == INSTAGRAM:
        return len(text.encode()) <= LIMITS.instagram_text_bytes
    return len(text) <= LIMITS.messenger_text_chars


# ==================================================================================================
# Which channel, and bodies that are not Meta's
# ==================================================================================================

def test_the_object_names_the_channel():
    assert channel_of({"object": "page", "entry": []}) == MESSENGER
    assert channel_of({"object": "instagram", "entry": []}) == INSTAGRAM


@pytest.mark.parametrize("body, field", [
    ([], "webhook body"),
    ({"object": "whatsapp_business_account", "entry": []}, "object"),
    ({"object": "page"}, "entry"),
    ({"object": "page", "entry": {"id": PAGE}}, "entry"),
    ({"object": "page", "entry": ["x"]}, "entry[0]"),
    ({"object": "page", "entry": [{"id": PAGE, "messaging": {}}]}, "entry[0].messaging"),
    ({"object": "page", "entry": [{"id": PAGE, "messaging": [7]}]}, "entry[0].messaging[0]"),
    ({"object": "page", "entry": [{"id": PAGE, "messaging": [{"sender": {"id": PSID}, "message": {"mid": "m"}}]}]},
     "entry[0].messaging[0].recipient.id"),
])
def test_a_body_that_is_not_a_meta_webhook_is_refused_naming_the_field(body, field):
    with pytest.raises(InvalidInput) as raised:
        parse_webhook(body)
    assert str(raised.value).startswith(field)


def test_every_event_says_its_channel():
    assert parse_one(MESSENGER, req.text(PAGE, PSID, "hola")).channel == MESSENGER
    assert parse_one(INSTAGRAM, req.text(IG_ACCOUNT, IGSID, "hola")).channel == INSTAGRAM


# ==================================================================================================
# Inbound messages
# ==================================================================================================

@pytest.mark.parametrize("channel, account, contact", [(MESSENGER, PAGE, PSID), (INSTAGRAM, IG_ACCOUNT, IGSID)])
def test_a_text_message_names_page_or_account_contact_and_time(channel, account, contact):
    event = parse_one(channel, req.text(account, contact, "¿Tienen envío gratis?", mid="m_abc"))
    assert (event.account, event.contact, event.provider_message_id) == (account, contact, "m_abc")
    assert (event.kind, event.text, event.payload) == ("text", "¿Tienen envío gratis?", {})
    assert event.occurred_at == TS_ISO


def test_dashboard_test_payloads_with_second_timestamps_as_text_are_read():
    item = req.text(PAGE, PSID, "hi", timestamp=1_700_000_000)
    item["timestamp"] = "1700000000"
    assert parse_one(MESSENGER, item).occurred_at == TS_ISO


def test_a_missing_timestamp_falls_back_to_the_entry_time():
    item = req.text(PAGE, PSID, "hi")
    del item["timestamp"]
    assert parse_one(MESSENGER, item).occurred_at == TS_ISO


@pytest.mark.parametrize("channel, account, contact", [(MESSENGER, PAGE, PSID), (INSTAGRAM, IG_ACCOUNT, IGSID)])
def test_a_quick_reply_is_a_button_with_its_payload_as_id(channel, account, contact):
    event = parse_one(channel, req.quick_reply(account, contact, "Ver pedidos", "Ver pedidos", mid="m_q"))
    assert (event.kind, event.text, event.provider_message_id) == ("button", "Ver pedidos", "m_q")
    assert event.payload == {"id": "Ver pedidos", "title": "Ver pedidos", "source": "quick_reply"}


@pytest.mark.parametrize("channel, account, contact", [(MESSENGER, PAGE, PSID), (INSTAGRAM, IG_ACCOUNT, IGSID)])
def test_a_postback_is_a_button_with_its_title_and_payload(channel, account, contact):
    event = parse_one(channel, req.postback(account, contact, "Comprar", "3", mid="m_pb"))
    assert (event.kind, event.text, event.provider_message_id) == ("button", "Comprar", "m_pb")
    assert event.payload == {"id": "3", "title": "Comprar", "source": "postback"}


def test_a_postback_seen_by_another_app_has_no_payload_and_uses_the_title_as_id():
    item = req.postback(PAGE, PSID, "Get Started", "GET_STARTED")
    del item["postback"]["payload"]
    assert parse_one(MESSENGER, item).payload["id"] == "Get Started"


def test_a_first_postback_after_an_m_me_link_carries_the_referral():
    item = req.postback(PAGE, PSID, "Get Started", "GET_STARTED", referral=req.shortlink_referral("promo-7"))
    assert parse_one(MESSENGER, item).payload["referral"] == {
        "source_type": "SHORTLINK", "ref": "promo-7", "type": "OPEN_THREAD"}


@pytest.mark.parametrize("meta_type, kind", [("image", "image"), ("audio", "audio"), ("video", "video"),
                                             ("file", "document")])
@pytest.mark.parametrize("channel, account, contact", [(MESSENGER, PAGE, PSID), (INSTAGRAM, IG_ACCOUNT, IGSID)])
def test_attachments_are_media_with_the_cdn_url(meta_type, kind, channel, account, contact):
    url = "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg?_nc_cat=1&oh=abc"
    event = parse_one(channel, req.media(account, contact, meta_type, url, mid="m_m"))
    assert (event.kind, event.provider_message_id, event.text) == (kind, "m_m", "")
    assert event.payload == {"media": {"url": url}}


def test_several_attachments_are_one_event_each_and_the_text_goes_with_the_first():
    item = req.attachments(PAGE, PSID, req.attachment("image", "https://cdn/1.jpg"),
                           req.attachment("video", "https://cdn/2.mp4"), req.attachment("file", "https://cdn/3.pdf"),
                           mid="m_many", body="look")
    events = parse_webhook(req.webhook(MESSENGER, item))
    assert [(e.provider_message_id, e.kind, e.text) for e in events] == [
        ("m_many", "image", "look"), ("m_many:2", "video", ""), ("m_many:3", "document", "")]


def test_a_sticker_is_a_sticker():
    event = parse_one(MESSENGER, req.sticker(PAGE, PSID, "https://cdn/sticker.png"))
    assert (event.kind, event.payload) == ("sticker", {"media": {"url": "https://cdn/sticker.png"}})


def test_a_legacy_image_with_a_sticker_id_is_a_sticker():
    assert parse_one(MESSENGER, req.legacy_sticker(PAGE, PSID, "https://cdn/s.png")).kind == "sticker"


def test_during_the_sticker_transition_a_sticker_sent_in_both_forms_is_one_event():
    events = parse_webhook(req.webhook(MESSENGER, req.sticker(PAGE, PSID, "https://cdn/s.png", transition=True)))
    assert [e.kind for e in events] == ["sticker"]


def test_a_shared_location_has_coordinates_name_and_link():
    event = parse_one(MESSENGER, req.location(PAGE, PSID, 19.4326, -99.1332, title="Zócalo"))
    assert event.kind == "location"
    assert event.payload["latitude"] == 19.4326 and event.payload["longitude"] == -99.1332
    assert event.payload["name"] == "Zócalo" and event.payload["url"].startswith("https://l.facebook.com/")


def test_a_location_without_coordinates_is_unsupported():
    item = req.location(PAGE, PSID, 1.0, 2.0)
    item["message"]["attachments"][0]["payload"] = {"coordinates": {"lat": "north"}}
    assert parse_one(MESSENGER, item).payload == {"raw_type": "location"}


@pytest.mark.parametrize("meta_type", ["share", "story_mention", "ig_reel", "reel", "ig_post", "template"])
def test_shares_reels_and_mentions_are_unsupported_with_their_url_as_text(meta_type):
    event = parse_one(INSTAGRAM, req.media(IG_ACCOUNT, IGSID, meta_type, "https://www.instagram.com/p/xyz"))
    assert (event.kind, event.payload, event.text) == (
        "unsupported", {"raw_type": meta_type}, "https://www.instagram.com/p/xyz")


def test_a_link_fallback_is_unsupported_with_the_link_as_text():
    event = parse_one(MESSENGER, req.fallback(PAGE, PSID, "https://example.com/article"))
    assert (event.kind, event.payload, event.text) == ("unsupported", {"raw_type": "fallback"},
                                                       "https://example.com/article")


def test_a_reply_names_the_quoted_message():
    event = parse_one(MESSENGER, req.text(PAGE, PSID, "this one", reply_to="m_earlier"))
    assert (event.kind, event.payload) == ("text", {"reply_to": "m_earlier"})


def test_an_instagram_story_reply_quotes_the_story_and_keeps_its_url():
    event = parse_one(INSTAGRAM, req.story_reply(IG_ACCOUNT, IGSID, "😍", "17900000000001", "https://cdn/story.mp4"))
    assert (event.kind, event.text) == ("text", "😍")
    assert event.payload == {"reply_to": "17900000000001", "story_url": "https://cdn/story.mp4"}


@pytest.mark.parametrize("channel, account, contact", [(MESSENGER, PAGE, PSID), (INSTAGRAM, IG_ACCOUNT, IGSID)])
def test_a_reaction_names_the_emoji_and_the_message(channel, account, contact):
    event = parse_one(channel, req.reaction(account, contact, "m_ours", "👍", name="like"))
    assert (event.kind, event.payload) == ("reaction", {"emoji": "👍", "reacted_to": "m_ours"})


def test_removing_a_reaction_has_an_empty_emoji_and_its_own_id():
    react = parse_one(MESSENGER, req.reaction(PAGE, PSID, "m_ours", timestamp=req.TS))
    unreact = parse_one(MESSENGER, req.reaction(PAGE, PSID, "m_ours", action="unreact", timestamp=req.TS + 5))
    assert unreact.payload == {"emoji": "", "reacted_to": "m_ours"}
    assert react.provider_message_id != unreact.provider_message_id


def test_an_edit_carries_the_new_text_and_each_edit_has_its_own_id():
    first = parse_one(MESSENGER, req.edit(PAGE, PSID, "m_orig", "Mañana a las 5", num_edit=1))
    second = parse_one(MESSENGER, req.edit(PAGE, PSID, "m_orig", "Mañana a las 6", num_edit=2))
    assert (first.kind, first.text, first.payload) == ("edit", "Mañana a las 5", {"edited_message_id": "m_orig"})
    assert len({first.provider_message_id, second.provider_message_id, "m_orig"}) == 3


def test_a_message_from_an_ad_carries_the_referral():
    event = parse_one(INSTAGRAM, req.text(IG_ACCOUNT, IGSID, "Info?", referral=req.ad_referral()))
    assert event.kind == "text"
    assert event.payload["referral"] == {
        "source_type": "ADS", "source_id": "6045246247433", "ref": "spring-sale", "type": "OPEN_THREAD",
        "headline": "Spring sale", "image_url": "https://scontent.example/ad.jpg", "post_id": "1234_5678"}


def test_a_referral_without_a_message_is_unsupported_and_keeps_the_referral():
    event = parse_one(MESSENGER, req.referral(PAGE, PSID, req.ad_referral(ad_id="42")))
    assert event.kind == "unsupported"
    assert event.payload["raw_type"] == "referral" and event.payload["referral"]["source_id"] == "42"


def test_a_delivery_is_one_delivered_status_per_message():
    events = parse_webhook(req.webhook(MESSENGER, req.delivery(PAGE, PSID, ["m_1", "m_2"])))
    assert [(e.kind, e.provider_message_id, e.payload) for e in events] == [
        ("status", "m_1:delivered", {"status": "delivered", "refers_to": "m_1"}),
        ("status", "m_2:delivered", {"status": "delivered", "refers_to": "m_2"})]


def test_a_delivery_without_message_ids_reports_its_watermark():
    event = parse_one(MESSENGER, req.delivery(PAGE, PSID, None, watermark=req.TS))
    assert event.payload == {"status": "delivered", "refers_to": "", "watermark": req.TS}
    assert PSID in event.provider_message_id and str(req.TS) in event.provider_message_id


def test_a_messenger_read_reports_its_watermark():
    event = parse_one(MESSENGER, req.read_watermark(PAGE, PSID, req.TS))
    assert (event.kind, event.payload) == ("status", {"status": "read", "refers_to": "", "watermark": req.TS})
    assert event.provider_message_id.endswith(":read")


def test_an_instagram_seen_names_the_message_read():
    event = parse_one(INSTAGRAM, req.read_mid(IG_ACCOUNT, IGSID, "m_ours"))
    assert (event.provider_message_id, event.payload) == ("m_ours:read", {"status": "read", "refers_to": "m_ours"})


@pytest.mark.parametrize("channel, account, contact", [(MESSENGER, PAGE, PSID), (INSTAGRAM, IG_ACCOUNT, IGSID)])
def test_echoes_of_our_own_messages_are_skipped(channel, account, contact):
    assert parse_webhook(req.webhook(channel, req.echo(account, contact, "Hola, soy el bot"))) == []


def test_an_instagram_unsend_is_unsupported_and_not_a_redelivery_of_the_message():
    event = parse_one(INSTAGRAM, req.deleted(IG_ACCOUNT, IGSID, "m_gone"))
    assert (event.kind, event.provider_message_id) == ("unsupported", "m_gone:deleted")
    assert event.payload == {"raw_type": "deleted", "deleted_message_id": "m_gone"}


def test_a_message_instagram_does_not_pass_on_is_unsupported():
    event = parse_one(INSTAGRAM, req.unsupported(IG_ACCOUNT, IGSID, mid="m_gif"))
    assert (event.kind, event.provider_message_id) == ("unsupported", "m_gif")
    assert event.payload == {"raw_type": "unsupported"}


def test_an_unknown_event_is_unsupported_with_its_type_never_an_error():
    item = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": req.TS, "optin": {"ref": "x"}}
    event = parse_one(MESSENGER, item)
    assert (event.kind, event.payload) == ("unsupported", {"raw_type": "optin"})


def test_several_entries_and_items_yield_every_event_in_order():
    page_two = "104857600000002"
    body = req.body_of(MESSENGER,
                       req.entry(PAGE, req.text(PAGE, PSID, "uno", mid="m1"), req.delivery(PAGE, PSID, ["m_0"]),
                                 req.echo(PAGE, PSID, "eco"), req.quick_reply(PAGE, PSID, "Sí", "Sí", mid="m2")),
                       req.entry(page_two, req.text(page_two, "999", "dos", mid="m3")))
    events = parse_webhook(body)
    assert [(e.account, e.provider_message_id, e.kind) for e in events] == [
        (PAGE, "m1", "text"), (PAGE, "m_0:delivered", "status"), (PAGE, "m2", "button"), (page_two, "m3", "text")]


def test_changes_style_messaging_webhooks_are_read_and_other_fields_are_skipped():
    comment = {"field": "comments", "value": {"id": "c1", "from": {"id": IGSID, "username": "ana"}, "text": "hi"}}
    entry = req.changes_entry(IG_ACCOUNT, "messages", req.text(IG_ACCOUNT, IGSID, "hola", mid="m_c"))
    entry["changes"].append(comment)
    events = parse_webhook(req.body_of(INSTAGRAM, entry))
    assert [(e.provider_message_id, e.kind, e.text) for e in events] == [("m_c", "text", "hola")]


def test_standby_items_of_a_thread_another_app_controls_are_skipped():
    entry = {"id": PAGE, "time": req.TS, "standby": [req.text(PAGE, PSID, "hola")]}
    assert parse_webhook(req.body_of(MESSENGER, entry)) == []


def test_the_chat_plugin_user_ref_stands_for_the_contact():
    item = req.postback(PAGE, PSID, "Start", "START")
    item["sender"] = {"user_ref": "ref-123"}
    assert parse_one(MESSENGER, item).contact == "ref-123"


# -- the documented examples ---------------------------------------------------------------------------

DOCUMENTED = {
    "messenger/quick_reply.json": ["button"], "messenger/reply.json": ["text"],
    "messenger/attachment_image.json": ["image"], "messenger/attachment_audio.json": ["audio"],
    "messenger/attachment_video.json": ["video"], "messenger/attachment_file.json": ["document"],
    "messenger/sticker.json": ["sticker"], "messenger/location.json": ["location"],
    "messenger/fallback.json": ["unsupported"], "messenger/postback.json": ["button"],
    "messenger/postback_changes.json": ["button"], "messenger/reaction.json": ["reaction"],
    "messenger/edit.json": ["edit"], "messenger/referral_shortlink.json": ["unsupported"],
    "messenger/referral_ad.json": ["unsupported"], "messenger/delivery.json": ["status"],
    "messenger/read.json": ["status"], "messenger/echo.json": [],
    "instagram/text.json": ["text"], "instagram/attachment.json": ["image", "video"],
    "instagram/quick_reply.json": ["button"], "instagram/story_reply.json": ["text"], "instagram/reply.json": ["text"],
    "instagram/story_mention.json": ["unsupported"], "instagram/share.json": ["unsupported"],
    "instagram/ig_reel.json": ["unsupported"], "instagram/ad_message.json": ["text"],
    "instagram/reaction.json": ["reaction"], "instagram/unreaction.json": ["reaction"],
    "instagram/postback.json": ["button"], "instagram/seen.json": ["status"],
    "instagram/referral.json": ["unsupported"], "instagram/deleted.json": ["unsupported"],
    "instagram/unsupported.json": ["unsupported"], "instagram/echo.json": [], "instagram/changes_test.json": ["text"],
}


def test_every_documented_example_has_an_expectation():
    on_disk = {f"{p.parent.name}/{p.name}" for d in ("messenger", "instagram") for p in (FIXTURES / d).glob("*.json")}
    assert on_disk == set(DOCUMENTED)


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_the_documented_example_parses(name):
    body = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    events = parse_webhook(body)
    assert [e.kind for e in events] == DOCUMENTED[name]
    for event in events:
        assert event.kind in INBOUND_KINDS and event.account and event.contact and event.provider_message_id
        assert event.channel == name.split("/")[0]
        assert event.occurred_at.endswith("+00:00")
        assert None not in event.payload.values()


def test_the_documented_ad_referral_maps_to_the_referral_vocabulary():
    body = json.loads((FIXTURES / "messenger/referral_ad.json").read_text(encoding="utf-8"))
    referral = parse_webhook(body)[0].payload["referral"]
    assert referral["source_type"] == "ADS" and referral["source_id"] == "<ID_OF_THE_AD>"
    assert referral["headline"] == "<TITLE_OF_THE_AD>"


# ==================================================================================================
# Outbound
# ==================================================================================================

@pytest.mark.parametrize("channel, recipient", [(MESSENGER, PSID), (INSTAGRAM, IGSID)])
def test_a_text_reply_is_one_send_api_call(channel, recipient):
    calls = render(outbound("text", "Hola 👋", channel=channel))
    assert [(c.path, c.form) for c in calls] == [("messages", None)]
    assert calls[0].json == {"recipient": {"id": recipient}, "messaging_type": "RESPONSE",
                             "message": {"text": "Hola 👋"}}


def test_a_human_agent_reply_carries_the_human_agent_tag():
    (call,) = render(outbound("text", "Soy Ana, te ayudo"), human_agent_tag=True)
    assert call.json == {"recipient": {"id": PSID}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
                         "message": {"text": "Soy Ana, te ayudo"}}


def test_an_empty_text_sends_nothing():
    assert render(outbound("text", "  ")) == []


def test_a_long_messenger_text_is_split_at_paragraphs():
    paragraph = "palabra " * 200  # 1600 characters
    calls = render(outbound("text", f"{paragraph.strip()}\n\n{paragraph.strip()}"))
    assert [m["text"] for m in contents(calls)] == [paragraph.strip(), paragraph.strip()]


def test_long_text_is_split_at_lines_then_words_never_mid_word():
    lines = "\n".join(f"línea {i} " + "x" * 40 for i in range(100))
    pieces = [m["text"] for m in contents(render(outbound("text", lines)))]
    assert len(pieces) > 1 and all(text_fits(MESSENGER, p) for p in pieces)
    assert "\n".join(pieces) == lines
    words = " ".join(["tortilla"] * 600)
    pieces = [m["text"] for m in contents(render(outbound("text", words)))]
    assert all(text_fits(MESSENGER, p) for p in pieces) and " ".join(pieces) == words
    assert all(set(p.split(" ")) == {"tortilla"} for p in pieces)


def test_instagram_text_is_limited_in_utf8_bytes():
    text = " ".join(["ñandú🦤"] * 200)  # ~2400 bytes, 1400 characters
    pieces = [m["text"] for m in contents(render(outbound("text", text, channel=INSTAGRAM)))]
    assert len(pieces) >= 3 and all(len(p.encode()) <= LIMITS.instagram_text_bytes for p in pieces)
    assert " ".join(pieces) == text


def test_a_single_word_longer_than_the_limit_is_cut():
    word = "a" * (LIMITS.messenger_text_chars + 10)
    pieces = [m["text"] for m in contents(render(outbound("text", word)))]
    assert [len(p) for p in pieces] == [LIMITS.messenger_text_chars, 10]


def test_a_menu_is_sent_as_plain_text():
    text = "Elige:\n1. Pedidos\n2. Pagos"
    assert contents(render(outbound("menu", text, options=["Pedidos", "Pagos"]))) == [{"text": text}]


def test_a_template_is_sent_as_its_rendered_preview():
    message = outbound("template", "Tu pedido 123 llegó", payload={"name": "order", "language": "es",
                                                                  "parameters": ["123"]})
    assert contents(render(message)) == [{"text": "Tu pedido 123 llegó"}]


@pytest.mark.parametrize("channel", [MESSENGER, INSTAGRAM])
def test_buttons_become_quick_replies_whose_payload_is_the_title(channel):
    calls = render(outbound("buttons", "¿Qué necesitas?", channel=channel, options=["Pedidos", "Pagos"]))
    assert contents(calls) == [{"text": "¿Qué necesitas?", "quick_replies": [
        {"content_type": "text", "title": "Pedidos", "payload": "Pedidos"},
        {"content_type": "text", "title": "Pagos", "payload": "Pagos"}]}]


def test_a_long_option_title_is_shortened_on_the_button_and_kept_whole_in_the_payload():
    title = "Hablar con una persona de soporte"
    (message,) = contents(render(outbound("buttons", "¿Algo más?", options=[title])))
    reply = message["quick_replies"][0]
    assert len(reply["title"]) == LIMITS.quick_reply_title_chars and reply["title"].endswith("…")
    assert reply["payload"] == title


def test_an_option_too_long_for_a_payload_is_identified_by_its_position():
    options = ["Sí", "x" * (LIMITS.payload_chars + 1)]
    (message,) = contents(render(outbound("buttons", "¿Seguro?", options=options)))
    assert [q["payload"] for q in message["quick_replies"]] == ["Sí", "2"]


def test_the_most_quick_replies_allowed_fit_in_one_message():
    options = [f"Opción {i}" for i in range(LIMITS.quick_replies)]
    (message,) = contents(render(outbound("buttons", "Elige", options=options)))
    assert len(message["quick_replies"]) == LIMITS.quick_replies


def test_more_options_than_quick_replies_become_numbered_text():
    options = [f"Sucursal {i}" for i in range(LIMITS.quick_replies + 1)]
    messages = contents(render(outbound("buttons", "¿Cuál sucursal?", options=options)))
    assert all("quick_replies" not in m for m in messages)
    text = "\n".join(m["text"] for m in messages)
    assert text.startswith("¿Cuál sucursal?\n\n1. Sucursal 0\n2. Sucursal 1")
    assert text.endswith(f"{LIMITS.quick_replies + 1}. Sucursal {LIMITS.quick_replies}")


def test_buttons_under_a_long_text_hang_on_its_last_piece():
    text = ("párrafo " * 300).strip() + "\n\n" + "¿Te sirvió?"
    messages = contents(render(outbound("buttons", text, options=["Sí", "No"])))
    assert [("quick_replies" in m) for m in messages] == [False, True]
    assert messages[-1]["text"].endswith("\n\n¿Te sirvió?")


def test_buttons_without_text_still_have_a_prompt():
    (message,) = contents(render(outbound("buttons", "", options=["Sí"])))
    assert message["text"] and message["quick_replies"]


def card(title: str, subtitle: str = "", image: str = "", buttons: list[str] | None = None) -> dict:
    return {"title": title, "subtitle": subtitle, "image": image, "buttons": buttons or []}


@pytest.mark.parametrize("channel", [MESSENGER, INSTAGRAM])
def test_a_carousel_is_a_generic_template_with_postback_buttons(channel):
    cards = [card("Tenis Runner", "$1,299", "https://shop.example/runner.jpg", ["Comprar", "Detalles"]),
             card("Sandalia Playa", "$499", "https://shop.example/sandal.jpg", ["Comprar"])]
    calls = render(outbound("carousel", "Mira estos:", channel=channel, options=["Comprar", "Detalles", "Comprar"],
                            payload={"cards": cards}))
    assert contents(calls) == [
        {"text": "Mira estos:"},
        {"attachment": {"type": "template", "payload": {"template_type": "generic", "elements": [
            {"title": "Tenis Runner", "subtitle": "$1,299", "image_url": "https://shop.example/runner.jpg",
             "buttons": [{"type": "postback", "title": "Comprar", "payload": "Comprar"},
                         {"type": "postback", "title": "Detalles", "payload": "Detalles"}]},
            {"title": "Sandalia Playa", "subtitle": "$499", "image_url": "https://shop.example/sandal.jpg",
             "buttons": [{"type": "postback", "title": "Comprar", "payload": "Comprar"}]}]}}}]


def test_carousel_titles_and_subtitles_are_shortened_to_the_element_limits():
    long_card = card("T" * 100, "S" * 100, buttons=["Ver"])
    (template,) = contents(render(outbound("carousel", options=["Ver"], payload={"cards": [long_card]})))
    (element,) = template["attachment"]["payload"]["elements"]
    assert len(element["title"]) == LIMITS.element_title_chars and element["title"].endswith("…")
    assert len(element["subtitle"]) == LIMITS.element_subtitle_chars


def test_a_card_with_more_buttons_than_an_element_holds_continues_in_the_next_element():
    buttons = ["A", "B", "C", "D", "E"]
    (template,) = contents(render(outbound("carousel", options=buttons,
                                           payload={"cards": [card("Plan", "Mensual", buttons=buttons)]})))
    elements = template["attachment"]["payload"]["elements"]
    assert [len(e["buttons"]) for e in elements] == [LIMITS.element_buttons, 2]
    assert [e["title"] for e in elements] == ["Plan", "Plan"]
    assert [b["payload"] for e in elements for b in e["buttons"]] == buttons


def test_more_cards_than_a_template_holds_are_sent_in_several_templates():
    cards = [card(f"Producto {i}", "Descripción", buttons=["Ver"]) for i in range(LIMITS.template_elements + 3)]
    templates = contents(render(outbound("carousel", options=["Ver"] * len(cards), payload={"cards": cards})))
    sizes = [len(t["attachment"]["payload"]["elements"]) for t in templates]
    assert sizes == [LIMITS.template_elements, 3]


def test_carousel_button_payloads_follow_the_option_positions_across_cards():
    too_long = "y" * (LIMITS.payload_chars + 1)
    cards = [card("Uno", "a", buttons=["Ver"]), card("Dos", "b", buttons=[too_long])]
    (template,) = contents(render(outbound("carousel", options=["Ver", too_long], payload={"cards": cards})))
    payloads = [b["payload"] for e in template["attachment"]["payload"]["elements"] for b in e["buttons"]]
    assert payloads == ["Ver", "2"]


def test_a_carousel_with_a_bare_title_card_is_said_in_words():
    cards = [card("Horario"), card("Envíos", "Gratis desde $500", buttons=["Más info"])]
    messages = contents(render(outbound("carousel", "Info:", options=["Más info"], payload={"cards": cards})))
    assert messages == [{"text": "Info:\n\nHorario\n\nEnvíos\nGratis desde $500\n1. Más info"}]


def test_a_carousel_without_cards_is_refused():
    with pytest.raises(PermanentError):
        render(outbound("carousel", payload={"cards": "nope"}))


def test_an_image_is_a_reusable_attachment_followed_by_its_caption_on_messenger():
    payload = {"kind": "image", "url": "https://files.example/menu.png", "caption": "Nuestro menú", "filename": ""}
    assert contents(render(outbound("media", payload=payload))) == [
        {"attachment": {"type": "image", "payload": {"url": "https://files.example/menu.png", "is_reusable": True}}},
        {"text": "Nuestro menú"}]


def test_instagram_media_has_no_reuse_flag():
    payload = {"kind": "video", "url": "https://files.example/demo.mp4", "caption": "", "filename": ""}
    assert contents(render(outbound("media", channel=INSTAGRAM, payload=payload))) == [
        {"attachment": {"type": "video", "payload": {"url": "https://files.example/demo.mp4"}}}]


@pytest.mark.parametrize("kind, meta_type", [("audio", "audio"), ("document", "file")])
def test_audio_and_documents_are_audio_and_file_attachments(kind, meta_type):
    payload = {"kind": kind, "url": "https://files.example/x", "caption": "", "filename": "x.pdf"}
    (message,) = contents(render(outbound("media", payload=payload)))
    assert message["attachment"]["type"] == meta_type


def test_a_long_caption_is_split_like_any_text():
    payload = {"kind": "image", "url": "https://files.example/a.png", "caption": "foto " * 500, "filename": ""}
    messages = contents(render(outbound("media", payload=payload)))
    assert "attachment" in messages[0] and len(messages) == 3 and all(text_fits(MESSENGER, m["text"])
                                                                      for m in messages[1:])


@pytest.mark.parametrize("payload", [{"kind": "image", "url": ""}, {"kind": "hologram", "url": "https://x/y"}])
def test_media_without_url_or_of_an_unknown_kind_is_refused(payload):
    with pytest.raises(PermanentError):
        render(outbound("media", payload=payload))


def test_a_location_is_text_with_name_address_and_a_map_link():
    payload = {"latitude": 19.4326, "longitude": -99.1332, "name": "Tienda Centro", "address": "Madero 1, CDMX"}
    assert contents(render(outbound("location", payload=payload))) == [
        {"text": "Tienda Centro\nMadero 1, CDMX\nhttps://www.google.com/maps?q=19.4326,-99.1332"}]


def test_an_unknown_kind_is_refused_naming_it():
    with pytest.raises(PermanentError, match="contact_card"):
        render(outbound("contact_card", "x"))


def test_a_message_for_another_channel_is_refused():
    with pytest.raises(PermanentError, match="telegram"):
        render(outbound("text", "x", channel="telegram"))


@pytest.mark.parametrize("kind, payload, options", [
    ("text", {}, []), ("buttons", {}, ["Sí", "No"]),
    ("carousel", {"cards": [{"title": "A", "subtitle": "b", "image": "", "buttons": ["Ver"]}]}, ["Ver"]),
    ("media", {"kind": "image", "url": "https://x/y.png", "caption": "c", "filename": ""}, []),
    ("location", {"latitude": 1, "longitude": 2, "name": "n", "address": "a"}, []),
])
def test_every_call_goes_to_the_messages_edge_with_json(kind, payload, options):
    for call in render(outbound(kind, "hola", options=options, payload=payload)):
        assert call.path == "messages" and call.form is None and call.json["recipient"] == {"id": PSID}


# ==================================================================================================
# Answers
# ==================================================================================================

def graph_error(code: int, message: str, subcode: int | None = None, **extra) -> dict:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCd", **extra}
    if subcode:
        error["error_subcode"] = subcode
    return {"error": error}


def test_the_sent_message_id_comes_from_the_success_answer():
    assert sent_message_id({"recipient_id": PSID, "message_id": "m_AG5Hz2Uq7tuwNEhX"}) == "m_AG5Hz2Uq7tuwNEhX"


def test_an_answer_without_message_id_is_refused():
    with pytest.raises(InvalidInput, match="message_id"):
        sent_message_id({"recipient_id": PSID})


@pytest.mark.parametrize("code, message", [
    (4, "(#4) Application request limit reached"), (17, "(#17) User request limit reached"),
    (32, "(#32) Page request limit reached"), (613, "(#613) Calls to this api have exceeded the rate limit."),
    (80006, "(#80006) There have been too many messages sent to this user."),
    (80002, "(#80002) There have been too many calls to this Instagram account."),
    (1200, "(#1200) Temporary send message failure. Please try again later"),
    (2, "An unexpected error has occurred. Please retry your request later."),
])
def test_throttling_and_temporary_codes_answered_with_400_are_transient(code, message):
    disposition = error_disposition(400, graph_error(code, message), {})
    assert disposition.transient
    assert f"Graph error {code}" in disposition.reason and message in disposition.reason


def test_a_throttled_answer_takes_the_wait_from_retry_after():
    assert error_disposition(429, graph_error(613, "rate"), {"Retry-After": "30"}).retry_after_s == 30


def test_a_throttled_answer_takes_the_wait_from_the_business_use_case_header():
    usage = {PAGE: [{"type": "messenger", "call_count": 100, "total_cputime": 10, "total_time": 10,
                     "estimated_time_to_regain_access": 5}]}
    disposition = error_disposition(400, graph_error(80006, "too many"),
                                    {"x-business-use-case-usage": json.dumps(usage)})
    assert disposition.transient and disposition.retry_after_s == 300


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient_even_without_a_graph_body(status):
    disposition = error_disposition(status, "<html>Bad gateway</html>", {})
    assert disposition.transient and str(status) in disposition.reason


def test_a_bodyless_bad_request_is_permanent_and_quotes_the_body():
    disposition = error_disposition(400, b"bad request", {})
    assert not disposition.transient and disposition.reason == "HTTP 400: bad request"


def test_meta_flagging_an_error_transient_is_believed():
    assert error_disposition(400, graph_error(100, "Something", is_transient=True), {}).transient


def test_a_person_who_is_not_available_will_never_get_the_message():
    disposition = error_disposition(400, graph_error(551, "This person isn't available right now."), {})
    assert not disposition.transient and disposition.retry_after_s is None
    assert "551" in disposition.reason and "not available" in disposition.reason


def test_a_message_outside_the_window_is_permanent_and_says_which_window():
    body = graph_error(10, "(#10) This message is sent outside of allowed window.", 2018278)
    disposition = error_disposition(400, body, {})
    assert not disposition.transient
    assert "10/2018278" in disposition.reason and "24 hours" in disposition.reason and "7 days" in disposition.reason


def test_a_bad_token_is_permanent():
    disposition = error_disposition(401, graph_error(190, "Invalid OAuth access token."), {})
    assert not disposition.transient and "access token" in disposition.reason


def test_an_invalid_parameter_is_permanent():
    disposition = error_disposition(400, graph_error(100, "(#100) No matching user found", 2018001), {})
    assert not disposition.transient and "100/2018001" in disposition.reason


# ==================================================================================================
# The simulator and the request builders
# ==================================================================================================

PAGE_TOKEN, IG_TOKEN = "EAAG-page-token", "IGAA-ig-token"


@pytest.fixture(scope="module")
def graph_server():
    app = SwappableFake()
    with serve_wsgi(app) as base:
        yield app, base


@pytest.fixture
def graph(graph_server):
    app, base = graph_server
    app.fake = FakeMetaMessagingApi({PAGE: PAGE_TOKEN, IG_ACCOUNT: IG_TOKEN}, instagram_accounts=[IG_ACCOUNT])
    return app.fake, base


def send(base: str, account: str, token: str, call) -> httpx.Response:
    return httpx.post(f"{base}/v21.0/{account}/{call.path}", json=call.json,
                      headers={"Authorization": f"Bearer {token}"})


def test_the_simulator_accepts_rendered_calls_with_the_accounts_token(graph):
    fake, base = graph
    (call,) = render(outbound("buttons", "¿Seguimos?", options=["Sí", "No"]))
    answer = send(base, PAGE, PAGE_TOKEN, call)
    assert answer.status_code == 200 and answer.json()["recipient_id"] == PSID
    assert sent_message_id(answer.json()).startswith("m_")
    assert fake.sent(PAGE) == [call.json]
    assert fake.sends()[0].path == f"/v21.0/{PAGE}/messages"


def test_the_simulator_refuses_a_token_of_another_account_like_graph(graph):
    fake, base = graph
    (call,) = render(outbound("text", "hola"))
    answer = send(base, PAGE, IG_TOKEN, call)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == 190
    assert not error_disposition(answer.status_code, answer.json(), answer.headers).transient
    assert fake.sent() == []


def test_the_simulator_takes_the_token_from_the_query_too(graph):
    _, base = graph
    (call,) = render(outbound("text", "hola", channel=INSTAGRAM))
    answer = httpx.post(f"{base}/{IG_ACCOUNT}/messages", params={"access_token": IG_TOKEN}, json=call.json)
    assert answer.status_code == 200


def test_every_rendered_piece_of_long_instagram_text_is_accepted(graph):
    fake, base = graph
    calls = render(outbound("text", "canción 🎶 " * 400, channel=INSTAGRAM))
    assert len(calls) > 1
    assert [send(base, IG_ACCOUNT, IG_TOKEN, c).status_code for c in calls] == [200] * len(calls)
    assert len(fake.sent(IG_ACCOUNT)) == len(calls)


def test_the_simulator_refuses_what_meta_would_refuse(graph):
    _, base = graph
    too_long = {"recipient": {"id": IGSID}, "messaging_type": "RESPONSE", "message": {"text": "é" * 600}}
    answer = httpx.post(f"{base}/{IG_ACCOUNT}/messages", json=too_long, headers={"Authorization": f"Bearer {IG_TOKEN}"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 100
    options = [f"o{i}" for i in range(LIMITS.quick_replies + 1)]
    crowded = {"recipient": {"id": PSID}, "message": {"text": "x", "quick_replies": [
        {"content_type": "text", "title": o, "payload": o} for o in options]}}
    answer = httpx.post(f"{base}/{PAGE}/messages", json=crowded, headers={"Authorization": f"Bearer {PAGE_TOKEN}"})
    assert answer.status_code == 400 and "quick_replies" in answer.json()["error"]["message"]


def test_injected_failures_answer_graph_errors_the_disposition_understands(graph):
    fake, base = graph
    (call,) = render(outbound("text", "hola"))
    fake.fail_next(429)
    fake.fail_next(403)
    throttled = send(base, PAGE, PAGE_TOKEN, call)
    outside = send(base, PAGE, PAGE_TOKEN, call)
    assert error_disposition(throttled.status_code, throttled.json(), throttled.headers).transient
    disposition = error_disposition(outside.status_code, outside.json(), outside.headers)
    assert not disposition.transient and "24 hours" in disposition.reason
    assert send(base, PAGE, PAGE_TOKEN, call).status_code == 200


def test_attachments_are_served_from_the_cdn_without_credentials(graph):
    fake, base = graph
    url = fake.attachment_url(base, fake.add_attachment("voice.mp4", b"\x00\x01audio", "audio/mp4"))
    event = parse_one(INSTAGRAM, req.media(IG_ACCOUNT, IGSID, "audio", url))
    download = httpx.get(event.payload["media"]["url"])
    assert download.status_code == 200 and download.content == b"\x00\x01audio"
    assert download.headers["content-type"] == "audio/mp4"
    assert httpx.get(f"{base}/cdn/999/missing.jpg").status_code == 403


def test_signed_bodies_carry_a_valid_signature_of_the_raw_bytes():
    body = req.webhook(MESSENGER, req.text(PAGE, PSID, "¡hola!"))
    raw, headers = req.signed(body, "app-secret")
    assert json.loads(raw) == body and headers["Content-Type"] == "application/json"
    assert meta_signature_is_valid(raw, headers[SIGNATURE_HEADER], "app-secret")
    assert not meta_signature_is_valid(raw, headers[SIGNATURE_HEADER], "other-secret")
