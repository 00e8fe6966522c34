"""fetch_media: on the media topic; stores a customer's media, then passes the message to the bot."""

from __future__ import annotations

import functions_framework

from shared.bootstrap import current_platform
from shared.conversations.inbound_media import forward_with_media
from shared.entrypoints.pubsub_envelopes import PubSubDelivery, handle_pubsub_event
from shared.messages.wire import InboundMessage

FUNCTION = "fetch_media"


@functions_framework.cloud_event
def fetch_media(cloud_event) -> None:
    platform = current_platform()

    def use_case(delivery: PubSubDelivery) -> None:
        forward_with_media(platform, platform.media, InboundMessage.from_json(delivery.data))

    handle_pubsub_event(platform.bus, FUNCTION, cloud_event, use_case)
