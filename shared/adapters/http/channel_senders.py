"""Every channel's sender, built on first use: the web chat's reply box, email, and the provider APIs
(one reused HTTP client for all of them)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from shared.bootstrap import Platform
from shared.ports.channel_sender import ChannelSender

HTTP_TIMEOUT = (5.0, 15.0)  # connect, read: a provider slower than this is treated as down


class ChannelSenders:
    def __init__(self, platform: Platform, sleep: Callable[[float], None] = time.sleep,
                 **provider_options: Any) -> None:
        self._platform = platform
        self._sleep = sleep
        self._options = provider_options
        self._senders: dict[str, ChannelSender] = {}
        self._http = None
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
        from shared.channels.provider_apis import PROVIDER_MODULES

        platform = self._platform
        if channel == "webchat":
            from shared.channels.webchat import WebchatReplyBox

            return WebchatReplyBox(platform.store, platform.clock)
        if channel == "email":
            from shared.channels.email import MailerSender

            return MailerSender(platform.mailer)
        if channel in PROVIDER_MODULES:
            from shared.channels.provider_sender import ProviderSender

            return ProviderSender(platform, channel, self.http_client(), self._sleep, **self._options)
        return None

    def http_client(self):
        """The HTTP client shared by the provider senders and media downloads."""
        import httpx

        with self._lock:
            if self._http is None:
                connect, read = HTTP_TIMEOUT
                self._http = httpx.Client(timeout=httpx.Timeout(read, connect=connect), follow_redirects=False)
            return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
