"""What the provider contract walk (tests/contract/test_providers.py) needs of each registered provider
that the provider's descriptor cannot give: a saved real payload per webhook, how the provider signs a
request, the simulator of its API, and an account and a customer per channel.

A provider added to shared/channels/providers.py without an entry here fails the walk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from shared.channels.meta_signature import SIGNATURE_HEADER as META_SIGNATURE_HEADER
from shared.channels.meta_signature import meta_signature
from shared.channels.telegram import SECRET_HEADER as TELEGRAM_SECRET_HEADER
from shared.channels.twilio import SIGNATURE_HEADER as TWILIO_SIGNATURE_HEADER
from shared.channels.twilio import twilio_signature
from tests.support.fake_meta_messaging_api import FakeMetaMessagingApi
from tests.support.fake_provider_api import FakeProviderApi
from tests.support.fake_telegram_api import FakeTelegramApi
from tests.support.fake_twilio_api import FakeTwilioApi
from tests.support.fake_whatsapp_api import FakeWhatsAppApi
from tests.support.webhook_calls import TWILIO_URL

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "providers"

# A body as the provider posts it (its raw bytes) and the headers that sign it with ``secret``.
Signer = Callable[[Any, str], tuple[bytes, dict[str, str]]]


@dataclass(frozen=True)
class ProviderContract:
    inbound: Mapping[str, str]  # webhook function → a saved real payload under tests/fixtures/providers
    sign: Signer
    # channel → (the business account, a customer) an outbound message goes between
    parties: Mapping[str, tuple[str, str]]
    # (channel, account, token, owner) → the simulator of the provider's API, accepting that token
    api: Callable[[str, str, str, str], FakeProviderApi]
    token: str = "contract-token"  # the value of every credential an API call reads
    path_account: str = ""  # the account a path-account provider's URL names (Telegram's bot id)

    def payload(self, function: str) -> Any:
        return json.loads((FIXTURES / self.inbound[function]).read_text(encoding="utf-8"))


def _raw_json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _meta_signed(body: Any, secret: str) -> tuple[bytes, dict[str, str]]:
    raw = _raw_json(body)
    return raw, {"Content-Type": "application/json", META_SIGNATURE_HEADER: meta_signature(raw, secret)}


def _telegram_signed(body: Any, secret: str) -> tuple[bytes, dict[str, str]]:
    return _raw_json(body), {"Content-Type": "application/json", TELEGRAM_SECRET_HEADER: secret}


def _twilio_signed(body: Any, secret: str) -> tuple[bytes, dict[str, str]]:
    pairs = list(body.items())
    return urlencode(pairs).encode(), {"Content-Type": "application/x-www-form-urlencoded",
                                       TWILIO_SIGNATURE_HEADER: twilio_signature(TWILIO_URL, pairs, secret)}


TWILIO_NUMBER = "+14155238886"

CONTRACTS: dict[str, ProviderContract] = {
    "whatsapp": ProviderContract(
        inbound={"webhook_whatsapp": "whatsapp/text.json"},
        sign=_meta_signed,
        parties={"whatsapp": ("106540352242922", "5491155550000")},
        api=lambda _channel, _account, token, _owner: FakeWhatsAppApi(token),
    ),
    "meta_messaging": ProviderContract(
        inbound={"webhook_messenger": "messenger/quick_reply.json", "webhook_instagram": "instagram/text.json"},
        sign=_meta_signed,
        parties={"messenger": ("1122334455", "psid-1"), "instagram": ("17841400000000001", "igsid-1")},
        api=lambda channel, account, token, _owner: FakeMetaMessagingApi(
            {account: token}, instagram_accounts=[account] if channel == "instagram" else []),
    ),
    "telegram": ProviderContract(
        inbound={"webhook_telegram": "telegram/text.json"},
        sign=_telegram_signed,
        parties={"telegram": ("7000000001", "123456789")},
        api=lambda _channel, _account, token, _owner: FakeTelegramApi(token),
        token="7000000001:AAcontract-token",
        path_account="7000000001",
    ),
    "twilio": ProviderContract(
        inbound={"webhook_twilio": "twilio/sms_text.json"},
        sign=_twilio_signed,
        parties={"twilio_sms": (TWILIO_NUMBER, "+14155550100"), "twilio_whatsapp": (TWILIO_NUMBER, "+14155550100")},
        api=lambda _channel, _account, token, owner: FakeTwilioApi(owner, token),
    ),
}
