"""retention_purge: on the retention topic (Cloud Scheduler, daily); forgets what each workspace's policy
no longer keeps, and goes on in a new invocation when its time budget runs out."""

from __future__ import annotations

import functions_framework

from shared.bootstrap import current_platform
from shared.entrypoints.pubsub_envelopes import PubSubDelivery, handle_pubsub_event
from shared.retention.scheduled import FUNCTION, run_scheduled_purge


@functions_framework.cloud_event
def retention_purge(cloud_event) -> None:
    platform = current_platform()

    def use_case(delivery: PubSubDelivery) -> None:
        run_scheduled_purge(platform, delivery.data)

    handle_pubsub_event(platform.bus, FUNCTION, cloud_event, use_case)
