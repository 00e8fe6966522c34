"""resolve_intent: on the inbound topic; runs the bot for one message and stages its replies."""

from __future__ import annotations

import functions_framework

from shared.bootstrap import current_platform
from shared.conversations.resolve import resolve_inbound_message
from shared.entrypoints.pubsub_envelopes import PubSubDelivery, handle_pubsub_event
from shared.messages.wire import InboundMessage

FUNCTION = "resolve_intent"


@functions_framework.cloud_event
def resolve_intent(cloud_event) -> None:
    platform = current_platform()

    def use_case(delivery: PubSubDelivery) -> None:
        resolve_inbound_message(platform, InboundMessage.from_json(delivery.data))

    handle_pubsub_event(platform.bus, FUNCTION, cloud_event, use_case)
