"""Pull a subscription and hand each message to its function as a Pub/Sub CloudEvent.

Messages of one ordering key are handled one after another; a failure nacks
the message and every later one of its key in the batch, so order holds.
"""

from __future__ import annotations

import base64
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cloudevents.http import CloudEvent

from shared.kernel.logs import log
from shared.ports.event_bus import EventBus, ReceivedMessage, Subscription

PUBLISHED_TYPE = "google.cloud.pubsub.topic.v1.messagePublished"


def to_cloud_event(project: str, subscription: Subscription, message: ReceivedMessage) -> CloudEvent:
    publish_time = message.publish_time.isoformat() if message.publish_time else None
    return CloudEvent(
        {
            "type": PUBLISHED_TYPE,
            "source": f"//pubsub.googleapis.com/projects/{project}/topics/{subscription.topic}",
            "id": message.message_id,
        },
        {
            "message": {
                "data": base64.b64encode(message.data).decode(),
                "attributes": dict(message.attributes),
                "messageId": message.message_id,
                "publishTime": publish_time,
                "orderingKey": message.ordering_key,
            },
            "subscription": f"projects/{project}/subscriptions/{subscription.name}",
            "deliveryAttempt": message.delivery_attempt,
        },
    )


class SubscriptionDispatcher:
    def __init__(self, bus: EventBus, project: str, subscription: Subscription,
                 function: Callable[[Any], None], workers: int = 4, batch: int = 20) -> None:
        self._bus = bus
        self._project = project
        self._subscription = subscription
        self._function = function
        self._batch = batch
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"dispatch-{subscription.name}")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"pull-{subscription.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._pool.shutdown(wait=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._bus.pull(self._subscription.name, max_messages=self._batch, timeout_s=0.5)
            except Exception as exc:  # the bus may be briefly unavailable; keep the loop alive
                log("WARNING", "pull failed", subscription=self._subscription.name, error=repr(exc))
                self._stop.wait(1.0)
                continue
            groups: OrderedDict[str, list[ReceivedMessage]] = OrderedDict()
            for message in messages:
                groups.setdefault(message.ordering_key or message.message_id, []).append(message)
            for future in [self._pool.submit(self._handle_group, group) for group in groups.values()]:
                future.result()

    def _handle_group(self, group: list[ReceivedMessage]) -> None:
        for position, message in enumerate(group):
            try:
                self._function(to_cloud_event(self._project, self._subscription, message))
            except Exception as exc:
                log("WARNING", "function failed; message will be redelivered", subscription=self._subscription.name,
                    pubsub_message_id=message.message_id, attempt=message.delivery_attempt, error=repr(exc))
                self._bus.nack(self._subscription.name, [m.ack_id for m in group[position:]])
                return
            self._bus.ack(self._subscription.name, [message.ack_id])
