"""assign_agent: on the assignment topic; a conversation handed to people gets a ticket and an agent or a place
in line."""

from __future__ import annotations

import functions_framework

from shared.bootstrap import current_platform
from shared.conversations.handover import FUNCTION, hand_to_people
from shared.entrypoints.pubsub_envelopes import PubSubDelivery, handle_pubsub_event
from shared.messages.wire import AssignmentRequest


@functions_framework.cloud_event
def assign_agent(cloud_event) -> None:
    platform = current_platform()

    def use_case(delivery: PubSubDelivery) -> None:
        hand_to_people(platform, AssignmentRequest.from_json(delivery.data))

    handle_pubsub_event(platform.bus, FUNCTION, cloud_event, use_case)
