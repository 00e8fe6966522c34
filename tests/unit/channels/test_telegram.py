"""Telegram Bot API: webhook Updates become ProviderEvents, replies become Bot API method calls within
Telegram's limits, error answers get a retry decision, and the local simulator behaves like Telegram."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.channels import telegram
from shared.channels.provider_events import INBOUND_KINDS, ApiCall, ProviderEvent
from shared.channels.telegram import (
    LIMITS,
    bot_id_of,
    error_disposition,
    parse_update,
    render,
    secret_token_is_valid,
    sent_message_id,
    webhook_reply,
)
from shared.kernel.errors import InvalidInput, PermanentError
from shared.messages.wire import OutboundMessage
from tests.support import telegram_requests as tg
from tests.support.fake_telegram_api import FakeTelegramApi
from tests.support.wsgi_server import serve_wsgi

TOKEN = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT = "110201543"
CHAT = 5550001
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "providers" / "telegram"


def parsed(update: dict[str, Any]) -> ProviderEvent:
    events = parse_update(update, BOT)
    assert len(events) == 1, events
    return events[0]


def outbound(kind: str, text: str = "", options: list[str] | None = None,
             payload: dict[str, Any] | None = None) -> OutboundMessage:
    return OutboundMessage(message_id="m1", workspace_id="ws", conversation_id="c1", session_id="s1",
                           channel="telegram", account=BOT, recipient=str(CHAT), kind=kind, text=text,
                           created_at="2026-01-01T00:00:00+00:00", options=options or [], payload=payload or {})


def bodies(calls: list[ApiCall], method: str | None = None) -> list[dict[str, Any]]:
    """Each call's JSON body, after checking what every call shares: a JSON body to our chat, plain text."""
    for call in calls:
        assert call.form is None and call.json is not None
        assert call.json["chat_id"] == str(CHAT)
        assert "parse_mode" not in call.json
        if method:
            assert call.path == method
    return [call.json for call in calls]  # type: ignore[misc]


def buttons_of(body: dict[str, Any]) -> list[dict[str, str]]:
    rows = body["reply_markup"]["inline_keyboard"]
    assert all(len(row) == 1 for row in rows), "one button per row"
    return [row[0] for row in rows]


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# -- credentials and the webhook -------------------------------------------------------------------

def test_the_bot_id_is_the_number_before_the_colon_of_its_token():
    assert bot_id_of(TOKEN) == BOT


@pytest.mark.parametrize("token", ["", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "abc:def", "123:"])
def test_a_token_not_shaped_like_botfathers_is_refused(token):
    with pytest.raises(InvalidInput, match="bot token"):
        bot_id_of(token)


def test_the_secret_header_must_match_exactly():
    assert secret_token_is_valid("s3cr3t-Token_1", "s3cr3t-Token_1")
    assert not secret_token_is_valid("s3cr3t-Token_2", "s3cr3t-Token_1")
    assert not secret_token_is_valid(None, "s3cr3t-Token_1")
    assert not secret_token_is_valid("", "s3cr3t-Token_1")
    assert not secret_token_is_valid("ñandú", "s3cr3t-Token_1")  # non-ASCII never raises


def test_without_a_configured_secret_no_request_is_valid():
    assert not secret_token_is_valid("", "")
    assert not secret_token_is_valid("anything", "")


def test_registration_asks_for_reactions_which_telegram_does_not_send_by_default():
    call = telegram.webhook_registration("https://example.com/webhook_telegram/110201543", "s3cr3t")
    assert call.path == "setWebhook"
    assert call.json == {"url": "https://example.com/webhook_telegram/110201543", "secret_token": "s3cr3t",
                         "allowed_updates": ["message", "edited_message", "callback_query", "message_reaction"]}


@pytest.mark.parametrize(("url", "secret"), [("http://example.com/hook", "s3cr3t"),
                                             ("https://example.com/hook", "has space"),
                                             ("https://example.com/hook", ""),
                                             ("https://example.com/hook", "x" * (LIMITS.secret_token_chars + 1))])
def test_registration_refuses_what_setwebhook_would(url, secret):
    with pytest.raises(InvalidInput):
        telegram.webhook_registration(url, secret)


def test_a_button_press_is_answered_in_the_webhook_response_so_its_spinner_stops():
    update = tg.callback_query_update(1, CHAT, "Yes", callback_id="cbq-42")
    assert webhook_reply(update) == {"method": "answerCallbackQuery", "callback_query_id": "cbq-42"}


@pytest.mark.parametrize("update", [tg.text_update(1, CHAT, 10, "hola"), tg.reaction_update(2, CHAT, 10), "junk"])
def test_other_updates_need_no_webhook_answer(update):
    assert webhook_reply(update) is None


# -- inbound -----------------------------------------------------------------------------------------

def test_a_text_message_names_its_bot_chat_sender_and_time():
    event = parsed(tg.text_update(10, CHAT, 1365, "Hola, ¿tienen envío?", first_name="Ana", last_name="Pérez"))
    assert event == ProviderEvent(account=BOT, contact=str(CHAT), provider_message_id=f"{CHAT}:1365", kind="text",
                                  text="Hola, ¿tienen envío?", contact_name="Ana Pérez",
                                  occurred_at="2024-05-31T16:08:37+00:00", payload={})


def test_message_ids_are_scoped_to_their_chat_because_telegram_numbers_them_per_chat():
    first = parsed(tg.text_update(10, 1001, 7, "a"))
    second = parsed(tg.text_update(11, 1002, 7, "b"))
    assert first.provider_message_id != second.provider_message_id


def test_a_sender_without_a_first_name_is_known_by_username():
    update = tg.text_update(10, CHAT, 1, "hi")
    update["message"]["from"] = {"id": CHAT, "is_bot": False, "first_name": "", "username": "ana_p"}
    assert parsed(update).contact_name == "ana_p"


def test_a_start_deep_link_carries_its_payload_as_the_referral():
    event = parsed(tg.start_update(10, CHAT, 1, "promo-spring24"))
    assert event.kind == "text"
    assert event.text == "/start promo-spring24"
    assert event.payload["referral"] == {"ref": "promo-spring24", "source_type": "deep_link"}


@pytest.mark.parametrize("text", ["/start", "/starting now", "please /start x"])
def test_text_that_is_not_a_deep_link_has_no_referral(text):
    assert "referral" not in parsed(tg.text_update(10, CHAT, 1, text)).payload


def test_a_button_press_reports_the_callback_data_and_the_label_shown():
    update = tg.callback_query_update(20, CHAT, "2", callback_id="cbq-1",
                                      keyboard=[("Track my order", "Track my order"), ("Talk to a…", "2")])
    event = parsed(update)
    assert event.kind == "button"
    assert event.provider_message_id == "callback:cbq-1"
    assert event.contact == str(CHAT)
    assert event.text == "Talk to a…"
    assert event.payload == {"id": "2", "title": "Talk to a…", "source": "callback_query"}


def test_a_press_on_a_message_without_our_keyboard_uses_the_data_as_the_title():
    event = parsed(json.loads((FIXTURES / "callback_query.json").read_text()))
    assert event.contact == "1111111"  # an inline-mode message has no chat: the user's id is their private chat
    assert event.payload == {"id": "Data from button callback", "title": "Data from button callback",
                             "source": "callback_query"}


def test_a_callback_query_without_data_is_unsupported():
    update = tg.callback_query_update(20, CHAT, "x")
    del update["callback_query"]["data"]
    update["callback_query"]["game_short_name"] = "tetris"
    assert parsed(update).kind == "unsupported"


def test_the_largest_photo_size_is_the_image():
    event = parsed(tg.photo_update(30, CHAT, 5, caption="Mi ticket", file_id="LARGE"))
    assert event.kind == "image"
    assert event.text == "Mi ticket"
    assert event.payload["media"] == {"id": "LARGE", "mime_type": "image/jpeg", "size": 97521}


@pytest.mark.parametrize(("update", "kind", "media"), [
    (tg.voice_update(1, CHAT, 2, file_id="V"), "voice", {"id": "V", "mime_type": "audio/ogg", "size": 23000}),
    (tg.audio_update(1, CHAT, 2, file_id="A"), "audio",
     {"id": "A", "mime_type": "audio/mpeg", "filename": "song.mp3", "size": 3897500}),
    (tg.video_update(1, CHAT, 2, file_id="VI"), "video",
     {"id": "VI", "mime_type": "video/mp4", "filename": "clip.mp4", "size": 2_345_678}),
    (tg.video_note_update(1, CHAT, 2, file_id="N"), "video", {"id": "N", "mime_type": "video/mp4", "size": 512_000}),
    (tg.document_update(1, CHAT, 2, file_id="D"), "document",
     {"id": "D", "mime_type": "application/pdf", "filename": "Testfile.pdf", "size": 536392}),
], ids=["voice", "audio", "video", "video_note", "document"])
def test_media_messages_carry_the_file_id_to_download(update, kind, media):
    event = parsed(update)
    assert event.kind == kind
    assert event.payload["media"] == media


def test_an_animation_is_a_video_not_the_document_telegram_also_fills():
    event = parsed(tg.animation_update(1, CHAT, 2, file_id="GIF"))
    assert event.kind == "video"
    assert event.payload["media"]["id"] == "GIF"
    assert event.payload["media"]["mime_type"] == "video/mp4"


@pytest.mark.parametrize(("is_animated", "is_video", "mime"), [(False, False, "image/webp"),
                                                               (True, False, "application/x-tgsticker"),
                                                               (False, True, "video/webm")])
def test_a_sticker_names_its_format(is_animated, is_video, mime):
    event = parsed(tg.sticker_update(1, CHAT, 2, file_id="S", is_animated=is_animated, is_video=is_video))
    assert event.kind == "sticker"
    assert event.payload["media"] == {"id": "S", "mime_type": mime, "size": 24_000}


def test_a_shared_location():
    event = parsed(tg.location_update(1, CHAT, 2, latitude=-34.6, longitude=-58.38))
    assert (event.kind, event.payload) == ("location", {"latitude": -34.6, "longitude": -58.38})


def test_a_venue_is_a_location_with_its_name_and_address():
    event = parsed(tg.venue_update(1, CHAT, 2, title="Obelisco", address="Av. 9 de Julio"))
    assert event.kind == "location"
    assert event.payload == {"latitude": -34.603722, "longitude": -58.381592, "name": "Obelisco",
                             "address": "Av. 9 de Julio"}


def test_a_shared_contact_with_the_email_of_its_vcard():
    vcard = "BEGIN:VCARD\nVERSION:3.0\nTEL;TYPE=CELL:+5491155550000\nEMAIL;TYPE=INTERNET:carla@example.com\nEND:VCARD"
    event = parsed(tg.contact_update(1, CHAT, 2, phone_number="+5491155550000", vcard=vcard))
    assert event.kind == "contacts"
    assert event.payload == {"contacts": [{"name": "Carla Gómez", "phones": ["+5491155550000"],
                                           "emails": ["carla@example.com"]}]}


def test_a_reaction_names_the_emoji_and_the_message_it_is_on():
    event = parsed(tg.reaction_update(40, CHAT, 1365, emoji="👍"))
    assert event.kind == "reaction"
    assert event.provider_message_id == "update:40"
    assert event.payload == {"emoji": "👍", "reacted_to": f"{CHAT}:1365"}
    assert event.occurred_at == "2024-05-31T16:08:42+00:00"


def test_a_removed_reaction_has_an_empty_emoji():
    assert parsed(tg.reaction_update(41, CHAT, 1365, emoji="", old_emoji="👍")).payload["emoji"] == ""


def test_a_changed_reaction_reports_the_new_one():
    update = tg.reaction_update(42, CHAT, 1365, emoji="🔥", old_emoji="👍")
    update["message_reaction"]["new_reaction"].insert(0, {"type": "emoji", "emoji": "👍"})  # kept, plus 🔥 added
    assert parsed(update).payload["emoji"] == "🔥"


def test_a_custom_emoji_reaction_is_named_by_its_id():
    update = tg.reaction_update(43, CHAT, 1365)
    update["message_reaction"]["new_reaction"] = [{"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"}]
    assert parsed(update).payload["emoji"] == "custom_emoji:5368324170671202286"


def test_a_reply_quotes_the_earlier_message_of_the_same_chat():
    event = parsed(tg.reply_update(50, CHAT, 1400, "this one", quoted_id=1399))
    assert event.payload["reply_to"] == f"{CHAT}:1399"


def test_a_message_in_a_forum_topic_is_not_a_quote_of_the_topic():
    update = tg.reply_update(50, CHAT, 1400, "hi", quoted_id=1)
    update["message"]["reply_to_message"]["forum_topic_created"] = {"name": "Support", "icon_color": 7322096}
    assert "reply_to" not in parsed(update).payload


def test_a_forwarded_message_is_marked():
    assert parsed(tg.forwarded_update(51, CHAT, 1401, "look")).payload["forwarded"] is True
    assert parsed(json.loads((FIXTURES / "forwarded.json").read_text())).payload["forwarded"] is True


def test_an_edit_refers_to_the_original_and_is_its_own_event():
    original = parsed(tg.text_update(60, CHAT, 1500, "helo"))
    first = parsed(tg.edited_message_update(61, CHAT, 1500, "hello", edit_date=tg.DATE + 60))
    second = parsed(tg.edited_message_update(62, CHAT, 1500, "hello!", edit_date=tg.DATE + 90))
    assert (first.kind, first.text) == ("edit", "hello")
    assert first.payload == {"edited_message_id": original.provider_message_id}
    assert len({original.provider_message_id, first.provider_message_id, second.provider_message_id}) == 3
    assert first.occurred_at == "2024-05-31T16:09:37+00:00"


@pytest.mark.parametrize(("update", "raw_type"), [
    (tg.poll_message_update(70, CHAT, 3), "poll"),
    (tg.dice_update(71, CHAT, 4), "dice"),
    (tg.my_chat_member_update(72, CHAT), "my_chat_member"),
    (tg.channel_post_update(73), "channel_post"),
], ids=["poll", "dice", "my_chat_member", "channel_post"])
def test_anything_else_is_unsupported_with_its_telegram_type(update, raw_type):
    event = parsed(update)
    assert (event.kind, event.payload) == ("unsupported", {"raw_type": raw_type})


def test_an_update_about_no_chat_or_user_yields_no_event():
    # A poll's new vote counts: nobody to record them for.
    assert parse_update(json.loads((FIXTURES / "poll.json").read_text()), BOT) == []


def test_an_unsupported_update_still_names_its_chat():
    event = parsed(tg.my_chat_member_update(72, CHAT))
    assert (event.contact, event.provider_message_id) == (str(CHAT), "update:72")


@pytest.mark.parametrize(("update", "field"), [
    ([], "update"),
    ({"message": {}}, "update_id"),
    ({"update_id": "7", "message": {}}, "update_id"),
    ({"update_id": 7}, "update"),
    ({"update_id": 7, "message": "hi"}, "message"),
    ({"update_id": 7, "message": {"message_id": 1, "date": 1, "text": "x"}}, "message.chat.id"),
    ({"update_id": 7, "message": {"chat": {"id": 1}, "date": 1, "text": "x"}}, "message.message_id"),
    ({"update_id": 7, "edited_message": {"message_id": 1, "chat": {}}}, "edited_message.chat.id"),
    ({"update_id": 7, "callback_query": {"data": "x"}}, "callback_query.id"),
    ({"update_id": 7, "message_reaction": {"message_id": 1}}, "message_reaction.chat.id"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_a_body_that_is_no_update_is_refused_naming_the_field(update, field):
    with pytest.raises(InvalidInput, match=field.replace(".", r"\.")):
        parse_update(update, BOT)


# Fixture files: documented examples verbatim (core.telegram.org/bots/webhooks#testing-your-bot-with-updates),
# and, for kinds the docs show no example of, updates composed from the Bot API type reference.
FIXTURE_KINDS = {
    # verbatim
    "text": "text", "forwarded": "text", "forwarded_channel": "text", "reply": "text", "edited_message": "edit",
    "entities": "text", "audio": "audio", "voice": "voice", "document": "document",
    "inline_query": "unsupported", "chosen_inline_result": "unsupported", "callback_query": "button",
    # composed
    "photo": "image", "video": "video", "video_note": "video", "animation": "video", "sticker": "sticker",
    "location": "location", "venue": "location", "contact": "contacts", "message_reaction": "reaction",
    "start_deep_link": "text", "poll": None, "my_chat_member": "unsupported",
    "callback_query_from_message": "button", "forward_origin": "text",
}


def test_every_fixture_file_is_listed():
    assert {path.stem for path in FIXTURES.glob("*.json")} == set(FIXTURE_KINDS)


@pytest.mark.parametrize(("name", "kind"), sorted((k, v) for k, v in FIXTURE_KINDS.items() if v))
def test_each_sample_update_parses_to_its_kind(name, kind):
    event = parsed(json.loads((FIXTURES / f"{name}.json").read_text()))
    assert event.kind == kind
    assert event.kind in INBOUND_KINDS
    assert event.account == BOT and event.contact and event.provider_message_id


def test_the_composed_samples_carry_what_their_kind_promises():
    def sample(name: str) -> ProviderEvent:
        return parsed(json.loads((FIXTURES / f"{name}.json").read_text()))

    assert sample("photo").payload["media"]["id"] == "AgACAgQAAxkBAAIBX2Z1large"
    assert sample("callback_query_from_message").payload == {"id": "2", "title": "Talk to a person",
                                                              "source": "callback_query"}
    assert sample("start_deep_link").payload["referral"]["ref"] == "promo-spring24"
    assert sample("message_reaction").payload == {"emoji": "👍", "reacted_to": "1111111:1364"}
    assert sample("reply").payload["reply_to"] == "1111111:1334"
    assert sample("contact").payload["contacts"][0]["emails"] == ["carla@example.com"]


# -- outbound: text ------------------------------------------------------------------------------------

def test_text_is_sent_as_plain_text_so_nothing_is_read_as_markup():
    calls = render(outbound("text", "Use *bold* <b>tags</b> [link](http://x)"))
    assert bodies(calls, "sendMessage") == [{"chat_id": str(CHAT),
                                             "text": "Use *bold* <b>tags</b> [link](http://x)"}]


def test_long_text_is_split_at_paragraphs_within_the_limit():
    paragraph = ("word " * 300).strip()  # 1499 characters
    text = "\n\n".join([paragraph] * 4)
    pieces = [body["text"] for body in bodies(render(outbound("text", text)), "sendMessage")]
    assert len(pieces) == 2
    assert pieces == ["\n\n".join([paragraph] * 2)] * 2
    assert all(units(piece) <= LIMITS.text_chars for piece in pieces)


def test_a_long_line_is_split_between_words():
    text = " ".join(f"w{i:04d}" for i in range(1500))  # one 8999-character line
    pieces = [body["text"] for body in bodies(render(outbound("text", text)))]
    assert len(pieces) == 3
    assert all(units(piece) <= LIMITS.text_chars for piece in pieces)
    assert " ".join(pieces) == text


def test_only_a_word_longer_than_the_limit_is_cut_inside():
    word = "x" * (LIMITS.text_chars + 10)
    pieces = [body["text"] for body in bodies(render(outbound("text", f"{word} end")))]
    assert pieces == [word[: LIMITS.text_chars], "x" * 10 + " end"]


def test_length_is_counted_in_utf16_units_so_emoji_count_twice():
    text = "😀" * (LIMITS.text_chars // 2 + 1)  # fits in code points, not in UTF-16 units
    pieces = [body["text"] for body in bodies(render(outbound("text", text)))]
    assert len(pieces) == 2
    assert all(units(piece) <= LIMITS.text_chars for piece in pieces)
    assert "".join(pieces) == text


@pytest.mark.parametrize("kind", ["text", "menu", "template"])
def test_an_empty_message_is_refused_rather_than_sent(kind):
    with pytest.raises(PermanentError):
        render(outbound(kind, "   "))


def test_a_menu_is_plain_text_with_its_numbered_lines():
    calls = render(outbound("menu", "Choose:\n1. Orders\n2. Returns", options=["Orders", "Returns"]))
    assert bodies(calls, "sendMessage") == [{"chat_id": str(CHAT), "text": "Choose:\n1. Orders\n2. Returns"}]


def test_a_template_sends_its_rendered_preview():
    message = outbound("template", "Your order 123 ships today",
                       payload={"name": "shipping", "language": "es", "parameters": ["123"]})
    assert bodies(render(message), "sendMessage") == [{"chat_id": str(CHAT), "text": "Your order 123 ships today"}]


@pytest.mark.parametrize("kind", ["email", "sms", "audio_call", ""])
def test_a_kind_telegram_cannot_send_is_refused_by_name(kind):
    with pytest.raises(PermanentError, match=repr(kind)):
        render(outbound(kind, "hi"))


# -- outbound: buttons ---------------------------------------------------------------------------------

def test_options_become_inline_buttons_one_per_row_with_the_title_as_data():
    calls = render(outbound("buttons", "¿Qué querés hacer?", options=["Track my order", "Returns", "Talk to someone"]))
    [body] = bodies(calls, "sendMessage")
    assert body["text"] == "¿Qué querés hacer?"
    assert buttons_of(body) == [{"text": "Track my order", "callback_data": "Track my order"},
                                {"text": "Returns", "callback_data": "Returns"},
                                {"text": "Talk to someone", "callback_data": "Talk to someone"}]


def test_a_title_over_64_utf8_bytes_is_sent_as_its_position():
    fits = "ñ" * (LIMITS.callback_data_bytes // 2)  # 32 characters, 64 bytes
    too_big = "ñ" * (LIMITS.callback_data_bytes // 2 + 1)  # 33 characters, 66 bytes
    [body] = bodies(render(outbound("buttons", "Pick", options=[fits, too_big])))
    assert [button["callback_data"] for button in buttons_of(body)] == [fits, "2"]
    assert all(len(b["callback_data"].encode()) <= LIMITS.callback_data_bytes for b in buttons_of(body))


def test_a_long_label_is_shortened_with_an_ellipsis():
    title = "Quiero hablar con una persona de atención al cliente sobre mi pedido atrasado"
    [body] = bodies(render(outbound("buttons", "Pick", options=[title])))
    [button] = buttons_of(body)
    assert units(button["text"]) <= LIMITS.button_text_chars
    assert button["text"].endswith("…") and title.startswith(button["text"][:-1])
    assert button["callback_data"] == "1"  # the title is over 64 bytes: the id is its position


def test_the_most_buttons_a_keyboard_holds_are_sent_as_buttons():
    options = [f"Option {n}" for n in range(1, LIMITS.keyboard_buttons + 1)]
    [body] = bodies(render(outbound("buttons", "Pick", options=options)))
    assert len(buttons_of(body)) == LIMITS.keyboard_buttons


def test_more_buttons_than_a_keyboard_holds_become_a_numbered_list():
    options = [f"Option {n}" for n in range(1, LIMITS.keyboard_buttons + 2)]
    calls = render(outbound("buttons", "Pick one", options=options))
    texts = [body["text"] for body in bodies(calls, "sendMessage")]
    assert all("reply_markup" not in body for body in bodies(calls))
    lines = "\n".join(texts).splitlines()
    assert lines[0] == "Pick one"
    assert lines[1:] == [f"{n}. Option {n}" for n in range(1, LIMITS.keyboard_buttons + 2)]


def test_a_keyboard_over_the_markup_size_budget_becomes_a_numbered_list():
    # 100 long titles: within the button count, but labels and data add up past the markup budget.
    options = [f"{n:03d} " + "é" * 40 for n in range(LIMITS.keyboard_buttons)]
    sent = bodies(render(outbound("buttons", "Pick", options=options)))
    assert all("reply_markup" not in body for body in sent)
    assert "\n".join(body["text"] for body in sent).splitlines()[1:] == [
        f"{n}. {title}" for n, title in enumerate(options, start=1)]


def test_a_long_text_with_buttons_keeps_the_keyboard_on_its_last_piece():
    text = "\n\n".join(["word " * 500] * 3)
    calls = render(outbound("buttons", text, options=["Yes", "No"]))
    sent = bodies(calls, "sendMessage")
    assert len(sent) > 1
    assert ["reply_markup" in body for body in sent] == [False] * (len(sent) - 1) + [True]


def test_buttons_without_text_still_have_a_message_to_hang_from():
    [body] = bodies(render(outbound("buttons", "", options=["Yes", "No"])))
    assert body["text"] == telegram.KEYBOARD_ONLY_TEXT
    assert len(buttons_of(body)) == 2


def test_buttons_without_options_are_plain_text():
    assert bodies(render(outbound("buttons", "Anything else?"))) == [{"chat_id": str(CHAT), "text": "Anything else?"}]


# -- outbound: carousel, media, location ------------------------------------------------------------

CARDS = [
    {"title": "Plan Basic", "subtitle": "$10 a month", "image": "https://cdn.example.com/basic.jpg",
     "buttons": ["Choose Basic", "Details"]},
    {"title": "Plan Pro", "subtitle": "$25 a month", "image": "", "buttons": ["Choose Pro", "Details"]},
]


def test_each_carousel_card_is_a_photo_with_its_caption_and_its_own_buttons():
    message = outbound("carousel", "", options=["Choose Basic", "Details", "Choose Pro", "Details"],
                       payload={"cards": CARDS})
    calls = render(message)
    assert [call.path for call in calls] == ["sendPhoto", "sendMessage"]
    photo, text = bodies(calls)
    assert photo["photo"] == "https://cdn.example.com/basic.jpg"
    assert photo["caption"] == "Plan Basic\n$10 a month"
    assert buttons_of(photo) == [{"text": "Choose Basic", "callback_data": "Choose Basic"},
                                 {"text": "Details", "callback_data": "Details"}]
    # A card without an image is a text with the same caption and buttons.
    assert text["text"] == "Plan Pro\n$25 a month"
    assert [b["text"] for b in buttons_of(text)] == ["Choose Pro", "Details"]


def test_carousel_button_ids_count_positions_across_all_cards():
    long_title = "Reservar ahora mismo la habitación doble con vista al mar y desayuno"  # over 64 bytes
    cards = [{"title": "A", "subtitle": "", "image": "", "buttons": ["One", "Two"]},
             {"title": "B", "subtitle": "", "image": "", "buttons": [long_title]}]
    calls = render(outbound("carousel", options=["One", "Two", long_title], payload={"cards": cards}))
    assert buttons_of(bodies(calls)[1])[0]["callback_data"] == "3"


def test_a_carousel_introduction_comes_before_its_cards():
    calls = render(outbound("carousel", "Our plans:", payload={"cards": CARDS}))
    assert bodies(calls)[0] == {"chat_id": str(CHAT), "text": "Our plans:"}
    assert len(calls) == 3


def test_a_carousel_without_cards_or_text_is_refused():
    with pytest.raises(PermanentError):
        render(outbound("carousel", "", payload={"cards": []}))
    with pytest.raises(PermanentError):
        render(outbound("carousel", "", payload={"cards": "nope"}))


@pytest.mark.parametrize(("kind", "method", "field", "url"), [
    ("image", "sendPhoto", "photo", "https://cdn.example.com/a.jpg"),
    ("video", "sendVideo", "video", "https://cdn.example.com/a.mp4"),
    ("audio", "sendAudio", "audio", "https://cdn.example.com/a.mp3"),
    ("document", "sendDocument", "document", "https://cdn.example.com/invoice.pdf"),
])
def test_media_are_sent_by_url_with_their_caption(kind, method, field, url):
    calls = render(outbound("media", payload={"kind": kind, "url": url, "caption": "Here you go", "filename": ""}))
    assert bodies(calls, method) == [{"chat_id": str(CHAT), field: url, "caption": "Here you go"}]


def test_media_without_a_caption_send_none():
    calls = render(outbound("media", payload={"kind": "image", "url": "https://cdn.example.com/a.jpg"}))
    assert bodies(calls) == [{"chat_id": str(CHAT), "photo": "https://cdn.example.com/a.jpg"}]


def test_a_long_caption_is_cut_at_a_boundary_and_the_rest_follows_as_text():
    caption = " ".join(f"w{i:03d}" for i in range(400))  # 1999 characters
    calls = render(outbound("media", payload={"kind": "image", "url": "https://cdn.example.com/a.jpg",
                                              "caption": caption}))
    assert [call.path for call in calls] == ["sendPhoto", "sendMessage"]
    photo, rest = bodies(calls)
    assert units(photo["caption"]) <= LIMITS.caption_chars
    assert f"{photo['caption']} {rest['text']}" == caption


def test_a_document_telegram_cannot_fetch_by_url_is_shared_as_a_link():
    url = "https://cdn.example.com/files/report.docx"
    calls = render(outbound("media", payload={"kind": "document", "url": url, "caption": "Your report",
                                              "filename": "report.docx"}))
    assert bodies(calls, "sendMessage") == [{"chat_id": str(CHAT), "text": f"Your report\nreport.docx: {url}"}]


def test_a_document_url_without_an_extension_is_tried_as_a_document():
    url = "https://storage.example.com/signed?id=abc"
    calls = render(outbound("media", payload={"kind": "document", "url": url}))
    assert calls[0].path == "sendDocument"


@pytest.mark.parametrize("payload", [{"kind": "sticker", "url": "https://x/y.webp"}, {"kind": "image", "url": ""}])
def test_media_telegram_cannot_send_are_refused(payload):
    with pytest.raises(PermanentError):
        render(outbound("media", payload=payload))


def test_a_named_place_is_a_venue():
    calls = render(outbound("location", payload={"latitude": -34.6, "longitude": -58.38, "name": "Obelisco",
                                                 "address": "Av. 9 de Julio s/n"}))
    assert bodies(calls, "sendVenue") == [{"chat_id": str(CHAT), "latitude": -34.6, "longitude": -58.38,
                                           "title": "Obelisco", "address": "Av. 9 de Julio s/n"}]


def test_a_bare_point_is_a_location():
    calls = render(outbound("location", payload={"latitude": 1.5, "longitude": 2, "name": "", "address": ""}))
    assert bodies(calls, "sendLocation") == [{"chat_id": str(CHAT), "latitude": 1.5, "longitude": 2}]


def test_a_point_with_only_a_name_is_a_location_then_that_name():
    calls = render(outbound("location", payload={"latitude": 1.5, "longitude": 2, "name": "Our shop"}))
    assert [call.path for call in calls] == ["sendLocation", "sendMessage"]
    assert bodies(calls)[1]["text"] == "Our shop"


def test_a_location_without_coordinates_is_refused():
    with pytest.raises(PermanentError):
        render(outbound("location", payload={"latitude": "north", "longitude": 2}))


# -- answers -----------------------------------------------------------------------------------------

def test_the_sent_message_id_matches_how_inbound_messages_are_named():
    answer = {"ok": True, "result": {"message_id": 1366, "chat": {"id": CHAT, "type": "private"}, "date": 1,
                                     "text": "hi"}}
    assert sent_message_id(answer) == f"{CHAT}:1366"
    quoted = parsed(tg.reply_update(1, CHAT, 1367, "this", quoted_id=1366))
    assert quoted.payload["reply_to"] == sent_message_id(answer)


def test_a_media_group_is_known_by_its_first_message():
    answer = {"ok": True, "result": [{"message_id": 8, "chat": {"id": CHAT}}, {"message_id": 9, "chat": {"id": CHAT}}]}
    assert sent_message_id(answer) == f"{CHAT}:8"


@pytest.mark.parametrize("answer", [{"ok": True, "result": True}, {"ok": False}, "ok", {"result": {"message_id": 1}}])
def test_an_answer_without_a_message_is_refused(answer):
    with pytest.raises(InvalidInput):
        sent_message_id(answer)


def test_get_file_turns_a_media_id_into_a_file_path():
    assert telegram.get_file("AgAC") == ApiCall("getFile", json={"file_id": "AgAC"})
    assert telegram.file_path_of({"ok": True, "result": {"file_id": "AgAC", "file_path": "photos/file_1.jpg"}}) \
        == "photos/file_1.jpg"
    with pytest.raises(InvalidInput):
        telegram.file_path_of({"ok": True, "result": {"file_id": "AgAC", "file_size": 30_000_000}})


def error(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def test_flood_control_is_retried_after_the_seconds_telegram_asks():
    disposition = error_disposition(429, error(429, "Too Many Requests: retry after 35", retry_after=35), {})
    assert disposition.transient
    assert disposition.retry_after_s == 35.0
    assert disposition.reason == "telegram 429: Too Many Requests: retry after 35"


def test_a_retry_after_header_is_used_when_the_body_gives_no_hint():
    disposition = error_disposition(429, error(429, "Too Many Requests"), {"Retry-After": "7"})
    assert (disposition.transient, disposition.retry_after_s) == (True, 7.0)


@pytest.mark.parametrize(("status", "body"), [(500, error(500, "Internal Server Error")),
                                              (502, "<html>Bad Gateway</html>"), (503, None)])
def test_server_errors_are_retried(status, body):
    disposition = error_disposition(status, body, {})
    assert disposition.transient
    assert str(status) in disposition.reason


@pytest.mark.parametrize(("status", "description"), [
    (400, "Bad Request: chat not found"),
    (403, "Forbidden: bot was blocked by the user"),
    (403, "Forbidden: user is deactivated"),
    (401, "Unauthorized"),
    (400, "Bad Request: message is too long"),
])
def test_other_errors_will_never_pass(status, description):
    disposition = error_disposition(status, error(status, description), {})
    assert not disposition.transient
    assert disposition.retry_after_s is None
    assert disposition.reason == f"telegram {status}: {description}"


def test_a_group_that_became_a_supergroup_names_its_new_chat():
    body = error(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=-1001234)
    disposition = error_disposition(400, body, {})
    assert not disposition.transient
    assert "-1001234" in disposition.reason


# -- the simulator -------------------------------------------------------------------------------------

class _Current:
    """One server for the module (stopping one takes half a second), a fresh simulator per test."""

    def __init__(self) -> None:
        self.app = FakeTelegramApi(TOKEN)

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[_Current, str]]:
    current = _Current()
    with serve_wsgi(current) as base:
        yield current, base


@pytest.fixture
def fake(server: tuple[_Current, str]) -> FakeTelegramApi:
    server[0].app = FakeTelegramApi(TOKEN)
    return server[0].app


@pytest.fixture
def api(server: tuple[_Current, str], fake: FakeTelegramApi) -> str:
    return server[1]


def post(base: str, call: ApiCall, token: str = TOKEN) -> httpx.Response:
    return httpx.post(f"{base}/bot{token}/{call.path}", json=call.json, timeout=5)


def test_the_simulator_delivers_every_rendering_as_telegram_would(fake, api):
    messages = [
        outbound("text", "\n\n".join(["word " * 900] * 2)),
        outbound("buttons", "Pick", options=["ñ" * 40, "Yes", "Quiero hablar con una persona de atención " * 3]),
        outbound("buttons", "Pick", options=[f"Option {n}" for n in range(150)]),
        outbound("carousel", "Plans", payload={"cards": CARDS}),
        outbound("media", payload={"kind": "image", "url": "https://cdn.example.com/a.jpg", "caption": "c " * 900}),
        outbound("media", payload={"kind": "document", "url": "https://cdn.example.com/a.docx"}),
        outbound("location", payload={"latitude": 1.0, "longitude": 2.0, "name": "Shop", "address": "Main St 1"}),
        outbound("location", payload={"latitude": 1.0, "longitude": 2.0, "name": "Shop"}),
    ]
    calls = [call for message in messages for call in render(message)]
    ids = []
    for call in calls:
        response = post(api, call)
        assert response.status_code == 200, (call, response.text)
        ids.append(sent_message_id(response.json()))
    assert len(set(ids)) == len(calls)
    assert all(message_id.startswith(f"{CHAT}:") for message_id in ids)
    assert len(fake.sends()) == len(calls)


@pytest.mark.parametrize(("method", "body", "description"), [
    ("sendMessage", {"chat_id": CHAT, "text": "x" * 4097}, "message is too long"),
    ("sendMessage", {"chat_id": CHAT, "text": " "}, "message text is empty"),
    ("sendPhoto", {"chat_id": CHAT, "photo": "https://x/a.jpg", "caption": "c" * 1025}, "caption is too long"),
    ("sendMessage", {"chat_id": CHAT, "text": "x", "reply_markup": {"inline_keyboard": [[
        {"text": "a", "callback_data": "ñ" * 33}]]}}, "BUTTON_DATA_INVALID"),
    ("sendMessage", {"chat_id": CHAT, "text": "x", "reply_markup": {"inline_keyboard": [[
        {"text": str(n), "callback_data": str(n)}] for n in range(101)]}}, "reply markup is too long"),
    ("sendDocument", {"chat_id": CHAT, "document": "https://x/a.docx"}, "wrong type of the web page content"),
    ("sendMessage", {"chat_id": "@nobody", "text": "x"}, "chat not found"),
])
def test_the_simulator_refuses_what_telegram_refuses(api, method, body, description):
    response = post(api, ApiCall(method, json=body))
    assert response.status_code == 400
    assert response.json()["ok"] is False and description in response.json()["description"]


def test_the_simulator_answers_a_wrong_token_with_telegrams_401(fake, api):
    response = post(api, ApiCall("sendMessage", json={"chat_id": CHAT, "text": "hi"}), token="110201543:wrong")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert fake.sends() == []
    assert not error_disposition(401, response.json(), response.headers).transient


def test_the_simulator_serves_media_through_get_file(fake, api):
    fake.add_file("AgACphoto", b"\xff\xd8jpeg-bytes", "image/jpeg")
    by_post = httpx.post(f"{api}/bot{TOKEN}/getFile", json={"file_id": "AgACphoto"}, timeout=5)
    by_get = httpx.get(f"{api}/bot{TOKEN}/getFile", params={"file_id": "AgACphoto"}, timeout=5)
    assert by_post.json() == by_get.json()
    result = by_post.json()["result"]
    assert result["file_id"] == "AgACphoto" and result["file_size"] == 12
    path = telegram.file_path_of(by_post.json())
    assert path.startswith("photos/") and path.endswith(".jpg")
    download = httpx.get(f"{api}/file/bot{TOKEN}/{path}", timeout=5)
    assert download.status_code == 200
    assert (download.content, download.headers["content-type"]) == (b"\xff\xd8jpeg-bytes", "image/jpeg")
    assert httpx.get(f"{api}/file/bot110201543:wrong/{path}", timeout=5).status_code == 404
    assert fake.sends() == []


def test_the_simulator_refuses_an_unknown_file_id(api):
    response = httpx.post(f"{api}/bot{TOKEN}/getFile", json={"file_id": "nope"}, timeout=5)
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: invalid file_id"


def test_injected_failures_answer_telegrams_error_bodies(fake, api):
    fake.fail_next(429)
    call = ApiCall("sendMessage", json={"chat_id": CHAT, "text": "hi"})
    throttled = post(api, call)
    assert throttled.status_code == 429
    disposition = error_disposition(429, throttled.json(), throttled.headers)
    assert (disposition.transient, disposition.retry_after_s) == (True, 3.0)
    assert post(api, call).status_code == 200


def test_a_user_who_blocked_the_bot_is_refused_for_good(fake, api):
    fake.block(CHAT)
    response = post(api, ApiCall("sendMessage", json={"chat_id": str(CHAT), "text": "hi"}))
    assert response.status_code == 403
    disposition = error_disposition(403, response.json(), response.headers)
    assert not disposition.transient
    assert disposition.reason == "telegram 403: Forbidden: bot was blocked by the user"


def test_only_message_sending_methods_count_as_sends(fake, api):
    post(api, ApiCall("answerCallbackQuery", json={"callback_query_id": "cbq-1"}))
    post(api, telegram.webhook_registration("https://example.com/hook", "s3cr3t"))
    me = httpx.get(f"{api}/bot{TOKEN}/getMe", timeout=5).json()
    post(api, ApiCall("sendmessage", json={"chat_id": CHAT, "text": "method names are case-insensitive"}))
    assert me["result"]["id"] == int(BOT) and me["result"]["is_bot"] is True
    assert fake.answered_callbacks == ["cbq-1"]
    assert fake.webhook["allowed_updates"] == list(telegram.ALLOWED_UPDATES)
    assert [call.json["text"] for call in fake.sends()] == ["method names are case-insensitive"]


def test_the_simulator_answers_unknown_methods_with_telegrams_404(api):
    response = httpx.post(f"{api}/bot{TOKEN}/sendTelepathy", json={}, timeout=5)
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
