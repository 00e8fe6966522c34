"""Webhook caller port: the HTTP calls bot authors write as ``webhook`` actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from shared.kernel.errors import CharlaError


class WebhookFailed(CharlaError):
    """The call did not give a 2xx answer in time; the bot runs its on_error."""


@dataclass(frozen=True)
class WebhookRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    json_body: Any = None
    timeout_s: float = 3.0

    @property
    def key(self) -> str:
        """Identity of the call, so a transaction retry can replay its answer instead of calling twice."""
        return f"{self.method} {self.url} {self.headers!r} {self.json_body!r}"


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: Any  # parsed JSON, or the text when the answer is not JSON


class WebhookCaller(Protocol):
    def call(self, request: WebhookRequest) -> WebhookResponse:
        """Perform the call; raises WebhookFailed on a timeout, a network error or a non-2xx status."""
        ...
