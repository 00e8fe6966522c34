"""Per-account pacing: a token bucket in the document store keeps bursts inside the provider's rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.embedded.sqlite_document_store import SqliteDocumentStore
from shared.adapters.http.send_pacing import RATES, TokenBucket
from shared.kernel.errors import TransientError
from shared.ports.clock import ManualClock


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 11, 24, 12, tzinfo=UTC))


@pytest.fixture
def bucket(tmp_path, clock):
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(timedelta(seconds=seconds))

    bucket = TokenBucket(SqliteDocumentStore(tmp_path / "state.sqlite3"), clock, sleep, max_wait_s=30)
    bucket.sleeps = sleeps
    return bucket


def test_a_burst_up_to_the_bucket_size_goes_without_waiting(bucket):
    burst = RATES["twilio_sms"].burst
    assert [bucket.take("twilio_sms", "+1555") for _ in range(burst)] == [0.0] * burst
    assert bucket.sleeps == []


def test_past_the_burst_each_message_waits_for_the_accounts_rate(bucket):
    rate = RATES["twilio_sms"]
    for _ in range(rate.burst):
        bucket.take("twilio_sms", "+1555")
    waited = [bucket.take("twilio_sms", "+1555") for _ in range(3)]
    assert waited == pytest.approx([1 / rate.per_second] * 3)


def test_accounts_have_their_own_buckets(bucket):
    for _ in range(RATES["twilio_sms"].burst):
        bucket.take("twilio_sms", "+1555")
    assert bucket.take("twilio_sms", "+1666") == 0.0


def test_an_idle_account_refills_its_bucket(bucket, clock):
    for _ in range(RATES["twilio_sms"].burst):
        bucket.take("twilio_sms", "+1555")
    clock.advance(timedelta(seconds=60))
    assert bucket.take("twilio_sms", "+1555") == 0.0


def test_a_wait_longer_than_allowed_is_a_transient_error_so_the_message_is_redelivered(tmp_path, clock):
    bucket = TokenBucket(SqliteDocumentStore(tmp_path / "s.sqlite3"), clock, lambda s: None, max_wait_s=0.5)
    for _ in range(RATES["twilio_sms"].burst):
        bucket.take("twilio_sms", "+1555")
    with pytest.raises(TransientError, match="pace"):
        bucket.take("twilio_sms", "+1555")
