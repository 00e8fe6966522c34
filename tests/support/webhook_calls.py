"""Provider webhook functions called in-process, through their entry points, on a real embedded platform
(SQLite store and bus): what a provider's request leaves behind can be read back exactly.

``WebhookPlatform`` connects one account per provider channel with the platform's default secrets, and
can connect more (``connect``), each with its own secrets; ``post`` hands a request to the named
function as functions-framework would (``/webhook_telegram/<bot id>`` keeps its path).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response

from shared.adapters.embedded.environment_secrets import EnvironmentSecrets
from shared.bootstrap import Platform, use_platform
from shared.conversations.store_names import PROCESSED
from shared.events import topics
from shared.kernel.settings import Settings
from shared.messages.wire import InboundMessage
from shared.ports.event_bus import Subscription
from shared.workspaces.directory import ChannelRoute
from tests.support import twilio_requests as tw

WORKSPACE, BOT = "demo", "tienda"
WHATSAPP_ACCOUNT, PAGE_ID, INSTAGRAM_ID, BOT_ID = "106540352242922", "1122334455", "17841400000000001", "7000000001"
TWILIO_NUMBER, TWILIO_SID = tw.BUSINESS_NUMBER, tw.ACCOUNT_SID
TWILIO_URL = "https://charla.example/webhook_twilio"
# The platform's default secrets (shared/contracts/channel_secrets.json names), as the environment holds them.
DEFAULT_SECRETS = {
    "WHATSAPP_APP_SECRET": "platform-wa-app-secret", "WHATSAPP_VERIFY_TOKEN": "verify-me",
    "META_APP_SECRET": "platform-meta-app-secret", "META_VERIFY_TOKEN": "verify-me",
    "TELEGRAM_SECRET_TOKEN": "platform-tg-secret", "TWILIO_AUTH_TOKEN": "platform-twilio-token",
}
ACCOUNTS = {"whatsapp": WHATSAPP_ACCOUNT, "messenger": PAGE_ID, "instagram": INSTAGRAM_ID, "telegram": BOT_ID,
            "twilio_sms": TWILIO_NUMBER, "twilio_whatsapp": TWILIO_NUMBER}
# Every topic a webhook may publish to, each with a probe subscription counting what reached it.
PROBES = {topic: Subscription(name=f"probe-{topic}", topic=topic, ordered=False)
          for topic in (topics.INBOUND, topics.MEDIA, topics.HISTORY)}


@dataclass
class WebhookPlatform:
    platform: Platform
    secrets: dict[str, str]

    def connect(self, channel: str, account: str, own_secrets: Mapping[str, tuple[str, str]] | None = None,
                workspace: str = WORKSPACE) -> None:
        """Connect an account; ``own_secrets`` maps a credential role to (secret name, value)."""
        names = {role: name for role, (name, _) in (own_secrets or {}).items()}
        for name, value in (own_secrets or {}).values():
            self.secrets["CHARLA_SECRET_" + name.upper().replace("-", "_")] = value
        self.platform.directory.save_channel(ChannelRoute(channel, account, workspace, BOT, secrets=names))

    def post(self, function: str, body: bytes, headers: Mapping[str, str], path: str = "/",
             query: str = "", method: str = "POST") -> Response:
        entry = getattr(importlib.import_module(f"functions.{function}.main"), function)
        app = Flask(function)
        with app.test_request_context(path, method=method, data=body, headers=dict(headers), query_string=query,
                                      base_url=TWILIO_URL.rsplit("/", 1)[0] if function == "webhook_twilio" else
                                      "http://localhost"):
            return app.make_response(entry(_request()))

    def drain(self) -> dict[str, list[bytes]]:
        """What reached each topic since the last look (acknowledged, so seen once)."""
        found: dict[str, list[bytes]] = {}
        for topic, probe in PROBES.items():
            found[topic] = []
            while batch := self.platform.bus.pull(probe.name, max_messages=100, timeout_s=0):
                self.platform.bus.ack(probe.name, [m.ack_id for m in batch])
                found[topic] += [m.data for m in batch]
        return found

    def published(self) -> dict[str, int]:
        """How many messages reached each topic since the last look."""
        return {topic: len(messages) for topic, messages in self.drain().items()}

    def received(self) -> list[InboundMessage]:
        """The customers' messages handed on since the last look (to the bot or to fetch_media)."""
        drained = self.drain()
        return [InboundMessage.from_json(data) for data in drained[topics.INBOUND] + drained[topics.MEDIA]]

    def processed_markers(self) -> int:
        return len(self.platform.store.query(PROCESSED, []))

    def forget_deliveries(self) -> None:
        """Forget every redelivery marker, so the next request's events are new again."""
        for document in self.platform.store.query(PROCESSED, []):
            self.platform.store.delete(PROCESSED, document.id)


def _request():
    from flask import request

    return request


@contextmanager
def webhook_platform(data_dir: Path, **settings: Any) -> Iterator[WebhookPlatform]:
    secrets = dict(DEFAULT_SECRETS)
    platform = Platform(Settings(backend="embedded", data_dir=data_dir, twilio_account_sid=TWILIO_SID,
                                 twilio_webhook_url=TWILIO_URL, **settings),
                        overrides={"secrets": lambda p: EnvironmentSecrets(secrets, also_bare_names=True)})
    for topic in topics.ALL_TOPICS:
        platform.bus.ensure_topic(topic)
    for probe in PROBES.values():
        platform.bus.ensure_subscription(probe)
    hooks = WebhookPlatform(platform, secrets)
    for channel, account in ACCOUNTS.items():
        hooks.connect(channel, account)
    use_platform(platform)
    try:
        yield hooks
    finally:
        use_platform(None)
        platform.close()
