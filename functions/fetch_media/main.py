"""fetch_media: on the media topic; stores a customer's media, then passes the message to the bot."""

from __future__ import annotations

import functions_framework

from shared.bootstrap import current_platform
from shared.entrypoints.pubsub_envelopes import PubSubDelivery, handle_pubsub_event
from shared.messages.wire import InboundMessage

FUNCTION = "fetch_media"


@functions_framework.cloud_event
def fetch_media(cloud_event) -> None:
    from shared.channels.media import forward_with_media

    platform = current_platform()
    senders = platform.senders

    def use_case(delivery: PubSubDelivery) -> None:
        forward_with_media(platform, senders.http_client(), InboundMessage.from_json(delivery.data))

    handle_pubsub_event(platform.bus, FUNCTION, cloud_event, use_case)
