"""Telegram webhook bodies (Update objects, core.telegram.org/bots/api#update) for every kind we parse.

Each builder takes the ids it needs, so a test can state them; the defaults make a private chat
with a customer whose chat id equals their user id, as Telegram's private chats do. The webhook
request also carries the secret given to setWebhook: ``webhook_headers(secret)``.
"""

from __future__ import annotations

from typing import Any

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DATE = 1_717_171_717  # 2024-05-31T16:08:37Z


def webhook_headers(secret: str) -> dict[str, str]:
    return {SECRET_HEADER: secret, "Content-Type": "application/json"}


def user(user_id: int, first_name: str = "Ana", last_name: str = "", username: str = "") -> dict[str, Any]:
    person: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "es"}
    if last_name:
        person["last_name"] = last_name
    if username:
        person["username"] = username
    return person


def private_chat(chat_id: int, first_name: str = "Ana", last_name: str = "") -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "first_name": first_name, "type": "private"}
    if last_name:
        chat["last_name"] = last_name
    return chat


def message(chat_id: int, message_id: int, *, date: int = DATE, first_name: str = "Ana", last_name: str = "",
            **content: Any) -> dict[str, Any]:
    """A Message in a private chat with ``content`` fields (text, photo, voice...)."""
    return {"message_id": message_id, "from": user(chat_id, first_name, last_name),
            "chat": private_chat(chat_id, first_name, last_name), "date": date, **content}


def update(update_id: int, **field: Any) -> dict[str, Any]:
    return {"update_id": update_id, **field}


def message_update(update_id: int, chat_id: int, message_id: int, **content: Any) -> dict[str, Any]:
    return update(update_id, message=message(chat_id, message_id, **content))


# -- messages, one per kind ----------------------------------------------------------------------

def text_update(update_id: int, chat_id: int, message_id: int, text: str, **extra: Any) -> dict[str, Any]:
    return message_update(update_id, chat_id, message_id, text=text, **extra)


def start_update(update_id: int, chat_id: int, message_id: int, payload: str) -> dict[str, Any]:
    """A t.me/<bot>?start=<payload> deep link: the client sends "/start <payload>"."""
    command = "/start"
    return text_update(update_id, chat_id, message_id, f"{command} {payload}",
                       entities=[{"offset": 0, "length": len(command), "type": "bot_command"}])


def reply_update(update_id: int, chat_id: int, message_id: int, text: str, quoted_id: int,
                 quoted_text: str = "Original") -> dict[str, Any]:
    quoted = {"message_id": quoted_id, "from": {"id": 1, "is_bot": True, "first_name": "Charla"},
              "chat": private_chat(chat_id), "date": DATE - 60, "text": quoted_text}
    return text_update(update_id, chat_id, message_id, text, reply_to_message=quoted)


def forwarded_update(update_id: int, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
    origin = {"type": "user", "date": DATE - 3600, "sender_user": user(222222, "Bea")}
    return text_update(update_id, chat_id, message_id, text, forward_origin=origin)


def photo_update(update_id: int, chat_id: int, message_id: int, caption: str = "",
                 file_id: str = "AgACAgQAAxkBAAIBX2ZphotoLarge") -> dict[str, Any]:
    sizes = [
        {"file_id": "AgACAgQAAxkBAAIBX2ZphotoSmall", "file_unique_id": "AQADsmall", "file_size": 1374,
         "width": 90, "height": 67},
        {"file_id": file_id, "file_unique_id": "AQADlarge", "file_size": 97521, "width": 1280, "height": 960},
        {"file_id": "AgACAgQAAxkBAAIBX2ZphotoMedium", "file_unique_id": "AQADmedium", "file_size": 22120,
         "width": 320, "height": 240},
    ]
    return message_update(update_id, chat_id, message_id, photo=sizes, **({"caption": caption} if caption else {}))


def voice_update(update_id: int, chat_id: int, message_id: int, file_id: str = "AwACAgQAAxkBAAIBvoice"
                 ) -> dict[str, Any]:
    voice = {"file_id": file_id, "file_unique_id": "AgADvoice", "duration": 5, "mime_type": "audio/ogg",
             "file_size": 23000}
    return message_update(update_id, chat_id, message_id, voice=voice)


def audio_update(update_id: int, chat_id: int, message_id: int, file_id: str = "CQACAgQAAxkBAAIBaudio"
                 ) -> dict[str, Any]:
    audio = {"file_id": file_id, "file_unique_id": "AgADaudio", "duration": 243, "performer": "Test",
             "title": "Test music file", "file_name": "song.mp3", "mime_type": "audio/mpeg", "file_size": 3897500}
    return message_update(update_id, chat_id, message_id, audio=audio)


def video_update(update_id: int, chat_id: int, message_id: int, caption: str = "",
                 file_id: str = "BAACAgQAAxkBAAIBvideo") -> dict[str, Any]:
    video = {"file_id": file_id, "file_unique_id": "AgADvideo", "width": 1280, "height": 720, "duration": 12,
             "file_name": "clip.mp4", "mime_type": "video/mp4", "file_size": 2_345_678}
    return message_update(update_id, chat_id, message_id, video=video, **({"caption": caption} if caption else {}))


def video_note_update(update_id: int, chat_id: int, message_id: int, file_id: str = "DQACAgQAAxkBAAIBnote"
                      ) -> dict[str, Any]:
    note = {"file_id": file_id, "file_unique_id": "AgADnote", "length": 240, "duration": 7, "file_size": 512_000}
    return message_update(update_id, chat_id, message_id, video_note=note)


def document_update(update_id: int, chat_id: int, message_id: int, caption: str = "",
                    file_id: str = "BQACAgQAAxkBAAIBdoc", file_name: str = "Testfile.pdf",
                    mime_type: str = "application/pdf") -> dict[str, Any]:
    document = {"file_id": file_id, "file_unique_id": "AgADdoc", "file_name": file_name, "mime_type": mime_type,
                "file_size": 536392}
    return message_update(update_id, chat_id, message_id, document=document,
                          **({"caption": caption} if caption else {}))


def animation_update(update_id: int, chat_id: int, message_id: int, file_id: str = "CgACAgQAAxkBAAIBanim"
                     ) -> dict[str, Any]:
    """A GIF: Telegram fills ``document`` too, for clients that predate animations."""
    animation = {"file_id": file_id, "file_unique_id": "AgADanim", "width": 320, "height": 240, "duration": 3,
                 "file_name": "funny.gif.mp4", "mime_type": "video/mp4", "file_size": 84_000}
    document = {k: animation[k] for k in ("file_id", "file_unique_id", "file_name", "mime_type", "file_size")}
    return message_update(update_id, chat_id, message_id, animation=animation, document=document)


def sticker_update(update_id: int, chat_id: int, message_id: int, file_id: str = "CAACAgIAAxkBAAIBsticker",
                   is_animated: bool = False, is_video: bool = False) -> dict[str, Any]:
    sticker = {"file_id": file_id, "file_unique_id": "AgADsticker", "type": "regular", "width": 512,
               "height": 512, "is_animated": is_animated, "is_video": is_video, "emoji": "👍",
               "set_name": "HotCherry", "file_size": 24_000}
    return message_update(update_id, chat_id, message_id, sticker=sticker)


def location_update(update_id: int, chat_id: int, message_id: int, latitude: float = -34.603722,
                    longitude: float = -58.381592) -> dict[str, Any]:
    return message_update(update_id, chat_id, message_id, location={"latitude": latitude, "longitude": longitude})


def venue_update(update_id: int, chat_id: int, message_id: int, title: str = "Obelisco",
                 address: str = "Av. 9 de Julio s/n, Buenos Aires", latitude: float = -34.603722,
                 longitude: float = -58.381592) -> dict[str, Any]:
    """A venue: Telegram fills ``location`` too, for clients that predate venues."""
    location = {"latitude": latitude, "longitude": longitude}
    venue = {"location": location, "title": title, "address": address}
    return message_update(update_id, chat_id, message_id, location=location, venue=venue)


def contact_update(update_id: int, chat_id: int, message_id: int, phone_number: str = "+5491155550000",
                   first_name: str = "Carla", last_name: str = "Gómez", vcard: str = "") -> dict[str, Any]:
    contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name, "last_name": last_name}
    if vcard:
        contact["vcard"] = vcard
    return message_update(update_id, chat_id, message_id, contact=contact)


def poll_message_update(update_id: int, chat_id: int, message_id: int) -> dict[str, Any]:
    poll = {"id": "5123", "question": "Pizza?", "options": [{"text": "Yes", "voter_count": 0}],
            "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
            "allows_multiple_answers": False}
    return message_update(update_id, chat_id, message_id, poll=poll)


def dice_update(update_id: int, chat_id: int, message_id: int) -> dict[str, Any]:
    return message_update(update_id, chat_id, message_id, dice={"emoji": "🎲", "value": 4})


# -- other updates ---------------------------------------------------------------------------------

def edited_message_update(update_id: int, chat_id: int, message_id: int, text: str,
                          edit_date: int = DATE + 60) -> dict[str, Any]:
    return update(update_id, edited_message=message(chat_id, message_id, text=text, edit_date=edit_date))


def callback_query_update(update_id: int, chat_id: int, data: str, *, callback_id: str = "4382bfdwdsb323b2d9",
                          keyboard: list[tuple[str, str]] | None = None, message_id: int = 77,
                          first_name: str = "Ana") -> dict[str, Any]:
    """A press on an inline button of our message ``message_id``; ``keyboard`` is that message's
    buttons as (label, callback_data), one per row as we send them."""
    rows = [[{"text": label, "callback_data": callback}] for label, callback in keyboard or [(data, data)]]
    ours = {"message_id": message_id, "from": {"id": 1, "is_bot": True, "first_name": "Charla"},
            "chat": private_chat(chat_id, first_name), "date": DATE - 30, "text": "¿Qué querés hacer?",
            "reply_markup": {"inline_keyboard": rows}}
    query = {"id": callback_id, "from": user(chat_id, first_name), "message": ours,
             "chat_instance": "-1234567890123456789", "data": data}
    return update(update_id, callback_query=query)


def reaction_update(update_id: int, chat_id: int, message_id: int, emoji: str = "👍", old_emoji: str = "",
                    date: int = DATE + 5) -> dict[str, Any]:
    """``emoji`` "" removes the reaction."""
    def reactions(value: str) -> list[dict[str, str]]:
        return [{"type": "emoji", "emoji": value}] if value else []

    return update(update_id, message_reaction={
        "chat": private_chat(chat_id), "message_id": message_id, "user": user(chat_id), "date": date,
        "old_reaction": reactions(old_emoji), "new_reaction": reactions(emoji)})


def my_chat_member_update(update_id: int, chat_id: int, status: str = "kicked") -> dict[str, Any]:
    """The user blocked (``kicked``) or restarted (``member``) the bot."""
    bot = {"id": 1, "is_bot": True, "first_name": "Charla", "username": "charla_test_bot"}
    return update(update_id, my_chat_member={
        "chat": private_chat(chat_id), "from": user(chat_id), "date": DATE,
        "old_chat_member": {"user": bot, "status": "member"},
        "new_chat_member": {"user": bot, "status": status, "until_date": 0}})


def channel_post_update(update_id: int, channel_id: int = -1001234567890, message_id: int = 5,
                        text: str = "news") -> dict[str, Any]:
    chat = {"id": channel_id, "title": "Charla news", "type": "channel"}
    return update(update_id, channel_post={"message_id": message_id, "sender_chat": chat, "chat": chat,
                                           "date": DATE, "text": text})
