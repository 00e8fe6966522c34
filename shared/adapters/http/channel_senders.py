"""Every channel's sender, built on first use: the web chat's reply box, email, and the provider APIs
(one reused HTTP client for all of them, shared with media downloads).

It is given the ports it needs, never the composition root: bootstrap's "senders" factory unpacks the
platform (the mailer and the HTTP client are callables so that a process that never sends email or
calls a provider never builds them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.ports.channel_sender import ChannelSender
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore
from shared.ports.mailer import Mailer

if TYPE_CHECKING:  # httpx is imported on the first provider send: a web-chat-only instance never pays for it
    import httpx

    from shared.adapters.http.provider_client import EndpointOf


class LazyChannelSenders:
    """Channel name → ChannelSender (satisfies shared/ports/channel_sender.py's ChannelSenders)."""

    def __init__(self, *, store: DocumentStore, clock: Clock, mailer: Callable[[], Mailer], endpoint_of: EndpointOf,
                 http: Callable[[], httpx.Client], sleep: Callable[[float], None] = time.sleep,
                 **provider_options: Any) -> None:
        self._store = store
        self._clock = clock
        self._mailer = mailer
        self._endpoint_of = endpoint_of
        self._http = http
        self._sleep = sleep
        self._options = provider_options
        self._senders: dict[str, ChannelSender] = {}
        self._lock = threading.RLock()

    def get(self, channel: str, default: ChannelSender | None = None) -> ChannelSender | None:
        with self._lock:
            sender = self._senders.get(channel)
            if sender is None:
                sender = self._build(channel)
                if sender is None:
                    return default
                self._senders[channel] = sender
            return sender

    def _build(self, channel: str) -> ChannelSender | None:
        from shared.channels.providers import is_provider_channel

        if channel == "webchat":
            from shared.conversations.webchat_replies import WebchatReplyBox

            return WebchatReplyBox(self._store, self._clock)
        if channel == "email":
            from shared.channels.email import MailerSender

            return MailerSender(self._mailer())
        if is_provider_channel(channel):
            from shared.adapters.http.provider_http_sender import ProviderHttpSender

            return ProviderHttpSender(channel, store=self._store, clock=self._clock, endpoint_of=self._endpoint_of,
                                      http=self._http(), sleep=self._sleep, **self._options)
        return None
