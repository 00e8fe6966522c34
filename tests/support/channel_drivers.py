"""One customer per provider channel, for end-to-end tests: builds the provider's own signed webhook
requests (through each provider's request builders) and reads what reached the customer from the
provider simulators' recorded API calls.

``ProviderSimulators`` serves every simulator on 127.0.0.1 and gives the environment variables the
README lists for `make run`, pointing each provider API at its simulator.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support import meta_messaging_requests as meta
from tests.support import telegram_requests as tg
from tests.support import twilio_requests as tw
from tests.support import whatsapp_requests as wa
from tests.support.fake_meta_messaging_api import FakeMetaMessagingApi
from tests.support.fake_telegram_api import FakeTelegramApi
from tests.support.fake_twilio_api import FakeTwilioApi
from tests.support.fake_whatsapp_api import FakeWhatsAppApi
from tests.support.wsgi_server import serve_wsgi

WHATSAPP_TOKEN, WHATSAPP_SECRET, WHATSAPP_PHONE_NUMBER_ID = "wa-access-token", "wa-app-secret", "106540352242922"
META_SECRET, PAGE_ID, PAGE_TOKEN = "meta-app-secret", "1122334455", "page-token"
INSTAGRAM_ID, INSTAGRAM_TOKEN = "17841400000000001", "ig-token"
TELEGRAM_TOKEN, TELEGRAM_SECRET = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "tg-secret-token"
TWILIO_SID, TWILIO_TOKEN, TWILIO_NUMBER = tw.ACCOUNT_SID, "twilio-auth-token", tw.BUSINESS_NUMBER
VERIFY_TOKEN = "verify-me"

_unique = itertools.count(1)


def unique() -> int:
    return next(_unique) * 1000 + int(time.time() * 1000) % 1000


@dataclass
class ProviderSimulators:
    whatsapp: FakeWhatsAppApi
    meta: FakeMetaMessagingApi
    telegram: FakeTelegramApi
    twilio: FakeTwilioApi
    urls: dict[str, str]

    def environ(self, stack_url: str) -> dict[str, str]:
        return {
            "WHATSAPP_API_BASE": self.urls["whatsapp"], "WHATSAPP_ACCESS_TOKEN": WHATSAPP_TOKEN,
            "WHATSAPP_APP_SECRET": WHATSAPP_SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": WHATSAPP_PHONE_NUMBER_ID,
            "META_API_BASE": self.urls["meta"], "META_APP_SECRET": META_SECRET, "META_VERIFY_TOKEN": VERIFY_TOKEN,
            "MESSENGER_PAGE_ID": PAGE_ID, "MESSENGER_PAGE_TOKEN": PAGE_TOKEN,
            "INSTAGRAM_ACCOUNT_ID": INSTAGRAM_ID, "INSTAGRAM_TOKEN": INSTAGRAM_TOKEN,
            "TELEGRAM_API_BASE": self.urls["telegram"], "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "TWILIO_API_BASE": self.urls["twilio"], "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "TWILIO_NUMBER": TWILIO_NUMBER,
            "TWILIO_WEBHOOK_URL": f"{stack_url}/webhook_twilio",
        }


@contextmanager
def provider_simulators() -> Iterator[ProviderSimulators]:
    fakes = {
        "whatsapp": FakeWhatsAppApi(WHATSAPP_TOKEN),
        "meta": FakeMetaMessagingApi({PAGE_ID: PAGE_TOKEN, INSTAGRAM_ID: INSTAGRAM_TOKEN},
                                     instagram_accounts=[INSTAGRAM_ID]),
        "telegram": FakeTelegramApi(TELEGRAM_TOKEN),
        "twilio": FakeTwilioApi(TWILIO_SID, TWILIO_TOKEN),
    }
    with ExitStack() as stack:
        urls = {name: stack.enter_context(serve_wsgi(fake)) for name, fake in fakes.items()}
        yield ProviderSimulators(urls=urls, **fakes)


class ChannelCustomer:
    """A customer of one channel: ``say`` and friends post to the stack's webhook as the provider
    would; ``seen`` is every text that reached them through the provider's API."""

    channel: str
    webhook: str
    fake_name: str

    def __init__(self, stack_url: str, simulators: ProviderSimulators) -> None:
        self.stack_url = stack_url
        self.simulators = simulators
        self.contact = self.new_contact()

    # -- to override ---------------------------------------------------------------------------
    def new_contact(self) -> str:
        raise NotImplementedError

    def text_request(self, text: str, message_id: str) -> tuple[bytes, dict[str, str]]:
        raise NotImplementedError

    def image_request(self, content: bytes, caption: str, message_id: str) -> tuple[bytes, dict[str, str]]:
        raise NotImplementedError

    def seen(self) -> list[str]:
        raise NotImplementedError

    # -- shared --------------------------------------------------------------------------------
    @property
    def fake(self):
        return getattr(self.simulators, self.fake_name)

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(f"{self.stack_url}/{self.webhook}", content=body, headers=headers, timeout=10)

    def say(self, text: str, message_id: str | None = None) -> httpx.Response:
        response = self.post(*self.text_request(text, message_id or f"m{unique()}"))
        assert response.status_code == 200, response.text
        return response

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[str]:
        deadline = time.monotonic() + timeout_s
        while len(seen := self.seen()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(seen) >= count, f"{self.channel}: {len(seen)} of {count} messages after {timeout_s}s: {seen}"
        return seen


class WhatsAppCustomer(ChannelCustomer):
    channel, webhook, fake_name = "whatsapp", "webhook_whatsapp", "whatsapp"

    def new_contact(self) -> str:
        return f"54911{unique():08d}"[:13]

    def _signed(self, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        return wa.signed(body, WHATSAPP_SECRET)

    def text_request(self, text, message_id):
        return self._signed(wa.text_message(WHATSAPP_PHONE_NUMBER_ID, self.contact, text, f"wamid.{message_id}",
                                            timestamp=int(time.time()), name="Ana"))

    def button_request(self, option_id: str, title: str, message_id: str):
        return self._signed(wa.button_reply(WHATSAPP_PHONE_NUMBER_ID, self.contact, option_id, title,
                                            f"wamid.{message_id}", timestamp=int(time.time())))

    def image_request(self, content, caption, message_id):
        media_id = f"media{unique()}"
        self.fake.add_media(media_id, content, "image/jpeg")
        return self._signed(wa.image_message(WHATSAPP_PHONE_NUMBER_ID, self.contact, media_id,
                                             f"wamid.{message_id}", caption=caption, timestamp=int(time.time())))

    def status_request(self, provider_id: str, status: str):
        return self._signed(wa.status(WHATSAPP_PHONE_NUMBER_ID, self.contact, provider_id, status,
                                      timestamp=int(time.time())))

    def sends(self) -> list[dict[str, Any]]:
        return [body for body in self.fake.sent_messages() if body["to"] == self.contact]

    def seen(self) -> list[str]:
        return [_whatsapp_text(body) for body in self.sends()]

    def options(self) -> list[list[tuple[str, str]]]:
        """(id, title) of each interactive message's buttons or rows."""
        result = []
        for body in self.sends():
            action = body.get("interactive", {}).get("action", {})
            if "buttons" in action:
                result.append([(b["reply"]["id"], b["reply"]["title"]) for b in action["buttons"]])
            elif "sections" in action:
                result.append([(r["id"], r["title"]) for s in action["sections"] for r in s["rows"]])
        return result


def _whatsapp_text(body: dict[str, Any]) -> str:
    kind = body["type"]
    if kind == "text":
        return body["text"]["body"]
    if kind == "interactive":
        return body["interactive"]["body"]["text"]
    if kind in ("image", "video", "document"):
        return body[kind].get("caption", "")
    if kind == "template":
        return body["template"]["name"]
    return f"<{kind}>"


class MetaMessagingCustomer(ChannelCustomer):
    fake_name = "meta"
    account: str

    def new_contact(self) -> str:
        return f"{unique():016d}"

    def _signed(self, item: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        return meta.signed(meta.webhook(self.channel, item, time=int(time.time() * 1000)), META_SECRET)

    def text_request(self, text, message_id):
        return self._signed(meta.text(self.account, self.contact, text, mid=f"m_{message_id}",
                                      timestamp=int(time.time() * 1000)))

    def button_request(self, option_id: str, title: str, message_id: str):
        return self._signed(meta.quick_reply(self.account, self.contact, title, option_id, mid=f"m_{message_id}",
                                             timestamp=int(time.time() * 1000)))

    def image_request(self, content, caption, message_id):
        path = self.fake.add_attachment(f"{message_id}.jpg", content, "image/jpeg")
        url = self.fake.attachment_url(self.simulators.urls["meta"], path)
        return self._signed(meta.media(self.account, self.contact, "image", url, mid=f"m_{message_id}",
                                       timestamp=int(time.time() * 1000)))

    def status_request(self, provider_id: str, status: str):
        assert status == "delivered"
        return self._signed(meta.delivery(self.account, self.contact, [provider_id], int(time.time() * 1000)))

    def sends(self) -> list[dict[str, Any]]:
        return [body for body in self.fake.sent(self.account) if body["recipient"]["id"] == self.contact]

    def seen(self) -> list[str]:
        texts = []
        for body in self.sends():
            message = body["message"]
            texts.append(message.get("text") or f"<{message.get('attachment', {}).get('type', '?')}>")
        return texts

    def options(self) -> list[list[tuple[str, str]]]:
        return [[(q["payload"], q["title"]) for q in body["message"]["quick_replies"]]
                for body in self.sends() if body["message"].get("quick_replies")]


class MessengerCustomer(MetaMessagingCustomer):
    channel, webhook, account = "messenger", "webhook_messenger", PAGE_ID


class InstagramCustomer(MetaMessagingCustomer):
    channel, webhook, account = "instagram", "webhook_instagram", INSTAGRAM_ID


class TelegramCustomer(ChannelCustomer):
    channel, fake_name = "telegram", "telegram"
    webhook = f"webhook_telegram/{TELEGRAM_TOKEN.split(':')[0]}"

    def new_contact(self) -> str:
        return str(unique())

    def _request(self, update: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        return json.dumps(update).encode(), tg.webhook_headers(TELEGRAM_SECRET)

    def text_request(self, text, message_id):
        number = int(message_id.strip("m")) % 2_000_000_000
        return self._request(tg.text_update(number, int(self.contact), number, text, date=int(time.time())))

    def button_request(self, option_id: str, title: str, message_id: str):
        number = int(message_id.strip("m")) % 2_000_000_000
        return self._request(tg.callback_query_update(number, int(self.contact), option_id,
                                                      callback_id=f"cb{number}", keyboard=[(title, option_id)]))

    def image_request(self, content, caption, message_id):
        number = int(message_id.strip("m")) % 2_000_000_000
        file_id = f"AgAC{number}"
        self.fake.add_file(file_id, content, "image/jpeg")
        return self._request(tg.photo_update(number, int(self.contact), number, caption=caption, file_id=file_id))

    def sends(self) -> list[Any]:
        return [c for c in self.fake.sends() if str((c.json or {}).get("chat_id")) == self.contact]

    def seen(self) -> list[str]:
        return [c.json.get("text") or c.json.get("caption") or f"<{c.path.rsplit('/', 1)[-1]}>"
                for c in self.sends()]

    def options(self) -> list[list[tuple[str, str]]]:
        return [[(row[0]["callback_data"], row[0]["text"]) for row in c.json["reply_markup"]["inline_keyboard"]]
                for c in self.sends() if c.json.get("reply_markup")]


class TwilioCustomer(ChannelCustomer):
    fake_name = "twilio"
    webhook = "webhook_twilio"
    on_whatsapp = False

    def new_contact(self) -> str:
        return f"+1555{unique():07d}"[:12]

    def _signed(self, form: dict[str, str]) -> tuple[bytes, dict[str, str]]:
        return tw.signed(f"{self.stack_url}/webhook_twilio", form, TWILIO_TOKEN)

    def text_request(self, text, message_id):
        sid = f"SM{message_id:0>32}"[:34]
        if self.on_whatsapp:
            return self._signed(tw.whatsapp_text(TWILIO_NUMBER, self.contact, sid, text))
        return self._signed(tw.sms(TWILIO_NUMBER, self.contact, sid, text))

    def image_request(self, content, caption, message_id):
        sid = f"MM{message_id:0>32}"[:34]
        url = self.fake.add_media(self.simulators.urls["twilio"], content, "image/jpeg", sid)
        if self.on_whatsapp:
            return self._signed(tw.whatsapp_media(TWILIO_NUMBER, self.contact, sid, [(url, "image/jpeg")], caption))
        return self._signed(tw.mms(TWILIO_NUMBER, self.contact, sid, [(url, "image/jpeg")], caption))

    def status_request(self, provider_id: str, status: str):
        return self._signed(tw.status_callback(TWILIO_NUMBER, self.contact, provider_id, status,
                                               on_whatsapp=self.on_whatsapp))

    def sends(self) -> list[Any]:
        to = f"whatsapp:{self.contact}" if self.on_whatsapp else self.contact
        return [c for c in self.fake.sends() if dict(c.form).get("To") == to]

    def seen(self) -> list[str]:
        return [dict(c.form).get("Body", "") for c in self.sends()]


class TwilioSmsCustomer(TwilioCustomer):
    channel = "twilio_sms"


class TwilioWhatsAppCustomer(TwilioCustomer):
    channel, on_whatsapp = "twilio_whatsapp", True


CUSTOMERS: dict[str, type[ChannelCustomer]] = {
    c.channel: c for c in (WhatsAppCustomer, MessengerCustomer, InstagramCustomer, TelegramCustomer,
                           TwilioSmsCustomer, TwilioWhatsAppCustomer)
}
