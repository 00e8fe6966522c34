"""send_message: on the outbound topic; delivers each reply through its channel."""

from __future__ import annotations

import functions_framework

from shared.bootstrap import current_platform
from shared.conversations.deliver import deliver_outbound_message
from shared.entrypoints.pubsub_envelopes import PubSubDelivery, handle_pubsub_event
from shared.messages.wire import OutboundMessage

FUNCTION = "send_message"


@functions_framework.cloud_event
def send_message(cloud_event) -> None:
    platform = current_platform()

    def use_case(delivery: PubSubDelivery) -> None:
        deliver_outbound_message(platform, platform.senders, OutboundMessage.from_json(delivery.data))

    handle_pubsub_event(platform.bus, FUNCTION, cloud_event, use_case)
