"""Every registered provider (shared/channels/providers.py) walks the same contract:

- a saved real payload, signed as the provider signs it, posted to its webhook, becomes events on the bus
  and gets the provider's own answer;
- the same payload signed with another secret is refused, and nothing is published;
- a rich reply (long text, a long menu, many buttons, a captioned picture) renders into API requests the
  simulator of the provider's API accepts (it refuses what the real one refuses), and each answer gives
  the sent message's id;
- error answers get dispositions: rate limits and server trouble are retried, a refusal is not;
- customers arrive, and replies go, with the address the descriptor says the channel writes (a phone
  number with or without "+", or the provider's own id).

Adding a provider to the table makes the walk run for it; without its fixtures
(tests/support/provider_contract.py) the walk fails.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from werkzeug.test import Client

import main
from shared.channels.provider import AccountAccess, ProviderDescriptor
from shared.channels.provider_apis import ProviderApi
from shared.channels.providers import PROVIDERS, phone_address_of
from shared.messages.wire import OutboundMessage
from tests.support.provider_contract import CONTRACTS, FIXTURES, ProviderContract
from tests.support.webhook_calls import WebhookPlatform, webhook_platform

REPO = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "contract-signing-secret"
WEBHOOKS = [(provider, webhook.function) for provider in PROVIDERS for webhook in provider.webhooks]
CHANNELS = [(provider, channel) for provider in PROVIDERS for channel in provider.channels]


def contract_of(provider: ProviderDescriptor) -> ProviderContract:
    if provider.name not in CONTRACTS:
        pytest.fail(f"provider {provider.name!r} has no contract fixtures in tests/support/provider_contract.py")
    return CONTRACTS[provider.name]


def ids(pairs: list[tuple[ProviderDescriptor, str]]) -> list[str]:
    return [f"{provider.name}-{name}" for provider, name in pairs]


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.name for p in PROVIDERS])
def test_every_registered_provider_brings_its_contract_fixtures(provider):
    contract = contract_of(provider)
    for webhook in provider.webhooks:
        assert webhook.function in contract.inbound, f"{provider.name}: no saved payload for {webhook.function}"
        assert (FIXTURES / contract.inbound[webhook.function]).is_file()
    assert set(contract.parties) == set(provider.channels), f"{provider.name}: an account and a customer per channel"
    assert bool(contract.path_account) == (provider.path_account is not None)


@pytest.mark.parametrize(("provider", "function"), WEBHOOKS, ids=ids(WEBHOOKS))
def test_each_webhook_of_the_table_is_deployed_as_its_own_function_that_hands_requests_to_the_generic_one(
        provider, function):
    entry = REPO / "functions" / function / "main.py"
    assert entry.is_file(), f"{provider.name}: no functions/{function}/main.py"
    assert "provider_webhook(request, FUNCTION)" in entry.read_text(encoding="utf-8")
    assert function in main.FUNCTIONS


# -- inbound ---------------------------------------------------------------------------------------

def _connected_for(hooks: WebhookPlatform, provider: ProviderDescriptor, contract: ProviderContract,
                   function: str) -> tuple[bytes, dict[str, str], str, list]:
    """The saved payload of ``function``, signed with the own secret its accounts are connected with now;
    the request path; the events the provider reads in it."""
    webhook = next(w for w in provider.webhooks if w.function == function)
    body = contract.payload(function)
    events = provider.parse(body, webhook.channel, contract.path_account)
    assert events, f"{contract.inbound[function]} carries no event"
    own = {provider.signing_role: (f"contract-{provider.name}-signing", SIGNING_SECRET)}
    if provider.request_owner is not None:
        own[provider.owner_role] = (f"contract-{provider.name}-owner", provider.request_owner(body))
    for event in events:
        hooks.connect(event.channel or webhook.channel, event.account, own)
    path = f"/{contract.path_account}" if provider.path_account is not None else "/"
    raw, headers = contract.sign(body, SIGNING_SECRET)
    return raw, headers, path, list(events)


@pytest.mark.parametrize(("provider", "function"), WEBHOOKS, ids=ids(WEBHOOKS))
def test_a_signed_saved_payload_becomes_events_and_gets_the_providers_answer(tmp_path, provider, function):
    contract = contract_of(provider)
    with webhook_platform(tmp_path) as hooks:
        raw, headers, path, events = _connected_for(hooks, provider, contract, function)
        response = hooks.post(function, raw, headers, path=path)
        assert response.status_code == 200, response.get_data(as_text=True)
        received = hooks.received()
        assert [m.channel for m in received] == [
            e.channel or next(w.channel for w in provider.webhooks if w.function == function) for e in events]
        expected = provider.answer(contract.payload(function), {})
        if expected.text is not None:
            assert response.get_data(as_text=True) == expected.text
            assert response.content_type.startswith(expected.content_type)
        else:
            assert response.is_json


@pytest.mark.parametrize(("provider", "function"), WEBHOOKS, ids=ids(WEBHOOKS))
def test_the_same_payload_signed_with_another_secret_is_refused(tmp_path, provider, function):
    contract = contract_of(provider)
    with webhook_platform(tmp_path) as hooks:
        raw, _, path, _ = _connected_for(hooks, provider, contract, function)
        _, forged = contract.sign(contract.payload(function), "not-the-secret")
        response = hooks.post(function, raw, forged, path=path)
        assert response.status_code == 403
        assert response.get_json() == {"error": f"{provider.signature_header} is missing or does not match"}
        assert sum(hooks.published().values()) == 0


@pytest.mark.parametrize(("provider", "function"), WEBHOOKS, ids=ids(WEBHOOKS))
def test_customers_arrive_with_the_address_their_channels_descriptor_states(provider, function):
    """Contacts index a phone channel's customers by number and outreach writes a contact's phone in its
    channel's form: the form must be the one the provider's webhooks give."""
    contract = contract_of(provider)
    webhook = next(w for w in provider.webhooks if w.function == function)
    for event in provider.parse(contract.payload(function), webhook.channel, contract.path_account):
        channel = event.channel or webhook.channel
        written = provider.customer_addresses[channel]
        if written.phone:
            number = "+" + event.contact.removeprefix("+")
            assert re.fullmatch(r"\+[1-9][0-9]{6,14}", number), f"{channel}: {event.contact!r} is no phone number"
            assert written.of_phone(number) == event.contact, f"{channel}: customers arrive as {event.contact!r}"


@pytest.mark.parametrize(("provider", "channel"), CHANNELS, ids=ids(CHANNELS))
def test_the_customer_a_reply_goes_to_has_the_address_their_channels_descriptor_states(provider, channel):
    written = provider.customer_addresses[channel]
    _, customer = contract_of(provider).parties[channel]
    if written.phone:
        assert written.of_phone("+" + customer.removeprefix("+")) == customer
    else:
        assert phone_address_of(channel) is None


# -- outbound --------------------------------------------------------------------------------------

def rich_replies(channel: str, account: str, customer: str) -> list[OutboundMessage]:
    def message(n: int, kind: str, text: str, **extra) -> OutboundMessage:
        return OutboundMessage(message_id=f"out_{n}", workspace_id="ws", conversation_id="cv_1", session_id="ss_1",
                               channel=channel, account=account, recipient=customer, kind=kind, text=text,
                               created_at="2026-03-01T12:00:00+00:00", **extra)

    long_text = " ".join(["Gracias por escribirnos, ya revisamos tu pedido."] * 120)  # ~5,800 characters
    options = [f"Opción número {i} con un título bastante largo" for i in range(1, 15)]
    return [
        message(1, "text", long_text),
        message(2, "menu", "Elegí una opción", options=options, payload={"header": "¿En qué te ayudamos hoy?"}),
        message(3, "buttons", "¿Confirmás la compra?",
                options=["Sí, confirmar el pedido ya", "No", "Hablar con alguien", "Ver el carrito", "Cancelar"]),
        message(4, "media", "", payload={"kind": "image", "url": "https://cdn.example.com/p.jpg",
                                          "caption": "Nuestra vidriera de otoño. " * 80}),  # a ~2,100-character caption
        message(5, "location", "Nuestro local", payload={"latitude": -34.6037, "longitude": -58.3816,
                                                         "name": "Tienda", "address": "Av. Corrientes 1234"}),
    ]


@pytest.mark.parametrize(("provider", "channel"), CHANNELS, ids=ids(CHANNELS))
def test_a_rich_reply_renders_requests_the_providers_api_accepts_and_each_answer_names_the_sent_message(
        provider, channel):
    contract = contract_of(provider)
    account, customer = contract.parties[channel]
    owner = "AC" + "0" * 32 if provider.owner_role else ""
    # The simulator answers on the real API's paths (Graph API's version prefix included).
    base = "http://provider.test" + urlsplit(provider.api_base.default).path
    endpoint = provider.endpoint(AccountAccess(channel, account, base, lambda _role: contract.token, owner))
    api = contract.api(channel, account, contract.token, owner)
    client = Client(api)
    for message in rich_replies(channel, account, customer):
        calls = ProviderApi(channel, provider).render(message)
        assert calls, f"{message.kind} rendered into no request"
        for call in calls:
            url = urlsplit(endpoint.root + call.path)
            headers = dict(endpoint.headers)
            if endpoint.basic_auth is not None:
                headers["Authorization"] = "Basic " + base64.b64encode(":".join(endpoint.basic_auth).encode()).decode()
            if call.form is not None:
                response = client.post(url.path, data=urlencode(call.form), headers=headers,
                                       content_type="application/x-www-form-urlencoded")
            else:
                response = client.post(url.path, json=call.json or {}, headers=headers)
            answer = json.loads(response.get_data(as_text=True))
            assert 200 <= response.status_code < 300, f"{message.kind}: {call.path} refused: {answer}"
            assert provider.sent_message_id(answer), f"{message.kind}: no sent id in {answer}"


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.name for p in PROVIDERS])
def test_error_answers_get_dispositions(provider):
    contract = contract_of(provider)
    channel = provider.channels[0]
    account, _ = contract.parties[channel]
    api = contract.api(channel, account, contract.token, "AC" + "0" * 32)
    for status, transient in ((429, True), (500, True), (503, True), (400, False)):
        disposition = provider.error_disposition(status, api.error_body(status), {})
        assert disposition.transient is transient, f"HTTP {status}: {disposition}"
        assert disposition.reason
    limited = provider.error_disposition(429, api.error_body(429), {"Retry-After": "7"})
    assert limited.transient and limited.retry_after_s is not None
