"""A provider webhook request is checked with the secret of the account it is for: an account naming its
own app secret or Twilio token (channels[].secrets) receives its webhooks, the platform's default secret
cannot post as it, and an account that is not connected is refused exactly like a bad signature."""

from __future__ import annotations

import json

import pytest

from shared.events import topics
from tests.support import meta_messaging_requests as meta
from tests.support import telegram_requests as tg
from tests.support import twilio_requests as tw
from tests.support import whatsapp_requests as wa
from tests.support.webhook_calls import (
    DEFAULT_SECRETS,
    INSTAGRAM_ID,
    PAGE_ID,
    TWILIO_SID,
    TWILIO_URL,
    WHATSAPP_ACCOUNT,
    webhook_platform,
)

ACME_NUMBER, ACME_PAGE, ACME_TWILIO = "200000000000001", "9988776655", "+14155550199"
ACME_APP_SECRET, ACME_TWILIO_TOKEN, ACME_TWILIO_SID = "acme-own-app-secret", "acme-own-token", "AC" + "a" * 32


@pytest.fixture
def hooks(tmp_path):
    with webhook_platform(tmp_path / "data") as hooks:
        hooks.connect("whatsapp", ACME_NUMBER, {"app_secret": ("acme-wa-app-secret", ACME_APP_SECRET)},
                      workspace="acme")
        hooks.connect("messenger", ACME_PAGE, {"app_secret": ("acme-meta-app-secret", ACME_APP_SECRET)},
                      workspace="acme")
        hooks.connect("twilio_sms", ACME_TWILIO, {"auth_token": ("acme-twilio-token", ACME_TWILIO_TOKEN),
                                                  "account_sid": ("acme-twilio-sid", ACME_TWILIO_SID)},
                      workspace="acme")
        yield hooks


def _whatsapp_text(account: str, secret: str, message_id: str = "wamid.acme1"):
    return wa.signed(wa.text_message(account, "5491100000001", "hola", message_id), secret)


def _twilio_sms(number: str, account_sid: str, token: str, sid: str = "SM" + "1" * 32):
    form = {**tw.sms(number, "+15005550006", sid, "hola"), "AccountSid": account_sid}
    return tw.signed(TWILIO_URL, form, token)


def test_account_with_its_own_app_secret_receives_its_webhook(hooks):
    whatsapp = hooks.post("webhook_whatsapp", *_whatsapp_text(ACME_NUMBER, ACME_APP_SECRET))
    assert whatsapp.status_code == 200 and whatsapp.get_json() == {"received": 1, "duplicates": 0}
    page = hooks.post("webhook_messenger", *meta.signed(meta.webhook("messenger", meta.text(ACME_PAGE, "77", "hola")),
                                                        ACME_APP_SECRET))
    assert page.status_code == 200 and page.get_json() == {"received": 1, "duplicates": 0}
    twilio = hooks.post("webhook_twilio", *_twilio_sms(ACME_TWILIO, ACME_TWILIO_SID, ACME_TWILIO_TOKEN))
    assert twilio.status_code == 200, twilio.get_data(as_text=True)
    assert hooks.published()[topics.INBOUND] == 3


def test_default_secret_cannot_post_as_an_account_with_its_own(hooks):
    whatsapp = hooks.post("webhook_whatsapp", *_whatsapp_text(ACME_NUMBER, DEFAULT_SECRETS["WHATSAPP_APP_SECRET"]))
    page = hooks.post("webhook_messenger", *meta.signed(meta.webhook("messenger", meta.text(ACME_PAGE, "77", "hola")),
                                                        DEFAULT_SECRETS["META_APP_SECRET"]))
    twilio = hooks.post("webhook_twilio", *_twilio_sms(ACME_TWILIO, ACME_TWILIO_SID,
                                                       DEFAULT_SECRETS["TWILIO_AUTH_TOKEN"]))
    for refused in (whatsapp, page, twilio):
        assert refused.status_code == 403 and "does not match" in refused.get_json()["error"]
    assert hooks.published() == {topics.INBOUND: 0, topics.MEDIA: 0, topics.HISTORY: 0}
    assert hooks.processed_markers() == 0


def test_an_accounts_own_secret_cannot_post_as_another_account(hooks):
    # One body naming the platform's account and Acme's: only a request both could sign is taken.
    body = wa.entries(wa.text_message(ACME_NUMBER, "5491100000001", "hola", "wamid.a1"),
                      wa.text_message(WHATSAPP_ACCOUNT, "5491100000002", "hola", "wamid.a2"))
    refused = hooks.post("webhook_whatsapp", *wa.signed(body, ACME_APP_SECRET))
    assert refused.status_code == 403
    assert hooks.published()[topics.INBOUND] == 0


def test_a_twilio_request_naming_another_twilio_account_is_refused(hooks):
    # Signed with Acme's token but naming the platform's AccountSid for Acme's number.
    refused = hooks.post("webhook_twilio", *_twilio_sms(ACME_TWILIO, TWILIO_SID, ACME_TWILIO_TOKEN))
    assert refused.status_code == 403
    # The platform's number with the platform's account and token still gets through.
    accepted = hooks.post("webhook_twilio", *_twilio_sms(tw.BUSINESS_NUMBER, TWILIO_SID,
                                                         DEFAULT_SECRETS["TWILIO_AUTH_TOKEN"], "SM" + "2" * 32))
    assert accepted.status_code == 200
    assert hooks.published()[topics.INBOUND] == 1


def test_unknown_account_is_refused_without_naming_accounts(hooks):
    bad_signature = hooks.post("webhook_whatsapp", *_whatsapp_text(WHATSAPP_ACCOUNT, "not-the-secret"))
    cases = {
        "webhook_whatsapp": hooks.post("webhook_whatsapp",
                                       *_whatsapp_text("999000999", DEFAULT_SECRETS["WHATSAPP_APP_SECRET"])),
        "webhook_instagram": hooks.post("webhook_instagram", *meta.signed(
            meta.webhook("instagram", meta.text("555", "77", "hola")), DEFAULT_SECRETS["META_APP_SECRET"])),
        "webhook_twilio": hooks.post("webhook_twilio", *_twilio_sms("+14155550000", TWILIO_SID,
                                                                    DEFAULT_SECRETS["TWILIO_AUTH_TOKEN"])),
    }
    for function, response in cases.items():
        assert response.status_code == 403, function
        assert "999000999" not in response.get_data(as_text=True)
    # The same answer as a wrong signature for a connected account: nothing tells the two apart.
    assert cases["webhook_whatsapp"].get_json() == bad_signature.get_json()
    telegram_unknown = hooks.post("webhook_telegram", json.dumps(tg.text_update(1, 5, 1, "hola")).encode(),
                                  tg.webhook_headers(DEFAULT_SECRETS["TELEGRAM_SECRET_TOKEN"]), path="/123")
    telegram_wrong = hooks.post("webhook_telegram", json.dumps(tg.text_update(1, 5, 1, "hola")).encode(),
                                tg.webhook_headers("wrong"), path="/7000000001")
    assert telegram_unknown.status_code == telegram_wrong.status_code == 403
    assert telegram_unknown.get_json() == telegram_wrong.get_json()
    assert hooks.published() == {topics.INBOUND: 0, topics.MEDIA: 0, topics.HISTORY: 0}


def test_instagram_and_the_platforms_own_page_still_use_the_default_secret(hooks):
    response = hooks.post("webhook_instagram", *meta.signed(
        meta.webhook("instagram", meta.text(INSTAGRAM_ID, "77", "hola")), DEFAULT_SECRETS["META_APP_SECRET"]))
    assert response.status_code == 200
    response = hooks.post("webhook_messenger", *meta.signed(
        meta.webhook("messenger", meta.text(PAGE_ID, "78", "hola")), DEFAULT_SECRETS["META_APP_SECRET"]))
    assert response.status_code == 200
    assert hooks.published()[topics.INBOUND] == 2


def test_a_request_without_events_is_vouched_for_by_the_own_secret_of_an_account_it_names(hooks):
    # Echoes of our own messages and template updates carry no customer event, but Meta still signs
    # them with the app of the account they are about.
    echo = meta.webhook("messenger", meta.echo(ACME_PAGE, "77", "gracias"))
    accepted = hooks.post("webhook_messenger", *meta.signed(echo, ACME_APP_SECRET))
    assert accepted.status_code == 200 and accepted.get_json() == {"received": 0, "duplicates": 0}
    template_update = wa.text_message(ACME_NUMBER, "5491100000001", "hola", "wamid.t1")
    template_update["entry"][0]["changes"][0]["field"] = "message_template_status_update"
    assert hooks.post("webhook_whatsapp", *wa.signed(template_update, ACME_APP_SECRET)).status_code == 200
    # Nobody else's secret does, and a stranger's app cannot borrow an account id it does not own.
    assert hooks.post("webhook_messenger", *meta.signed(echo, "someone-elses-secret")).status_code == 403
    stranger = meta.webhook("messenger", meta.echo("31337", "77", "hola"))
    assert hooks.post("webhook_messenger", *meta.signed(stranger, ACME_APP_SECRET)).status_code == 403
    assert hooks.published() == {topics.INBOUND: 0, topics.MEDIA: 0, topics.HISTORY: 0}
