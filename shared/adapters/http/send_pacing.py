"""Per-account pacing: a token bucket kept in the document store, so every instance of send_message
draws from the same bucket and bursts stay inside the provider's rate limits.

One document per account is one write per message: enough for the rates below on the embedded
store and Firestore's per-document write rate is the ceiling for a single account (~1 write/s
sustained is its documented soft limit, bursts go higher); faster accounts would need sharded buckets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from shared.channels.provider import Rate
from shared.channels.providers import PROVIDERS
from shared.kernel.errors import TransientError
from shared.messages.ids import safe_document_id
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Transaction

PACING = "pacing"


# Messages per second per business account: each provider's descriptor gives its channels' rates.
RATES: dict[str, Rate] = {channel: rate for provider in PROVIDERS for channel, rate in provider.rates.items()}


class TokenBucket:
    def __init__(self, store: DocumentStore, clock: Clock, sleep: Callable[[float], None],
                 max_wait_s: float = 10.0) -> None:
        self._store = store
        self._clock = clock
        self._sleep = sleep
        self._max_wait_s = max_wait_s

    def take(self, channel: str, account: str) -> float:
        """Wait for a token of this account's bucket; returns the seconds waited. A wait longer than
        ``max_wait_s`` raises TransientError: the message is redelivered later rather than held."""
        rate = RATES.get(channel)
        if rate is None:
            return 0.0
        bucket_id = safe_document_id(f"{channel}:{account}")
        waited = 0.0
        while True:
            wait = self._store.run_transaction(lambda tx: self._draw(tx, bucket_id, rate))
            if wait <= 0:
                return waited
            if waited + wait > self._max_wait_s:
                raise TransientError(f"{channel} account {account} is over its pace of {rate.per_second}/s")
            self._sleep(wait)
            waited += wait

    def _draw(self, tx: Transaction, bucket_id: str, rate: Rate) -> float:
        now = self._clock.now()
        bucket = tx.get(PACING, bucket_id) or {"tokens": float(rate.burst), "at": now.isoformat()}
        elapsed = max(0.0, (now - datetime.fromisoformat(bucket["at"])).total_seconds())
        tokens = min(float(rate.burst), bucket["tokens"] + elapsed * rate.per_second)
        if tokens >= 1:
            tx.set(PACING, bucket_id, {"tokens": tokens - 1, "at": now.isoformat()})
            return 0.0
        tx.set(PACING, bucket_id, {"tokens": tokens, "at": now.isoformat()})
        return (1 - tokens) / rate.per_second
