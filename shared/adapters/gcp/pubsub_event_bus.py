"""Event bus on Google Cloud Pub/Sub (also the Pub/Sub emulator, via PUBSUB_EMULATOR_HOST).

A thin translation of the port: topics and subscriptions map one to one, the
subscription's settings become Pub/Sub's ordering flag, ack deadline, retry
policy and dead-letter policy, and receiving uses synchronous pull (streaming
pull does not fit a pull-on-demand port and is unreliable on the emulator).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from google.api_core import exceptions as google_errors
from google.cloud import pubsub_v1

from shared.kernel.errors import AlreadyExists, ConfigurationError, InvalidInput, NotFound, TransientError
from shared.ports.event_bus import ReceivedMessage, Subscription, checked_attributes

_PUBLISH_TIMEOUT_S = 30.0
# A pull RPC cut short by the client may already have leased messages on the server,
# which then stay hidden until their ack deadline: never give the RPC less than this.
_MIN_PULL_RPC_TIMEOUT_S = 1.0
_EMPTY_PULL_PAUSE_S = 0.05
_SETTINGS_MASK = ["ack_deadline_seconds", "retry_policy", "dead_letter_policy"]


@contextmanager
def _translated_errors(what: str) -> Iterator[None]:
    try:
        yield
    except google_errors.NotFound as exc:
        raise NotFound(f"{what}: {exc.message}") from exc
    except google_errors.AlreadyExists as exc:
        raise AlreadyExists(f"{what}: {exc.message}") from exc
    except google_errors.InvalidArgument as exc:
        raise InvalidInput(f"{what}: {exc.message}") from exc
    except (google_errors.PermissionDenied, google_errors.Unauthenticated) as exc:
        raise ConfigurationError(f"{what}: {exc.message} (check the service account's Pub/Sub roles)") from exc
    except (google_errors.GoogleAPICallError, google_errors.RetryError, concurrent.futures.TimeoutError) as exc:
        raise TransientError(f"{what}: {exc}") from exc


def _publish_time(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # The client returns a DatetimeWithNanoseconds; hand out a plain aware UTC datetime.
    return datetime.fromtimestamp(value.timestamp(), tz=UTC)


class PubSubEventBus:
    """The EventBus port on Pub/Sub; clients are created on first use and reused."""

    def __init__(
        self,
        project: str,
        publisher: pubsub_v1.PublisherClient | None = None,
        subscriber: pubsub_v1.SubscriberClient | None = None,
    ) -> None:
        self._project = project
        self._publisher = publisher
        self._subscriber = subscriber
        self._owns_publisher = publisher is None
        self._owns_subscriber = subscriber is None
        self._lock = threading.Lock()

    # -- clients and names -------------------------------------------------

    def _publisher_client(self) -> pubsub_v1.PublisherClient:
        with self._lock:
            if self._publisher is None:
                self._publisher = pubsub_v1.PublisherClient(
                    publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
                )
            return self._publisher

    def _subscriber_client(self) -> pubsub_v1.SubscriberClient:
        with self._lock:
            if self._subscriber is None:
                self._subscriber = pubsub_v1.SubscriberClient()
            return self._subscriber

    def _topic_path(self, topic: str) -> str:
        return topic if topic.startswith("projects/") else f"projects/{self._project}/topics/{topic}"

    def _subscription_path(self, name: str) -> str:
        return name if name.startswith("projects/") else f"projects/{self._project}/subscriptions/{name}"

    def close(self) -> None:
        with self._lock:
            publisher, subscriber = self._publisher, self._subscriber
            if self._owns_publisher:
                self._publisher = None
            if self._owns_subscriber:
                self._subscriber = None
        # Injected clients belong to the caller; only ours are shut down.
        if publisher is not None and self._owns_publisher:
            publisher.stop()  # flushes pending batches
        if subscriber is not None and self._owns_subscriber:
            subscriber.close()

    # -- topics and subscriptions ----------------------------------------

    def ensure_topic(self, topic: str) -> None:
        path = self._topic_path(topic)
        with _translated_errors(f"creating topic {topic!r}"), contextlib.suppress(google_errors.AlreadyExists):
            self._publisher_client().create_topic(name=path)

    def ensure_subscription(self, subscription: Subscription) -> None:
        if subscription.dead_letter_topic:
            self.ensure_topic(subscription.dead_letter_topic)
        desired = self._desired(subscription)
        subscriber = self._subscriber_client()
        with _translated_errors(f"ensuring subscription {subscription.name!r}"):
            try:
                subscriber.create_subscription(request=desired)
                return
            except google_errors.AlreadyExists:
                existing = subscriber.get_subscription(subscription=desired.name)
            if (existing.topic, existing.enable_message_ordering) != (desired.topic, desired.enable_message_ordering):
                raise AlreadyExists(
                    f"subscription {subscription.name!r} exists on {existing.topic} "
                    f"(ordered={existing.enable_message_ordering}); Pub/Sub cannot change topic or ordering"
                )
            # Only touch the admin API when something changed: it has a low rate quota.
            if any(getattr(existing, field) != getattr(desired, field) for field in _SETTINGS_MASK):
                subscriber.update_subscription(
                    request={"subscription": desired, "update_mask": {"paths": _SETTINGS_MASK}}
                )

    def _desired(self, subscription: Subscription) -> pubsub_v1.types.Subscription:
        dead_letter_policy = None
        if subscription.dead_letter_topic:
            dead_letter_policy = pubsub_v1.types.DeadLetterPolicy(
                dead_letter_topic=self._topic_path(subscription.dead_letter_topic),
                max_delivery_attempts=subscription.max_delivery_attempts,
            )
        retry_policy = None
        # No backoff means "redeliver at once", which in Pub/Sub is the absence of a retry
        # policy: a policy of zero durations is read as "use the defaults" instead.
        if subscription.max_backoff_s > 0:
            retry_policy = pubsub_v1.types.RetryPolicy(
                minimum_backoff=timedelta(seconds=subscription.min_backoff_s),
                maximum_backoff=timedelta(seconds=subscription.max_backoff_s),
            )
        return pubsub_v1.types.Subscription(
            name=self._subscription_path(subscription.name),
            topic=self._topic_path(subscription.topic),
            ack_deadline_seconds=subscription.ack_deadline_s,
            enable_message_ordering=subscription.ordered,
            retry_policy=retry_policy,
            dead_letter_policy=dead_letter_policy,
        )

    # -- publishing --------------------------------------------------------

    def publish(
        self,
        topic: str,
        data: bytes,
        *,
        ordering_key: str = "",
        attributes: Mapping[str, str] | None = None,
    ) -> str:
        attributes = checked_attributes(data, attributes)
        path = self._topic_path(topic)
        publisher = self._publisher_client()
        with _translated_errors(f"publishing to {topic!r}"):
            try:
                return publisher.publish(path, bytes(data), ordering_key=ordering_key, **attributes).result(
                    timeout=_PUBLISH_TIMEOUT_S
                )
            except Exception:
                if ordering_key:
                    # A failed publish pauses its key in the client; without resuming, every
                    # later message of that conversation would be refused.
                    with contextlib.suppress(ValueError, RuntimeError):
                        publisher.resume_publish(path, ordering_key)
                raise

    # -- receiving ---------------------------------------------------------

    def pull(self, subscription: str, max_messages: int = 10, timeout_s: float = 1.0) -> list[ReceivedMessage]:
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        path = self._subscription_path(subscription)
        subscriber = self._subscriber_client()
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while True:
            remaining = deadline - time.monotonic()
            with _translated_errors(f"pulling from {subscription!r}"):
                try:
                    response = subscriber.pull(
                        request={"subscription": path, "max_messages": max_messages, "return_immediately": False},
                        timeout=max(remaining, _MIN_PULL_RPC_TIMEOUT_S),
                    )
                except google_errors.DeadlineExceeded:
                    response = None  # nothing arrived in time: an empty pull, not a failure
            if response is not None and response.received_messages:
                return [self._received(item) for item in response.received_messages]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            # The emulator answers an empty pull at once instead of holding it open.
            time.sleep(min(_EMPTY_PULL_PAUSE_S, remaining))

    @staticmethod
    def _received(item: pubsub_v1.types.ReceivedMessage) -> ReceivedMessage:
        message = item.message
        return ReceivedMessage(
            ack_id=item.ack_id,
            message_id=message.message_id,
            data=bytes(message.data),
            attributes=dict(message.attributes),
            ordering_key=message.ordering_key,
            publish_time=_publish_time(message.publish_time),
            # Pub/Sub counts attempts only on subscriptions with a dead-letter policy (else 0).
            delivery_attempt=item.delivery_attempt or 1,
        )

    def ack(self, subscription: str, ack_ids: list[str]) -> None:
        if not ack_ids:
            return
        with _translated_errors(f"acknowledging on {subscription!r}"):
            self._subscriber_client().acknowledge(subscription=self._subscription_path(subscription), ack_ids=ack_ids)

    def nack(self, subscription: str, ack_ids: list[str]) -> None:
        if not ack_ids:
            return
        with _translated_errors(f"nacking on {subscription!r}"):
            self._subscriber_client().modify_ack_deadline(
                subscription=self._subscription_path(subscription), ack_ids=ack_ids, ack_deadline_seconds=0
            )
