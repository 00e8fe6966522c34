"""The ChannelSender of every provider API (WhatsApp, Messenger, Instagram, Telegram, Twilio).

One outbound message may take several API calls (long text split, carousel fallbacks). A delivery
document records how many went out, so a redelivered message resumes after the last part sent and
a finished one is never sent again; a claim with a lease keeps two concurrent deliveries of the
same message (Pub/Sub may deliver twice) from both sending. A crash between the provider's answer
and the record can still repeat that one part: the providers offer no idempotency key.

Failures: 429, 5xx and timeouts are retried here a few times with exponential backoff and jitter,
honouring Retry-After, then raised as TransientError so Pub/Sub redelivers (and dead-letters after
the subscription's last attempt); a permanent refusal raises DeliveryRefused, recorded as a failed
delivery and acknowledged.

Whether the channel's customer-service window lets the message go is the delivery use case's decision
(shared/conversations/deliver.py); the sender is only told the terms (ReplyWindow) and renders them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from shared.adapters.http.provider_client import EndpointOf
from shared.adapters.http.send_pacing import TokenBucket
from shared.channels.credentials import ProviderEndpoint
from shared.channels.provider_apis import ProviderApi, provider_api
from shared.channels.provider_events import ApiCall
from shared.conversations.store_names import PROVIDER_MESSAGES, provider_message_doc_id
from shared.kernel.errors import ConfigurationError, DeliveryRefused, TransientError
from shared.kernel.logs import log
from shared.messages.wire import OutboundMessage
from shared.ports.channel_sender import ReplyWindow
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Transaction

DELIVERIES = "deliveries"
MAX_REASON_CHARS = 500


class ProviderHttpSender:
    """The ChannelSender of one provider API channel, over HTTP."""

    def __init__(self, channel: str, *, store: DocumentStore, clock: Clock, endpoint_of: EndpointOf,
                 http: httpx.Client, sleep: Callable[[float], None], attempts: int = 3, backoff_s: float = 0.5,
                 max_backoff_s: float = 8.0, max_retry_after_s: float = 30.0, claim_s: float = 120.0) -> None:
        self._store = store
        self._clock = clock
        self._endpoint_of = endpoint_of
        self._channel = channel
        self._api: ProviderApi = provider_api(channel)
        self._http = http
        self._sleep = sleep
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._max_retry_after_s = max_retry_after_s
        self._claim = timedelta(seconds=claim_s)
        self._pacing = TokenBucket(store, clock, sleep)

    def send(self, message: OutboundMessage, window: ReplyWindow = ReplyWindow.OPEN) -> str:
        store = self._store
        delivery = store.run_transaction(lambda tx: self._claim_delivery(tx, message))
        if delivery["status"] == "sent":
            return delivery["provider_ids"][0] if delivery["provider_ids"] else ""
        if delivery["status"] == "failed":
            raise DeliveryRefused(delivery["reason"])
        try:
            return self._send_parts(message, window, delivery)
        except DeliveryRefused as exc:
            store.set(DELIVERIES, message.message_id, {**self._current(message), "status": "failed",
                                                       "claimed_until": "", "reason": str(exc)[:MAX_REASON_CHARS]})
            raise
        except BaseException:
            store.set(DELIVERIES, message.message_id, {**self._current(message), "claimed_until": ""})
            raise

    def delivered(self, message_id: str) -> str | None:
        delivery = self._store.get(DELIVERIES, message_id)
        if delivery is None or delivery.get("status") != "sent":
            return None
        return delivery["provider_ids"][0] if delivery["provider_ids"] else ""

    def _current(self, message: OutboundMessage) -> dict[str, Any]:
        return self._store.get(DELIVERIES, message.message_id) or {}

    def _claim_delivery(self, tx: Transaction, message: OutboundMessage) -> dict[str, Any]:
        now = self._clock.now()
        delivery = tx.get(DELIVERIES, message.message_id) or {
            "status": "pending", "parts_sent": 0, "provider_ids": [], "claimed_until": "", "reason": "",
            "channel": message.channel, "conversation_id": message.conversation_id,
        }
        if delivery["status"] in ("sent", "failed"):
            return delivery
        if delivery["claimed_until"] and delivery["claimed_until"] > now.isoformat():
            raise TransientError(f"message {message.message_id} is being sent by another delivery")
        delivery = {**delivery, "status": "sending", "claimed_until": (now + self._claim).isoformat()}
        tx.set(DELIVERIES, message.message_id, delivery)
        return delivery

    def _send_parts(self, message: OutboundMessage, window: ReplyWindow, delivery: dict[str, Any]) -> str:
        try:
            endpoint = self._endpoint_of(message.channel, message.account)
        except ConfigurationError as exc:
            # A missing token is fixed by configuring it: retry, and dead-letter if it never comes.
            raise TransientError(str(exc)) from None
        calls = self._api.render(message, human_agent_tag=window is ReplyWindow.HUMAN_AGENT)
        provider_ids = list(delivery["provider_ids"])
        for index in range(delivery["parts_sent"], len(calls)):
            self._pacing.take(message.channel, message.account)
            provider_id = self._post(endpoint, calls[index])
            provider_ids.append(provider_id)
            delivery = {**delivery, "parts_sent": index + 1, "provider_ids": provider_ids}
            self._store.set(DELIVERIES, message.message_id, delivery)
            if provider_id:
                self._store.set(PROVIDER_MESSAGES, provider_message_doc_id(message.channel, provider_id), {
                    "message_id": message.message_id, "conversation_id": message.conversation_id,
                    "workspace_id": message.workspace_id, "part": index})
        self._store.set(DELIVERIES, message.message_id, {**delivery, "status": "sent", "claimed_until": ""})
        return provider_ids[0] if provider_ids else ""

    def _post(self, endpoint: ProviderEndpoint, call: ApiCall) -> str:
        url = endpoint.root + call.path
        headers = dict(endpoint.headers)
        if call.form is not None:
            content = urlencode(call.form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            kwargs: dict[str, Any] = {"content": content}
        else:
            kwargs = {"json": call.json or {}}
        reason = ""
        for attempt in range(self._attempts):
            wait = self._backoff(attempt)
            try:
                response = self._http.post(url, headers=headers, auth=endpoint.basic_auth, **kwargs)
            except httpx.TimeoutException:
                reason = f"{self._channel} API timed out"
            except httpx.TransportError as exc:
                reason = f"{self._channel} API unreachable: {type(exc).__name__}"
            else:
                body = _json_or_text(response)
                if response.is_success:
                    return self._api.sent_message_id(body)
                disposition = self._api.error_disposition(response.status_code, body, response.headers)
                reason = f"HTTP {response.status_code}: {disposition.reason}"[:MAX_REASON_CHARS]
                if not disposition.transient:
                    raise DeliveryRefused(reason)
                if disposition.retry_after_s is not None:
                    if disposition.retry_after_s > self._max_retry_after_s:
                        break  # far off: let Pub/Sub redeliver later instead of holding the instance
                    wait = disposition.retry_after_s
            log("WARNING", "provider call failed; retrying", channel=self._channel, attempt=attempt + 1,
                reason=reason)
            if attempt + 1 < self._attempts:
                self._sleep(wait)
        raise TransientError(f"{self._channel}: {reason}")

    def _backoff(self, attempt: int) -> float:
        # Full jitter: concurrent senders that failed together do not retry together.
        return random.uniform(0, min(self._max_backoff_s, self._backoff_s * 2 ** attempt))


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
