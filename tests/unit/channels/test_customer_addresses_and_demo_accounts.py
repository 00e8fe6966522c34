"""Two facts every provider states for each of its channels (shared/channels/provider.py), read through the
providers table so that contacts, retention, outreach and the local stack hold no channel names:

- what a customer's address is (the provider's own id, or their phone number, with or without "+"):
  contacts index phone channels' customers by number, outreach writes a contact's phone in that form;
- how the local stack connects a demo account (charla_local/demo_channels.py): the variable naming the
  account and the variables its webhook and sender also need.

A provider leaving either out for one of its channels is refused when it is built.
"""

from __future__ import annotations

import dataclasses

import pytest

from charla_local.demo_channels import demo_channel_routes
from shared.adapters.embedded.environment_secrets import EnvironmentSecrets
from shared.channels import telegram, twilio, whatsapp
from shared.channels.provider import (
    ADDRESSED_BY_PHONE,
    ADDRESSED_BY_PHONE_DIGITS,
    ADDRESSED_BY_PROVIDER_ID,
    ProviderDescriptor,
)
from shared.channels.providers import PHONE_CHANNELS, PROVIDER_CHANNELS, PROVIDERS, phone_address_of, provider_of
from shared.contacts.model import address_key, normalize_address, phone_key
from shared.kernel.errors import NotFound
from shared.kernel.settings import Settings

CHANNELS = [(provider, channel) for provider in PROVIDERS for channel in provider.channels]
IDS = [f"{provider.name}-{channel}" for provider, channel in CHANNELS]


# -- what a customer's address is ------------------------------------------------------------------

def test_a_phone_address_writes_an_international_number_with_or_without_its_plus():
    assert ADDRESSED_BY_PHONE.of_phone("+573001234567") == "+573001234567"
    assert ADDRESSED_BY_PHONE_DIGITS.of_phone("+573001234567") == "573001234567"
    with pytest.raises(AssertionError):
        ADDRESSED_BY_PROVIDER_ID.of_phone("+573001234567")


def test_the_phone_channels_are_those_whose_provider_says_their_customers_are_numbers():
    stated = tuple(channel for provider, channel in CHANNELS if provider.customer_addresses[channel].phone)
    assert stated == PHONE_CHANNELS
    assert PHONE_CHANNELS == ("whatsapp", "twilio_sms", "twilio_whatsapp")
    assert phone_address_of("whatsapp") == ADDRESSED_BY_PHONE_DIGITS
    assert phone_address_of("twilio_sms") == phone_address_of("twilio_whatsapp") == ADDRESSED_BY_PHONE


@pytest.mark.parametrize("channel", ["messenger", "instagram", "telegram", "webchat", "email", "no_such_channel"])
def test_a_channel_whose_customers_are_no_numbers_has_no_phone_address(channel):
    assert phone_address_of(channel) is None


@pytest.mark.parametrize(("provider", "channel"), CHANNELS, ids=IDS)
def test_a_contacts_address_on_a_channel_is_in_the_form_its_provider_states(provider, channel):
    written = provider.customer_addresses[channel]
    typed = "+57 300 123 4567"
    if written.phone:
        assert normalize_address(channel, typed) == written.of_phone("+573001234567")
        assert address_key(channel, typed) == phone_key("+573001234567")
    else:
        assert normalize_address(channel, f"  {typed} ") == typed
        assert address_key(channel, typed) == f"{channel}:{typed}"


def _without(provider: ProviderDescriptor, fact: str) -> dict:
    facts = {f.name: getattr(provider, f.name) for f in dataclasses.fields(ProviderDescriptor)}
    del facts[fact]
    return facts


@pytest.mark.parametrize(("fact", "refusal"), [("customer_addresses", "an address kind for every channel"),
                                              ("demo_accounts", "a demo account for every channel")])
def test_a_provider_that_does_not_state_a_fact_for_each_channel_is_refused(fact, refusal):
    with pytest.raises(TypeError, match=fact):
        ProviderDescriptor(**_without(whatsapp.PROVIDER, fact))
    sms_only = {twilio.TWILIO_SMS: getattr(twilio.PROVIDER, fact)[twilio.TWILIO_SMS]}
    with pytest.raises(AssertionError, match=refusal):
        dataclasses.replace(twilio.PROVIDER, **{fact: sms_only})


# -- the local stack's demo accounts ---------------------------------------------------------------

def _reads_as_a_secret(variable: str, channel: str) -> bool:
    """Whether one of the channel's default secrets is read from ``variable`` (its bare name, locally)."""
    secrets = EnvironmentSecrets({variable: "set"}, also_bare_names=True)
    for name in provider_of(channel).secret_names[channel].values():
        try:
            secrets.get(name)
            return True
        except NotFound:
            continue
    return False


def _is_a_setting(variable: str) -> bool:
    return Settings.from_env({variable: "set"}) != Settings.from_env({})


@pytest.mark.parametrize(("provider", "channel"), CHANNELS, ids=IDS)
def test_a_demo_account_needs_what_its_webhook_and_sender_read_and_nothing_the_platform_does_not(
        provider, channel):
    demo = provider.demo_accounts[channel]
    for variable in demo.needs:
        assert _reads_as_a_secret(variable, channel) or _is_a_setting(variable), \
            f"{channel}: {variable} is neither one of its secrets nor a setting"
    # Every credential the sender and the signature check read is among them (or names the account).
    secrets = EnvironmentSecrets({v: "set" for v in (demo.variable, *demo.needs)}, also_bare_names=True)
    for role in (*provider.api_roles, provider.signing_role):
        secrets.get(provider.secret_names[channel][role])
    if provider.owner_role:
        assert any(_is_a_setting(v) for v in demo.needs), f"{channel}: the platform's provider account"


def _demo_environ() -> dict[str, str]:
    environ = {}
    for provider in PROVIDERS:
        for demo in provider.demo_accounts.values():
            environ.update({variable: f"{variable.lower()}-value" for variable in demo.needs})
            environ[demo.variable] = f"{demo.variable.lower()}-value"
    environ["TELEGRAM_BOT_TOKEN"] = "7000000001:AAdemo"
    return environ


def test_with_every_demo_variable_set_the_local_stack_connects_each_channel_in_the_tables_order():
    routes, skipped = demo_channel_routes(_demo_environ(), "ws_demo", "demo_bot")
    assert skipped == []
    assert [route.type for route in routes] == list(PROVIDER_CHANNELS)
    accounts = {route.type: route.account for route in routes}
    assert accounts["whatsapp"] == "whatsapp_phone_number_id-value"
    assert accounts["telegram"] == telegram.bot_id_of("7000000001:AAdemo") == "7000000001"
    assert accounts["twilio_sms"] == accounts["twilio_whatsapp"] == "twilio_number-value"
    assert {(route.workspace_id, route.bot_id) for route in routes} == {("ws_demo", "demo_bot")}


def test_a_channel_whose_account_is_set_without_what_it_needs_is_left_out_with_a_note():
    environ = _demo_environ()
    del environ["TWILIO_AUTH_TOKEN"]
    routes, skipped = demo_channel_routes(environ, "ws_demo", "demo_bot")
    assert skipped == ["twilio_sms: TWILIO_NUMBER is set but TWILIO_AUTH_TOKEN is not",
                       "twilio_whatsapp: TWILIO_NUMBER is set but TWILIO_AUTH_TOKEN is not"]
    assert "twilio_sms" not in [route.type for route in routes]


def test_no_demo_variable_set_connects_nothing():
    assert demo_channel_routes({"WHATSAPP_ACCESS_TOKEN": "t"}, "ws_demo", "demo_bot") == ([], [])
