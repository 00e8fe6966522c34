"""Webhook calls over HTTP with httpx (a pooled client, reused for the life of the instance)."""

from __future__ import annotations

import threading

import httpx

from shared.ports.webhook_caller import WebhookFailed, WebhookRequest, WebhookResponse

MAX_RESPONSE_BYTES = 1024 * 1024


class HttpxWebhookCaller:
    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._transport = transport
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(transport=self._transport, follow_redirects=False,
                                            headers={"User-Agent": "Charla-bot-webhook/1"})
            return self._client

    def call(self, request: WebhookRequest) -> WebhookResponse:
        try:
            response = self._http().request(request.method, request.url, headers=list(request.headers),
                                             json=request.json_body, timeout=request.timeout_s)
        except httpx.TimeoutException:
            raise WebhookFailed(f"{request.method} {request.url}: no answer within {request.timeout_s:g}s") from None
        except httpx.HTTPError as exc:
            raise WebhookFailed(f"{request.method} {request.url}: {type(exc).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise WebhookFailed(f"{request.method} {request.url}: HTTP {response.status_code}")
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise WebhookFailed(f"{request.method} {request.url}: answer larger than {MAX_RESPONSE_BYTES} bytes")
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return WebhookResponse(response.status_code, body)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
