"""What one provider package tells the rest of the platform about itself: a ProviderDescriptor.

Each provider package (shared/channels/whatsapp, meta_messaging, telegram, twilio) exports one,
``PROVIDER``; shared/channels/providers.py lists them, and that table is all the webhook, the sender,
the media download, pacing, windows, credentials, the local stack, Terraform's inputs and the tests
read. Everything here is data or a pure function: no I/O, no ports, no settings object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.channels.provider_events import ApiCall, ErrorDisposition, ProviderEvent
from shared.messages.wire import OutboundMessage

# Window policies (shared/channels/windows.py decides them before a message is sent).
# Free-form messages within 24 hours of the customer's last message, else only an approved template.
TEMPLATE_OUTSIDE_WINDOW = "template_outside_window"
# Anything within 24 hours; then, for 7 days, only a human agent's reply, sent with the HUMAN_AGENT tag.
HUMAN_AGENT_TAG_AFTER_WINDOW = "human_agent_tag_after_window"
WINDOW_POLICIES = (TEMPLATE_OUTSIDE_WINDOW, HUMAN_AGENT_TAG_AFTER_WINDOW)
# Meta's CDNs, where WhatsApp, Messenger and Instagram serve customers' files.
META_CDN = ("*.fbcdn.net", "*.fbsbx.com", "*.cdninstagram.com")


@dataclass(frozen=True)
class Webhook:
    """One webhook function (functions/<function>/main.py) and the channel whose accounts and default
    secrets it checks requests with. Events may name another channel the provider serves (Twilio's one
    webhook serves SMS and WhatsApp)."""

    function: str
    channel: str


@dataclass(frozen=True)
class ApiBase:
    """Where a provider's API lives: the environment variable that overrides it (the local stack and
    tests point it at a simulator) and the real one."""

    variable: str
    default: str


@dataclass(frozen=True)
class Rate:
    """Messages per second per business account, and the burst a full bucket allows."""

    per_second: float
    burst: int


@dataclass(frozen=True)
class ProviderEndpoint:
    """Where one channel account's API calls go: ``root`` + ApiCall.path, with these credentials."""

    root: str
    headers: dict[str, str] = field(default_factory=dict)
    basic_auth: tuple[str, str] | None = None
    # Media downloads (media ids resolved against ``media_root``) use the same credentials.
    media_root: str = ""


@dataclass(frozen=True)
class AccountAccess:
    """What building an account's endpoint may read (shared/channels/credentials.py gathers it)."""

    channel: str
    account: str  # the business account: phone number id, Page id, bot id, Twilio number
    api_base: str  # the configured API base, without a trailing slash
    credential: Callable[[str], str]  # a role's secret value; raises ConfigurationError when it is not set
    owner: str = ""  # the provider account that owns ``account`` (Twilio's AccountSid), when the provider has one


@dataclass(frozen=True)
class SignedRequest:
    """What a webhook request's signature may cover."""

    raw_body: bytes  # exactly as received (b"" when the signature is checked before the body is read)
    header: str | None  # the provider's signature header
    url: str  # the URL the provider was given (Twilio signs it)
    form: Sequence[tuple[str, str]] = ()  # a form-encoded body's parameters, in order


@dataclass(frozen=True)
class WebhookAnswer:
    """What the webhook replies with its 200: JSON (``json``), or ``text`` of ``content_type``."""

    json: Any = None
    text: str | None = None
    content_type: str = ""


@dataclass(frozen=True)
class PathAccount:
    """A provider whose requests never say which account they are for names it in the URL we gave it
    (Telegram: /webhook_telegram/<bot id>); its header-only signature is checked before the body is read."""

    is_valid: Callable[[str], bool]
    description: str  # after "/<function>/" in the 404 for a path that names no account


@dataclass(frozen=True)
class ProviderMediaHosts:
    """Where a provider serves customers' files from (shared/channels/media_hosts.py holds the rules)."""

    # Hosts a media URL (or a redirect) may point to; "*.example.com" matches any subdomain.
    media: tuple[str, ...]
    # The subset that takes the account's credentials (besides the configured API base's own host).
    credentials: tuple[str, ...] = ()


@dataclass(frozen=True)
class MediaUrl:
    """Where a customer's file is, and whether fetching it takes the account's credentials."""

    url: str
    credentials: bool


@dataclass(frozen=True)
class MediaLookup:
    """A GET to the account's API (with its credentials) whose JSON answer says where the file is."""

    url: str
    what: str  # names the call in errors: "media lookup", "getFile"
    located: Callable[[dict[str, Any]], MediaUrl | None]  # None when the answer names no file
    missing: str  # the reason the file is refused when it does not
    params: dict[str, str] | None = None


@dataclass(frozen=True)
class CustomerAddress:
    """What a channel's customer address (ProviderEvent.contact, OutboundMessage.recipient, a conversation's
    ``contact``) is: the provider's own id for the customer, or their phone number written as the channel's
    webhooks write it. Contacts index a phone channel's addresses by number, and outreach writes a
    contact's phone as the address on such a channel (shared/contacts, shared/conversations/outreach.py)."""

    phone: bool  # the address is the customer's phone number
    plus: bool = True  # "+E164" (Twilio); False: the international digits alone (WhatsApp Cloud's wa_id)

    def __post_init__(self) -> None:
        assert self.phone or self.plus, "only a phone address drops the plus"

    def of_phone(self, e164: str) -> str:
        """The address of an E.164 number ("+" and digits) on the channel."""
        assert self.phone, "a provider-id address is no phone number"
        return e164 if self.plus else e164.lstrip("+")


# The provider's own id for the customer (PSID, IGSID, Telegram chat id).
ADDRESSED_BY_PROVIDER_ID = CustomerAddress(phone=False)
# The customer's number, "+" and digits (Twilio: From without its "whatsapp:" prefix).
ADDRESSED_BY_PHONE = CustomerAddress(phone=True)
# The customer's number as international digits without "+" (WhatsApp Cloud's wa_id).
ADDRESSED_BY_PHONE_DIGITS = CustomerAddress(phone=True, plus=False)


def _as_given(value: str) -> str:
    return value


@dataclass(frozen=True)
class DemoAccount:
    """How the local stack connects a demo account of a channel (charla_local/demo_channels.py, README's
    "Channels"): the environment variable naming the account, the variables its webhook and sender also
    need (secrets are read from the same variables: WHATSAPP_ACCESS_TOKEN is whatsapp-access-token), and
    how the variable's value becomes the account's id."""

    variable: str
    needs: tuple[str, ...]
    account_of: Callable[[str], str] = _as_given


WebhookBody = Any  # decoded JSON, or a form's parameters as a dict


@dataclass(frozen=True)
class ProviderDescriptor:
    """One provider integration, as the rest of the platform sees it."""

    name: str  # its package in shared/channels
    channels: tuple[str, ...]  # the channels (ChannelRoute.type, InboundMessage.channel) it serves
    webhooks: tuple[Webhook, ...]
    # Inbound: the body's events (raises InvalidInput when it is unreadable as a whole); the webhook's
    # channel tells a shared parser which webhook it came in on, ``account`` is the URL's (PathAccount).
    parse: Callable[[WebhookBody, str, str], Sequence[ProviderEvent]]
    body_format: str  # "json" or "form" (application/x-www-form-urlencoded)
    verify: Callable[[SignedRequest, str], bool]  # whether the request is signed with this secret
    signature_header: str
    signing_role: str  # the credential role whose secret signs webhook requests
    answer: Callable[[WebhookBody, dict[str, int]], WebhookAnswer]  # the 200 once events are accepted
    method_hint: str  # what the 405 for another method says the provider sends
    # Outbound: an outbound message as API calls (the HUMAN_AGENT tag when the window decision asks).
    render: Callable[[OutboundMessage, bool], list[ApiCall]]
    sent_message_id: Callable[[Any], str]
    error_disposition: Callable[[int, Any, Mapping[str, str]], ErrorDisposition]
    endpoint: Callable[[AccountAccess], ProviderEndpoint]
    media_source: Callable[[Mapping[str, Any], ProviderEndpoint], MediaUrl | MediaLookup | None]
    media_hosts: ProviderMediaHosts
    api_base: ApiBase
    rates: Mapping[str, Rate]  # per channel
    # Credentials: channel → role → the default secret's name (an account may name its own).
    secret_names: Mapping[str, Mapping[str, str]]
    api_roles: tuple[str, ...]  # the roles the API calls (send, media) read
    webhook_roles: tuple[str, ...]  # the roles a webhook reads (signing_role, handshake_role)
    # Per channel: what a customer's address is (ADDRESSED_BY_PROVIDER_ID, ADDRESSED_BY_PHONE, ...).
    customer_addresses: Mapping[str, CustomerAddress]
    demo_accounts: Mapping[str, DemoAccount]  # per channel: what `make run` connects it with
    windows: Mapping[str, str] = field(default_factory=dict)  # channel → one of WINDOW_POLICIES
    # Channels with tappable buttons show a menu as buttons under its header, not as numbered lines.
    menus_as_buttons: bool = False
    # Meta's subscription handshake: GET with hub.* parameters, answered with the challenge.
    handshake: Callable[[Mapping[str, str], str], str | None] | None = None
    handshake_role: str = ""
    # The accounts a body's envelope names whatever its shape (never raises): who may vouch for a
    # request that carries no event.
    accounts_named: Callable[[WebhookBody], list[str]] | None = None
    path_account: PathAccount | None = None
    # The provider account a request says it comes from (Twilio's AccountSid): it must own the number.
    request_owner: Callable[[WebhookBody], str] | None = None
    # Whether the signature covers the public URL the provider was given (Twilio: Settings.
    # twilio_webhook_url, TWILIO_WEBHOOK_URL), which behind proxies differs from the one the function sees.
    signs_public_url: bool = False
    owner_role: str = ""  # the role naming an account's own owner secret (Twilio: "account_sid")

    def __post_init__(self) -> None:
        assert self.body_format in ("json", "form"), self.body_format
        assert set(self.secret_names) == set(self.channels), f"{self.name}: secret names for every channel"
        assert set(self.rates) == set(self.channels), f"{self.name}: a rate for every channel"
        assert set(self.customer_addresses) == set(self.channels), f"{self.name}: an address kind for every channel"
        assert set(self.demo_accounts) == set(self.channels), f"{self.name}: a demo account for every channel"
        assert set(self.windows) <= set(self.channels) and set(self.windows.values()) <= set(WINDOW_POLICIES)
        assert {w.channel for w in self.webhooks} <= set(self.channels)


def menu_as_buttons(message: OutboundMessage) -> OutboundMessage:
    """A menu as buttons headed by its header, for channels that show tappable buttons."""
    if message.kind != "menu" or not message.options:
        return message
    header = message.payload.get("header") or message.text
    return OutboundMessage.from_dict({**message.to_dict(), "kind": "buttons", "text": header})


def media_url_as_given(credentials: bool) -> Callable[[Mapping[str, Any], ProviderEndpoint], MediaUrl | None]:
    """A media source that is the URL the webhook gave (with or without the account's credentials)."""

    def source(media: Mapping[str, Any], _endpoint: ProviderEndpoint) -> MediaUrl | None:
        return MediaUrl(str(media["url"]), credentials) if media.get("url") else None

    return source
