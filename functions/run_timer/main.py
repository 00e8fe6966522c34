"""run_timer: on the timers topic; menu reminders and automatic resolution."""

from __future__ import annotations

import functions_framework

from shared.bootstrap import current_platform
from shared.conversations.timers import handle_conversation_timer
from shared.entrypoints.pubsub_envelopes import PubSubDelivery, handle_pubsub_event

FUNCTION = "run_timer"


@functions_framework.cloud_event
def run_timer(cloud_event) -> None:
    platform = current_platform()

    def use_case(delivery: PubSubDelivery) -> None:
        handle_conversation_timer(platform, delivery.data, delivery.task_name)

    handle_pubsub_event(platform.bus, FUNCTION, cloud_event, use_case)
