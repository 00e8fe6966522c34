"""Channel credentials: one file names every secret; accounts may name their own; API roots per provider."""

from __future__ import annotations

import json

import pytest

from shared.adapters.embedded.environment_secrets import EnvironmentSecrets
from shared.channels.credentials import SECRETS_FILE, provider_endpoint, secret_name
from shared.channels.providers import (
    PROVIDER_CHANNELS,
    PROVIDERS,
    WEBHOOK_FUNCTIONS,
    api_base_of,
    channel_contract_text,
)
from shared.kernel.errors import ConfigurationError
from shared.kernel.settings import Settings
from shared.workspaces.directory import ChannelRoute


def route(channel: str, account: str = "123", secrets: dict | None = None) -> ChannelRoute:
    return ChannelRoute(type=channel, account=account, workspace_id="ws", bot_id="bot", secrets=secrets or {})


def test_every_provider_channel_names_its_secrets_in_the_one_contract_file():
    names = json.loads(SECRETS_FILE.read_text())["channels"]
    assert set(names) == set(PROVIDER_CHANNELS)


def test_an_account_may_use_its_own_secret_for_a_role():
    assert secret_name("whatsapp", "access_token") == "whatsapp-access-token"
    assert secret_name("whatsapp", "access_token", route("whatsapp", secrets={"access_token": "wa-2"})) == "wa-2"


def test_the_readme_variable_names_are_the_local_secrets():
    secrets = EnvironmentSecrets({"WHATSAPP_ACCESS_TOKEN": "t0k"}, also_bare_names=True)
    settings = Settings(api_bases={"WHATSAPP_API_BASE": "http://wa"})
    endpoint = provider_endpoint(route("whatsapp", "555"), settings, secrets)
    assert endpoint.root == "http://wa/555/" and endpoint.headers == {"Authorization": "Bearer t0k"}


def test_telegram_calls_carry_the_token_in_the_path():
    secrets = EnvironmentSecrets({"CHARLA_SECRET_TELEGRAM_BOT_TOKEN": "42:abc"})
    settings = Settings(api_bases={"TELEGRAM_API_BASE": "http://tg"})
    endpoint = provider_endpoint(route("telegram", "42"), settings, secrets)
    assert endpoint.root == "http://tg/bot42:abc/" and endpoint.media_root == "http://tg/file/bot42:abc/"


def test_twilio_calls_use_basic_auth_with_the_account_sid():
    secrets = EnvironmentSecrets({"TWILIO_AUTH_TOKEN": "tt"}, also_bare_names=True)
    settings = Settings(api_bases={"TWILIO_API_BASE": "http://tw"}, twilio_account_sid="AC1")
    endpoint = provider_endpoint(route("twilio_sms", "+1555"), settings, secrets)
    assert endpoint.root == "http://tw/2010-04-01/Accounts/AC1/" and endpoint.basic_auth == ("AC1", "tt")


def test_a_missing_credential_names_the_secret():
    with pytest.raises(ConfigurationError, match="messenger-page-token"):
        provider_endpoint(route("messenger"), Settings(), EnvironmentSecrets({}))


def test_a_twilio_number_on_its_own_account_calls_with_that_accounts_sid_and_token():
    secrets = EnvironmentSecrets({"TWILIO_AUTH_TOKEN": "tt", "ACME_TWILIO_TOKEN": "acme-tt",
                                  "ACME_TWILIO_SID": "AC2"}, also_bare_names=True)
    settings = Settings(api_bases={"TWILIO_API_BASE": "http://tw"}, twilio_account_sid="AC1")
    own = route("twilio_sms", "+1666", secrets={"auth_token": "acme-twilio-token", "account_sid": "acme-twilio-sid"})
    endpoint = provider_endpoint(own, settings, secrets)
    assert endpoint.root == "http://tw/2010-04-01/Accounts/AC2/" and endpoint.basic_auth == ("AC2", "acme-tt")


def test_the_contract_terraform_reads_is_written_from_the_providers_table():
    # Regenerate with: python -m shared.channels.providers > shared/contracts/channel_secrets.json
    assert SECRETS_FILE.read_text(encoding="utf-8") == channel_contract_text()
    contract = json.loads(SECRETS_FILE.read_text())
    assert set(contract["webhooks"]) == set(WEBHOOK_FUNCTIONS)
    assert {pair.split("/")[0] for pair in contract["api_credentials"]} == set(PROVIDER_CHANNELS)


def test_each_provider_reads_its_api_base_from_its_own_variable_and_defaults_to_the_real_api():
    settings = Settings.from_env({"TELEGRAM_API_BASE": "http://127.0.0.1:8082/", "META_API_BASE": ""})
    bases = {provider.name: api_base_of(provider, settings) for provider in PROVIDERS}
    assert bases == {"whatsapp": "https://graph.facebook.com/v21.0", "meta_messaging": "https://graph.facebook.com/v21.0",
                     "telegram": "http://127.0.0.1:8082", "twilio": "https://api.twilio.com"}


def test_an_api_base_that_is_no_url_is_refused_at_start_up():
    with pytest.raises(ConfigurationError, match="WHATSAPP_API_BASE"):
        Settings.from_env({"WHATSAPP_API_BASE": "graph.facebook.com"})
