"""The webhooks read their bodies with the same decoder as console_api (shared/entrypoints/http_json.py, through
functions/http_responses.py): valid JSON no store can hold, correctly signed, is a 400 naming the field, and
nothing is published or recorded."""

from __future__ import annotations

import pytest

from shared.channels.meta_signature import SIGNATURE_HEADER, meta_signature
from tests.support.webhook_calls import BOT_ID, DEFAULT_SECRETS, webhook_platform

TELEGRAM = {"X-Telegram-Bot-Api-Secret-Token": DEFAULT_SECRETS["TELEGRAM_SECRET_TOKEN"]}


@pytest.fixture
def hooks(tmp_path):
    with webhook_platform(tmp_path / "data") as hooks:
        yield hooks


def refused(hooks, function: str, raw: bytes, headers: dict[str, str], path: str = "/") -> dict:
    response = hooks.post(function, raw, {"Content-Type": "application/json", **headers}, path=path)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert not any(hooks.published().values()) and hooks.processed_markers() == 0
    return response.get_json()


@pytest.mark.parametrize(("raw", "field", "says"), [
    (b"[" * 50_000 + b"]" * 50_000, "body", "nested"),
    (b'{"object": "whatsapp_business_account", "entry": [{"id": "\\ud800"}]}', "entry[0].id", "surrogate"),
    (b'{"object": "whatsapp_business_account", "entry": [{"time": 9223372036854775808}]}', "entry[0].time", "64-bit"),
    (b'{"object": "whatsapp_business_account", "entry": [], "x": NaN}', "body", "NaN"),
])
def test_a_signed_webhook_body_no_store_can_hold_is_a_400_naming_the_field(hooks, raw, field, says):
    secret = DEFAULT_SECRETS["WHATSAPP_APP_SECRET"]
    answer = refused(hooks, "webhook_whatsapp", raw, {SIGNATURE_HEADER: meta_signature(raw, secret)})
    assert answer["field"] == field and says in answer["error"], answer


def test_deeply_nested_json_is_a_400_on_telegram_too(hooks):
    answer = refused(hooks, "webhook_telegram", b'{"update_id": ' + b"[" * 50_000, TELEGRAM, path=f"/{BOT_ID}")
    assert answer["field"] == "body", answer


@pytest.mark.parametrize("after", ["9223372036854775808", "-9223372036854775809", "1_000", "١٢"])
def test_integer_beyond_64_bits_is_a_400(hooks, after):
    hooks.connect("webchat", "demo-site")
    response = hooks.post("webhook_webchat", b"", {}, method="GET",
                          query=f"site=demo-site&visitor_id=v_0123456789abcdef&after={after}")
    assert response.status_code == 400 and response.get_json()["error"].startswith("after:"), response.get_data(
        as_text=True)  # a refused poll answers its reason only (tests/fuzz/test_webchat_fuzz.py)
